-- exposed.csv: every account whose password a campaign proved while a
-- second factor stopped it (classification exposed): the owner must change
-- the password, and the account is not to be frozen. proved_utc and
-- proved_from are the campaign's attempt that had the password right;
-- named_by says how the account is known: Warehouse's two-factor token in
-- the access log (token), or the login event of a failed second factor
-- (event). The reasons' times are rewritten as in accounts.sql. The
-- columns it shares with freeze-list.csv come in its order, username and
-- user_id first, as in every account CSV. already_handled says when
-- Warehouse had already frozen the account or disabled its password.
SELECT v.username, v.account::VARCHAR AS user_id, v.score,
       regexp_replace(v.reasons, '(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)( UTC)?', '\1T\2Z', 'g') AS reasons, v.campaign_id,
       a.time AS proved_utc, a.client AS proved_from, a.named_by, v.suspicious_ips,
       coalesce(x.has_totp, false) AS has_totp, coalesce(x.webauthn_keys, 0) AS webauthn_keys,
       v.handled AS already_handled
FROM account_verdicts v
JOIN attempts a ON a.attempt_id = v.decisive_attempt
LEFT JOIN accounts x ON x.id = v.account
WHERE v.classification = 'exposed'
ORDER BY lower(v.username), user_id;
