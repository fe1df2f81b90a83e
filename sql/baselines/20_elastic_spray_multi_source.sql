-- id: elastic-spray-multi-source
-- title: Elastic "Potential Okta Password Spray (Multi-Source)"
-- level: medium
-- status: test
-- tags: attack.credential_access attack.t1110.003 attack.t1110.004
-- reads: attempts
-- description: Failed logins (outcome failure or unknown_user) of the whole site
--   in 15-minute windows, one starting at every 5-minute boundary. A window
--   alerts when it holds at least 5 source addresses, at least 8 distinct
--   users and at least 25 failed attempts, with at most 5 attempts per user
--   on average (attempts / users) and at least one user per address.
-- adaptation: As the published query, the per-user bound is the average
--   (Esql.attempts_per_user = total_attempts / unique_users <= 5.0), and it
--   also asks Esql.users_per_ip >= 1.0. The published rule cuts fixed
--   15-minute buckets (DATE_TRUNC, run every 15 minutes over the last hour);
--   windows every 5 minutes include those buckets and more, which can only
--   give it more alerts. A username that does not exist counts as a user of
--   its own per attempt. The attacked users of an alert are its users that
--   exist; its alerted addresses are every address that failed in it.
-- references: https://github.com/elastic/detection-rules/blob/main/rules/integrations/okta/credential_access_okta_password_spray_multi_source.toml
--   (rule 2d3c27d5-d133-4152-8102-8d051619ec4a)
-- output: one row per alert, in time order: first_failure (the first failed
--   login it counts), alert_at (when it fires, the window's end),
--   source (NULL: site-wide), evidence, accounts (JSON list of the attacked
--   accounts), clients (JSON list of the alerted addresses)

WITH failed AS (
    SELECT attempt_id, time, client, account,
           coalesce(account::VARCHAR, 'unknown#' || attempt_id) AS target
    FROM attempts
    WHERE outcome IN ('failure', 'unknown_user') AND client IS NOT NULL AND time IS NOT NULL
), windowed AS (
    SELECT f.*, time_bucket(INTERVAL 5 MINUTE, f.time) - to_minutes(5 * r.k) AS window_from
    FROM failed f, range(3) AS r(k)
), per_window AS (
    SELECT window_from,
           min(time) AS first_failure,
           count(*) AS attempts,
           count(DISTINCT target) AS users,
           count(DISTINCT client) AS sources,
           count(DISTINCT account) AS accounts,
           to_json(list_sort(list_distinct(list(account::VARCHAR)))) AS account_list,
           to_json(list_sort(list_distinct(list(client)))) AS client_list
    FROM windowed
    GROUP BY window_from
)
SELECT first_failure,
       window_from + INTERVAL 15 MINUTE AS alert_at,
       NULL::VARCHAR AS source,
       format('{:d} failed logins on {:d} users ({:d} existing) from {:d} addresses in {} .. {} UTC; {:.2f} attempts per user, {:.2f} users per address',
              attempts, users, accounts, sources,
              strftime(window_from, '%Y-%m-%d %H:%M'), strftime(window_from + INTERVAL 15 MINUTE, '%H:%M'),
              attempts / users, users / sources) AS evidence,
       account_list::VARCHAR AS accounts,
       client_list::VARCHAR AS clients
FROM per_window
WHERE sources >= 5
  AND users >= 8
  AND attempts >= 25
  AND attempts * 1.0 / users <= 5.0
  AND users * 1.0 / sources >= 1.0
ORDER BY alert_at;
