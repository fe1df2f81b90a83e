-- id: campaign-links
-- kind: clustering
-- title: Which suspicious attempts are linked, and by what
-- results: attempt_scores
-- catches: The attempts in the window that look like the attacker's:
--   failures and unknown-user logins with a hostile fingerprint or from a
--   flagged address or network, unknown-user logins, and successes scoring at
--   least suspicious_score. Each gets links: its fingerprint (if hostile), its
--   address, its network. freezeframe joins attempts that share any link into
--   one component (union-find, in Go); stage campaigns keeps the components
--   big enough to be campaigns. One attempt per address still forms one
--   campaign when the fingerprint is shared.
-- false positives: A real user's typo with a hostile fingerprint joins the
--   campaign as a failure, and the account shows as targeted.
-- parameters:
--   suspicious_score = 6: score from which a successful login joins the clustering

CREATE OR REPLACE TABLE attempt_scores AS
SELECT attempt_id, any_value(account) AS account, sum(points)::INTEGER AS score,
       list(DISTINCT heuristic ORDER BY heuristic) FILTER (WHERE points > 0) AS heuristics
FROM findings
WHERE scope = 'attempt'
GROUP BY attempt_id;

CREATE OR REPLACE TABLE suspicious AS
WITH flagged AS (
    SELECT DISTINCT scope, subject FROM findings WHERE heuristic = 'fanout' AND scope IN ('ip', 'prefix')
)
SELECT a.attempt_id, a.client, a.prefix, a.fingerprint, coalesce(f.hostile, false) AS hostile
FROM window_attempts a
LEFT JOIN fingerprints f USING (fingerprint)
LEFT JOIN attempt_scores s USING (attempt_id)
WHERE (a.outcome <> 'success'
       AND (coalesce(f.hostile, false) OR a.outcome = 'unknown_user'
            OR a.client IN (SELECT subject FROM flagged WHERE scope = 'ip')
            OR a.prefix IN (SELECT subject FROM flagged WHERE scope = 'prefix')))
   OR (a.outcome = 'success' AND coalesce(s.score, 0) >= getvariable('suspicious_score'));

CREATE OR REPLACE TABLE campaign_links AS
SELECT attempt_id, 'fingerprint ' || fingerprint AS link FROM suspicious WHERE hostile
UNION ALL
SELECT attempt_id, 'address ' || client FROM suspicious WHERE client IS NOT NULL
UNION ALL
SELECT attempt_id, 'network ' || prefix FROM suspicious WHERE prefix IS NOT NULL;
