-- report.html, timeline charts: each campaign's attempts per hour (UTC), by
-- outcome.
SELECT date_trunc('hour', a.time) AS hour, c.campaign_id, a.outcome, count(*) AS attempts
FROM campaign_attempts c JOIN attempts a USING (attempt_id)
GROUP BY ALL
ORDER BY hour, campaign_id, outcome;
