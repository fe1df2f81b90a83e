-- id: fanout
-- kind: heuristic
-- title: Addresses that tried many accounts, and what each attempt's address tried around it
-- level: medium
-- status: test
-- tags: attack.credential_access attack.t1110.004 attack.t1110.003
-- reads: evidence attempts span_attempts window_attempts findings
-- results: fanout_sources
-- description: The classic per-source rules, kept because attacks do not always
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
    -- per address and hour, its targets in the hours around: a window
    -- over the address's hours, joined to each attempt on its hour (a
    -- range join of every attempt against its address's hours took twice
    -- as long at PyPI size)
    SELECT client, hour,
           sum(count(*)) OVER w AS targets, sum(sum(failed)) OVER w AS failed
    FROM targets GROUP BY client, hour
    WINDOW w AS (PARTITION BY client ORDER BY hour
                 RANGE BETWEEN to_hours(getvariable('fanout_hours')::BIGINT) PRECEDING AND to_hours(getvariable('fanout_hours')::BIGINT) FOLLOWING)
), per_target AS (
    -- the attempt's own account, in each hour around it that its address tried it
    SELECT client, account, hour,
           count(*) OVER w AS hours, sum(failed) OVER w AS failed
    FROM targets WHERE account IS NOT NULL
    WINDOW w AS (PARTITION BY client, account ORDER BY hour
                 RANGE BETWEEN to_hours(getvariable('fanout_hours')::BIGINT) PRECEDING AND to_hours(getvariable('fanout_hours')::BIGINT) FOLLOWING)
), n AS (
    SELECT a.attempt_id, a.in_window, a.client,
           h.targets - CASE WHEN a.account IS NULL THEN 1 ELSE t.hours END AS others,
           h.failed - CASE WHEN a.account IS NULL THEN (a.outcome IN ('failure', 'unknown_user', 'username_corrected', 'rate_limited'))::INTEGER
                           ELSE t.failed END AS failed
    FROM span_attempts a
    JOIN per_hour h ON h.client = a.client AND h.hour = date_trunc('hour', a.time)
    LEFT JOIN per_target t ON t.client = a.client AND t.account = a.account AND t.hour = date_trunc('hour', a.time)
    WHERE a.client IS NOT NULL
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
