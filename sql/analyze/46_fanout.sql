-- id: fanout
-- kind: heuristic
-- title: Addresses that tried many accounts, and what each attempt's address tried around it
-- results: fanout_sources
-- catches: The classic per-source rules, kept because attacks do not always
--   rotate: for every attempt, how many other accounts and unknown usernames
--   its address tried within fanout_hours either side of it, and whether it
--   mostly failed on them (a datacenter attacker tries dozens and fails; a
--   residential one tries one; a university NAT tries hundreds and gets
--   in). And, in the window,
--   every address and /24 network whose login attempts mostly failed across
--   several accounts (unknown usernames count, and attempts the site refused
--   with 429 count as failed), recorded for the block list.
-- false positives: Shared NAT and proxies carry many users, but outside the
--   window as much as in it: the baseline's share of busy addresses says how
--   little that means.
-- parameters:
--   fanout_hours = 3: hours either side of an attempt in which its address's other targets count
--   min_targets_ip = 3: accounts (or unknown usernames) an address must fail on to be flagged
--   min_targets_prefix = 5: accounts a network must fail on to be flagged
--   min_failure_share = 0.5: share of the source's attempts that failed
-- references: Elastic "Potential Okta Credential Stuffing (Single Source)", "Password Spray (Single Source)";
--   Sigma correlation "failed logins with different accounts from one source"; CrowdSec http-generic-bf

-- Per address and hour, the accounts and unknown usernames it tried, and
-- those it failed on; then, for each attempt, the other targets of its
-- address in the hours around it (a target tried in two of those hours
-- counts twice: cheap, and close enough to tell one from dozens), and
-- whether the address mostly failed on them. A university NAT tries many
-- accounts and mostly gets in; a datacenter attacker or a script mostly
-- does not.
INSERT INTO evidence
WITH targets AS (
    -- an unknown username is a target of its own: its attempt
    SELECT client, date_trunc('hour', time) AS hour, account, CASE WHEN account IS NULL THEN attempt_id END AS unknown,
           bool_or(outcome IN ('failure', 'unknown_user', 'username_corrected', 'rate_limited'))::INTEGER AS failed
    FROM attempts WHERE client IS NOT NULL GROUP BY ALL
), per_hour AS (
    -- running sums per address over its hours, so that the hours around an
    -- attempt are one difference of two as-of lookups, not a range join
    SELECT client, hour,
           sum(count(*)) OVER w AS targets, sum(sum(failed)) OVER w AS failed
    FROM targets GROUP BY client, hour
    WINDOW w AS (PARTITION BY client ORDER BY hour ROWS UNBOUNDED PRECEDING)
), per_target AS (
    SELECT client, account, hour,
           count(*) OVER w AS hours, sum(failed) OVER w AS failed
    FROM targets WHERE account IS NOT NULL
    WINDOW w AS (PARTITION BY client, account ORDER BY hour ROWS UNBOUNDED PRECEDING)
), around AS (
    SELECT a.attempt_id, a.in_window, a.client, a.account,
           (a.outcome IN ('failure', 'unknown_user', 'username_corrected', 'rate_limited'))::INTEGER AS own_failed,
           date_trunc('hour', a.time) - to_hours(getvariable('fanout_hours')::BIGINT) AS lo,
           date_trunc('hour', a.time) + to_hours(getvariable('fanout_hours')::BIGINT) AS hi
    FROM span_attempts a WHERE a.client IS NOT NULL
), totals AS (
    SELECT a.*, h.targets - coalesce(l.targets, 0) AS targets, h.failed - coalesce(l.failed, 0) AS failed
    FROM around a
    ASOF JOIN per_hour h ON h.client = a.client AND h.hour <= a.hi
    ASOF LEFT JOIN per_hour l ON l.client = a.client AND l.hour < a.lo
), own AS (
    -- the attempt's own account, in each hour around it that its address tried it
    SELECT t.*,
           CASE WHEN t.account IS NULL THEN 1 ELSE h.hours - coalesce(l.hours, 0) END AS own_targets,
           CASE WHEN t.account IS NULL THEN t.own_failed ELSE h.failed - coalesce(l.failed, 0) END AS own_failed_hours
    FROM totals t
    ASOF LEFT JOIN per_target h ON h.client = t.client AND h.account = t.account AND h.hour <= t.hi
    ASOF LEFT JOIN per_target l ON l.client = t.client AND l.account = t.account AND l.hour < t.lo
), n AS (
    SELECT attempt_id, in_window, client, targets - own_targets AS others, failed - own_failed_hours AS failed FROM own
)
SELECT attempt_id, 'fanout', 'address fan-out',
       CASE WHEN others <= 0 THEN 'no other target'
            WHEN failed < getvariable('min_failure_share') * others THEN 'other targets, mostly got in'
            WHEN others < 10 THEN 'other targets, mostly failed (1-9)'
            ELSE 'other targets, mostly failed (10 or more)' END,
       CASE WHEN in_window THEN format('{} tried {:d} other accounts or usernames within {:d} h, failing on {:d}', client, others,
                                       getvariable('fanout_hours')::INTEGER, failed) END
FROM n;

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
