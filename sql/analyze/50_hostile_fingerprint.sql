-- id: hostile-fingerprint
-- kind: heuristic
-- title: Successful login whose behavioural fingerprint is hostile
-- catches: The attacker's own successes: a login that succeeded with the
--   shape of the requests that, across the incident window, mostly failed or
--   named unknown users (stage fingerprints says which shapes are hostile and
--   why). Also records each hostile fingerprint with its numbers.
-- false positives: Real users who share a hostile fingerprint (same browser
--   language, assets cached or not) log in successfully with it; alone this
--   heuristic stays below the freeze threshold.
-- parameters:
--   weight = 3: points a successful login with a hostile fingerprint adds
-- references: Splunk "Detect Distributed Password Spray Attempts" (grouped by user agent, not IP);
--   F5 2023 credential stuffing report

INSERT INTO findings
SELECT 'hostile-fingerprint', 'fingerprint', NULL, NULL, fingerprint, first_seen, 0,
       format('{:d} of {:d} attempts failed ({:.0f}%), {:d} on unknown usernames, from {:d} clients',
              failures, attempts, 100 * failure_share, unknown_users, clients)
FROM fingerprints WHERE hostile;

INSERT INTO findings
SELECT 'hostile-fingerprint', 'attempt', a.attempt_id, a.account, a.fingerprint, a.time,
       CASE WHEN a.outcome = 'success' THEN getvariable('weight') ELSE 0 END,
       format('{} login from {} with hostile fingerprint "{}"', a.outcome, a.client, a.fingerprint)
FROM window_attempts a JOIN fingerprints f USING (fingerprint)
WHERE f.hostile;
