-- id: takeover-actions
-- kind: heuristic
-- title: What an attacker does once in: tokens, email, password, uploads from the login's address
-- level: high
-- status: test
-- tags: attack.persistence attack.t1098 attack.t1098.001 attack.t1556.006 attack.initial_access
--   attack.t1195.002
-- reads: attempts account_events_in_bounds project_events_in_bounds projects evidence span_attempts
-- results: takeover_actions
-- description: After a successful login, from the same address and within
--   after_s: an API token created, an email added or made primary, the
--   password changed, a second factor removed, or a release, file or role
--   added by the account. These are how a takeover is used or kept.
-- false positives: Owners do all of this too, from their usual networks;
--   how often, the logins outside the window say.
-- parameters:
--   after_s = 3600: seconds after the login in which actions count
-- references: Elastic "Stolen Credentials Used to Login After MFA Reset"; PyPI incident report (tampering check)

CREATE OR REPLACE TABLE takeover_actions AS
WITH logins AS (
    SELECT attempt_id, account, username, client, ip, time FROM attempts WHERE outcome = 'success' AND ip IS NOT NULL
), acts AS (
    SELECT account, NULL AS username, time, ip, tag AS action FROM account_events_in_bounds
    WHERE tag IN ('account:api_token:added', 'account:email:add', 'account:email:primary:change',
                  'account:password:change', 'account:two_factor:method_removed', 'account:recovery_codes:regenerated')
      AND time >= (SELECT min(time) FROM attempts)
    UNION ALL
    SELECT NULL, submitted_by, time, ip, tag || coalesce(' ' || project_name, '') FROM (
        SELECT e.*, p.name AS project_name FROM project_events_in_bounds e LEFT JOIN projects p ON p.id = e.project)
    WHERE tag IN ('project:release:add', 'file:add', 'project:role:add', 'project:api_token:added', 'project:oidc:publisher-added')
      AND submitted_by IS NOT NULL AND time >= (SELECT min(time) FROM attempts)
)
SELECT l.attempt_id, l.account, l.client, l.time AS login_time, a.time, a.action
FROM logins l
JOIN acts a ON a.ip = l.ip AND (a.account = l.account OR lower(a.username) = lower(l.username))
           AND a.time >= l.time AND a.time <= l.time + to_seconds(getvariable('after_s'));

INSERT INTO evidence
WITH acts AS (
    SELECT attempt_id, min(time) AS first, max(time) AS last, string_agg(DISTINCT action, ', ' ORDER BY action) AS actions, any_value(login_time) AS login_time
    FROM takeover_actions GROUP BY attempt_id
)
SELECT s.attempt_id, 'takeover-actions', 'actions after login',
       CASE WHEN t.attempt_id IS NULL THEN 'none' ELSE 'took actions' END,
       CASE WHEN s.in_window AND t.attempt_id IS NOT NULL THEN
           format('from the same address within {:.0f} min: {}', (epoch(t.last) - epoch(t.login_time)) / 60, t.actions) END
FROM span_attempts s LEFT JOIN acts t USING (attempt_id)
WHERE s.outcome = 'success';
