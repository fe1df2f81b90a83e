-- roles. Rejected: malformed ids.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT s.*, to_json(s)::VARCHAR AS raw,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id), ff_need_uuid('project_id', project_id)) AS reason
FROM stage_roles s;

INSERT INTO rejects
SELECT getvariable('source_id'), row_no, reason, raw, length(raw), getvariable('table_name') FROM checked WHERE reason IS NOT NULL;

INSERT INTO roles
SELECT id::UUID, NULLIF(role_name, ''), user_id::UUID, project_id::UUID, getvariable('source_id'), row_no
FROM checked WHERE reason IS NULL;
