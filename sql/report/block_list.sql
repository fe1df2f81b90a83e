-- block-list.csv: what a CDN or WAF can block, from the campaigns'
-- attempts: each client address (kind address, or hashed_address where the
-- log names clients by Warehouse's hashed IP) and each hostile behavioural
-- fingerprint (kind fingerprint, stage fingerprints), with the campaign, the
-- first and last attempt, the attempts and the accounts tried. Before
-- blocking, read other_logins: successful logins from that address or with
-- that fingerprint outside the campaign, the real users a block would stop
-- too (a residential proxy's address, a university NAT).
WITH c AS (
    SELECT c.campaign_id, a.attempt_id, a.time, a.account, a.client, a.hashed_ip, a.ip, a.fingerprint
    FROM campaign_attempts c JOIN attempts a USING (attempt_id)
), clients AS (
    SELECT CASE WHEN any_value(ip) IS NULL AND any_value(hashed_ip) IS NOT NULL THEN 'hashed_address' ELSE 'address' END AS kind,
           client AS value, campaign_id, min(time) AS first_seen_utc, max(time) AS last_seen_utc,
           count(*) AS attempts, count(DISTINCT account) AS accounts
    FROM c WHERE client IS NOT NULL GROUP BY client, campaign_id
), prints AS (
    SELECT 'fingerprint' AS kind, c.fingerprint AS value, c.campaign_id, min(c.time), max(c.time), count(*), count(DISTINCT c.account)
    FROM c JOIN fingerprints f ON f.fingerprint = c.fingerprint AND f.hostile
    GROUP BY c.fingerprint, c.campaign_id
), listed AS (
    FROM clients UNION ALL FROM prints
), outside AS (
    -- successful logins outside the campaigns, read once for both kinds
    SELECT a.client, a.fingerprint FROM attempts a ANTI JOIN campaign_attempts x USING (attempt_id)
    WHERE a.outcome = 'success'
), others AS (
    SELECT 'address' AS kind, client AS value, count(*) AS n FROM outside WHERE client IN (SELECT value FROM clients) GROUP BY ALL
    UNION ALL
    SELECT 'fingerprint', fingerprint, count(*) FROM outside WHERE fingerprint IN (SELECT value FROM prints) GROUP BY ALL
)
SELECT l.kind, l.value, l.campaign_id, l.first_seen_utc, l.last_seen_utc, l.attempts, l.accounts, coalesce(o.n, 0) AS other_logins
FROM listed l LEFT JOIN others o ON o.value = l.value AND o.kind = CASE WHEN l.kind = 'fingerprint' THEN 'fingerprint' ELSE 'address' END
ORDER BY CASE l.kind WHEN 'fingerprint' THEN 0 ELSE 1 END, l.attempts DESC, l.value, l.campaign_id;
