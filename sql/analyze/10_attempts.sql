-- id: attempts
-- kind: stage
-- title: Login attempts: account login events joined to the access log
-- level: informational
-- status: test
-- reads: requests_in_bounds account_events_in_bounds ips accounts
-- results: attempts two_factor_token_stats
-- description: Builds `attempts`, the table every heuristic reads: one row per
--   login event of the snapshot (success or failure, with its account), and
--   one per login POST of the access log that no event explains (a username
--   that does not exist, a password stopped at the second factor, a username
--   its user mistyped and corrected: outcome username_corrected). A password
--   stopped at the second factor is named by Warehouse's two-factor token:
--   the 303 sends the browser to /account/two-factor/?<token>, whose payload
--   is the user id (signed, not encrypted), and the second-factor pages carry
--   it in their query; the POST whose second the token was issued in is that
--   account's, for certain. Each row
--   carries the client's behaviour around the POST: seconds since the login
--   form was loaded, static assets fetched or not, accept-language, user
--   agent, and a behavioural fingerprint made of them that survives IP
--   rotation. Only events in the span of the access logs are attempts.
-- false positives: Users behind one NAT address whose second factors
--   complete within the same minutes, with browsers of one family, can have
--   their password POSTs swapped (a success takes the latest accepted
--   password of the address that no nearer event took), and with them
--   their behaviour. A bot that loads the login form and follows an unknown
--   username with a login from the same address and user agent within
--   typo_window_s has it taken for a corrected username; its hostile
--   fingerprint still counts it as a campaign attempt, and a campaign counts
--   it as an unknown username.
-- parameters:
--   login_path = /account/login/: path the login form is served on and posted to
--   second_factor_pattern = ^/account/(two-factor|webauthn-authenticate|recovery-code)/: regular expression of second-factor pages
--   static_prefix = /static/: path prefix of the site's static assets (CSS, JS)
--   form_window_s = 600: a form loaded longer ago than this (seconds) does not count as loaded
--   second_factor_s = 30: a second-factor page the same client loads at most this many seconds after a login POST follows from that POST (Warehouse redirects an accepted password there at once)
--   static_window_s = 120: static assets fetched within this many seconds before the POST count
--   session_window_s = 900: an event is paired with the client's latest login POST at most this many seconds earlier
--   clock_skew_s = 2: seconds an event may precede its log line (clocks of the CDN and the app differ)
--   typo_window_s = 60: a POST no event explains, followed this soon by an accepted one from the same client and browser, is a corrected username
--   history_days = 7: with no access log, days of login events before the last one to analyse (a week: over 14 days of generated worlds, whose history before the simulated week is sparser, the whole week read as a window and a week without attack froze 39 accounts)
-- references: Warehouse login flow (../shared/notes/warehouse.md); Freeman et al., NDSS 2016

