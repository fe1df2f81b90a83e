-- id: fingerprints
-- kind: stage
-- title: Behavioural fingerprints, and which ones failed more in the window than outside it
-- level: informational
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: span_attempts
-- results: fingerprints
-- description: A credential list replayed by one tool shares a shape whatever
--   addresses and browser versions it rotates: client class,
--   accept-language, form loaded or not, assets fetched or not, content type.
--   For every such fingerprint, its attempts and how many failed or named
--   unknown users, in the incident window and outside it. A fingerprint is
--   hostile when its failure share in the window rose above its own share
--   outside it by more than chance (a one-sided binomial test at z_min):
--   the attack's own shape, or the shape of the real users it hides among,
--   whose failures it swells. Heuristic client-shape weighs each shape by
--   how much more often the campaign shows it than the baseline; this table
--   is for investigators and the report.
-- parameters:
--   z_min = 3: standard errors the window's failure share must rise by
-- references: Splunk "Detect Distributed Password Spray Attempts" (grouped by user agent, not IP);
--   F5 2023 credential stuffing report

CREATE OR REPLACE TABLE fingerprints AS
WITH f AS (
    SELECT fingerprint,
           count(*) AS attempts,
           count(*) FILTER (WHERE outcome IN ('failure', 'unknown_user', 'username_corrected')) AS failures,
           count(*) FILTER (WHERE outcome = 'unknown_user') AS unknown_users,
           count(*) FILTER (WHERE outcome = 'success') AS successes,
           count(DISTINCT account) AS accounts,
           count(DISTINCT client) AS clients,
           count(*) FILTER (WHERE in_window) AS window_attempts,
           count(*) FILTER (WHERE in_window AND outcome IN ('failure', 'unknown_user', 'username_corrected')) AS window_failures,
           min(time) AS first_seen, max(time) AS last_seen
    FROM span_attempts
    WHERE fingerprint IS NOT NULL
    GROUP BY fingerprint
), s AS (
    SELECT *, failures / attempts AS failure_share, unknown_users / attempts AS unknown_share,
           window_failures / nullif(window_attempts, 0) AS window_failure_share,
           -- the share outside the window, pulled towards one half when there is little of it
           (failures - window_failures + 1) / (attempts - window_attempts + 2) AS baseline_failure_share
    FROM f
)
SELECT *,
       coalesce(window_attempts > 0
                AND window_failures - window_attempts * baseline_failure_share
                    >= getvariable('z_min') * sqrt(window_attempts * baseline_failure_share * (1 - baseline_failure_share)), false) AS hostile
FROM s;
