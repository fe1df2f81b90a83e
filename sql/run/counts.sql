-- The run's headline counts, for analysis_runs and analyze's output:
-- attempts, campaigns, accounts per classification, accounts to freeze new
-- since the previous freeze list, the previous list's accounts no longer
-- compromised, accounts to freeze, compromised accounts already handled.
SELECT
    (SELECT count(*) FROM attempts),
    (SELECT count(*) FROM campaigns),
    count(*) FILTER (WHERE classification = 'compromised'),
    count(*) FILTER (WHERE classification = 'exposed'),
    count(*) FILTER (WHERE classification = 'targeted'),
    count(*) FILTER (WHERE classification = 'review'),
    count(*) FILTER (WHERE classification = 'benign'),
    count(*) FILTER (WHERE to_freeze AND wave = 'new'),
    (SELECT count(*) FROM previous_dropped),
    count(*) FILTER (WHERE to_freeze),
    count(*) FILTER (WHERE classification = 'compromised' AND handled IS NOT NULL)
FROM account_verdicts;