-- Every login POST with the behaviour that led to it, in one pass over the
-- client's login-related requests in time order: the latest login form and
-- static asset before the POST, the first second-factor page after it. In
-- the same second, the form and assets count as before the POST and a
-- second-factor page as after it. The client key is the raw address, or the
-- hashed one as gunicorn-pypi logs carry it (matching ips.hashed_ip). What
-- the client sent with the POST is read from its line when the attempts are
-- assembled.
CREATE OR REPLACE TABLE login_posts AS
WITH lines AS (
    SELECT CASE WHEN client_hashed THEN lower(client) ELSE client END AS key, time, source_id, line_no, client_hashed,
           coalesce(status IN (301, 302, 303), false) AS accepted, CASE WHEN method = 'POST' THEN hash(user_agent) END AS agent,
           -- 0 form, 1 static, 2 POST, 3 second factor, 4 a code posted: the
           -- order within a second; NULL for other requests. Each line is
           -- matched against the pattern at most once (a filter apart from
           -- this matched most lines three times)
           CASE WHEN method = 'POST' THEN CASE WHEN path = getvariable('login_path') THEN 2
                                               WHEN regexp_matches(path, getvariable('second_factor_pattern')) THEN 4 END
                WHEN method = 'GET' THEN CASE WHEN path = getvariable('login_path') THEN 0
                                              WHEN regexp_matches(path, getvariable('second_factor_pattern')) THEN 3
                                              WHEN starts_with(path, getvariable('static_prefix')) THEN 1 END
           END AS kind
    FROM requests_in_bounds
    WHERE client IS NOT NULL AND time IS NOT NULL
), marks AS (
    SELECT * FROM lines WHERE kind IS NOT NULL
), around AS (
    SELECT source_id, line_no, kind, time, key, client_hashed, accepted, agent,
           max(CASE WHEN kind = 0 THEN time END) OVER earlier AS form_time,
           max(CASE WHEN kind = 1 THEN time END) OVER earlier AS static_time,
           min(CASE WHEN kind = 3 THEN time END) OVER later AS second_time,
           min(CASE WHEN kind = 4 AND accepted THEN time END) OVER later AS code_time
    FROM marks
    WINDOW earlier AS (PARTITION BY key ORDER BY time, kind, source_id, line_no ROWS UNBOUNDED PRECEDING),
           later AS (PARTITION BY key ORDER BY time, kind, source_id, line_no ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
)
SELECT a.source_id, a.line_no, a.time, a.key, a.client_hashed AS hashed, a.agent,
       CASE WHEN epoch(a.time) - epoch(a.form_time) <= getvariable('form_window_s')
            THEN epoch(a.time) - epoch(a.form_time) END AS form_gap,
       coalesce(epoch(a.time) - epoch(a.static_time) <= getvariable('static_window_s'), false) AS static,
       coalesce(epoch(a.second_time) - epoch(a.time) <= getvariable('second_factor_s'), false) AS second_factor,
       -- when that second-factor page came after an accepted password: its
       -- query is Warehouse's two-factor token, read below
       CASE WHEN a.accepted AND epoch(a.second_time) - epoch(a.time) <= getvariable('second_factor_s') THEN a.second_time END AS second_time,
       -- and whether a code posted on it was accepted (a redirect) within
       -- form_window_s: the second factor passed. With the snapshot, the
       -- success event says so; with logs alone, only this does.
       coalesce(a.accepted AND epoch(a.second_time) - epoch(a.time) <= getvariable('second_factor_s')
                AND epoch(a.code_time) - epoch(a.second_time) <= getvariable('form_window_s'), false) AS passed,
       -- a redirect: the password was accepted (Warehouse redirects to the
       -- second factor or the next page; a wrong one renders the form again)
       a.accepted,
       -- the POST's rank among the client's POSTs of the same second and
       -- outcome, in time and log order, which orders them for pairing (logs
       -- with sub-second times are ranked by the second too)
       row_number() OVER posts - rank() OVER (PARTITION BY a.key ORDER BY date_trunc('second', a.time), a.accepted) + 1 AS n,
       -- a wrong POST after which the same client, with the same browser,
       -- got a password accepted within typo_window_s: when no event
       -- explains it, its user mistyped the username (typed the email
       -- address) and corrected it. By browser, not by the client's next
       -- POST: behind a NAT, others post in between.
       NOT a.accepted AND coalesce(epoch(min(CASE WHEN a.accepted THEN a.time END) OVER browser) - epoch(a.time)
                                   <= getvariable('typo_window_s'), false) AS corrected
FROM around a
WHERE a.kind = 2
WINDOW posts AS (PARTITION BY a.key ORDER BY date_trunc('second', a.time), a.accepted, a.time, a.source_id, a.line_no),
       browser AS (PARTITION BY a.key, a.agent ORDER BY a.time, a.source_id, a.line_no ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING);

-- The account each accepted POST's two-factor token names: the token of
-- the second-factor page that followed it (the first of that second in log
-- order; ff_token_read reads its payload, whose signature is neither
-- checked nor needed), when it was issued in the POST's second, give or
-- take the clocks' skew. A page with a query that is no token (another
-- site, a truncated line) is counted in two_factor_token_stats and
-- otherwise ignored. The pages are joined on client and time, not carried
-- through the pass above: a window aggregate of the query over every
-- request tripled that pass.
CREATE OR REPLACE TABLE post_tokens AS
WITH pages AS (
    SELECT CASE WHEN client_hashed THEN lower(client) ELSE client END AS key, time,
           arg_min(query, (source_id, line_no)) AS query
    FROM requests_in_bounds
    WHERE method = 'GET' AND client IS NOT NULL AND query IS NOT NULL AND query <> ''
      AND regexp_matches(path, getvariable('second_factor_pattern'))
    GROUP BY ALL
), q AS (
    SELECT p.source_id, p.line_no, p.time, ff_token_text(g.query) AS query
    FROM login_posts p JOIN pages g ON g.key = p.key AND g.time = p.second_time
)
SELECT source_id, line_no, try_cast(userid AS UUID) AS account,
       abs(epoch(issued) - epoch(date_trunc('second', time))) <= getvariable('clock_skew_s') AS in_time
