-- id: elastic-stuffing-single-source
-- title: Elastic "Potential Okta Credential Stuffing (Single Source)"
-- level: medium
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: attempts
-- description: Failed logins (outcome failure or unknown_user) in 15-minute
--   windows, one starting at every 5-minute boundary (the rule looks back
--   15 minutes and runs every 5), grouped by source address. An address
--   alerts in a window when it made at least 25 failed attempts on at least
--   15 distinct users, at most 2 on any one user, and at least 80 % of its
--   users got at most 2. Each alert is one (window, address): a sustained
--   attack alerts in every window it fills, as the live rule would.
-- adaptation: Okta's INVALID_CREDENTIALS and LOCKED_OUT events are our
--   failed logins; a username that does not exist counts as a user of its
--   own per attempt (Okta logs the name typed; the case keeps no name for
--   them), which can only help the rule reach 15 users. The address is the
--   attempt's client: the IP, or the hashed IP where the logs hash them.
--   The attacked users of an alert are its users that exist.
-- references: https://github.com/elastic/detection-rules/blob/main/rules/integrations/okta/credential_access_okta_credential_stuffing_single_source.toml
--   (rule 94e734c0-2cda-11ef-84e1-f661ea17fbce, from = now-15m, default interval 5m)
-- output: one row per alert, in time order: first_failure (the first failed
--   login it counts), alert_at (when it fires, the window's end),
--   source, evidence, accounts (JSON list of the attacked accounts), clients
--   (JSON list of the alerted addresses)

WITH failed AS (
    SELECT attempt_id, time, client, account,
           coalesce(account::VARCHAR, 'unknown#' || attempt_id) AS target
    FROM attempts
    WHERE outcome IN ('failure', 'unknown_user') AND client IS NOT NULL AND time IS NOT NULL
), windowed AS (
    -- every attempt is in the three windows that start at its 5-minute
    -- boundary and at the two before it
    SELECT f.*, time_bucket(INTERVAL 5 MINUTE, f.time) - to_minutes(5 * r.k) AS window_from
    FROM failed f, range(3) AS r(k)
), per_user AS (
    SELECT window_from, client, target, any_value(account) AS account, count(*) AS attempts, min(time) AS first_failure
    FROM windowed
    GROUP BY window_from, client, target
), per_source AS (
    SELECT window_from, client,
           min(first_failure) AS first_failure,
           sum(attempts)::BIGINT AS attempts,
           count(*) AS users,
           max(attempts) AS max_per_user,
           count(*) FILTER (WHERE attempts <= 2) AS users_few,
           count(account) AS accounts,
           to_json(list_sort(list_distinct(list(account::VARCHAR)))) AS account_list
    FROM per_user
    GROUP BY window_from, client
)
SELECT first_failure,
       window_from + INTERVAL 15 MINUTE AS alert_at,
       client AS source,
       format('{:d} failed logins from {} on {:d} users ({:d} existing) in {} .. {} UTC; at most {:d} per user, {:d} % of users with at most 2',
              attempts, client, users, accounts,
              strftime(window_from, '%Y-%m-%d %H:%M'), strftime(window_from + INTERVAL 15 MINUTE, '%H:%M'),
              max_per_user, (100 * users_few // users)::BIGINT) AS evidence,
       account_list::VARCHAR AS accounts,
       to_json([client])::VARCHAR AS clients
FROM per_source
WHERE attempts >= 25
  AND users >= 15
  AND max_per_user <= 2
  AND users_few * 100.0 / users >= 80.0
ORDER BY alert_at, source;
