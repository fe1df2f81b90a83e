-- id: success-after-attack
-- kind: heuristic
-- title: Failed logins on the account from other addresses shortly before its successful one
-- level: high
-- status: test
-- tags: attack.initial_access attack.t1078 attack.credential_access attack.t1110.004
-- reads: evidence attempts span_attempts
-- description: The list held several passwords for the account, or the attacker
--   retried: failures, then a success, joined on the account rather than the
--   address, so that rotating addresses does not hide it. Every successful
--   login: whether the account failed from another address in lookback_h
--   before it.
-- false positives: A user who mistypes on a phone and logs in from a laptop.
--   A typo retried from the same address does not count.
-- parameters:
--   lookback_h = 6: hours before the success in which the failures count
-- references: Elastic "Successful Login After Credential Attack" (6 h, joined on the user)

INSERT INTO evidence
WITH failures AS (
    SELECT account, time, client FROM attempts
    WHERE outcome = 'failure' AND failure_reason = 'invalid_password'
), hits AS (
    SELECT s.attempt_id, count(*) AS n, min(f.time) AS first, arg_min(f.client, f.time) AS first_client
    FROM span_attempts s
    JOIN failures f ON f.account = s.account AND f.time < s.time AND f.client IS DISTINCT FROM s.client
                   AND f.time >= s.time - to_hours(getvariable('lookback_h')::INTEGER)
    WHERE s.outcome = 'success'
    GROUP BY s.attempt_id
)
SELECT s.attempt_id, 'success-after-attack', 'failures before',
       CASE WHEN h.n IS NULL THEN 'none from other addresses' ELSE 'failed from other addresses' END,
       CASE WHEN s.in_window AND h.n IS NOT NULL THEN
           format('{:d} failed logins from other addresses in the {:d} h before, first at {} from {}', h.n,
                  getvariable('lookback_h')::INTEGER, strftime(h.first, '%Y-%m-%d %H:%M:%S'), h.first_client) END
FROM span_attempts s LEFT JOIN hits h USING (attempt_id)
WHERE s.outcome = 'success';
