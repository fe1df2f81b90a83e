-- id: novel-login
-- kind: heuristic
-- title: Login from a network, browser or language the account never used, or with all it knows
-- catches: An attacker holding a password logs in from wherever the proxy
--   puts them, with whatever browser the tool claims: for the account, a new
--   network, often a new country, often a new browser family, and a browser
--   language its own sessions never sent, or, for an account the logs never
--   saw, one that accounts from its home country rarely send. Compared with
--   every successful login before the window. The evidence cuts both ways: a
--   login with the account's usual browser family and language loses points,
--   as in Freeman et al.'s model, where familiar features are evidence of
--   the owner.
-- false positives: Travel, a new ISP or phone, a new browser. Travellers keep
--   their browser and language, which takes points off; a new network alone
--   stays far below the freeze threshold.
-- parameters:
--   w_network = 5: points for a network (/24, /48) the account never logged in from
--   w_country = 1: points for a country it never logged in from (beyond the new network)
--   w_family = 6: points for a user-agent family the account never used
--   w_familiar_family = -1: points for the account's usual user-agent family
--   w_language = 6: points for a browser language the account's own sessions never sent
--   w_familiar_language = -4: points for a language its own sessions sent
--   w_rare_language = 5: points, when the logs never saw the account, for a language that at most rare_share of sessions from its home country send
--   rare_share = 0.02: share of home-country sessions below which a language is rare there
--   min_home_sessions = 30: sessions a home country needs before its languages count
--   w_no_history = 2: points for a login on an account with no earlier login on record
-- references: Freeman et al., "Who Are You? A Statistical Approach to Measuring User Authenticity", NDSS 2016;
--   Elastic "Brute Force (Multi-Source)". Points are about log2 likelihood ratios measured on the tuning scenarios.

INSERT INTO findings
WITH home AS (
    SELECT home_country, sum(sessions) AS sessions FROM home_languages GROUP BY home_country
), s AS (
    SELECT a.*, coalesce(p.logins, 0) AS logins, p.prefixes, p.countries, p.ua_families, p.langs, p.ips, p.home_country,
           coalesce(hl.share, 0) AS home_share, coalesce(h.sessions, 0) AS home_sessions
    FROM window_attempts a
    LEFT JOIN account_profiles p USING (account)
    LEFT JOIN home_languages hl ON hl.home_country = p.home_country AND hl.accept_language = a.accept_language
    LEFT JOIN home h ON h.home_country = p.home_country
    WHERE a.outcome = 'success'
), n AS (
    SELECT *,
           logins = 0 AS no_history,
           logins > 0 AND coalesce(NOT list_contains(prefixes, prefix), NOT list_contains(ips, ip), false) AS new_network,
           logins > 0 AND coalesce(NOT list_contains(countries, country_code), false) AS new_country,
           logins > 0 AND coalesce(NOT list_contains(ua_families, ua_family), false) AS new_family,
           coalesce(list_contains(ua_families, ua_family), false) AS familiar_family,
           -- a logged login sending no language at all, where the account's sessions always sent one, is a new language too
           logged AND langs IS NOT NULL AND (accept_language IS NULL OR NOT list_contains(langs, accept_language)) AS new_language,
           coalesce(list_contains(langs, accept_language), false) AS familiar_language,
           langs IS NULL AND accept_language IS NOT NULL AND home_sessions >= getvariable('min_home_sessions')
               AND home_share <= getvariable('rare_share') AS rare_language
    FROM s
)
SELECT 'novel-login', 'attempt', attempt_id, account, client, time,
       CASE WHEN no_history THEN getvariable('w_no_history') ELSE 0 END
       + CASE WHEN new_network THEN getvariable('w_network') ELSE 0 END
       + CASE WHEN new_country THEN getvariable('w_country') ELSE 0 END
       + CASE WHEN new_family THEN getvariable('w_family') ELSE 0 END
       + CASE WHEN familiar_family THEN getvariable('w_familiar_family') ELSE 0 END
       + CASE WHEN new_language THEN getvariable('w_language') ELSE 0 END
       + CASE WHEN familiar_language THEN getvariable('w_familiar_language') ELSE 0 END
       + CASE WHEN rare_language THEN getvariable('w_rare_language') ELSE 0 END,
       concat_ws('; ',
           CASE WHEN no_history THEN format('no earlier login on record; this one from {}', client) END,
           CASE WHEN new_network THEN format('first login from network {} ({}); {:d} earlier logins', coalesce(prefix, ip), ip, logins) END,
           CASE WHEN new_country THEN format('first login from {}; before only {}', country_code, array_to_string(countries, ', ')) END,
           CASE WHEN new_family THEN format('first login with {}; before only {}', ua_family, array_to_string(ua_families, ', ')) END,
           CASE WHEN familiar_family THEN format('usual browser family {}', ua_family) END,
           CASE WHEN new_language THEN format('browser language "{}" never sent before (sent: {})', coalesce(accept_language, '(none)'), array_to_string(langs, ' / ')) END,
           CASE WHEN familiar_language THEN format('usual browser language "{}"', accept_language) END,
           CASE WHEN rare_language THEN format('browser language "{}" is sent by {:.1f}% of sessions of accounts from {}, the account''s home',
                                               accept_language, 100 * home_share, home_country) END)
FROM n
-- a login with nothing new about it has nothing to say against the owner
WHERE no_history OR new_network OR new_country OR new_family OR new_language OR rare_language;
