-- id: waves
-- kind: stage
-- title: Waves: which accounts to freeze are new since the previous freeze list
-- level: informational
-- status: test
-- tags: attack.initial_access attack.t1078
-- reads: account_verdicts previous_list accounts
-- results: previous_dropped
-- description: With --previous FREEZE_LIST (an earlier freeze-list.csv, or
--   usernames one a line): each account to freeze is marked listed when the
--   earlier list already had it (by user_id when both have one, else by
--   username, case-insensitively) and new otherwise; previous_dropped holds
--   the earlier list's accounts that this run no longer finds compromised,
--   with what they are now. PyPI's second wave, a day later "with better
--   filters", is the case this is for.

UPDATE account_verdicts v SET wave = 'listed'
WHERE v.to_freeze
  AND EXISTS (SELECT 1 FROM previous_list p
              WHERE (p.user_id IS NOT NULL AND lower(p.user_id) = lower(v.account::VARCHAR))
                 OR (p.user_id IS NULL AND lower(p.username) = lower(v.username)));

CREATE OR REPLACE TABLE previous_dropped AS
SELECT p.username, coalesce(a.id::VARCHAR, p.user_id) AS user_id,
       coalesce(v.classification, CASE WHEN a.id IS NULL THEN 'not in the snapshot' ELSE 'not implicated' END) AS classification_now,
       v.score, v.reasons
FROM previous_list p
LEFT JOIN accounts a ON (p.user_id IS NOT NULL AND lower(a.id::VARCHAR) = lower(p.user_id))
                     OR (p.user_id IS NULL AND lower(a.username) = lower(p.username))
LEFT JOIN account_verdicts v ON v.account = a.id
WHERE NOT coalesce(v.to_freeze, false)
ORDER BY lower(p.username), user_id;
