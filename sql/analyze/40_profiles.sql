-- id: profiles
-- kind: stage
-- title: What each account looked like before the incident window
-- results: account_profiles
-- catches: Per account, from every successful login before the window (the
--   snapshot's event history, years of it, and the access log for the
--   browser language): the addresses, networks, countries and user-agent
--   families it logged in from, how often, and when it last did. Novelty
--   heuristics compare logins in the window with this.

CREATE OR REPLACE TEMP TABLE account_profiles AS
WITH w AS (
    SELECT coalesce(window_from, 'infinity'::TIMESTAMPTZ) AS since FROM analysis_window
), ev AS (
    SELECT e.account, e.time, e.ip, ff_prefix(e.ip) AS prefix, e.country_code, e.ua_family
    FROM account_events e, w
    WHERE e.tag = 'account:login:success' AND e.time < w.since
), langs AS (
    SELECT account, list(DISTINCT accept_language ORDER BY accept_language) AS langs
    FROM attempts, w
    WHERE outcome = 'success' AND time < w.since AND accept_language IS NOT NULL
    GROUP BY account
)
SELECT ev.account, count(*) AS logins, max(ev.time) AS last_login,
       list(DISTINCT ev.ip ORDER BY ev.ip) FILTER (WHERE ev.ip IS NOT NULL) AS ips,
       list(DISTINCT ev.prefix ORDER BY ev.prefix) FILTER (WHERE ev.prefix IS NOT NULL) AS prefixes,
       list(DISTINCT ev.country_code ORDER BY ev.country_code) FILTER (WHERE ev.country_code IS NOT NULL) AS countries,
       list(DISTINCT ev.ua_family ORDER BY ev.ua_family) FILTER (WHERE ev.ua_family IS NOT NULL) AS ua_families,
       any_value(langs.langs) AS langs
FROM ev LEFT JOIN langs USING (account)
GROUP BY ev.account;
