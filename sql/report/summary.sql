-- The headline numbers of the latest analysis run, one row: the run, the
-- window, verdict counts, campaign reach, emails to re-verify and the login
-- rate inside the window against the baseline hours outside it. Logins are
-- successes plus failures (unknown usernames included), as in `hourly`.
WITH run AS (
    SELECT run_id, tool_version, results_sha256, window_from, window_to, window_source
    FROM analysis_runs ORDER BY run_id DESC LIMIT 1
), verdicts AS (
    SELECT count(*) FILTER (WHERE to_freeze) AS to_freeze,
           count(*) FILTER (WHERE to_freeze AND wave = 'new') AS to_freeze_new,
           count(*) FILTER (WHERE to_freeze AND wave = 'listed') AS to_freeze_listed,
           count(*) FILTER (WHERE classification = 'compromised' AND handled IS NOT NULL) AS handled,
           count(*) FILTER (WHERE classification = 'compromised' AND handled IS NULL AND NOT to_freeze) AS without_username,
           count(*) FILTER (WHERE classification = 'exposed') AS exposed,
           count(*) FILTER (WHERE classification = 'targeted') AS targeted,
           count(*) FILTER (WHERE classification = 'review') AS review,
           count(*) FILTER (WHERE classification = 'benign') AS benign,
           -- the accounts tampering.sql checks
           count(*) FILTER (WHERE classification IN ('compromised', 'exposed') AND first_suspicious IS NOT NULL) AS tamper_checked
    FROM account_verdicts
), reach AS (
    SELECT count(*) AS campaign_attempts, count(DISTINCT a.client) AS distinct_ips,
           count(DISTINCT a.country_code) AS distinct_countries
    FROM campaign_attempts c JOIN attempts a USING (attempt_id)
), mail AS (
    SELECT count(*) AS all_emails,
           count(*) FILTER (WHERE e.verified) AS verified_emails,
           count(*) FILTER (WHERE e.verified AND NOT a.has_2fa) AS reverify
    FROM emails e LEFT JOIN accounts a ON a.id = e.account
), hours AS (
    SELECT hour(hour) AS hod, in_window, successes + failures AS logins, failures FROM hourly
), same_hour AS (
    -- each hour of the day's baseline: the hours at that time of day outside the window
    SELECT hod, quantile_cont(logins, 0.5) AS p50, quantile_cont(logins, 0.95) AS p95
    FROM hours WHERE NOT in_window GROUP BY hod
), rate AS (
    SELECT count(*) FILTER (WHERE in_window) AS window_hours,
           sum(logins) FILTER (WHERE in_window) AS window_logins,
           avg(logins) FILTER (WHERE in_window) AS window_per_hour,
           max(logins) FILTER (WHERE in_window) AS window_peak,
           avg(failures) FILTER (WHERE in_window) AS window_failures_per_hour,
           sum(s.p50) FILTER (WHERE in_window) AS same_hours_expected,
           count(*) FILTER (WHERE in_window AND logins > s.p95) AS hours_above_same_hour_p95,
           count(*) FILTER (WHERE NOT in_window) AS baseline_hours,
           quantile_cont(logins, 0.5) FILTER (WHERE NOT in_window) AS baseline_median,
           quantile_cont(logins, 0.95) FILTER (WHERE NOT in_window) AS baseline_p95,
           quantile_cont(failures, 0.5) FILTER (WHERE NOT in_window) AS baseline_failures_median
    FROM hours h LEFT JOIN same_hour s USING (hod)
)
SELECT run.run_id, run.tool_version, run.results_sha256,
       run.window_from, run.window_to, run.window_source,
       verdicts.*,
       (SELECT count(*) FROM campaigns) AS campaigns,
       reach.*,
       mail.*,
       rate.window_hours, coalesce(rate.window_logins, 0)::BIGINT AS window_logins,
       round(rate.window_per_hour, 2) AS window_per_hour, rate.window_peak,
       round(rate.window_failures_per_hour, 2) AS window_failures_per_hour,
       round(rate.same_hours_expected, 2) AS same_hours_expected, rate.hours_above_same_hour_p95,
       rate.baseline_hours, round(rate.baseline_median, 2) AS baseline_median, round(rate.baseline_p95, 2) AS baseline_p95,
       round(rate.baseline_failures_median, 2) AS baseline_failures_median,
       round(rate.window_per_hour / nullif(rate.baseline_median, 0), 3) AS ratio_to_median,
       round(rate.window_logins / nullif(rate.same_hours_expected, 0), 3) AS ratio_to_same_hours
FROM run, verdicts, reach, mail, rate;
