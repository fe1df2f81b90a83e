-- timeline.jsonl: the suspicious events, one JSON object a line as
-- Timesketch imports them (message, datetime, timestamp_desc, then fields):
-- campaign login attempts, the heuristic findings that count against an
-- attempt (points above 0) of the campaign or of an implicated account,
-- second factors the attacker enrolled after a campaign login, takeover
-- actions after a login of an implicated account, and the tampering events
-- (report_tampering, made by tampering.sql). Every account named
-- (user_id) is in accounts.csv; the findings about a whole hour, address
-- or network are not events, and public/timeline_hourly.csv has the hours.
--
-- Every entry points at its evidence: the access log line (log_file, the
-- path as ingested, and log_line) and the snapshot event (event_table,
-- event_id) of a login attempt, as far as it has each; the event of an
-- enrolment, a takeover action or a tampering event.
--
-- In time order; ties by kind, attempt, message, account, subject and
-- event, so reruns give the same lines. The event's own tag is event_tag:
-- Timesketch keeps `tag` for its labels. Times in messages are written as
-- in every file of the report (2024-03-30T07:49:20Z), the ones the analysis
-- wrote into the findings' evidence rewritten so.
WITH attempt_evidence AS (
    SELECT a.*, s.path AS log_file, CASE WHEN a.event_id IS NOT NULL THEN 'account_events' END AS event_table
    FROM attempts a LEFT JOIN sources s ON s.id = a.source_id
), actions AS (
    -- the events stage takeover-actions reads, with their ids, which
    -- takeover_actions does not keep: its account or submitter, time,
    -- address and action find them
    SELECT 'account_events' AS event_table, id::VARCHAR AS event_id, account, NULL::VARCHAR AS submitter, time, ip, tag AS action
    FROM account_events WHERE time IN (SELECT time FROM takeover_actions)
    UNION ALL
    SELECT CASE e.kind WHEN 'file' THEN 'file_events' ELSE 'project_events' END, e.id::VARCHAR, NULL, lower(e.submitted_by), e.time, e.ip,
           e.tag || coalesce(' ' || p.name, '')
    FROM project_events e LEFT JOIN projects p ON p.id = e.project
    WHERE e.time IN (SELECT time FROM takeover_actions)
), events AS (
    SELECT a.time AS datetime, 'Login attempt' AS timestamp_desc, 1 AS kind_order,
           format('{} login attempt in campaign {} for {} from {} ({})', a.outcome, c.campaign_id,
                  coalesce(a.username, 'an unknown username'), a.client, coalesce(a.country_code, 'country unknown')) AS message,
           'campaign_attempt' AS event_kind, a.account::VARCHAR AS user_id, a.username, a.client AS ip,
           a.country_code AS country, c.campaign_id, a.attempt_id, a.outcome, a.user_agent, a.fingerprint,
           a.log_file, a.line_no AS log_line, a.event_table, a.event_id::VARCHAR AS event_id
    FROM campaign_attempts c JOIN attempt_evidence a USING (attempt_id)
    UNION ALL BY NAME
    SELECT f.time AS datetime, 'Heuristic finding' AS timestamp_desc, 2 AS kind_order,
           format('{} ({:+.1f}): {}', f.heuristic, f.points,
                  regexp_replace(f.evidence, '(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)( UTC)?', '\1T\2Z', 'g')) AS message,
           'finding' AS event_kind, a.account::VARCHAR AS user_id, a.username, a.client AS ip,
           a.country_code AS country, c.campaign_id, f.attempt_id, f.heuristic, f.points,
           a.log_file, a.line_no AS log_line, a.event_table, a.event_id::VARCHAR AS event_id
    FROM findings f
    JOIN attempt_evidence a USING (attempt_id)
    LEFT JOIN campaign_attempts c USING (attempt_id)
    WHERE f.scope = 'attempt' AND f.points > 0
      AND (c.campaign_id IS NOT NULL OR a.account IN (SELECT account FROM account_verdicts))
    UNION ALL BY NAME
    SELECT e.time AS datetime, 'Second factor added' AS timestamp_desc, 3 AS kind_order,
           format('{} added to {} from {} ({}), {:.0f} s after the campaign {} login', coalesce(e.method, 'second factor'),
                  u.username, e.ip, coalesce(e.country_code, 'country unknown'), e.delay, c.campaign_id) AS message,
           'attacker_2fa' AS event_kind, e.account::VARCHAR AS user_id, u.username, e.ip,
           e.country_code AS country, c.campaign_id, e.attempt_id, e.method AS twofa_method,
           'account_events' AS event_table, e.id::VARCHAR AS event_id
    FROM enrolments e
    JOIN campaign_attempts c USING (attempt_id)
    LEFT JOIN accounts u ON u.id = e.account
    UNION ALL BY NAME
    SELECT t.time AS datetime, 'Account action' AS timestamp_desc, 4 AS kind_order,
           format('{} by {} from {}, {:.0f} min after its login', t.action, u.username, t.client,
                  (epoch(t.time) - epoch(t.login_time)) / 60) AS message,
           'takeover_action' AS event_kind, t.account::VARCHAR AS user_id, u.username, t.client AS ip,
           c.campaign_id, t.attempt_id, t.action, x.event_table, x.event_id
    FROM takeover_actions t
    LEFT JOIN accounts u ON u.id = t.account
    LEFT JOIN campaign_attempts c USING (attempt_id)
    LEFT JOIN actions x ON x.time = t.time AND x.ip = t.client AND x.action = t.action
                       AND (x.account = t.account OR x.submitter = lower(u.username))
    WHERE t.account IN (SELECT account FROM account_verdicts)
    UNION ALL BY NAME
    SELECT r.time_utc AS datetime, 'Event recorded' AS timestamp_desc, 5 AS kind_order,
           format('{} by {} ({}){}{}, after its first suspicious login at {}', r.tag, r.username, r.classification,
                  coalesce(' on ' || r.project, ''), coalesce(' ' || r.version, ''),
                  strftime(r.first_suspicious_utc, '%Y-%m-%dT%H:%M:%SZ')) AS message,
           'tampering' AS event_kind, r.user_id, r.username, r.ip,
           r.tag AS event_tag, r.project, r.version, r.filename, r.event_table, r.event_id
    FROM report_tampering r
)
SELECT message, datetime, timestamp_desc, event_kind, user_id, username, ip, country, campaign_id, attempt_id,
       outcome, user_agent, fingerprint, heuristic, points, twofa_method, action,
       event_tag, project, version, filename, log_file, log_line, event_table, event_id
FROM events
ORDER BY datetime, kind_order, attempt_id NULLS LAST, message, user_id, event_id;
