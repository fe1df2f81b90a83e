-- user_events -> account_events, with the parts of `additional` that the
-- heuristics use pulled out, and the event's IP resolved through ips.
-- Rejected: malformed ids, a missing tag, a time that is not a timestamp,
-- `additional` that is not JSON.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_event_reason(id, source_id, tag, time, additional, ip_address_id) AS reason
FROM stage_user_events s;

INSERT INTO account_events
SELECT e.id::UUID, ff_ts(e.time), e.source_id::UUID, e.tag,
       x[1], x[2], x[3], x[4], TRY_CAST(e.ip_address_id AS UUID), i.ip, i.hashed_ip, x[5],
       coalesce(x[6], x[7]),      -- installer: a name, or an object with one
       coalesce(x[8], x[9], x[10], x[14]),
       coalesce(x[11], x[12], x[13], x[15]),
       a, getvariable('source_id')
FROM (
    -- One parse of `additional` for every field pulled out of it. For
    -- user_agent_info, browsers carry family names as strings; pip, twine
    -- and other tools carry installer, implementation and system as objects
    -- with a name, or (Warehouse's own records) implementation and system as
    -- plain strings: a path into a string yields NULL, so the object's name
    -- is tried before the string.
    SELECT *, json_extract_string(a, [
        '$.reason', '$.two_factor_method', '$.method', '$.subject', '$.geoip_info.country_code',
        '$.user_agent_info.installer.name', '$.user_agent_info.installer',
        '$.user_agent_info.os.family', '$.user_agent_info.os', '$.user_agent_info.system.name',
        '$.user_agent_info.user_agent.family', '$.user_agent_info.user_agent', '$.user_agent_info.implementation.name',
        '$.user_agent_info.system', '$.user_agent_info.implementation']) AS x
    FROM (SELECT *, NULLIF(additional, '')::JSON AS a FROM checked WHERE reason IS NULL)
) e
LEFT JOIN ips i ON i.id = TRY_CAST(e.ip_address_id AS UUID);
