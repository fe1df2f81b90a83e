-- id: campaign-country
-- kind: heuristic
-- title: Successful login from a country the campaign's failures come from and real logins do not
-- results: country_likelihood
-- catches: Proxy pools are drawn from wherever the provider has exits, not
--   from where the site's users live. Per country, log2 of how much more
--   often it occurs among the window's campaign-like attempts than among real
--   successful logins outside the window (add-one smoothed), at most
--   max_points; a successful login in the window from that country scores it.
--   A country no real user logs in from, and half the failures come from,
--   says a lot; one that holds a tenth of both says nothing.
-- false positives: A real user travelling to such a country; they keep
--   their browser and language, which the novelty heuristic counts for them.
-- parameters:
--   max_points = 6: points for a country real users never log in from
-- references: Elastic "Brute Force (Multi-Source)" (countries and ASNs per user);
--   naive Bayes log-likelihood scoring (Freeman et al., NDSS 2016)

CREATE OR REPLACE TABLE country_likelihood AS
WITH w AS (
    SELECT window_from, window_to FROM analysis_window WHERE window_from IS NOT NULL
), campaign AS (
    SELECT a.country_code, count(*) AS n
    FROM window_attempts a LEFT JOIN fingerprints f USING (fingerprint)
    WHERE a.country_code IS NOT NULL AND a.outcome <> 'success' AND (coalesce(f.hostile, false) OR a.outcome = 'unknown_user')
    GROUP BY a.country_code
), base AS (
    SELECT a.country_code, count(*) AS n
    FROM attempts a, w
    WHERE a.outcome = 'success' AND a.country_code IS NOT NULL AND NOT (a.time >= w.window_from AND a.time < w.window_to)
    GROUP BY a.country_code
), totals AS (
    SELECT (SELECT sum(n) FROM campaign) AS nc, (SELECT sum(n) FROM base) AS nb,
           (SELECT count(DISTINCT country_code) FROM attempts) AS k
)
SELECT *, ff_ratio_points(ratio, getvariable('max_points')) AS points
FROM (SELECT c.country_code, c.n AS campaign_attempts, coalesce(b.n, 0) AS baseline_successes,
             ff_ratio(c.n, t.nc, coalesce(b.n, 0), coalesce(t.nb, 0), t.k) AS ratio
      FROM campaign c CROSS JOIN totals t LEFT JOIN base b USING (country_code));

INSERT INTO findings
SELECT 'campaign-country', 'attempt', a.attempt_id, a.account, a.client, a.time, x.points,
       format('from {}, the country of {:d} of the window''s campaign attempts and of {:d} real logins outside it',
              a.country_code, x.campaign_attempts, x.baseline_successes)
FROM window_attempts a JOIN country_likelihood x USING (country_code)
WHERE a.outcome = 'success' AND x.points > 0;
