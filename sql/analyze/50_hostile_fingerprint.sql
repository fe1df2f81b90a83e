-- id: hostile-fingerprint
-- kind: heuristic
-- title: Successful login whose behavioural fingerprint is hostile
-- results: fingerprint_exclusivity
-- catches: The attacker's own successes: a login that succeeded with the
--   shape of the requests that, across the incident window, mostly failed or
--   named unknown users (stage fingerprints says which shapes are hostile and
--   why). How much that says depends on whether real users have the shape
--   too: from the fingerprint's successes outside the window, the successes
--   real users would have had in it are expected; when they are at most
--   max_legit_share of those seen, the shape is the attacker's own and a
--   success with it scores w_exclusive, otherwise weight. Also records each
--   hostile fingerprint with its numbers.
-- false positives: Real users who share a hostile fingerprint (same browser
--   language, assets fetched or not) log in successfully with it; for a
--   shared shape this heuristic adds little, and the login needs novelty
--   against the account's history to reach the freeze threshold.
-- parameters:
--   weight = 2: points for a success with a hostile fingerprint that real users share
--   w_exclusive = 12: points for a success with a hostile fingerprint real users (almost) never have (none of ~6,500 real successes per tuning window had one: a ratio of 2^12 or more)
--   max_legit_share = 0.1: expected real-user share of the window's successes below which the fingerprint is exclusive
-- references: Splunk "Detect Distributed Password Spray Attempts" (grouped by user agent, not IP);
--   F5 2023 credential stuffing report. Points are about log2 likelihood ratios measured on the tuning scenarios.

CREATE OR REPLACE TEMP TABLE fingerprint_exclusivity AS
WITH w AS (
    SELECT window_from, window_to,
           (epoch(window_to) - epoch(window_from)) / 3600 AS in_hours,
           greatest((SELECT count(*) FROM hourly) - (epoch(window_to) - epoch(window_from)) / 3600, 1) AS out_hours
    FROM analysis_window WHERE window_from IS NOT NULL
), s AS (
    SELECT a.fingerprint,
           count(*) FILTER (WHERE a.time >= w.window_from AND a.time < w.window_to) AS window_successes,
           count(*) FILTER (WHERE NOT (a.time >= w.window_from AND a.time < w.window_to)) AS outside_successes,
           any_value(w.in_hours) AS in_hours, any_value(w.out_hours) AS out_hours
    FROM attempts a JOIN fingerprints f USING (fingerprint), w
    WHERE f.hostile AND a.outcome = 'success' AND a.logged
    GROUP BY a.fingerprint
)
SELECT fingerprint, window_successes, outside_successes,
       outside_successes / out_hours * in_hours AS expected_legit,
       outside_successes / out_hours * in_hours <= getvariable('max_legit_share') * window_successes AS exclusive
FROM s;

INSERT INTO findings
SELECT 'hostile-fingerprint', 'fingerprint', NULL, NULL, f.fingerprint, f.first_seen, 0,
       format('{:d} of {:d} attempts failed ({:.0f}%), {:d} on unknown usernames, from {:d} clients; {:d} successes in the window against {:.1f} expected from real users',
              f.failures, f.attempts, 100 * f.failure_share, f.unknown_users, f.clients,
              coalesce(x.window_successes, 0), coalesce(x.expected_legit, 0))
FROM fingerprints f LEFT JOIN fingerprint_exclusivity x USING (fingerprint)
WHERE f.hostile;

INSERT INTO findings
SELECT 'hostile-fingerprint', 'attempt', a.attempt_id, a.account, a.fingerprint, a.time,
       CASE WHEN a.outcome <> 'success' THEN 0 WHEN x.exclusive THEN getvariable('w_exclusive') ELSE getvariable('weight') END,
       format('{} login from {} with hostile fingerprint "{}"{}', a.outcome, a.client, a.fingerprint,
              CASE WHEN a.outcome = 'success' AND x.exclusive
                   THEN format(', which real users do not have ({:.1f} successes expected from them in the window, {:d} seen)', x.expected_legit, x.window_successes)
                   WHEN a.outcome = 'success'
                   THEN format(', which real users share ({:.0f} of the window''s {:d} successes expected from them)', x.expected_legit, x.window_successes)
                   ELSE '' END)
FROM window_attempts a JOIN fingerprints f USING (fingerprint) LEFT JOIN fingerprint_exclusivity x USING (fingerprint)
WHERE f.hostile;