FROM ff_token_read(q);

CREATE OR REPLACE TABLE two_factor_token_stats AS
SELECT count(*) FILTER (WHERE account IS NOT NULL AND in_time) AS tokens,
       count(*) FILTER (WHERE account IS NOT NULL AND NOT in_time) AS tokens_of_other_logins,
       count(*) FILTER (WHERE account IS NULL) AS malformed
FROM post_tokens;

DELETE FROM post_tokens WHERE account IS NULL OR NOT in_time;

-- Login events of the snapshot in the span the access logs cover (years of
-- history before it are for the profiles, which read account_events), or
-- in the last history_days with no logs. Their client key is the raw
-- address when the logs carry raw addresses, else the hashed one (logs
-- with hashed clients only, as gunicorn-pypi). Only what pairing needs: the
-- attempts read the rest of each event from account_events.
CREATE OR REPLACE TABLE login_events AS
WITH span AS (
    SELECT coalesce((SELECT min(time) FROM login_posts) - to_seconds(getvariable('session_window_s')),
                    (SELECT max(time) FROM account_events_in_bounds) - to_days(getvariable('history_days'))) AS lo,
           NOT EXISTS (SELECT 1 FROM login_posts WHERE NOT hashed) AND EXISTS (SELECT 1 FROM login_posts) AS hashed_logs
)
SELECT id AS event_id, account, time, CASE WHEN span.hashed_logs THEN lower(hashed_ip) ELSE ip END AS key, ua_family,
       -- the password was accepted: a success, or a second factor that failed
       tag = 'account:login:success' OR coalesce(failure_reason <> 'invalid_password', false) AS accepted
FROM account_events_in_bounds, span
WHERE tag IN ('account:login:success', 'account:login:failure') AND time >= span.lo;

-- Which sources the span's attempts come from: login POSTs of the access
-- logs, login events of the snapshot, or both. With one alone, what the
-- other would say is unknown: a code accepted on the second-factor page is
-- then all that tells a passed second factor (below), and stage window
-- scans the hours of whichever there is.
CREATE OR REPLACE TABLE attempt_sources AS
SELECT EXISTS (FROM login_posts) AS posts, EXISTS (FROM login_events) AS events;

-- Few distinct user agents, many attempts: classify each agent once (by
-- its hash too, which the login POSTs carry).
CREATE OR REPLACE TABLE user_agent_classes AS
SELECT user_agent, hash(user_agent) AS agent, ff_ua_class(user_agent) AS ua_class, ff_ua_family(user_agent) AS ua_family
FROM (SELECT DISTINCT user_agent FROM requests_in_bounds WHERE method = 'POST' AND path = getvariable('login_path'));

