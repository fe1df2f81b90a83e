-- user_events -> account_events, with the parts of `additional` that the
-- heuristics use pulled out, and the event's IP resolved through ips.
-- Rejected: malformed ids, a missing tag, a time that is not a timestamp,
-- `additional` that is not JSON.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT s.*, to_json(s)::VARCHAR AS raw,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('source_id', source_id), ff_need('tag', tag),
                 ff_need_ts('time', time), ff_opt_json('additional', additional),
                 ff_opt_uuid('ip_address_id', ip_address_id)) AS reason
FROM stage_user_events s;

INSERT INTO rejects
SELECT getvariable('source_id'), row_no, reason, raw, length(raw), getvariable('table_name') FROM checked WHERE reason IS NOT NULL;

INSERT INTO account_events
SELECT e.id::UUID, ff_ts(e.time), e.source_id::UUID, e.tag,
       a ->> 'reason', a ->> 'two_factor_method', a ->> 'method', a ->> 'subject',
       i.id, i.ip, i.hashed_ip, json_extract_string(a, '$.geoip_info.country_code'),
       ff_name(json_extract(a, 'user_agent_info'), 'installer'),
       coalesce(ff_name(json_extract(a, 'user_agent_info'), 'os'), ff_name(json_extract(a, 'user_agent_info'), 'system')),
       coalesce(ff_name(json_extract(a, 'user_agent_info'), 'user_agent'), ff_name(json_extract(a, 'user_agent_info'), 'implementation')),
       a, getvariable('source_id'), e.row_no
FROM (SELECT *, NULLIF(additional, '')::JSON AS a FROM checked WHERE reason IS NULL) e
LEFT JOIN ips i ON i.id = TRY_CAST(e.ip_address_id AS UUID);
