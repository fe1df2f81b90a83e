-- id: dormant-wake
-- kind: heuristic
-- title: How long the account had not logged in
-- level: low
-- status: test
-- tags: attack.credential_access attack.t1110.004 attack.initial_access attack.t1078
-- reads: evidence span_attempts attempt_history
-- description: Credential lists come from other sites' breaches and name
--   accounts whatever their use: many have not logged in for months or
--   years, while most real logins of a week come from accounts in use. Every
--   attempt on an account with a history: active (a login within quiet_days),
--   quiet, or dormant (none for dormant_days).
-- false positives: People come back to projects; a release season wakes many
--   accounts at once. The share outside the window says how many.
-- parameters:
--   quiet_days = 30: days without a login from which an account is quiet
--   dormant_days = 90: days without a login from which it is dormant
-- references: Thomas et al., "Protecting accounts from credential stuffing with password breach alerting", USENIX Security 2019

INSERT INTO evidence
SELECT a.attempt_id, 'dormant-wake', 'last login',
       CASE WHEN h.last_login_before >= a.time - to_days(getvariable('quiet_days')::INTEGER) THEN 'active'
            WHEN h.last_login_before >= a.time - to_days(getvariable('dormant_days')::INTEGER) THEN 'quiet'
            ELSE 'dormant' END,
       CASE WHEN a.in_window THEN format('last login {:d} days before ({})', date_diff('day', h.last_login_before, a.time),
                                         strftime(h.last_login_before, '%Y-%m-%d')) END
FROM span_attempts a JOIN attempt_history h USING (attempt_id)
WHERE h.last_login_before IS NOT NULL;
