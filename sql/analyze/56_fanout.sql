-- id: fanout
-- kind: heuristic
-- title: Addresses, networks and user agents that failed on many accounts
-- results: fanout_sources
-- catches: The classic per-source rules, kept because attacks do not always
--   rotate: in the window, an address or /24 network whose login attempts
--   mostly failed across several accounts (unknown usernames count, and
--   attempts the site refused with 429 count as failed), and a
--   user agent whose failures per hour far exceed its own baseline. A
--   success from a flagged address or network scores.
-- false positives: Shared NAT and proxies carry many users, but their
--   logins mostly succeed (the failure share guards against them). A user
--   agent of a new browser release can rise fast, also mostly succeeding.
-- parameters:
--   min_targets_ip = 3: accounts (or unknown usernames) an address must fail on
--   min_targets_prefix = 5: accounts a network must fail on
--   min_failure_share = 0.5: share of the source's attempts that failed
--   ua_factor = 5: failures per hour in the window over the user agent's baseline rate
--   min_targets_ua = 10: accounts a user agent must fail on
--   w_ip = 3: points for a success from a flagged address
--   w_prefix = 2: points for a success from a flagged network (and not a flagged address)
-- references: Elastic "Potential Okta Credential Stuffing (Single Source)", "Password Spray (Single Source)";
--   Sigma correlation "failed logins with different accounts from one source"; CrowdSec http-generic-bf

CREATE OR REPLACE TABLE fanout_sources AS
WITH a AS (
    SELECT *, outcome IN ('failure', 'unknown_user', 'rate_limited') AS failed,
           coalesce(account::VARCHAR, 'unknown#' || attempt_id) AS target
    FROM window_attempts
), src AS (
    SELECT 'ip' AS scope, client AS subject, failed, target FROM a
    UNION ALL
    SELECT 'prefix', prefix, failed, target FROM a WHERE prefix IS NOT NULL
)
SELECT scope, subject, count(*) AS attempts, count(*) FILTER (WHERE failed) AS failures,
       count(DISTINCT target) FILTER (WHERE failed) AS targets
FROM src
GROUP BY scope, subject
HAVING count(*) FILTER (WHERE failed) >= getvariable('min_failure_share') * count(*)
   AND count(DISTINCT target) FILTER (WHERE failed) >= CASE scope WHEN 'ip' THEN getvariable('min_targets_ip')
                                                                   ELSE getvariable('min_targets_prefix') END;

INSERT INTO findings
SELECT 'fanout', scope, NULL, NULL, subject, NULL, 0,
       format('{:d} of {:d} login attempts failed, on {:d} accounts or unknown usernames', failures, attempts, targets)
FROM fanout_sources;

INSERT INTO findings
WITH w AS (SELECT * FROM analysis_window), ua AS (
    SELECT a.user_agent,
           count(*) FILTER (WHERE a.outcome IN ('failure', 'unknown_user') AND a.time >= w.window_from AND a.time < w.window_to) AS in_failures,
           count(DISTINCT coalesce(a.account::VARCHAR, 'unknown#' || a.attempt_id))
               FILTER (WHERE a.outcome IN ('failure', 'unknown_user') AND a.time >= w.window_from AND a.time < w.window_to) AS targets,
           count(*) FILTER (WHERE a.outcome IN ('failure', 'unknown_user') AND NOT (a.time >= w.window_from AND a.time < w.window_to)) AS out_failures,
           any_value(epoch(w.window_to) - epoch(w.window_from)) / 3600 AS in_hours,
           (epoch(max(a.time)) - epoch(min(a.time))) / 3600 AS all_hours
    FROM attempts a, w
    WHERE a.user_agent IS NOT NULL AND w.window_from IS NOT NULL
    GROUP BY a.user_agent
)
SELECT 'fanout', 'user_agent', NULL, NULL, user_agent, NULL, 0,
       format('{:d} failures on {:d} targets in the window, {:.1f} an hour against {:.2f} an hour outside it',
              in_failures, targets, in_failures / in_hours, out_failures / greatest(all_hours - in_hours, 1))
FROM ua
WHERE targets >= getvariable('min_targets_ua')
  AND in_failures / in_hours >= getvariable('ua_factor') * (out_failures / greatest(all_hours - in_hours, 1) + 0.1);

INSERT INTO findings
SELECT 'fanout', 'attempt', a.attempt_id, a.account, a.client, a.time,
       CASE WHEN ip.subject IS NOT NULL THEN getvariable('w_ip') ELSE getvariable('w_prefix') END,
       CASE WHEN ip.subject IS NOT NULL THEN format('success from {}, an address that failed on {:d} accounts in the window', a.client, ip.targets)
            ELSE format('success from network {}, which failed on {:d} accounts in the window', a.prefix, px.targets) END
FROM window_attempts a
LEFT JOIN fanout_sources ip ON ip.scope = 'ip' AND ip.subject = a.client
LEFT JOIN fanout_sources px ON px.scope = 'prefix' AND px.subject = a.prefix
WHERE a.outcome = 'success' AND (ip.subject IS NOT NULL OR px.subject IS NOT NULL);
