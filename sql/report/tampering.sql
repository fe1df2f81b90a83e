-- The temporary table report_tampering: every release, file, role or token
-- event by an implicated account (compromised or exposed) at or after its
-- first suspicious login, for tampering.csv, the timeline and the summary's
-- verdict. $1 is the list of tag prefixes checked. Project and file events
-- are the account's when it submitted them (submitted_by, a username);
-- account events when they are on the account or it submitted them.
-- from_suspicious_ip says the event came from an address of the account's
-- suspicious logins (suspicious_ips, raw or hashed): an owner's CI keeps
-- uploading after an attacker's login, from its usual addresses.
CREATE OR REPLACE TEMP TABLE report_tampering AS
WITH implicated AS (
    SELECT account, lower(username) AS name, username, classification, first_suspicious, suspicious_ips
    FROM account_verdicts
    WHERE classification IN ('compromised', 'exposed') AND first_suspicious IS NOT NULL
), kinds AS (
    SELECT unnest($1::VARCHAR[]) AS prefix
), project_tags AS (
    -- few distinct tags: match them against the prefixes, then join the events on the tag
    SELECT DISTINCT t.tag FROM (SELECT DISTINCT tag FROM project_events) t JOIN kinds k ON starts_with(t.tag, k.prefix)
), account_tags AS (
    SELECT DISTINCT t.tag FROM (SELECT DISTINCT tag FROM account_events) t JOIN kinds k ON starts_with(t.tag, k.prefix)
), project_side AS (
    SELECT i.*, e.time, CASE e.kind WHEN 'file' THEN 'file_events' ELSE 'project_events' END AS event_table,
           e.id, e.tag, p.name AS project, e.canonical_version AS version, e.filename, e.ip, e.hashed_ip
    FROM project_events e
    SEMI JOIN project_tags USING (tag)
    JOIN implicated i ON lower(e.submitted_by) = i.name AND e.time >= i.first_suspicious
    LEFT JOIN projects p ON p.id = e.project
), account_events_checked AS (
    SELECT e.*, lower(e.additional->>'submitted_by') AS submitter
    FROM account_events e SEMI JOIN account_tags USING (tag)
), account_side AS (
    -- on the account, or submitted by it: two equality joins, not one on an OR
    SELECT i.*, e.time, 'account_events' AS event_table, e.id, e.tag,
           NULL::VARCHAR AS project, NULL::VARCHAR AS version, NULL::VARCHAR AS filename, e.ip, e.hashed_ip
    FROM account_events_checked e JOIN implicated i ON e.account = i.account AND e.time >= i.first_suspicious
    UNION
    SELECT i.*, e.time, 'account_events', e.id, e.tag, NULL, NULL, NULL, e.ip, e.hashed_ip
    FROM account_events_checked e JOIN implicated i ON e.submitter = i.name AND e.time >= i.first_suspicious
)
SELECT time AS time_utc, username, account::VARCHAR AS user_id, classification, first_suspicious AS first_suspicious_utc,
       event_table, id::VARCHAR AS event_id, tag, project, version, filename, ip,
       coalesce(list_contains(suspicious_ips, ip) OR list_contains(suspicious_ips, lower(hashed_ip)), false) AS from_suspicious_ip
FROM (SELECT * FROM project_side UNION ALL SELECT * FROM account_side);
