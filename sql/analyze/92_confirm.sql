-- id: confirm
-- kind: stage
-- title: Whether an examined stretch of hours is the incident window
-- catches: A stretch the window scan found with a score under min_score but
--   at least candidate_score (stage window) stands as the incident window
--   only when the campaign evidence in it names an account taken over
--   (compromised) or a password proved and stopped at the second factor
--   (exposed): two independent kinds of evidence, the rise of the signals
--   and each attempt's own, must agree. Otherwise the run found no incident
--   window: the verdicts and the campaign are withdrawn, and the stretch
--   examined stays on record in analysis_window (scan_from, scan_to, score,
--   source 'none').
-- false positives: A small campaign that took nothing over and proved no
--   password stays under the window scan's min_score: its failed attempts
--   are not named. Its stretch is on record for the investigator.

UPDATE analysis_window
SET window_from = NULL, window_to = NULL, source = 'none'
WHERE source = 'candidate'
  AND NOT EXISTS (SELECT 1 FROM account_verdicts WHERE classification IN ('compromised', 'exposed'));

DELETE FROM account_verdicts WHERE (SELECT source FROM analysis_window) = 'none';

DELETE FROM campaign_attempts WHERE (SELECT source FROM analysis_window) = 'none';

DELETE FROM campaigns WHERE (SELECT source FROM analysis_window) = 'none';

UPDATE analysis_window SET source = 'confirmed' WHERE source = 'candidate';
