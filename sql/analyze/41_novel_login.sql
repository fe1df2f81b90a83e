-- id: novel-login
-- kind: heuristic
-- title: A network, country, browser or language the account never logged in with
-- level: low
-- status: test
-- tags: attack.initial_access attack.t1078 attack.credential_access attack.t1110.004
-- reads: evidence span_attempts attempt_history home_languages
-- description: An attacker holding a password logs in from wherever its proxy
--   puts it and with whatever browser its tool claims: for the account, a
--   new network, often a new country, often a new browser family, and a
--   browser language its own sessions never sent (for an account with no
--   other session in the logs, one that accounts from its home country
--   rarely send). Read against the account's own other successful logins
--   (stage history), for every attempt on an existing account, failed or not. How
--   much each reading counts is measured in each incident (stage
--   attribution): an attacker with fresh residential addresses in the
--   victim's own country shows a new network but no new country, and then a
--   new country counts for nothing; one that copies the victim's language
--   makes a familiar language count for nothing instead of for the owner.
-- false positives: Travel, a new ISP or phone, a new browser: real users
--   log in from new networks every day (the share outside the window says
--   how often), but keep their browser and language.
-- parameters:
--   rare_share = 0.02: share of home-country sessions below which a language is rare there
--   min_home_sessions = 30: sessions a home country needs before its languages count
-- references: Freeman et al., "Who Are You? A Statistical Approach to Measuring User Authenticity", NDSS 2016;
--   Elastic "Brute Force (Multi-Source)"

INSERT INTO evidence
SELECT a.attempt_id, 'novel-login', 'network',
       CASE WHEN NOT h.has_history THEN 'no other login on record'
            WHEN h.network_seen THEN 'known network'
            WHEN h.block_seen THEN 'new network in a known block'
            WHEN coalesce(h.country_seen, true) THEN 'new network, known country'
            ELSE 'new network and country' END,
       CASE WHEN a.in_window THEN
           CASE WHEN NOT h.has_history THEN format('no other login on record; this one from {} ({})', a.client, coalesce(a.country_code, 'country unknown'))
                WHEN h.network_seen THEN format('from {}, a network it logs in from', coalesce(a.prefix, a.client))
                ELSE format('from network {} ({}, {}), where it never logged in otherwise{}', coalesce(a.prefix, a.client), a.client, coalesce(a.country_code, 'country unknown'),
                            CASE WHEN h.block_seen THEN format(', but in {}, where it did', ff_block(a.ip))
                                 WHEN NOT coalesce(h.country_seen, true) THEN ', nor from that country' ELSE '' END) END
       END
FROM span_attempts a JOIN attempt_history h USING (attempt_id)
WHERE h.network_seen IS NOT NULL;

INSERT INTO evidence
SELECT a.attempt_id, 'novel-login', 'browser',
       CASE WHEN h.family_seen THEN 'known browser family' ELSE 'new browser family' END,
       CASE WHEN a.in_window THEN format('{}{}', a.ua_family, CASE WHEN h.family_seen THEN ', as its other logins' ELSE ', a browser family it never logged in with otherwise' END) END
FROM span_attempts a JOIN attempt_history h USING (attempt_id)
WHERE h.has_history AND h.family_seen IS NOT NULL;

INSERT INTO evidence
WITH home AS (
    SELECT home_country, sum(sessions) AS sessions FROM home_languages GROUP BY home_country
), s AS (
    SELECT a.attempt_id, a.in_window, a.accept_language, h.language_seen, h.other_sessions, h.home_country,
           coalesce(hl.share, 0) AS home_share, coalesce(hs.sessions, 0) AS home_sessions
    FROM span_attempts a JOIN attempt_history h USING (attempt_id)
    LEFT JOIN home_languages hl ON hl.home_country = h.home_country AND hl.accept_language = a.accept_language
    LEFT JOIN home hs ON hs.home_country = h.home_country
    WHERE a.logged
)
-- Two features, so that whether the account has other sessions (how
-- active it is: heuristic dormant-wake's business) counts for neither:
-- against the account's other sessions where it has some, against its
-- home country's sessions where it has none.
SELECT attempt_id, 'novel-login', CASE WHEN other_sessions THEN 'language' ELSE 'language at home' END,
       CASE WHEN accept_language IS NULL THEN 'none sent'
            WHEN other_sessions AND language_seen THEN 'as its other sessions'
            WHEN other_sessions THEN 'not as its other sessions'
            WHEN home_sessions < getvariable('min_home_sessions') THEN 'home unknown'
            WHEN home_share <= getvariable('rare_share') THEN 'rare at home'
            ELSE 'common at home' END,
       CASE WHEN in_window THEN
           CASE WHEN accept_language IS NULL THEN 'no accept-language sent'
                WHEN other_sessions AND language_seen THEN format('browser language "{}", as its other sessions', accept_language)
                WHEN other_sessions THEN format('browser language "{}", which none of the account''s other sessions sent', accept_language)
                WHEN home_sessions < getvariable('min_home_sessions') THEN format('browser language "{}"; no other session of the account in the logs', accept_language)
                ELSE format('browser language "{}", sent by {:.1f}% of sessions of accounts from {}, the account''s home; no other session of the account in the logs',
                            accept_language, 100 * home_share, home_country) END
       END
FROM s;
