-- id: success-after-attack
-- kind: heuristic
-- title: Successful login on an account that campaign attempts failed on shortly before
-- catches: The list held several passwords for the account, or the attacker
--   retried: failures from hostile clients, then a success, joined on the
--   account rather than the address, so rotating addresses does not hide it.
-- false positives: A user who mistypes while an attack happens to have
--   tried their account; the success then usually comes from their usual
--   network and scores nothing else. A typo retried from the same address
--   does not count: only failures from other addresses (rotation) do.
-- parameters:
--   lookback_h = 6: hours before the success in which the failures count
--   weight = 2: points for the success
-- references: Elastic "Successful Login After Credential Attack" (6 h, joined on the user)

INSERT INTO findings
WITH hostile_failures AS (
    SELECT a.account, a.time, a.client
    FROM window_attempts a JOIN fingerprints f USING (fingerprint)
    WHERE a.outcome = 'failure' AND f.hostile
)
SELECT 'success-after-attack', 'attempt', s.attempt_id, s.account, s.client, s.time, getvariable('weight'),
       format('{:d} failed logins with a hostile fingerprint in the {:d} h before, first at {} from {}',
              count(*), getvariable('lookback_h')::INTEGER, strftime(min(h.time), '%Y-%m-%d %H:%M:%S'), arg_min(h.client, h.time))
FROM window_attempts s
JOIN hostile_failures h ON h.account = s.account AND h.time < s.time AND h.client IS DISTINCT FROM s.client
                        AND h.time >= s.time - to_hours(getvariable('lookback_h')::INTEGER)
WHERE s.outcome = 'success'
GROUP BY s.attempt_id, s.account, s.client, s.time;
