-- The accounts of --previous FREEZE_LIST, which stage waves reads: usernames
-- and user ids bound as two lists of the same length ('' for no user id).
CREATE OR REPLACE TEMP TABLE previous_list (username VARCHAR, user_id VARCHAR);

INSERT INTO previous_list SELECT unnest($1::VARCHAR[]), nullif(unnest($2::VARCHAR[]), '');
