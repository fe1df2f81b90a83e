-- id: unexpected-2fa
-- kind: heuristic
-- title: Second factor enrolled right after a login from somewhere the account never was
-- results: enrolments
-- catches: The PyPI incident's mark: the attacker logs in and enrols TOTP
--   within seconds, locking the owner out, then generates recovery codes. A
--   method_added event after a login in the window, from an address or
--   country the account never logged in from before the window, scores; more
--   when it came at bot speed and the recovery codes seconds later.
-- false positives: The 2FA mandate made real users enrol right after
--   logging in, usually from their usual network (no points); someone
--   travelling who enrols there scores, but has nothing else against them.
-- parameters:
--   max_delay_s = 900: seconds after a login in which an enrolment belongs to it
--   bot_delay_s = 10: an enrolment sooner than this after the login is at bot speed
--   codes_s = 5: recovery codes generated within this many seconds of the enrolment
--   weight = 5: points for an enrolment from a new network or country (tuning: 93% of the attacker's logins, 2% of real new-network logins)
--   w_bot = 3: extra points for bot speed (no real enrolment in the tuning runs came within 10 s)
--   w_codes = 1: extra points for recovery codes within codes_s
-- references: Elastic "Stolen Credentials Used to Login After MFA Reset"; Splunk "New MFA method registered";
--   PyPI incident report, 2024-04-03. Points are about log2 likelihood ratios measured on the tuning scenarios.

CREATE OR REPLACE TABLE enrolments AS
WITH added AS (
    SELECT e.id, e.account, e.time, e.method, e.ip, e.country_code
    FROM account_events e, analysis_window w
    WHERE e.tag = 'account:two_factor:method_added' AND e.time >= w.window_from AND e.time < w.window_to
), logins AS (
    SELECT account, time AS login_time, attempt_id FROM window_attempts WHERE outcome = 'success'
), codes AS (
    SELECT e.account, e.time AS codes_time FROM account_events e, analysis_window w
    WHERE e.tag IN ('account:recovery_codes:generated', 'account:recovery_codes:regenerated')
      AND e.time >= w.window_from AND e.time < w.window_to + INTERVAL 1 HOUR
)
-- Plain joins on the account, not ASOF joins: few accounts enrol, and an
-- ASOF join against every login in the window took over a minute at PyPI size.
, latest AS (
    SELECT a.id, arg_max(l.attempt_id, (l.login_time, l.attempt_id)) AS attempt_id, max(l.login_time) AS login_time
    FROM added a JOIN logins l ON l.account = a.account AND l.login_time <= a.time
                              AND l.login_time >= a.time - to_seconds(getvariable('max_delay_s'))
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

INSERT INTO findings
WITH n AS (
    SELECT e.*, p.countries,
           coalesce(NOT list_contains(p.prefixes, ff_prefix(e.ip)), true) AS new_network,
           coalesce(NOT list_contains(p.countries, e.country_code), true) AS new_country
    FROM enrolments e LEFT JOIN account_profiles p USING (account)
)
SELECT 'unexpected-2fa', 'attempt', attempt_id, account, ip, time,
       getvariable('weight')
       + CASE WHEN delay <= getvariable('bot_delay_s') THEN getvariable('w_bot') ELSE 0 END
       + CASE WHEN codes_after <= getvariable('codes_s') THEN getvariable('w_codes') ELSE 0 END,
       format('{} added {:.0f} s after this login, from {} ({}){}{}', coalesce(method, 'second factor'), delay, ip,
              coalesce(country_code, 'country unknown'),
              CASE WHEN new_country THEN ', a country the account never logged in from' ELSE ', a network the account never logged in from' END,
              CASE WHEN codes_after <= getvariable('codes_s') THEN format('; recovery codes {:.0f} s later', codes_after) ELSE '' END)
FROM n
WHERE new_network OR new_country;
