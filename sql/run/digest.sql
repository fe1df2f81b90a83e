-- What the results digest hashes, query by query in this order: the
-- window, the verdict, the campaigns and every account's verdict with its
-- reasons. Columns added to these tables later do not change it.
SELECT window_from::VARCHAR, window_to::VARCHAR, source FROM analysis_window;

SELECT verdict, reason FROM analysis_verdict;

SELECT campaign_id, first_seen::VARCHAR, last_seen::VARCHAR, attempts, accounts FROM campaigns ORDER BY campaign_id;

SELECT account::VARCHAR, classification, score, campaign_id, reasons, wave FROM account_verdicts ORDER BY account;
