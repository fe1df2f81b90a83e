-- id: fingerprints
-- kind: stage
-- title: Behavioural fingerprints, and which of them are hostile
-- results: fingerprints
-- catches: A credential list replayed by one tool: whatever addresses and
--   browser versions it rotates, its requests share a shape (client class,
--   accept-language, form loaded or not, assets fetched or not, content type).
--   Ordinary users with that shape fail a few percent of their logins; a list
--   fails most of them and names usernames that do not exist. Every attempt
--   with a hostile fingerprint in the incident window is a campaign attempt.
--   The incident window is found from these attempts (stage window).
-- false positives: A fingerprint shared by many real users (a common
--   browser language with cached assets) can turn hostile when an attack
--   mimics it; their successful logins then score (heuristic
--   hostile-fingerprint), but need more evidence to reach the freeze threshold.
-- parameters:
--   min_attempts = 20: attempts a fingerprint needs before its failure share means anything
--   min_failure_share = 0.5: share of failed attempts (wrong password or unknown user) that makes it hostile
--   min_unknown_share = 0.1: share of attempts on unknown usernames that makes it hostile
-- references: Splunk "Detect Distributed Password Spray Attempts" (grouped by user agent, not IP);
--   Microsoft, password spray detection by shared password hash across accounts; F5 2023 credential stuffing report

CREATE OR REPLACE TABLE fingerprints AS
WITH f AS (
    SELECT fingerprint,
           count(*) AS attempts,
           -- a corrected username is a failure too: a tool that logs in from
           -- the same address soon after an unknown one keeps its share
           count(*) FILTER (WHERE outcome IN ('failure', 'unknown_user', 'username_corrected')) AS failures,
           count(*) FILTER (WHERE outcome = 'unknown_user') AS unknown_users,
           count(*) FILTER (WHERE outcome = 'success') AS successes,
           count(DISTINCT account) AS accounts,
           count(DISTINCT client) AS clients,
           min(time) AS first_seen, max(time) AS last_seen
    FROM attempts
    WHERE fingerprint IS NOT NULL
    GROUP BY fingerprint
)
SELECT *, failures / attempts AS failure_share, unknown_users / attempts AS unknown_share,
       attempts >= getvariable('min_attempts')
       AND (failures / attempts >= getvariable('min_failure_share')
            OR unknown_users / attempts >= getvariable('min_unknown_share')) AS hostile
FROM f;