-- Each event with its client's login POST, one account to a POST, so that
-- the POSTs of users sharing an address are neither left unexplained (they
-- would read as unknown usernames or stops at the second factor) nor
-- read as another's. In rounds: first among POSTs of the same outcome (an
-- accepted password, a success or a failed second factor, with a redirect;
-- a wrong one with the form shown again) from a browser of the event's
-- family (Warehouse records it with the event), then of the same outcome
-- from any browser, then, for what is left (a site whose failed logins also
-- redirect), among any. In a round each event picks a POST in the same
-- second, else one up to clock_skew_s after it (the CDN's clock ahead of
-- the app's), else the latest before it within the session window (a
-- second factor completed seconds later); a POST picked for several
-- accounts goes to the nearest event, and the others try again in the next
-- round (behind a NAT, second factors complete while others post: at PyPI
-- size the rounds leave 11 of the university NAT's 74,000 logins' POSTs
-- over, where sharing POSTs had left 18,000). Events of one account may
-- share a POST: a failed second factor and the success after it. `ord`
-- orders a client's POSTs of one second uniquely (by outcome and rank, a
-- microsecond apart), so that which POST the ASOF joins take does not
-- depend on the order DuckDB reads them in; what a round pairs leaves the
-- pools (the last round's pairs need not: the pools are dropped).
CREATE OR REPLACE TABLE pair_posts AS
SELECT p.source_id, p.line_no, p.key, p.time, p.accepted, coalesce(c.ua_family, '') AS family,
       date_trunc('second', p.time) + to_microseconds(2 * p.n + p.accepted::INTEGER) AS ord
FROM login_posts p LEFT JOIN user_agent_classes c ON c.agent = p.agent;

CREATE OR REPLACE TABLE pair_events AS
SELECT event_id, account, key, time, accepted, coalesce(ua_family, '') AS family FROM login_events;

CREATE OR REPLACE TABLE paired (event_id UUID, source_id INTEGER, line_no BIGINT, round INTEGER);

CREATE OR REPLACE TEMP MACRO ff_pair_round(by_outcome, by_family) AS TABLE
WITH p AS (
    SELECT source_id, line_no, key, time, ord, by_outcome AND accepted AS class,
           CASE WHEN by_family THEN family ELSE '' END AS family
    FROM pair_posts
), e AS (
    SELECT event_id, account, key, time, by_outcome AND accepted AS class,
           CASE WHEN by_family THEN family ELSE '' END AS family
    FROM pair_events
), candidates AS (
    SELECT e.event_id, e.account, p.source_id, p.line_no, epoch(e.time) - epoch(p.time) AS gap, true AS before
    FROM e ASOF JOIN p ON e.key = p.key AND e.class = p.class AND e.family = p.family AND e.time >= p.ord
    UNION ALL
    SELECT e.event_id, e.account, p.source_id, p.line_no, epoch(p.time) - epoch(e.time), false
    FROM e ASOF JOIN p ON e.key = p.key AND e.class = p.class AND e.family = p.family AND p.ord > e.time
), best AS (
    SELECT *, CASE WHEN before AND gap < 1 THEN 1 WHEN NOT before THEN 2 ELSE 3 END AS preference
    FROM candidates
    WHERE CASE WHEN before THEN gap <= getvariable('session_window_s') ELSE gap <= getvariable('clock_skew_s') END
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY preference, gap, source_id, line_no) = 1
)
SELECT event_id, source_id, line_no
FROM best
QUALIFY first_value(account) OVER (PARTITION BY source_id, line_no ORDER BY preference, gap, account, event_id) IS NOT DISTINCT FROM account;

-- Round 0: a POST a token names goes to the events of its account (the
-- success after the second factor, a failed code before it), the latest
-- before each event; no other account's event may take it.
INSERT INTO paired
SELECT e.event_id, p.source_id, p.line_no, 0
FROM pair_events e ASOF JOIN (SELECT x.*, t.account FROM pair_posts x JOIN post_tokens t USING (source_id, line_no)) p
  ON e.key = p.key AND e.account = p.account AND e.time >= p.ord
WHERE epoch(e.time) - epoch(p.time) <= getvariable('session_window_s');

