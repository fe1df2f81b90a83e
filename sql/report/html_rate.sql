-- report.html, headline: the window's failed logins and unknown usernames
-- against the same hours of the day outside it, measured as summary.sql
-- measures all logins: the count in the window, the count its hours would
-- have had at their hour of day's baseline median, and its hours above their
-- hour of day's 95th percentile; and how many baseline hours (samples) the
-- hours of the day have, fewest and most.
WITH h AS (
    SELECT hour(hour) AS hod, in_window, failures, unknown_users FROM hourly
), band AS (
    SELECT hod, quantile_cont(failures, 0.5) AS f50, quantile_cont(failures, 0.95) AS f95,
           quantile_cont(unknown_users, 0.5) AS u50, quantile_cont(unknown_users, 0.95) AS u95, count(*) AS samples
    FROM h WHERE NOT in_window GROUP BY hod
), samples AS (
    SELECT min(coalesce(b.samples, 0)) AS fewest, max(coalesce(b.samples, 0)) AS most
    FROM range(24) r(hod) LEFT JOIN band b USING (hod)
)
SELECT coalesce(sum(h.failures) FILTER (WHERE h.in_window), 0)::BIGINT,
       round(sum(b.f50) FILTER (WHERE h.in_window), 2),
       count(*) FILTER (WHERE h.in_window AND h.failures > b.f95),
       coalesce(sum(h.unknown_users) FILTER (WHERE h.in_window), 0)::BIGINT,
       round(sum(b.u50) FILTER (WHERE h.in_window), 2),
       count(*) FILTER (WHERE h.in_window AND h.unknown_users > b.u95),
       any_value(s.fewest), any_value(s.most)
FROM h LEFT JOIN band b USING (hod), samples s;
