-- id: failure-rate
-- kind: heuristic
-- title: Hours whose failed logins exceed the account base's own baseline for that time of day
-- level: informational
-- status: test
-- tags: attack.credential_access attack.t1110.004 attack.t1110.003
-- reads: findings hourly
-- description: The campaign-wide view: failed logins (wrong passwords and
--   unknown usernames) per hour in the window against the 95th percentile of
--   the same hour of the day outside it. A low-and-slow attack may raise no
--   single hour; this records the ones it does, and the successes beside
--   them, which answers "was the login rate higher than normal?".
-- false positives: A slow news day, an outage that broke logins, a client
--   release that forgot the password. Campaign-level only: no points.
-- parameters:
--   min_excess = 3: failures an hour must have above the baseline's 95th percentile
-- references: Elastic "Password Spray (Multi-Source)" (tenant-wide buckets); Splunk distributed spray (mean + 3σ of history)

INSERT INTO findings
SELECT 'failure-rate', 'hour', NULL, NULL, strftime(hour, '%Y-%m-%dT%H:00Z'), hour, 0,
       format('{:d} failed logins ({:d} on unknown usernames) against a baseline of {:.0f} (95th percentile {:.0f}) at this hour; {:d} successes against {:.0f}',
              failures, unknown_users, base_failures_p50, base_failures_p95, successes, base_successes_p50)
FROM hourly
WHERE in_window AND base_failures_p95 IS NOT NULL AND failures >= base_failures_p95 + getvariable('min_excess');
