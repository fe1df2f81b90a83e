-- file_events -> project_events (kind 'file'): the project comes from
-- additional.project_id. Rejected as for user_events.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_event_reason(id, source_id, tag, time, additional, ip_address_id) AS reason
FROM stage_file_events s;

INSERT INTO project_events
SELECT e.id::UUID, 'file', ff_ts(e.time), TRY_CAST(a ->> 'project_id' AS UUID), e.source_id::UUID, e.tag,
       a ->> 'submitted_by', a ->> 'canonical_version', a ->> 'filename',
       TRY_CAST(e.ip_address_id AS UUID), i.ip, i.hashed_ip, a, getvariable('source_id')
FROM (SELECT *, NULLIF(additional, '')::JSON AS a FROM checked WHERE reason IS NULL) e
LEFT JOIN ips i ON i.id = TRY_CAST(e.ip_address_id AS UUID);
