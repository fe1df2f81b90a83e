-- freeze-list.csv: one row per account to freeze (compromised, not already
-- handled, with a username unless the logs alone were analysed; see stage
-- classify), in the column order the admin tooling reads. email_domains
-- are the account's verified email domains; domain_shared_by counts, in the
-- same order, the other accounts with a verified email at each, because
-- Warehouse's freeze also prohibits those domains. The reasons' times are
-- rewritten as in accounts.sql.
WITH v AS (
    SELECT * FROM account_verdicts WHERE to_freeze
), mine AS (
    SELECT DISTINCT e.account, e.domain
    FROM emails e SEMI JOIN v USING (account)
    WHERE e.verified AND e.domain IS NOT NULL
), shared AS (
    SELECT domain, count(DISTINCT account) AS accounts
    FROM emails
    WHERE verified AND domain IN (SELECT domain FROM mine)
    GROUP BY domain
), domains AS (
    SELECT m.account, list(m.domain ORDER BY m.domain) AS domains,
           list(s.accounts - 1 ORDER BY m.domain) AS shared_by
    FROM mine m JOIN shared s USING (domain)
    GROUP BY m.account
)
SELECT v.username, v.account::VARCHAR AS user_id, v.score, v.classification,
       regexp_replace(v.reasons, '(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)( UTC)?', '\1T\2Z', 'g') AS reasons, v.campaign_id,
       v.first_suspicious AS first_suspicious_utc, v.last_suspicious AS last_suspicious_utc,
       v.suspicious_ips, v.attacker_2fa_method,
       coalesce(d.domains, []) AS email_domains, coalesce(d.shared_by, []) AS domain_shared_by,
       v.wave
FROM v LEFT JOIN domains d USING (account)
ORDER BY lower(v.username), user_id;
