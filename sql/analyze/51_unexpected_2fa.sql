-- id: unexpected-2fa
-- kind: heuristic
-- title: A second factor enrolled right after the login
-- level: high
-- status: test
-- tags: attack.persistence attack.t1098.005
-- reads: account_events_in_bounds attempts evidence span_attempts
-- results: enrolments
-- description: The PyPI incident's mark: the attacker logs in and enrols TOTP
--   within seconds, locking the owner out, then generates recovery codes.
--   For every successful login, how soon after it the account enrolled a
--   second factor, if within enrol_within_s. The 2FA mandate makes real
--   users enrol right after logging in too, mostly after reading the page
--   for a minute; what a campaign's enrolments look like is measured on its
--   most certain logins (stage attribution), so that an attacker that waits
--   like a person, or never enrols, is judged by what it does.
-- false positives: Users obeying the mandate; a password manager user who
--   enrols within seconds.
-- parameters:
--   enrol_within_s = 900: seconds after a login in which an enrolment belongs to it
-- references: Elastic "Stolen Credentials Used to Login After MFA Reset"; Splunk "New MFA method registered";
--   PyPI incident report, 2024-04-03

CREATE OR REPLACE TABLE enrolments AS
WITH added AS (
    SELECT e.id, e.account, e.time, e.method, e.ip, e.country_code
    FROM account_events_in_bounds e
    WHERE e.tag = 'account:two_factor:method_added'
      AND e.time >= (SELECT min(time) FROM attempts) AND e.time <= (SELECT max(time) FROM attempts) + to_seconds(getvariable('enrol_within_s'))
), logins AS (
    SELECT account, time AS login_time, attempt_id FROM attempts WHERE outcome = 'success'
), codes AS (
    SELECT account, time AS codes_time FROM account_events_in_bounds
    WHERE tag IN ('account:recovery_codes:generated', 'account:recovery_codes:regenerated')
      AND time >= (SELECT min(time) FROM attempts)
)
-- Plain joins on the account, not ASOF joins: few accounts enrol.
, latest AS (
    SELECT a.id, arg_max(l.attempt_id, (l.login_time, l.attempt_id)) AS attempt_id, max(l.login_time) AS login_time
    FROM added a JOIN logins l ON l.account = a.account AND l.login_time <= a.time
                              AND l.login_time >= a.time - to_seconds(getvariable('enrol_within_s'))
    GROUP BY a.id
), first_codes AS (
    SELECT a.id, min(c.codes_time) AS codes_time
    FROM added a JOIN codes c ON c.account = a.account AND c.codes_time >= a.time
    GROUP BY a.id
)
SELECT a.*, l.attempt_id, l.login_time, epoch(a.time) - epoch(l.login_time) AS delay,
       epoch(c.codes_time) - epoch(a.time) AS codes_after
FROM added a
JOIN latest l USING (id)
LEFT JOIN first_codes c USING (id);

INSERT INTO evidence
WITH first AS (
    SELECT attempt_id, arg_min(method, delay) AS method, min(delay) AS delay, arg_min(ip, delay) AS ip,
           arg_min(codes_after, delay) AS codes_after
    FROM enrolments GROUP BY attempt_id
)
SELECT a.attempt_id, 'unexpected-2fa', 'enrolment after login',
       CASE WHEN e.delay IS NULL THEN 'none'
            WHEN e.delay <= 10 THEN 'within 10 s'
            WHEN e.delay <= 30 THEN 'after 10-30 s'
            WHEN e.delay <= 150 THEN 'after 30-150 s'
            ELSE 'after 150 s or more' END,
       CASE WHEN a.in_window AND e.delay IS NOT NULL THEN
           format('{} added {:.0f} s after this login, from {}{}', coalesce(e.method, 'second factor'), e.delay, coalesce(e.ip, 'an unknown address'),
                  CASE WHEN e.codes_after IS NOT NULL THEN format('; recovery codes {:.0f} s later', e.codes_after) ELSE '' END) END
FROM span_attempts a LEFT JOIN first e USING (attempt_id)
WHERE a.outcome = 'success';
