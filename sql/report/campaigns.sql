-- campaigns.csv: the campaigns with their span, outcomes, reach and
-- fingerprints; the lists hold "value (attempts)" items, most frequent first,
-- joined with ; like every list cell (an item holding ; or " is quoted).
SELECT campaign_id, first_seen AS first_seen_utc, last_seen AS last_seen_utc,
       attempts, failures, unknown_users, second_factor_stops, successes,
       accounts, clients, networks, distinct_countries, distinct_user_agents,
       fingerprints, countries, user_agents
FROM campaigns
ORDER BY try_cast(substr(campaign_id, 2) AS BIGINT), campaign_id;
