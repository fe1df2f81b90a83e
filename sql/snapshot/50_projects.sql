-- projects. Rejected: a missing or malformed id, a missing name, a created
-- that is not a timestamp.
CREATE OR REPLACE TEMP VIEW checked AS
WITH r AS (
    SELECT s.*,
           ff_reason(ff_need_uuid('id', id), ff_need('name', name), ff_opt_ts('created', created)) AS reason
    FROM stage_projects s
)
SELECT r.* REPLACE (coalesce(r.reason, ff_duplicate(r.id, r.line_no, d.kept)) AS reason)
FROM r LEFT JOIN (SELECT lower(id) AS id, min(line_no) AS kept FROM r
                  WHERE reason IS NULL AND getvariable('check_duplicates') GROUP BY ALL HAVING count(*) > 1) d
     ON d.id = lower(r.id);

INSERT INTO projects
SELECT id::UUID, name, NULLIF(normalized_name, ''), ff_ts(created), getvariable('source_id')
FROM checked WHERE reason IS NULL;

INSERT INTO rejects
SELECT getvariable('source_id'), line_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT ff_line(line_no) AS line_no, reason, CASE WHEN reason IS NOT NULL THEN ff_raw(c) END AS raw FROM checked c)
WHERE reason IS NOT NULL;
