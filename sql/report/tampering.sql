-- tampering.csv: every release, file, role or token event by an implicated
-- account (compromised or exposed) at or after its first suspicious login.
-- $1 is the list of tag prefixes checked. Project and file events are the
-- account's when it submitted them (submitted_by, a username); account
-- events when they are on the account or it submitted them.
WITH implicated AS (
    SELECT account, username, classification, first_suspicious
    FROM account_verdicts
    WHERE classification IN ('compromised', 'exposed') AND first_suspicious IS NOT NULL
), kinds AS (
    SELECT unnest($1::VARCHAR[]) AS prefix
), project_side AS (
    SELECT i.account, i.username, i.classification, i.first_suspicious, e.time,
           CASE e.kind WHEN 'file' THEN 'file_events' ELSE 'project_events' END AS event_table,
           e.id AS event_id, e.tag, p.name AS project, e.canonical_version AS version, e.filename, e.ip
    FROM project_events e
    JOIN kinds k ON starts_with(e.tag, k.prefix)
    JOIN implicated i ON lower(e.submitted_by) = lower(i.username) AND e.time >= i.first_suspicious
    LEFT JOIN projects p ON p.id = e.project
), account_side AS (
    SELECT i.account, i.username, i.classification, i.first_suspicious, e.time,
           'account_events' AS event_table,
           e.id AS event_id, e.tag, NULL AS project, NULL AS version, NULL AS filename, e.ip
    FROM account_events e
    JOIN kinds k ON starts_with(e.tag, k.prefix)
    JOIN implicated i ON (e.account = i.account OR lower(e.additional->>'submitted_by') = lower(i.username))
                     AND e.time >= i.first_suspicious
)
SELECT * FROM project_side
UNION ALL
SELECT * FROM account_side
ORDER BY time, event_table, event_id;
