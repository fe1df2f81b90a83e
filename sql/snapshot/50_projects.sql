-- projects. Rejected: a missing or malformed id, a missing name, a created
-- that is not a timestamp.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need('name', name), ff_opt_ts('created', created)) AS reason
FROM stage_projects s;

INSERT INTO projects
SELECT id::UUID, name, NULLIF(normalized_name, ''), ff_ts(created), getvariable('source_id')
FROM checked WHERE reason IS NULL;

INSERT INTO rejects
SELECT getvariable('source_id'), row_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT row_number() OVER () AS row_no, reason, to_json(c)::VARCHAR AS raw FROM checked c)
WHERE reason IS NOT NULL;
