-- The run on record: analysis_runs gets its row (parameters bound in the
-- order of analysis_runs' columns: run id, started, finished, tool version,
-- parameters as JSON, previous list's path and SHA-256, the counts of
-- counts.sql, the results digest, review, the verdict and its reason, the
-- coverage as JSON), with the window and the inputs' ids, kinds, paths and
-- SHA-256 read from the case; analysis_run_accounts every account's verdict.
INSERT INTO analysis_runs
SELECT $1, $2, $3, $4, $5::JSON, w.window_from, w.window_to, w.source,
       (SELECT coalesce(to_json(list({'source_id': id, 'kind': kind, 'path': path, 'sha256': sha256} ORDER BY id)), '[]') FROM sources),
       $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, w.score, $18, $19, $20::JSON
FROM analysis_window w;

INSERT INTO analysis_run_accounts
SELECT $1, account, username, classification, score, wave FROM account_verdicts ORDER BY account;
