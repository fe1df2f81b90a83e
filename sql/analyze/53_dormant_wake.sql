-- id: dormant-wake
-- kind: heuristic
-- title: A dormant account logs in during the incident
-- catches: Credential lists are old: many of the accounts they open have not
--   been used in months or years. A login in the window on an account with
--   no login for dormant_days.
-- false positives: People come back to projects; a release season wakes many
--   accounts at once.
-- parameters:
--   dormant_days = 90: days without a login that make an account dormant
--   weight = 4: points for a dormant account's login
-- references: Thomas et al., "Protecting accounts from credential stuffing with password breach alerting", USENIX Security 2019

INSERT INTO findings
SELECT 'dormant-wake', 'attempt', a.attempt_id, a.account, a.client, a.time, getvariable('weight'),
       CASE WHEN p.last_login IS NULL THEN 'no earlier login on record'
            ELSE format('no login for {:d} days before (last {})', date_diff('day', p.last_login, a.time),
                        strftime(p.last_login, '%Y-%m-%d')) END
FROM window_attempts a LEFT JOIN account_profiles p USING (account)
WHERE a.outcome = 'success'
  AND (p.last_login IS NULL OR p.last_login < a.time - to_days(getvariable('dormant_days')::INTEGER));
