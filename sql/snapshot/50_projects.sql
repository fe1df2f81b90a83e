-- projects. Rejected: a missing or malformed id, a missing name, a created
-- that is not a timestamp.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need('name', name), ff_opt_ts('created', created)) AS reason
FROM stage_projects s;

INSERT INTO projects
SELECT id::UUID, name, NULLIF(normalized_name, ''), ff_ts(created), getvariable('source_id')
FROM checked WHERE reason IS NULL;
