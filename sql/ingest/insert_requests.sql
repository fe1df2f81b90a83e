-- Copies one round of parsed access-log requests into the case.
-- ff_requests_arrow is a temporary view over a stream of Arrow record
-- batches that freezeframe's parsers fill in Go; $1 is the file's source id.
INSERT INTO requests
SELECT $1::INTEGER, line_no, time, client, client_hashed,
       method, path, query, protocol, status, bytes, referrer, user_agent,
       accept_language, content_type, duration, extra
FROM ff_requests_arrow;
