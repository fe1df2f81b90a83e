-- roles. Rejected: malformed ids.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id), ff_need_uuid('project_id', project_id)) AS reason
FROM stage_roles s;

INSERT INTO roles
SELECT id::UUID, NULLIF(role_name, ''), user_id::UUID, project_id::UUID, getvariable('source_id')
FROM checked WHERE reason IS NULL;
