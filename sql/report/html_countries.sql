-- report.html, campaigns section: where each campaign's attempts came from,
-- against the baseline mix (the login attempts outside the incident
-- window, campaign_id NULL): attempts by country code, NULL where unknown.
SELECT c.campaign_id, a.country_code, count(*) AS attempts
FROM campaign_attempts c JOIN attempts a USING (attempt_id)
GROUP BY ALL
UNION ALL
SELECT NULL, a.country_code, count(*)
FROM attempts a, analysis_window w
WHERE NOT coalesce(a.time >= w.window_from AND a.time < w.window_to, false)
GROUP BY ALL
ORDER BY campaign_id NULLS LAST, attempts DESC, country_code NULLS LAST;
