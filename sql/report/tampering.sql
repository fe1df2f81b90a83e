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
    SELECT account, username, classification, first_suspicious, suspicious_ips
    FROM account_verdicts
    WHERE classification IN ('compromised', 'exposed') AND first_suspicious IS NOT NULL
), kinds AS (
    SELECT unnest($1::VARCHAR[]) AS prefix
), project_side AS (
    SELECT e.time AS time_utc, i.username, i.account::VARCHAR AS user_id, i.classification,
           i.first_suspicious AS first_suspicious_utc,
           CASE e.kind WHEN 'file' THEN 'file_events' ELSE 'project_events' END AS event_table,
           e.id::VARCHAR AS event_id, e.tag, p.name AS project, e.canonical_version AS version, e.filename, e.ip,
           coalesce(list_contains(i.suspicious_ips, e.ip) OR list_contains(i.suspicious_ips, lower(e.hashed_ip)), false) AS from_suspicious_ip
    FROM project_events e
    JOIN kinds k ON starts_with(e.tag, k.prefix)
    JOIN implicated i ON lower(e.submitted_by) = lower(i.username) AND e.time >= i.first_suspicious
    LEFT JOIN projects p ON p.id = e.project
), account_side AS (
    SELECT e.time AS time_utc, i.username, i.account::VARCHAR AS user_id, i.classification,
           i.first_suspicious AS first_suspicious_utc,
           'account_events' AS event_table,
           e.id::VARCHAR AS event_id, e.tag, NULL::VARCHAR AS project, NULL::VARCHAR AS version, NULL::VARCHAR AS filename, e.ip,
           coalesce(list_contains(i.suspicious_ips, e.ip) OR list_contains(i.suspicious_ips, lower(e.hashed_ip)), false) AS from_suspicious_ip
    FROM account_events e
    JOIN kinds k ON starts_with(e.tag, k.prefix)
    JOIN implicated i ON (e.account = i.account OR lower(e.additional->>'submitted_by') = lower(i.username))
                     AND e.time >= i.first_suspicious
)
SELECT * FROM project_side
UNION ALL
SELECT * FROM account_side;
