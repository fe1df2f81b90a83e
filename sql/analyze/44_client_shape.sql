-- id: client-shape
-- kind: heuristic
-- title: The client's shape: its kind of user agent, language, assets and content type
-- level: low
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: evidence span_attempts
-- description: The tool that replays a list shows one shape whatever addresses
--   and browser versions it rotates: the class of client it claims (a
--   browser, HeadlessChrome, python-requests, ...), the accept-language it
--   sends, whether it fetches the page's static assets, the content type it
--   posts. A shape of its own, which real users never show, is strong
--   evidence; the shape of the largest population of real users is none,
--   and counts nothing (stage attribution measures which it is).
-- false positives: Real users who share the campaign's shape; their logins
--   need other evidence.
-- references: Splunk "Detect Distributed Password Spray Attempts" (grouped by user agent, not IP);
--   F5 2023 credential stuffing report

INSERT INTO evidence
SELECT a.attempt_id, 'client-shape', 'client',
       concat_ws(' | ', coalesce(ff_ua_class(a.user_agent), 'no user-agent'), coalesce(a.accept_language, 'no accept-language'),
                 CASE WHEN a.static THEN 'assets fetched' ELSE 'no assets' END, coalesce(a.content_type, 'no content-type')),
       CASE WHEN a.in_window THEN format('user agent "{}"', coalesce(a.user_agent, '(none)')) END
FROM span_attempts a
WHERE a.logged;
