-- id: campaigns
-- kind: stage
-- title: The campaign: the attempts attributed to it, and what they share
-- level: informational
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: attempt_scores attempts fingerprints
-- results: campaign_attempts campaigns
-- description: The window's attempts that stage attribution gave to the
--   campaign (more likely its than the baseline's) are campaign C1 when they
--   failed on at least min_targets accounts or unknown usernames, with at
--   least min_attempts attempts in all, and described: time span, attempts by
--   outcome, accounts, addresses, networks, countries, user agents and
--   hostile fingerprints.
-- false positives: Logins alone make no campaign, however well they score:
--   dormant accounts behind one university NAT waking on the same days share
--   an address and score as novel, but a credential list fails far more
--   often than it succeeds.
-- parameters:
--   min_attempts = 10: attempts a campaign needs
--   min_targets = 5: accounts or unknown usernames it must have tried and failed on

CREATE OR REPLACE TABLE campaign_attempts AS
WITH c AS (
    SELECT s.attempt_id, a.time, a.account, a.outcome, s.class
    FROM attempt_scores s JOIN attempts a USING (attempt_id)
    WHERE s.attributed
), ok AS (
    SELECT count(*) >= getvariable('min_attempts')
           AND count(DISTINCT coalesce(account::VARCHAR, 'unknown#' || attempt_id))
                   FILTER (WHERE class IN ('failure', 'unknown username')) >= getvariable('min_targets') AS campaign
    FROM c
)
SELECT 'C1' AS campaign_id, c.attempt_id
FROM c, ok
WHERE ok.campaign
ORDER BY c.attempt_id;

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
       count(*) FILTER (WHERE a.outcome IN ('unknown_user', 'username_corrected')) AS unknown_users,
       count(*) FILTER (WHERE a.outcome = 'second_factor_stop') AS second_factor_stops,
       count(*) FILTER (WHERE a.outcome = 'success') AS successes,
       count(DISTINCT a.account) AS accounts,
       count(DISTINCT a.client) AS clients,
       count(DISTINCT a.prefix) AS networks,
       any_value(l.distinct_countries) AS distinct_countries,
       any_value(l.distinct_user_agents) AS distinct_user_agents,
       coalesce(any_value(l.fingerprints), []) AS fingerprints,
       any_value(l.countries) AS countries,
       any_value(l.user_agents)[1:20] AS user_agents
FROM a JOIN lists l USING (campaign_id)
GROUP BY a.campaign_id
ORDER BY a.campaign_id;
