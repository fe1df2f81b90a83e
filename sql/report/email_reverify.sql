-- email-reverify.csv: the verified emails of accounts without a second
-- factor, whose verification PyPI invalidated after the incident. Username
-- and user_id lead, as in every account CSV.
SELECT a.username, a.id::VARCHAR AS user_id, e.email
FROM emails e JOIN accounts a ON a.id = e.account
WHERE e.verified AND NOT a.has_2fa
ORDER BY lower(a.username), user_id, e.email;
