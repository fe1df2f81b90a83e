-- id: takeover-actions
-- kind: heuristic
-- title: What an attacker does once in: tokens, email, password, uploads from the login's address
-- results: takeover_actions
-- catches: After a login in the window, from the same address and within
--   after_s: an API token created, an email added or made primary, the
--   password changed, a second factor removed, or a release, file or role
--   added by the account. These are how a takeover is used or kept.
-- false positives: Owners do all of this too, from their usual networks;
--   the points count only with other evidence against the login.
-- parameters:
--   after_s = 3600: seconds after the login in which actions count
--   weight = 2: points for the login that the actions followed
-- references: Elastic "Stolen Credentials Used to Login After MFA Reset"; PyPI incident report (tampering check)

CREATE OR REPLACE TABLE takeover_actions AS
WITH logins AS (
    SELECT attempt_id, account, username, client, ip, time FROM window_attempts WHERE outcome = 'success' AND ip IS NOT NULL
), acts AS (
    SELECT account, NULL AS username, time, ip, tag AS action FROM account_events
    WHERE tag IN ('account:api_token:added', 'account:email:add', 'account:email:primary:change',
                  'account:password:change', 'account:two_factor:method_removed', 'account:recovery_codes:regenerated')
    UNION ALL
    SELECT NULL, submitted_by, time, ip, tag || coalesce(' ' || project_name, '') FROM (
        SELECT e.*, p.name AS project_name FROM project_events e LEFT JOIN projects p ON p.id = e.project)
    WHERE tag IN ('project:release:add', 'file:add', 'project:role:add', 'project:api_token:added', 'project:oidc:publisher-added')
      AND submitted_by IS NOT NULL
)
SELECT l.attempt_id, l.account, l.client, l.time AS login_time, a.time, a.action
FROM logins l
JOIN acts a ON a.ip = l.ip AND (a.account = l.account OR lower(a.username) = lower(l.username))
           AND a.time >= l.time AND a.time <= l.time + to_seconds(getvariable('after_s'));

INSERT INTO findings
SELECT 'takeover-actions', 'attempt', attempt_id, account, client, min(time), getvariable('weight'),
       format('from the same address within {:.0f} min: {}', (epoch(max(time)) - epoch(login_time)) / 60,
              string_agg(DISTINCT action, ', ' ORDER BY action))
FROM takeover_actions
GROUP BY attempt_id, account, client, login_time;
