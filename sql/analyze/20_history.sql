-- id: history
-- kind: stage
-- title: What each account's other logins say about each of its attempts
-- level: informational
-- status: test
-- reads: attempts account_events_in_bounds accounts
-- results: attempt_history attempt_addresses address_warmup home_languages
-- description: For every attempt on an existing account, what the account's own
--   other successful logins say: whether it logged in at all, from that
--   network (/24, /48), that block of addresses (/16, /32: an ISP's dynamic
--   addresses mostly stay in one), that country, with that browser family, with that
--   browser language (the access log's sessions), other than in the same
--   session (session_s either side); and when it last logged in before. The
--   snapshot's years of login events and the whole logged week count, before
--   and after the attempt: an owner's hotel address used twice is known both
--   times, the attacker's fresh address never is, and no attempt looks new
--   merely for coming early in the logs. Neither the incident window nor any
--   heuristic is needed: the window's signals and the evidence against each
--   attempt both read this. Also, over all accounts, which browser languages
--   the sessions of accounts from each home country send, for an account
--   with no other session in the logs; and for every attempt whether its
--   address was new to the site: no event of the snapshot before the logs
--   came from it, and no login attempt in the logs before this one (a
--   residential proxy's fresh address is new for every attempt; a script's
--   address only for its first; in the logs' first warmup_h, none is
--   judged).
-- false positives: Events whose address the snapshot lost (no ips row) have
--   no network; the attempt then counts neither as new nor as known there.
-- parameters:
--   session_s = 3600: seconds either side of an attempt whose logins are its own session, not other logins
--   warmup_h = 24: hours at the start of the logs in which an address is not judged new (it may have been busy before)
-- references: Freeman et al., "Who Are You? A Statistical Approach to Measuring User Authenticity", NDSS 2016

-- When the logs begin: what is before them is the snapshot's history. With
-- no logs at all (a snapshot alone), the span of login events analysed
-- stands in for them.
CREATE OR REPLACE TABLE logs_start AS
SELECT coalesce(min(time) FILTER (WHERE logged), min(time)) AS lo FROM attempts;

-- Per account and network, block, country and browser family (and the
-- account as a whole): whether it logged in from there before the logs,
-- and the first and last time it did in them. An attempt's "other logins" from there
-- exist when it did before the logs, or first did more than session_s
-- before the attempt, or last did more than session_s after it. The
-- network is the /24 or /48 of the address, the hashed address where there
-- is no address.
CREATE OR REPLACE TABLE login_places AS
WITH span AS (FROM logs_start), accounts AS (
    SELECT DISTINCT account FROM attempts WHERE account IS NOT NULL
), ev AS (
    SELECT e.account, e.time, e.time < span.lo AS before_logs,
           coalesce(ff_prefix(e.ip), e.ip, lower(e.hashed_ip)) AS network, ff_block(e.ip) AS block, e.country_code, e.ua_family
    FROM account_events_in_bounds e SEMI JOIN accounts a USING (account), span
    WHERE e.tag = 'account:login:success'
), g AS (
    -- one pass over the logins for all five: writing the logins out first
    -- and grouping them five times took twice as long at PyPI size. GROUPING
    -- tells the sets apart, and a set's NULL value is no place
    SELECT account, network, block, country_code, ua_family, GROUPING(network, block, country_code, ua_family) AS set_id,
           bool_or(before_logs) AS before_logs,
           min(time) FILTER (WHERE NOT before_logs) AS first_in_logs, max(time) FILTER (WHERE NOT before_logs) AS last_in_logs
    FROM ev
    GROUP BY GROUPING SETS ((account, network), (account, block), (account, country_code), (account, ua_family), (account))
)
SELECT account,
       CASE set_id WHEN 7 THEN 'network' WHEN 11 THEN 'block' WHEN 13 THEN 'country' WHEN 14 THEN 'family' ELSE 'any' END AS what,
       coalesce(network, block, country_code, ua_family, '') AS value, before_logs, first_in_logs, last_in_logs
FROM g
WHERE set_id = 15 OR (set_id = 7 AND network IS NOT NULL) OR (set_id = 11 AND block IS NOT NULL)
   OR (set_id = 13 AND country_code IS NOT NULL) OR (set_id = 14 AND ua_family IS NOT NULL);

-- The same for the languages of each account's logged successful sessions.
-- (language NULL: any logged session at all)
CREATE OR REPLACE TABLE login_languages AS
WITH s AS (SELECT account, accept_language, time FROM attempts WHERE outcome = 'success' AND logged AND account IS NOT NULL)
SELECT account, accept_language, min(time) AS first_in_logs, max(time) AS last_in_logs FROM s WHERE accept_language IS NOT NULL GROUP BY ALL
UNION ALL
SELECT account, NULL, min(time), max(time) FROM s GROUP BY account;

-- Each account's home (the country most of its logins before the logs came
-- from) and its last login before them.
CREATE OR REPLACE TABLE account_homes AS
WITH span AS (FROM logs_start), s AS (
    SELECT e.account, e.country_code, e.time FROM account_events_in_bounds e, span
    WHERE e.tag = 'account:login:success' AND e.time < span.lo
      AND e.account IN (SELECT account FROM attempts WHERE account IS NOT NULL)
)
SELECT account, arg_max(country_code, (n, country_code)) FILTER (WHERE country_code IS NOT NULL) AS home_country,
       max(last) AS last_before_logs
