-- report.html, timeline charts: the hourly login series with its baseline
-- band (from `hourly`: the same hour of day outside the window), the unknown
-- usernames with their own band worked out the same way, and the second
-- factors enrolled in each hour, all of them and those by accounts to freeze
-- at or after their first suspicious login. Hours are UTC; the page labels
-- them in the report's zone. The bands are rounded to hundredths
-- (percentiles interpolate).
WITH span AS (
    SELECT min(hour) AS lo, max(hour) + INTERVAL 1 HOUR AS hi FROM hourly
), enrol AS (
    SELECT date_trunc('hour', e.time) AS hour,
           count(*) AS enrolments,
           count(*) FILTER (WHERE v.classification = 'compromised' AND e.time >= v.first_suspicious) AS by_to_freeze
    FROM account_events e
    JOIN span ON e.time >= span.lo AND e.time < span.hi
    LEFT JOIN account_verdicts v ON v.account = e.account
    WHERE e.tag = 'account:two_factor:method_added'
    GROUP BY ALL
), unknown_band AS (
    SELECT hour(hour) AS hod,
           quantile_cont(unknown_users, 0.5) AS p50, quantile_cont(unknown_users, 0.95) AS p95
    FROM hourly WHERE NOT in_window GROUP BY ALL
)
SELECT h.hour, h.successes, h.failures, h.unknown_users, h.in_window,
       round(h.base_successes_p05, 2), round(h.base_successes_p50, 2), round(h.base_successes_p95, 2),
       round(h.base_failures_p50, 2), round(h.base_failures_p95, 2),
       round(u.p50, 2), round(u.p95, 2),
       coalesce(e.enrolments, 0) AS enrolments, coalesce(e.by_to_freeze, 0) AS by_to_freeze
FROM hourly h
LEFT JOIN enrol e USING (hour)
LEFT JOIN unknown_band u ON u.hod = hour(h.hour)
ORDER BY h.hour;
