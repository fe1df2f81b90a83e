-- id: campaigns
-- kind: stage
-- title: Campaigns: linked attempts big enough to be an attack, and what they share
-- results: campaign_attempts campaigns
-- catches: Keeps the components of linked suspicious attempts with at least
--   min_attempts attempts that failed on min_targets accounts or unknown
--   usernames, numbers them C1, C2, ... by first attempt, and describes each:
--   time span, attempts by outcome, accounts, addresses, networks,
--   countries, user agents and fingerprints.
-- false positives: Logins alone make no campaign, however well they score:
--   dormant accounts behind one university NAT waking on the same days share
--   an address and score as novel, but a credential list fails far more
--   often than it succeeds.
-- parameters:
--   min_attempts = 10: attempts a component needs to be a campaign
--   min_targets = 5: accounts or unknown usernames it must have tried and failed on

CREATE OR REPLACE TABLE campaign_attempts AS
WITH comp AS (
    SELECT c.component, a.attempt_id, a.time, a.account, a.outcome
    FROM campaign_components c JOIN attempts a USING (attempt_id)
), big AS (
    SELECT component, min(time) AS first_seen
    FROM comp
    GROUP BY component
    HAVING count(*) >= getvariable('min_attempts')
       AND count(DISTINCT coalesce(account::VARCHAR, 'unknown#' || attempt_id))
               FILTER (WHERE outcome IN ('failure', 'unknown_user', 'username_corrected', 'rate_limited'))
           >= getvariable('min_targets')
), ids AS (
    SELECT component, 'C' || row_number() OVER (ORDER BY first_seen, component) AS campaign_id FROM big
)
SELECT ids.campaign_id, comp.attempt_id
FROM comp JOIN ids USING (component)
ORDER BY comp.attempt_id;

CREATE OR REPLACE TABLE campaigns AS
WITH a AS (
    SELECT c.campaign_id, a.*, f.hostile
    FROM campaign_attempts c JOIN attempts a USING (attempt_id) LEFT JOIN fingerprints f USING (fingerprint)
), top AS (
    SELECT campaign_id, 'country' AS what, coalesce(country_code, '?') AS v, count(*) AS n FROM a GROUP BY ALL
    UNION ALL SELECT campaign_id, 'user_agent', coalesce(user_agent, '(none)'), count(*) FROM a GROUP BY ALL
    UNION ALL SELECT campaign_id, 'fingerprint', fingerprint, count(*) FROM a WHERE hostile GROUP BY ALL
), lists AS (
    SELECT campaign_id,
           list(format('{} ({:d})', v, n) ORDER BY n DESC, v) FILTER (WHERE what = 'country') AS countries,
           list(format('{} ({:d})', v, n) ORDER BY n DESC, v) FILTER (WHERE what = 'user_agent') AS user_agents,
           list(format('{} ({:d})', v, n) ORDER BY n DESC, v) FILTER (WHERE what = 'fingerprint') AS fingerprints,
           count(*) FILTER (WHERE what = 'user_agent') AS distinct_user_agents,
           count(*) FILTER (WHERE what = 'country') AS distinct_countries
    FROM top GROUP BY campaign_id
)
SELECT a.campaign_id, min(a.time) AS first_seen, max(a.time) AS last_seen,
       count(*) AS attempts,
       count(*) FILTER (WHERE a.outcome = 'failure') AS failures,
       -- in a campaign, a "corrected" unknown username is the tool's next login
       count(*) FILTER (WHERE a.outcome IN ('unknown_user', 'username_corrected')) AS unknown_users,
       count(*) FILTER (WHERE a.outcome = 'second_factor_stop') AS second_factor_stops,
       count(*) FILTER (WHERE a.outcome = 'success') AS successes,
       count(DISTINCT a.account) AS accounts,
       count(DISTINCT a.client) AS clients,
       count(DISTINCT a.prefix) AS networks,
       any_value(l.distinct_countries) AS distinct_countries,
       any_value(l.distinct_user_agents) AS distinct_user_agents,
       any_value(l.fingerprints) AS fingerprints,
       any_value(l.countries) AS countries,
       any_value(l.user_agents)[1:20] AS user_agents
FROM a JOIN lists l USING (campaign_id)
GROUP BY a.campaign_id
ORDER BY a.campaign_id;
