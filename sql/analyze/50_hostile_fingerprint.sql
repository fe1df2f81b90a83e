-- id: hostile-fingerprint
-- kind: heuristic
-- title: Successful login with the behavioural fingerprint of the campaign's failures
-- results: fingerprint_likelihood
-- catches: The attacker's own successes: a login that succeeded with the
--   shape of the requests that, across the incident window, mostly failed or
--   named unknown users (stage fingerprints says which shapes are hostile and
--   why). How much that says depends on whether real users have the shape
--   too, so the points are measured, not set: log2 of how much more often the
--   shape occurs among the window's campaign-like attempts than among real
--   successful logins outside the window (add-one smoothed), at most
--   max_points. A shape real users never have reaches max_points; one that
--   thousands of real users share (a common language, assets fetched) a few.
--   Also records each hostile fingerprint with its numbers.
-- false positives: Real users who share a hostile fingerprint log in
--   successfully with it; for a shared shape the points are few, and the
--   login needs novelty against the account's history to reach the freeze
--   threshold.
-- parameters:
--   max_points = 12: points for a fingerprint real users never have (a likelihood ratio of 2^12 or more)
-- references: Splunk "Detect Distributed Password Spray Attempts" (grouped by user agent, not IP);
--   F5 2023 credential stuffing report; naive Bayes log-likelihood scoring (Freeman et al., NDSS 2016)

CREATE OR REPLACE TABLE fingerprint_likelihood AS
WITH w AS (
    SELECT window_from, window_to FROM analysis_window WHERE window_from IS NOT NULL
), campaign AS (
    SELECT a.fingerprint, count(*) AS n
    FROM window_attempts a JOIN fingerprints f USING (fingerprint)
    WHERE f.hostile AND a.outcome <> 'success'
    GROUP BY a.fingerprint
), base AS (
    SELECT a.fingerprint, count(*) AS n
    FROM attempts a, w
    WHERE a.outcome = 'success' AND a.logged AND NOT (a.time >= w.window_from AND a.time < w.window_to)
    GROUP BY a.fingerprint
), totals AS (
    SELECT (SELECT sum(n) FROM campaign) AS nc, (SELECT sum(n) FROM base) AS nb,
           (SELECT count(*) FROM fingerprints) AS k
)
SELECT *, ff_ratio_points(ratio, getvariable('max_points')) AS points
FROM (SELECT c.fingerprint, c.n AS campaign_attempts, coalesce(b.n, 0) AS baseline_successes,
             ff_ratio(c.n, t.nc, coalesce(b.n, 0), coalesce(t.nb, 0), t.k) AS ratio
      FROM campaign c CROSS JOIN totals t LEFT JOIN base b USING (fingerprint));

INSERT INTO findings
SELECT 'hostile-fingerprint', 'fingerprint', NULL, NULL, f.fingerprint, f.first_seen, 0,
       format('{:d} of {:d} attempts failed ({:.0f}%), {:d} on unknown usernames, from {:d} clients; {:d} campaign attempts in the window, {:d} real successes outside it: {:d} points',
              f.failures, f.attempts, 100 * f.failure_share, f.unknown_users, f.clients,
              coalesce(x.campaign_attempts, 0), coalesce(x.baseline_successes, 0), coalesce(x.points, 0))
FROM fingerprints f LEFT JOIN fingerprint_likelihood x USING (fingerprint)
WHERE f.hostile;

INSERT INTO findings
SELECT 'hostile-fingerprint', 'attempt', a.attempt_id, a.account, a.fingerprint, a.time,
       CASE WHEN a.outcome = 'success' THEN coalesce(x.points, 0) ELSE 0 END,
       format('{} login from {} with hostile fingerprint "{}"{}', a.outcome, a.client, a.fingerprint,
              CASE WHEN a.outcome = 'success'
                   THEN format(' ({:d} campaign attempts in the window had it, {:d} real successes outside it)',
                               coalesce(x.campaign_attempts, 0), coalesce(x.baseline_successes, 0))
                   ELSE '' END)
FROM window_attempts a JOIN fingerprints f USING (fingerprint) LEFT JOIN fingerprint_likelihood x USING (fingerprint)
WHERE f.hostile;
