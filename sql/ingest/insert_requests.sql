-- Copies one round of parsed access-log requests into the case.
-- ff_requests_round is a parallel table function that freezeframe registers
-- from Go: DuckDB threads parse blocks of log lines in it. $1 is the round's
-- handle.
INSERT INTO requests
SELECT source_id, line_no, time, client, client_hashed,
       method, path, query, protocol, status, bytes, referrer, user_agent,
       accept_language, content_type, duration, extra::JSON
FROM ff_requests_round($1);
