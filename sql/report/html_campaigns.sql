-- report.html, campaigns section: every campaign with its reach and, as JSON
-- lists, its fingerprints, countries and most frequent user agents, each
-- "value (attempts)". Numbered C1, C2, ... by first attempt.
SELECT campaign_id, first_seen, last_seen, attempts, failures, unknown_users, second_factor_stops, successes,
       accounts, clients, networks, distinct_countries, distinct_user_agents,
       to_json(coalesce(fingerprints, []))::VARCHAR, to_json(coalesce(countries, []))::VARCHAR,
       to_json(coalesce(user_agents, []))::VARCHAR
FROM campaigns
ORDER BY first_seen, campaign_id;
