-- report.html, accounts section: the first $1 implicated accounts, accounts
-- to freeze first, then exposed, review, targeted and benign, each by score (highest
-- first), then username and account id; with how many there are in all.
SELECT count(*) OVER () AS total,
       account::VARCHAR, coalesce(username, ''), classification, score, coalesce(campaign_id, ''), wave,
       first_suspicious, last_suspicious, len(suspicious_ips), coalesce(array_to_string(suspicious_ips[1:5], ' '), ''),
       coalesce(attacker_2fa_method, ''), coalesce(reasons, '')
FROM account_verdicts
ORDER BY CASE classification WHEN 'compromised' THEN 0 WHEN 'exposed' THEN 1 WHEN 'review' THEN 2 WHEN 'targeted' THEN 3 ELSE 4 END,
         score DESC, username, account
LIMIT $1;
