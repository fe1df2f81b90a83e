-- id: profiles
-- kind: stage
-- title: What each account looked like before the incident window
-- results: account_profiles home_languages
-- catches: Per account, from every successful login before the window (the
--   snapshot's event history, years of it, and the access log for the
--   browser language): the addresses, networks, countries and user-agent
--   families it logged in from, its home (the country most of those logins
--   came from), how often, and when it last did. And, over all accounts, which
--   browser languages the sessions of accounts from each home country sent:
--   for an account whose own sessions the logs never saw, that is what its
--   language should look like. Novelty heuristics compare logins in the
--   window with these.

-- Logins are first counted per account, address, country and browser
-- family (accounts come back from the same few): the lists are then made
-- from those rows, not from each of the millions of logins. The counts and
-- the languages are tables of their own, so that each statement fits
-- DuckDB's default memory limit at PyPI size (one statement ran out).
CREATE OR REPLACE TABLE profile_logins AS
WITH w AS (
    SELECT coalesce(window_from, 'infinity'::TIMESTAMPTZ) AS since FROM analysis_window
)
SELECT e.account, e.ip, e.country_code, e.ua_family, count(*) AS n, max(e.time) AS last_login
FROM account_events e, w
WHERE e.tag = 'account:login:success' AND e.time < w.since
  -- only the accounts the logs' span saw: the others have nothing to compare
  AND e.account IN (SELECT account FROM attempts WHERE account IS NOT NULL)
GROUP BY ALL;

CREATE OR REPLACE TABLE profile_languages AS
WITH w AS (
    SELECT coalesce(window_from, 'infinity'::TIMESTAMPTZ) AS since FROM analysis_window
)
SELECT account, list_sort(list_distinct(list(accept_language))) AS langs
FROM attempts, w
WHERE outcome = 'success' AND time < w.since AND accept_language IS NOT NULL
GROUP BY account;

CREATE OR REPLACE TABLE account_profiles AS
WITH home AS (
    -- the country most logins came from; ties go to the first code
    SELECT account, arg_min(country_code, (-n, country_code)) AS home_country
    FROM (SELECT account, country_code, sum(n) AS n FROM profile_logins WHERE country_code IS NOT NULL GROUP BY ALL)
    GROUP BY account
), per_account AS (
    -- list_sort(list_distinct(list(x))): ordered DISTINCT aggregates were the slow part
    SELECT account, sum(n)::BIGINT AS logins, max(last_login) AS last_login,
           list_sort(list_distinct(list(ip))) AS ips,
           nullif(list_sort(list_distinct(list(country_code))), []) AS countries,
           nullif(list_sort(list_distinct(list(ua_family))), []) AS ua_families
    FROM profile_logins
    GROUP BY account
)
SELECT p.account, p.logins, p.last_login, nullif(p.ips, []) AS ips,
       nullif(list_sort(list_distinct(list_transform(p.ips, x -> ff_prefix(x)))), []) AS prefixes,
       p.countries, p.ua_families, l.langs, home.home_country
FROM per_account p LEFT JOIN profile_languages l USING (account) LEFT JOIN home USING (account);

DROP TABLE profile_logins;

DROP TABLE profile_languages;

CREATE OR REPLACE TABLE home_languages AS
WITH w AS (
    SELECT coalesce(window_from, 'infinity'::TIMESTAMPTZ) AS since FROM analysis_window
), s AS (
    SELECT p.home_country, a.accept_language
    FROM attempts a JOIN account_profiles p USING (account), w
    WHERE a.outcome = 'success' AND a.time < w.since AND a.accept_language IS NOT NULL AND p.home_country IS NOT NULL
)
SELECT home_country, accept_language, count(*) AS sessions,
       count(*) / sum(count(*)) OVER (PARTITION BY home_country) AS share
FROM s
GROUP BY home_country, accept_language
ORDER BY home_country, accept_language;
