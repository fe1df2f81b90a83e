-- accounts.csv: every implicated account of the analysis (all of
-- account_verdicts), most serious first: compromised, exposed, review,
-- targeted, benign, then by score, highest first. to_freeze says whether the
-- account is on the freeze list; already_handled why a compromised account
-- is not (Warehouse already froze it or disabled its password). The times
-- the analysis wrote into the reasons (2024-03-30 07:49:20 UTC) are
-- rewritten as in every file of the report (2024-03-30T07:49:20Z). The
-- columns begin as freeze-list.csv's, in its order, as in every account CSV.
SELECT v.username, v.account::VARCHAR AS user_id, v.score, v.classification,
       regexp_replace(v.reasons, '(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)( UTC)?', '\1T\2Z', 'g') AS reasons, v.campaign_id,
       v.first_suspicious AS first_suspicious_utc, v.last_suspicious AS last_suspicious_utc,
       v.suspicious_ips, v.attacker_2fa_method, v.attacker_2fa_time AS attacker_2fa_utc,
       v.wave, v.to_freeze, v.handled AS already_handled, v.heuristics, a.has_2fa, v.decisive_attempt
FROM account_verdicts v LEFT JOIN accounts a ON a.id = v.account
ORDER BY list_position(['compromised', 'exposed', 'review', 'targeted', 'benign'], v.classification),
         v.score DESC, lower(v.username), user_id;
