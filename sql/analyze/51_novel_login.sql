-- id: novel-login
-- kind: heuristic
-- title: Login from a network, country, browser or language the account never used
-- catches: An attacker holding a password logs in from wherever the proxy
--   puts them, with whatever browser the tool claims: for the account, a new
--   network, often a new country, often a new browser family and browser
--   language. Compared with every successful login before the window.
-- false positives: Travel, a new ISP or phone, a new browser. One novelty
--   alone stays far below the freeze threshold; these need campaign evidence.
-- parameters:
--   w_network = 1: points for a network (/24, /48) the account never logged in from
--   w_country = 2: points for a country the account never logged in from
--   w_family = 1: points for a user-agent family the account never used
--   w_language = 2: points for an accept-language the account's logged sessions never sent
--   w_no_history = 2: points for a login on an account with no earlier login on record
-- references: Freeman et al., "Who Are You? A Statistical Approach to Measuring User Authenticity", NDSS 2016;
--   Elastic "Brute Force (Multi-Source)" (countries, ASNs, user agents per user)

INSERT INTO findings
WITH s AS (
    SELECT a.*, coalesce(p.logins, 0) AS logins, p.prefixes, p.countries, p.ua_families, p.langs, p.ips
    FROM window_attempts a LEFT JOIN account_profiles p USING (account)
    WHERE a.outcome = 'success'
), n AS (
    SELECT *,
           logins = 0 AS no_history,
           logins > 0 AND coalesce(NOT list_contains(prefixes, prefix), NOT list_contains(ips, ip), false) AS new_network,
           logins > 0 AND coalesce(NOT list_contains(countries, country_code), false) AS new_country,
           logins > 0 AND coalesce(NOT list_contains(ua_families, ua_family), false) AS new_family,
           coalesce(NOT list_contains(langs, accept_language), false) AS new_language
    FROM s
)
SELECT 'novel-login', 'attempt', attempt_id, account, client, time,
       CASE WHEN no_history THEN getvariable('w_no_history') ELSE 0 END
       + CASE WHEN new_network THEN getvariable('w_network') ELSE 0 END
       + CASE WHEN new_country THEN getvariable('w_country') ELSE 0 END
       + CASE WHEN new_family THEN getvariable('w_family') ELSE 0 END
       + CASE WHEN new_language THEN getvariable('w_language') ELSE 0 END,
       concat_ws('; ',
           CASE WHEN no_history THEN format('no earlier login on record; this one from {}', client) END,
           CASE WHEN new_network THEN format('first login from network {} ({}); {:d} earlier logins', coalesce(prefix, ip), ip, logins) END,
           CASE WHEN new_country THEN format('first login from {}; before only {}', country_code, array_to_string(countries, ', ')) END,
           CASE WHEN new_family THEN format('first login with {}; before only {}', ua_family, array_to_string(ua_families, ', ')) END,
           CASE WHEN new_language THEN format('browser language "{}" never sent before (sent: {})', accept_language, array_to_string(langs, ' / ')) END)
FROM n
WHERE no_history OR new_network OR new_country OR new_family OR new_language;