DELETE FROM pair_events e USING paired x WHERE e.event_id = x.event_id;

DELETE FROM pair_posts p USING post_tokens t WHERE p.source_id = t.source_id AND p.line_no = t.line_no;

INSERT INTO paired SELECT *, 1 FROM ff_pair_round(true, true);

DELETE FROM pair_events e USING paired x WHERE x.round = 1 AND e.event_id = x.event_id;

DELETE FROM pair_posts p USING paired x WHERE x.round = 1 AND p.source_id = x.source_id AND p.line_no = x.line_no;

INSERT INTO paired SELECT *, 2 FROM ff_pair_round(true, true);

DELETE FROM pair_events e USING paired x WHERE x.round = 2 AND e.event_id = x.event_id;

DELETE FROM pair_posts p USING paired x WHERE x.round = 2 AND p.source_id = x.source_id AND p.line_no = x.line_no;

INSERT INTO paired SELECT *, 3 FROM ff_pair_round(true, true);

DELETE FROM pair_events e USING paired x WHERE x.round = 3 AND e.event_id = x.event_id;

DELETE FROM pair_posts p USING paired x WHERE x.round = 3 AND p.source_id = x.source_id AND p.line_no = x.line_no;

INSERT INTO paired SELECT *, 4 FROM ff_pair_round(true, true);

DELETE FROM pair_events e USING paired x WHERE x.round = 4 AND e.event_id = x.event_id;

DELETE FROM pair_posts p USING paired x WHERE x.round = 4 AND p.source_id = x.source_id AND p.line_no = x.line_no;

INSERT INTO paired SELECT *, 5 FROM ff_pair_round(true, false);

DELETE FROM pair_events e USING paired x WHERE x.round = 5 AND e.event_id = x.event_id;

DELETE FROM pair_posts p USING paired x WHERE x.round = 5 AND p.source_id = x.source_id AND p.line_no = x.line_no;

INSERT INTO paired SELECT *, 6 FROM ff_pair_round(true, false);

DELETE FROM pair_events e USING paired x WHERE x.round = 6 AND e.event_id = x.event_id;

DELETE FROM pair_posts p USING paired x WHERE x.round = 6 AND p.source_id = x.source_id AND p.line_no = x.line_no;

INSERT INTO paired SELECT *, 7 FROM ff_pair_round(false, false);

DROP TABLE pair_posts;

DROP TABLE pair_events;

-- Attempts numbered in time order (the same inputs, the same numbers): the
-- events, with the POST paired to each, and the POSTs no event explains.
-- The numbers are worked out on these keys alone, and the wide rows built
-- once, already numbered: sorting wide rows took twenty times longer.
CREATE OR REPLACE TABLE attempt_keys AS
SELECT time, event_id, source_id, line_no,
       row_number() OVER (ORDER BY time, event_id NULLS LAST, source_id, line_no) AS attempt_id
FROM (SELECT e.time, e.event_id, x.source_id, x.line_no
      FROM login_events e LEFT JOIN paired x USING (event_id)
      UNION ALL
      SELECT p.time, NULL::UUID, p.source_id, p.line_no
      FROM login_posts p ANTI JOIN (SELECT DISTINCT source_id, line_no FROM paired) x USING (source_id, line_no));

DROP TABLE paired;

