-- id: coverage
-- kind: stage
-- title: What the run could check: the sources, their spans and overlap, how well they pair, the baseline
-- level: informational
-- status: test
-- reads: requests account_events sources requests_in_bounds account_events_in_bounds out_of_bounds
--   time_bounds attempts scan_hours ips snapshot_tables
-- results: coverage
-- description: Nothing by itself: it says on what the run judged, so that no
--   empty result reads as an all-clear it is not. Which sources the case
--   holds (access logs, the snapshot, or both) and the time each spans;
--   their overlap; the snapshot's login events inside the overlap and how
--   many of them were paired with a log line, and the login POSTs inside it
--   and how many were paired with an event (a log of another site or
--   period pairs none); the hours of the analysed span and those outside
--   the incident window, the baseline every signal was judged against; the
--   requests whose client has no row in the snapshot's ip_addresses (their
--   country and network are unknown); the requests and the snapshot's
--   events dated out of bounds (stage bounds), with the bounds; the
--   snapshot tables missing and what each disabled; and every check the
--   sources at hand did not allow, rows out of bounds among them. Counts
--   are of every row; the spans, of the rows in bounds. Stage verdict reads
--   it.

CREATE OR REPLACE TABLE coverage AS
WITH given AS (
    SELECT count(*) FILTER (WHERE kind = 'log') > 0 OR EXISTS (FROM requests) AS logs_given,
           count(*) FILTER (WHERE kind = 'snapshot') > 0 OR EXISTS (FROM account_events) AS snapshot_given
    FROM sources
), logs AS (
    SELECT min(time) AS logs_from, max(time) AS logs_to, (SELECT count(*) FROM requests) AS requests FROM requests_in_bounds
), events AS (
    SELECT min(time) AS events_from, max(time) AS events_to,
           (SELECT count(*) FROM account_events WHERE tag IN ('account:login:success', 'account:login:failure')) AS login_events
    FROM account_events_in_bounds WHERE tag IN ('account:login:success', 'account:login:failure')
), bounds AS (
    SELECT b.requests_from AS requests_bound_from, b.requests_to AS requests_bound_to, b.events_to AS events_bound_to,
           (SELECT count(*) FROM out_of_bounds WHERE table_name = 'requests') AS requests_out_of_bounds,
           (SELECT count(*) FROM out_of_bounds WHERE table_name = 'requests' AND outside = 'before') AS requests_before,
           (SELECT count(*) FROM out_of_bounds WHERE table_name <> 'requests') AS events_out_of_bounds
    FROM time_bounds b
), span AS (
    -- (greatest and least skip NULLs: a source that spans nothing overlaps nothing)
    SELECT CASE WHEN logs_from IS NOT NULL AND events_from IS NOT NULL THEN greatest(logs_from, events_from) END AS overlap_from,
           CASE WHEN logs_from IS NOT NULL AND events_from IS NOT NULL THEN least(logs_to, events_to) END AS overlap_to
    FROM logs, events
), pairing AS (
    SELECT (SELECT count(*) FROM account_events_in_bounds, span
            WHERE tag IN ('account:login:success', 'account:login:failure') AND time >= overlap_from AND time <= overlap_to) AS events_in_overlap,
           count(*) FILTER (WHERE event_id IS NOT NULL AND logged) AS events_paired,
           count(*) FILTER (WHERE logged) AS posts_in_overlap,
           count(*) FILTER (WHERE logged AND event_id IS NOT NULL) AS posts_paired
    FROM attempts, span
    WHERE time >= overlap_from AND time <= overlap_to
), hours AS (
    SELECT count(*) AS span_hours,
           count(*) FILTER (WHERE w.window_from IS NULL OR h.hour < w.window_from OR h.hour >= w.window_to) AS baseline_hours,
           min(h.hour) AS span_from, max(h.hour) + INTERVAL 1 HOUR AS span_to
    FROM scan_hours h, analysis_window w
), judged AS (
    SELECT count(*) AS attempts_judged FROM attempts a, hours WHERE a.time >= hours.span_from AND a.time < hours.span_to
), clients AS (
    SELECT CASE WHEN client_hashed THEN lower(client) ELSE client END AS key, count(*) AS n
    FROM requests WHERE client IS NOT NULL GROUP BY ALL
), known AS (
    -- an ips row names a client by its address or its hashed address: two
    -- keys, one equality join (an OR in the join made it a nested loop)
    SELECT ip AS key FROM ips WHERE ip IS NOT NULL
    UNION
    SELECT lower(hashed_ip) FROM ips WHERE hashed_ip IS NOT NULL
), unjoined AS (
    SELECT coalesce(sum(c.n), 0)::BIGINT AS requests_with_client,
           coalesce(sum(c.n) FILTER (WHERE k.key IS NULL), 0)::BIGINT AS requests_without_ip_row
    FROM clients c LEFT JOIN known k USING (key)
), tables(table_name, disables) AS (
    VALUES ('user_security_keys', 'WebAuthn keys: whether an account has a second factor counts TOTP only (exposed, email re-verification)'),
           ('user_recovery_codes', 'recovery codes: their use is not told from other second factors'),
           ('user_emails', 'emails: no email re-verification list, no addresses on the freeze list'),
           ('projects', 'projects: tampering checks cannot name projects'),
           ('roles', 'roles: ownership changes are not checked'),
           ('project_events', 'project events: takeover actions and tampering on projects are not checked'),
           ('file_events', 'file events: uploads by taken-over accounts are not checked')
), missing AS (
    SELECT list(t.table_name ORDER BY t.table_name) AS missing_tables, list(t.disables ORDER BY t.table_name) AS missing_disables
    FROM tables t, given
    WHERE given.snapshot_given AND t.table_name NOT IN (SELECT table_name FROM snapshot_tables)
), not_checked AS (
    SELECT list(what ORDER BY n) AS not_checked FROM (
        SELECT 1 AS n, 'unknown usernames: they are login POSTs of the access logs that no event explains' AS what FROM given WHERE NOT logs_given
        UNION ALL SELECT 2, 'login form and static asset behaviour, user agents and browser languages of the attempts (fingerprints)' FROM given WHERE NOT logs_given
        UNION ALL SELECT 3, 'exposed accounts named by two-factor tokens: their pages are in the access logs' FROM given WHERE NOT logs_given
        UNION ALL SELECT 4, 'wrong passwords told from unknown usernames: only the snapshot''s events tell them apart' FROM given WHERE NOT snapshot_given
        UNION ALL SELECT 5, 'account histories (new networks, countries, browsers, dormant accounts), second factors enrolled, takeover actions: they are the snapshot''s events' FROM given WHERE NOT snapshot_given
        UNION ALL SELECT 6, 'usernames and successful logins: an account is named only by the user id in a two-factor token, and only when the password was right' FROM given WHERE NOT snapshot_given
        UNION ALL SELECT 7, concat_ws('; ',
                      CASE WHEN requests_before > 0 THEN format('{:d} {} dated before {}', requests_before,
                           CASE WHEN requests_before = 1 THEN 'request' ELSE 'requests' END, ff_minute(requests_bound_from)) END,
                      CASE WHEN requests_out_of_bounds > requests_before THEN format('{:d} {} dated after {}', requests_out_of_bounds - requests_before,
                           CASE WHEN requests_out_of_bounds - requests_before = 1 THEN 'request' ELSE 'requests' END, ff_minute(requests_bound_to)) END,
                      CASE WHEN events_out_of_bounds > 0 THEN format('{:d} snapshot {} dated after {}', events_out_of_bounds,
                           CASE WHEN events_out_of_bounds = 1 THEN 'event' ELSE 'events' END, ff_minute(events_bound_to)) END)
                  || ': kept in the case (table out_of_bounds), not analysed'
                  FROM bounds WHERE requests_out_of_bounds + events_out_of_bounds > 0
        UNION ALL SELECT 10 + row_number() OVER (ORDER BY d), d FROM (SELECT unnest(missing_disables) AS d FROM missing)
    )
)
SELECT CASE WHEN given.logs_given AND given.snapshot_given THEN 'logs and snapshot'
            WHEN given.logs_given THEN 'logs only' WHEN given.snapshot_given THEN 'snapshot only' ELSE 'nothing' END AS sources,
       logs.logs_from, logs.logs_to, logs.requests,
       events.events_from, events.events_to, events.login_events,
       CASE WHEN span.overlap_from <= span.overlap_to THEN span.overlap_from END AS overlap_from,
       CASE WHEN span.overlap_from <= span.overlap_to THEN span.overlap_to END AS overlap_to,
       coalesce(pairing.events_in_overlap, 0) AS events_in_overlap, coalesce(pairing.events_paired, 0) AS events_paired,
       round(pairing.events_paired / nullif(pairing.events_in_overlap, 0), 4) AS events_paired_share,
       coalesce(pairing.posts_in_overlap, 0) AS posts_in_overlap, coalesce(pairing.posts_paired, 0) AS posts_paired,
       round(pairing.posts_paired / nullif(pairing.posts_in_overlap, 0), 4) AS posts_paired_share,
       hours.span_from, hours.span_to, hours.span_hours, hours.baseline_hours, round(hours.baseline_hours / 24, 2) AS baseline_days,
       judged.attempts_judged,
       unjoined.requests_with_client, unjoined.requests_without_ip_row,
       bounds.requests_out_of_bounds, bounds.requests_bound_from, bounds.requests_bound_to,
       bounds.events_out_of_bounds, bounds.events_bound_to,
       coalesce(missing.missing_tables, []::VARCHAR[]) AS missing_tables,
       coalesce(not_checked.not_checked, []::VARCHAR[]) AS not_checked
FROM given, logs, events, bounds, span, pairing, hours, judged, unjoined, missing, not_checked;
