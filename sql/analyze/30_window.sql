-- id: window
-- kind: stage
-- title: The incident window, the hourly series and its baseline band
-- results: analysis_window hourly
-- catches: Finds when the attack ran: the stretch of hours that holds the
--   most campaign-like attempts (failed or unknown-user logins with a hostile
--   fingerprint, and unknown-user logins) beyond a background rate, by the
--   maximum-sum segment of (count − λ) where λ is a share of the mean hourly
--   count. With no hostile fingerprint there is no window and no incident.
--   `--window FROM..TO` overrides it. Everything outside the window is
--   baseline: each hour of the day gets the median and 5th-95th percentile of
--   logins and failures in the hours of that time of day outside it.
-- false positives: A second, separate campaign in the same logs: the window
--   covers the larger one (or both, when the quiet gap between them is short).
-- parameters:
--   lambda_share = 0.5: background rate, as a share of the mean hourly count of campaign-like attempts
--   min_hostile = 20: campaign-like attempts the logs need before a window is declared
--   pad_hours = 2: hours added on each side of the densest stretch
-- references: Kadane's maximum subarray; scan statistics for outbreak detection (Kulldorff 1997)

CREATE OR REPLACE TABLE hour_counts AS
WITH bounds AS (
    -- the span of the access logs; with none, the last two weeks of events
    SELECT date_trunc('hour', coalesce(min(time) FILTER (WHERE logged), max(time) - INTERVAL 14 DAY)) AS lo,
           date_trunc('hour', coalesce(max(time) FILTER (WHERE logged), max(time))) AS hi
    FROM attempts
), hours AS (
    SELECT unnest(generate_series(lo, hi, INTERVAL 1 HOUR)) AS hour FROM bounds WHERE lo IS NOT NULL
), a AS (
    SELECT date_trunc('hour', a.time) AS hour, a.outcome,
           (a.outcome = 'unknown_user' OR (coalesce(f.hostile, false) AND a.outcome <> 'success')) AS campaign_like
    FROM attempts a LEFT JOIN fingerprints f USING (fingerprint)
)
SELECT h.hour,
       count(a.hour) FILTER (WHERE a.outcome = 'success') AS successes,
       count(a.hour) FILTER (WHERE a.outcome IN ('failure', 'unknown_user')) AS failures,
       count(a.hour) FILTER (WHERE a.outcome = 'unknown_user') AS unknown_users,
       count(a.hour) FILTER (WHERE a.campaign_like) AS campaign_like
FROM hours h LEFT JOIN a USING (hour)
GROUP BY h.hour;

CREATE OR REPLACE TABLE analysis_window AS
WITH stats AS (
    SELECT getvariable('lambda_share') * avg(campaign_like) AS lam, sum(campaign_like) AS total,
           min(hour) AS lo, max(hour) + INTERVAL 1 HOUR AS hi
    FROM hour_counts
), hostile AS (
    SELECT count(*) AS n FROM attempts JOIN fingerprints USING (fingerprint)
    WHERE hostile AND outcome <> 'success'
), s AS (
    SELECT hour, sum(campaign_like - lam) OVER (ORDER BY hour) AS cum FROM hour_counts, stats
), m AS (
    SELECT hour, cum,
           least(0, min(cum) OVER (ORDER BY hour ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) AS prev_min
    FROM s
), best AS (
    SELECT hour AS last_hour, prev_min FROM m ORDER BY cum - prev_min DESC, hour LIMIT 1
), seg AS (
    SELECT coalesce((SELECT max(m.hour) + INTERVAL 1 HOUR FROM m, best
                     WHERE m.hour < best.last_hour AND m.cum = best.prev_min),
                    (SELECT lo FROM stats)) AS first_hour,
           (SELECT last_hour FROM best) AS last_hour
), auto AS (
    SELECT greatest(first_hour - to_hours(getvariable('pad_hours')::BIGINT), lo) AS window_from,
           least(last_hour + INTERVAL 1 HOUR + to_hours(getvariable('pad_hours')::BIGINT), hi) AS window_to
    FROM seg, stats
)
SELECT CASE WHEN getvariable('window_from') IS NOT NULL THEN getvariable('window_from')::TIMESTAMPTZ
            WHEN hostile.n >= getvariable('min_hostile') THEN auto.window_from END AS window_from,
       CASE WHEN getvariable('window_from') IS NOT NULL THEN getvariable('window_to')::TIMESTAMPTZ
            WHEN hostile.n >= getvariable('min_hostile') THEN auto.window_to END AS window_to,
       CASE WHEN getvariable('window_from') IS NOT NULL THEN 'given'
            WHEN hostile.n >= getvariable('min_hostile') THEN 'auto' ELSE 'none' END AS source,
       hostile.n AS hostile_attempts, stats.total AS campaign_like_attempts, stats.lam AS background_per_hour
FROM auto, hostile, stats;

-- Attempts inside the window; empty when there is none.
CREATE OR REPLACE VIEW window_attempts AS
SELECT a.* FROM attempts a, analysis_window w
WHERE a.time >= w.window_from AND a.time < w.window_to;

CREATE OR REPLACE TABLE hourly AS
WITH w AS (SELECT * FROM analysis_window), flagged AS (
    SELECT h.*, coalesce(h.hour >= w.window_from AND h.hour < w.window_to, false) AS in_window
    FROM hour_counts h, w
), band AS (
    SELECT hour(hour) AS hod,
           quantile_cont(successes, 0.5) AS base_successes_p50,
           quantile_cont(successes, 0.05) AS base_successes_p05,
           quantile_cont(successes, 0.95) AS base_successes_p95,
           quantile_cont(failures, 0.5) AS base_failures_p50,
           quantile_cont(failures, 0.95) AS base_failures_p95,
           count(*) AS base_hours
    FROM flagged WHERE NOT in_window GROUP BY ALL
)
SELECT f.*, b.* EXCLUDE (hod)
FROM flagged f LEFT JOIN band b ON b.hod = hour(f.hour)
ORDER BY f.hour;
