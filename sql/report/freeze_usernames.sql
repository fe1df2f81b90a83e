-- freeze-list.txt (--freeze-format usernames): the usernames of the
-- accounts to freeze, one a line, in freeze-list.csv's order.
SELECT username
FROM account_verdicts
WHERE classification = 'compromised'
ORDER BY lower(username), account::VARCHAR;