FROM (SELECT account, country_code, count(*) AS n, max(time) AS last FROM s GROUP BY ALL)
GROUP BY account;

-- With access logs alone there is no login history to judge an attempt by:
-- the table is then empty, and what the history says unknown (NULL, in
-- the steps' outer joins), not "never".
CREATE OR REPLACE TABLE attempt_history AS
WITH a AS (
    SELECT attempt_id, time, account, outcome, logged, accept_language, country_code, ua_family,
           coalesce(prefix, ip, lower(hashed_ip)) AS network, ff_block(ip) AS block,
           time - to_seconds(getvariable('session_s')) AS band_from, time + to_seconds(getvariable('session_s')) AS band_to,
           -- the account's latest login in the logs before this attempt
           max(time) FILTER (WHERE outcome = 'success') OVER (PARTITION BY account ORDER BY time, attempt_id
                                                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS last_in_logs
    FROM attempts
    WHERE account IS NOT NULL
)
SELECT a.attempt_id, a.account,
       coalesce(pa.before_logs OR pa.first_in_logs < a.band_from OR pa.last_in_logs > a.band_to, false) AS has_history,
       CASE WHEN a.network IS NOT NULL THEN coalesce(pn.before_logs OR pn.first_in_logs < a.band_from OR pn.last_in_logs > a.band_to, false) END AS network_seen,
       CASE WHEN a.block IS NOT NULL THEN coalesce(pb.before_logs OR pb.first_in_logs < a.band_from OR pb.last_in_logs > a.band_to, false) END AS block_seen,
       CASE WHEN a.country_code IS NOT NULL THEN coalesce(pc.before_logs OR pc.first_in_logs < a.band_from OR pc.last_in_logs > a.band_to, false) END AS country_seen,
       CASE WHEN a.ua_family IS NOT NULL THEN coalesce(pf.before_logs OR pf.first_in_logs < a.band_from OR pf.last_in_logs > a.band_to, false) END AS family_seen,
       -- other logged sessions of the account, and whether one of them sent this language
       coalesce(la.first_in_logs < a.band_from OR la.last_in_logs > a.band_to, false) AS other_sessions,
       CASE WHEN a.logged AND a.accept_language IS NOT NULL
            THEN coalesce(ll.first_in_logs < a.band_from OR ll.last_in_logs > a.band_to, false) END AS language_seen,
       greatest(a.last_in_logs, CASE WHEN h.last_before_logs < a.time THEN h.last_before_logs END) AS last_login_before,
       h.home_country
FROM a
LEFT JOIN (FROM login_places WHERE what = 'any') pa ON pa.account = a.account
LEFT JOIN (FROM login_places WHERE what = 'network') pn ON pn.account = a.account AND pn.value = a.network
LEFT JOIN (FROM login_places WHERE what = 'block') pb ON pb.account = a.account AND pb.value = a.block
LEFT JOIN (FROM login_places WHERE what = 'country') pc ON pc.account = a.account AND pc.value = a.country_code
LEFT JOIN (FROM login_places WHERE what = 'family') pf ON pf.account = a.account AND pf.value = a.ua_family
LEFT JOIN login_languages la ON la.account = a.account AND la.accept_language IS NULL
LEFT JOIN login_languages ll ON ll.account = a.account AND ll.accept_language = a.accept_language
LEFT JOIN account_homes h ON h.account = a.account
WHERE EXISTS (FROM account_events_in_bounds);

CREATE OR REPLACE TABLE address_warmup AS
SELECT lo + to_hours(getvariable('warmup_h')::BIGINT) AS judged_from FROM logs_start;

CREATE OR REPLACE TABLE attempt_addresses AS
WITH span AS (FROM logs_start), known AS (
    SELECT DISTINCT lower(coalesce(e.ip, e.hashed_ip)) AS client FROM account_events_in_bounds e, span
    WHERE e.time < span.lo AND coalesce(e.ip, e.hashed_ip) IS NOT NULL
), firsts AS (
    SELECT client, min(time) AS first FROM attempts WHERE client IS NOT NULL GROUP BY client
)
SELECT a.attempt_id,
       -- in the logs' first warmup_h, an address seen for the first time may
       -- have been busy before they began: not judged
       CASE WHEN a.time >= w.judged_from
            THEN a.client IS NOT NULL AND k.client IS NULL AND f.first >= a.time END AS address_new
FROM attempts a CROSS JOIN address_warmup w LEFT JOIN known k ON k.client = lower(a.client) LEFT JOIN firsts f ON f.client = a.client;

-- Which languages the sessions of accounts from each home country send,
-- from their successful logins in the logs.
CREATE OR REPLACE TABLE home_languages AS
WITH s AS (
    SELECT h.home_country, a.accept_language
    FROM attempts a JOIN account_homes h USING (account)
    WHERE a.outcome = 'success' AND a.logged AND a.accept_language IS NOT NULL AND h.home_country IS NOT NULL
)
SELECT home_country, accept_language, count(*) AS sessions,
       count(*) / sum(count(*)) OVER (PARTITION BY home_country) AS share
FROM s
GROUP BY home_country, accept_language
ORDER BY home_country, accept_language;

DROP TABLE login_places;

DROP TABLE login_languages;

DROP TABLE logs_start;
