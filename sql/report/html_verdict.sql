-- report.html, verdict: when the campaigns really ran, from their first
-- attempt to their last (not the padded window); the longest pause between
-- two of their attempts in a row, in seconds, against which the page reads
-- the silence from the last attempt to the end of the logs; and the stops at
-- the second factor on accounts the log does not name (no two-factor token,
-- so not among the exposed).
WITH t AS (
    SELECT a.time, a.account, a.outcome FROM campaign_attempts c JOIN attempts a USING (attempt_id)
), gaps AS (
    SELECT epoch(time) - epoch(lag(time) OVER (ORDER BY time)) AS gap FROM t
)
SELECT min(time), max(time), coalesce((SELECT max(gap) FROM gaps), 0)::DOUBLE,
       count(*) FILTER (WHERE outcome = 'second_factor_stop' AND account IS NULL)
FROM t;
