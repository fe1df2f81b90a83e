-- timeline.jsonl: the suspicious events, one JSON object a line as
-- Timesketch imports them (message, datetime, timestamp_desc, then fields):
-- campaign login attempts, heuristic findings with a time that count
-- against an attempt (points above 0) or are about a whole campaign
-- (fingerprint, address, hour), second factors
-- the attacker enrolled after a campaign login, takeover actions after a
-- login, and the tampering events (report_tampering, made by
-- tampering.sql). In time order; ties by kind, attempt, message, account,
-- subject and event, so reruns give the same lines. The event's own tag is
-- event_tag: Timesketch keeps `tag` for its labels. Times in messages are
-- written as in every file of the report (2024-03-30T07:49:20Z), the ones
-- the analysis wrote into the findings' evidence rewritten so.
WITH events AS (
    SELECT a.time AS datetime, 'Login attempt' AS timestamp_desc, 1 AS kind_order,
           format('{} login attempt in campaign {} for {} from {} ({})', a.outcome, c.campaign_id,
                  coalesce(a.username, 'an unknown username'), a.client, coalesce(a.country_code, 'country unknown')) AS message,
           'campaign_attempt' AS event_kind, a.account::VARCHAR AS account, a.username, a.client AS ip,
           a.country_code AS country, c.campaign_id, a.attempt_id, a.outcome, a.user_agent, a.fingerprint
    FROM campaign_attempts c JOIN attempts a USING (attempt_id)
    UNION ALL BY NAME
    SELECT f.time AS datetime, 'Heuristic finding' AS timestamp_desc, 2 AS kind_order,
           format('{} ({:+.1f}): {}', f.heuristic, f.points,
                  regexp_replace(f.evidence, '(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)( UTC)?', '\1T\2Z', 'g')) AS message,
           'finding' AS event_kind, f.account::VARCHAR AS account, a.username,
           coalesce(a.client, CASE WHEN f.scope = 'ip' THEN f.subject END) AS ip,
           a.country_code AS country, c.campaign_id, f.attempt_id,
           f.heuristic, f.points, f.scope, CASE WHEN f.scope <> 'attempt' THEN f.subject END AS subject
    FROM findings f
    LEFT JOIN attempts a USING (attempt_id)
    LEFT JOIN campaign_attempts c USING (attempt_id)
    WHERE f.time IS NOT NULL AND (f.points > 0 OR f.scope <> 'attempt')
    UNION ALL BY NAME
    SELECT e.time AS datetime, 'Second factor added' AS timestamp_desc, 3 AS kind_order,
           format('{} added to {} from {} ({}), {:.0f} s after the campaign {} login', coalesce(e.method, 'second factor'),
                  u.username, e.ip, coalesce(e.country_code, 'country unknown'), e.delay, c.campaign_id) AS message,
           'attacker_2fa' AS event_kind, e.account::VARCHAR AS account, u.username, e.ip,
           e.country_code AS country, c.campaign_id, e.attempt_id, e.method AS twofa_method
    FROM enrolments e
    JOIN campaign_attempts c USING (attempt_id)
    LEFT JOIN accounts u ON u.id = e.account
    UNION ALL BY NAME
    SELECT t.time AS datetime, 'Account action' AS timestamp_desc, 4 AS kind_order,
           format('{} by {} from {}, {:.0f} min after its login', t.action, u.username, t.client,
                  (epoch(t.time) - epoch(t.login_time)) / 60) AS message,
           'takeover_action' AS event_kind, t.account::VARCHAR AS account, u.username, t.client AS ip,
           c.campaign_id, t.attempt_id, t.action
    FROM takeover_actions t
    LEFT JOIN accounts u ON u.id = t.account
    LEFT JOIN campaign_attempts c USING (attempt_id)
    UNION ALL BY NAME
    SELECT r.time_utc AS datetime, 'Event recorded' AS timestamp_desc, 5 AS kind_order,
           format('{} by {} ({}){}{}, after its first suspicious login at {}', r.tag, r.username, r.classification,
                  coalesce(' on ' || r.project, ''), coalesce(' ' || r.version, ''),
                  strftime(r.first_suspicious_utc, '%Y-%m-%dT%H:%M:%SZ')) AS message,
           'tampering' AS event_kind, r.user_id AS account, r.username, r.ip,
           r.tag AS event_tag, r.project, r.version, r.filename, r.event_table, r.event_id
    FROM report_tampering r
)
SELECT message, datetime, timestamp_desc, event_kind, account, username, ip, country, campaign_id, attempt_id,
       outcome, user_agent, fingerprint, heuristic, points, scope, subject, twofa_method, action,
       event_tag, project, version, filename, event_table, event_id
FROM events
ORDER BY datetime, kind_order, attempt_id NULLS LAST, message, account, subject, event_id;
