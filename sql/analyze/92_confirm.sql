-- id: confirm
-- kind: stage
-- title: Whether an examined stretch of hours is the incident window
-- level: informational
-- status: test
-- tags: attack.initial_access attack.t1078
-- reads: analysis_window account_verdicts campaign_attempts campaigns
-- description: A stretch the window scan found with a score under min_score but
--   at least candidate_score (stage window) stands as the incident window
--   only when the campaign evidence in it names at least min_accounts
--   accounts taken over (compromised) or whose password was proved and
--   stopped at the second factor (exposed, with at least min_score points
--   of its own evidence): two independent kinds of evidence, the rise of
--   the signals and each attempt's own, must agree. One account is what
--   chance gives over a week of thousands of logins: a quiet week's
--   stretch of a few dormant users coming back, read by an attribution
--   that then finds its likeliest login, names one. Otherwise the run found no incident
--   window: the verdicts and the campaign are withdrawn, and the stretch
--   examined stays on record in analysis_window (scan_from, scan_to, score,
--   source 'none').
-- false positives: A small campaign that took over or proved no more than
--   one account stays under the window scan's min_score: its attempts are
--   not named. Its stretch is on record for the investigator.
-- parameters:
--   min_score = 10: points from which an exposed account counts (a compromised one has as many)
--   min_accounts = 2: accounts named compromised or exposed that confirm the stretch

UPDATE analysis_window
SET window_from = NULL, window_to = NULL, source = 'none'
WHERE source = 'candidate'
  AND (SELECT count(*) FROM account_verdicts
       WHERE classification = 'compromised' OR (classification = 'exposed' AND score >= getvariable('min_score'))) < getvariable('min_accounts');

DELETE FROM account_verdicts WHERE (SELECT source FROM analysis_window) = 'none';

DELETE FROM campaign_attempts WHERE (SELECT source FROM analysis_window) = 'none';

DELETE FROM campaigns WHERE (SELECT source FROM analysis_window) = 'none';

UPDATE analysis_window SET source = 'confirmed' WHERE source = 'candidate';
