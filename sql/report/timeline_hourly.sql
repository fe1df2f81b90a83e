-- public/timeline_hourly.csv: per hour of the logs' span, login successes
-- and failures (unknown usernames included) with the baseline band of the
-- same hour of day, campaign attempts, and second factors enrolled by
-- anyone and by the attacker. Counts only: nothing names an account.
WITH camp AS (
    SELECT date_trunc('hour', a.time) AS hour, count(*) AS attempts,
           count(*) FILTER (WHERE a.outcome = 'success') AS successes
    FROM campaign_attempts c JOIN attempts a USING (attempt_id)
    GROUP BY ALL
), enrol AS (
    SELECT date_trunc('hour', time) AS hour, count(*) AS n
    FROM account_events
    WHERE tag = 'account:two_factor:method_added'
      AND time >= (SELECT min(hour) FROM hourly) AND time < (SELECT max(hour) + INTERVAL 1 HOUR FROM hourly)
    GROUP BY ALL
), attacker AS (
    SELECT date_trunc('hour', attacker_2fa_time) AS hour, count(*) AS n
    FROM account_verdicts
    WHERE classification = 'compromised' AND attacker_2fa_time IS NOT NULL
    GROUP BY ALL
)
SELECT h.hour AS hour_utc, h.in_window, h.successes, h.failures, h.unknown_users,
       round(h.base_successes_p05, 2) AS base_successes_p05,
       round(h.base_successes_p50, 2) AS base_successes_p50,
       round(h.base_successes_p95, 2) AS base_successes_p95,
       round(h.base_failures_p50, 2) AS base_failures_p50,
       round(h.base_failures_p95, 2) AS base_failures_p95,
       h.base_hours,
       h.campaign_like AS campaign_like_attempts,
       coalesce(c.attempts, 0) AS campaign_attempts,
       coalesce(c.successes, 0) AS campaign_successes,
       coalesce(e.n, 0) AS twofa_enrolments,
       coalesce(x.n, 0) AS attacker_twofa_enrolments
FROM hourly h
LEFT JOIN camp c USING (hour)
LEFT JOIN enrol e USING (hour)
LEFT JOIN attacker x USING (hour)
ORDER BY h.hour;
