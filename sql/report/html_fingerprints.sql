-- report.html, campaigns section: the hostile fingerprints (their share of
-- failed attempts rose in the window beyond chance: stage fingerprints) and
-- how many of each one's attempts a campaign holds.
WITH in_campaigns AS (
    SELECT a.fingerprint, count(*) AS campaign_attempts
    FROM campaign_attempts c JOIN attempts a USING (attempt_id)
    GROUP BY a.fingerprint
)
SELECT f.fingerprint, f.attempts, coalesce(i.campaign_attempts, 0), f.failures, f.unknown_users, f.successes,
       f.accounts, f.clients, f.failure_share, f.unknown_share, f.first_seen, f.last_seen
FROM fingerprints f LEFT JOIN in_campaigns i USING (fingerprint)
WHERE f.hostile
ORDER BY f.attempts DESC, f.fingerprint;