-- attempts, four million wide rows at PyPI size, is built straight into
-- main under a staging name and read here through a view: when the run
-- publishes its results, it is renamed, not copied (10 s saved).
CREATE OR REPLACE TABLE main.ff_staged_attempts AS
WITH a AS (
    SELECT k.attempt_id, k.time, k.event_id, k.source_id, k.line_no, CASE WHEN k.event_id IS NULL THEN pt.account ELSE e.account END AS account,
           CASE WHEN k.event_id IS NOT NULL THEN 'event' WHEN pt.account IS NOT NULL THEN 'token' END AS named_by,
           CASE WHEN k.event_id IS NULL THEN
                    CASE WHEN pt.account IS NOT NULL AND p.passed AND NOT (SELECT events FROM attempt_sources) THEN 'success'
                         WHEN pt.account IS NOT NULL OR (r.status IN (301, 302, 303) AND p.second_factor) THEN 'second_factor_stop'
                         WHEN r.status IN (301, 302, 303) THEN 'password_ok'
                         WHEN r.status = 429 THEN 'rate_limited'
                         WHEN p.corrected AND p.form_gap IS NOT NULL AND (r.status = 200 OR r.status BETWEEN 400 AND 499)
                             THEN 'username_corrected'
                         WHEN r.status = 200 OR r.status BETWEEN 400 AND 499 THEN 'unknown_user'
                         ELSE 'other' END
                WHEN e.tag = 'account:login:success' THEN 'success'
                ELSE 'failure' END AS outcome,
           e.failure_reason, e.two_factor_method,
           CASE WHEN k.event_id IS NOT NULL THEN e.ip WHEN NOT p.hashed THEN p.key END AS ip,
           CASE WHEN k.event_id IS NOT NULL THEN e.hashed_ip WHEN p.hashed THEN p.key END AS hashed_ip,
           e.country_code AS event_country, e.ua_family AS event_ua_family,
           p.key, r.status, r.user_agent, r.accept_language, r.content_type, p.form_gap, p.static,
           p.key IS NOT NULL AS logged
    FROM attempt_keys k
    LEFT JOIN account_events_in_bounds e ON e.id = k.event_id
    LEFT JOIN login_posts p ON p.source_id = k.source_id AND p.line_no = k.line_no
    LEFT JOIN post_tokens pt ON pt.source_id = k.source_id AND pt.line_no = k.line_no
    -- the POST's own line for what the client sent
    LEFT JOIN (SELECT source_id, line_no, status, user_agent, accept_language, content_type FROM requests_in_bounds
               WHERE method = 'POST' AND path = getvariable('login_path')) r
           ON r.source_id = k.source_id AND r.line_no = k.line_no
), country AS (
    SELECT ip AS key, any_value(country_code) AS country_code FROM ips WHERE ip IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT lower(hashed_ip), any_value(country_code) FROM ips WHERE hashed_ip IS NOT NULL GROUP BY ALL
)
SELECT a.attempt_id,
       a.time, a.outcome, a.account, a.named_by, u.username, a.failure_reason, a.two_factor_method,
       a.ip, a.hashed_ip, coalesce(a.ip, a.hashed_ip, a.key) AS client, ff_prefix(a.ip) AS prefix,
       -- an event's own country and browser family; a POST alone: its address's and agent's
       CASE WHEN a.event_id IS NOT NULL THEN a.event_country ELSE k.country_code END AS country_code,
       CASE WHEN a.event_id IS NOT NULL THEN a.event_ua_family ELSE c.ua_family END AS ua_family,
       a.user_agent, a.accept_language, a.content_type,
       a.form_gap, a.static, a.status, a.logged,
       CASE WHEN a.logged THEN concat_ws(' | ', coalesce(c.ua_class, 'no user-agent'), coalesce(a.accept_language, 'no accept-language'),
            CASE WHEN a.form_gap IS NULL THEN 'form not loaded' ELSE 'form loaded' END,
            CASE WHEN a.static THEN 'assets fetched' ELSE 'no assets' END,
            coalesce(a.content_type, 'no content-type')) END AS fingerprint,
       a.event_id, a.source_id, a.line_no
FROM a
LEFT JOIN accounts u ON u.id = a.account
LEFT JOIN user_agent_classes c ON c.user_agent = a.user_agent
LEFT JOIN country k ON k.key = CASE WHEN a.event_id IS NULL THEN a.key END;

CREATE VIEW attempts AS SELECT * FROM main.ff_staged_attempts;

DROP TABLE attempt_keys;

DROP TABLE login_posts;

DROP TABLE login_events;

DROP TABLE user_agent_classes;

DROP TABLE post_tokens;
