-- The campaign logins whose password was right and that stopped at the
-- second-factor page, which leaves no event (outcome second_factor_stop),
-- and those of them whose account the log does not name (no two-factor
-- token in the line): passwords the attacker holds for accounts that no
-- file can list. A named one makes its account exposed (stage classify),
-- unless the account was taken over as well. For summary.json and the
-- summary that analyze and investigate print, beside the exposed accounts.
SELECT count(*) AS logins, count(*) FILTER (WHERE a.account IS NULL) AS unnamed
FROM campaign_attempts c JOIN attempts a USING (attempt_id)
WHERE a.outcome = 'second_factor_stop';
