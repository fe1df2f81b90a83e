-- project_events -> project_events (kind 'project'). Rejected as for user_events.
CREATE OR REPLACE TEMP VIEW checked AS
WITH r AS (
    SELECT s.*,
           ff_event_reason(id, source_id, tag, time, additional, ip_address_id) AS reason
    FROM stage_project_events s
)
SELECT r.* REPLACE (coalesce(r.reason, ff_duplicate(r.id, r.line_no, d.kept)) AS reason)
FROM r LEFT JOIN (SELECT lower(id) AS id, min(line_no) AS kept FROM r
                  WHERE reason IS NULL AND getvariable('check_duplicates') GROUP BY ALL HAVING count(*) > 1) d
     ON d.id = lower(r.id);

INSERT INTO project_events
SELECT e.id::UUID, 'project', ff_ts(e.time), e.source_id::UUID, NULL, e.tag,
       a ->> 'submitted_by', a ->> 'canonical_version', a ->> 'filename',
       TRY_CAST(e.ip_address_id AS UUID), i.ip, i.hashed_ip, a, getvariable('source_id')
FROM (SELECT *, NULLIF(additional, '')::JSON AS a FROM checked WHERE reason IS NULL) e
LEFT JOIN ips i ON i.id = TRY_CAST(e.ip_address_id AS UUID);

INSERT INTO rejects
SELECT getvariable('source_id'), line_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT ff_line(line_no) AS line_no, reason, CASE WHEN reason IS NOT NULL THEN ff_raw(c) END AS raw FROM checked c)
WHERE reason IS NOT NULL;
