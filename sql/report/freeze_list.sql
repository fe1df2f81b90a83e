-- freeze-list.csv: one row per account to freeze (classification
-- compromised), in the column order the admin tooling reads. email_domains
-- are the account's verified email domains; domain_shared_by counts, in the
-- same order, the other accounts with a verified email at each, because
-- Warehouse's freeze also prohibits those domains.
WITH v AS (
    SELECT * FROM account_verdicts WHERE classification = 'compromised'
), verified AS (
    SELECT DISTINCT account, domain FROM emails WHERE verified AND domain IS NOT NULL
), shared AS (
    SELECT domain, count(*) AS accounts
    FROM verified
    WHERE domain IN (SELECT d.domain FROM verified d SEMI JOIN v USING (account))
    GROUP BY domain
), domains AS (
    SELECT d.account, list(d.domain ORDER BY d.domain) AS domains,
           list(s.accounts - 1 ORDER BY d.domain) AS shared_by
    FROM verified d SEMI JOIN v USING (account) JOIN shared s USING (domain)
    GROUP BY d.account
)
SELECT v.username, v.account::VARCHAR AS user_id, v.score, v.classification, v.reasons, v.campaign_id,
       v.first_suspicious AS first_suspicious_utc, v.last_suspicious AS last_suspicious_utc,
       v.suspicious_ips, v.attacker_2fa_method,
       coalesce(d.domains, []) AS email_domains, coalesce(d.shared_by, []) AS domain_shared_by,
       v.wave
FROM v LEFT JOIN domains d USING (account)
ORDER BY lower(v.username), user_id;
