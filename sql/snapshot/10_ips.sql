-- ip_addresses -> ips. Rejected: a missing or malformed id, a ban_date that is
-- not a timestamp, is_banned that is not a boolean, geoip_info that is not JSON.
CREATE OR REPLACE TEMP VIEW checked AS
WITH r AS (
    SELECT s.*,
           ff_reason(ff_need_uuid('id', id), ff_opt_json('geoip_info', geoip_info),
                     ff_opt_bool('is_banned', is_banned), ff_opt_ts('ban_date', ban_date)) AS reason
    FROM stage_ip_addresses s
)
SELECT r.* REPLACE (coalesce(r.reason, ff_duplicate(r.id, r.line_no, d.kept)) AS reason)
FROM r LEFT JOIN (SELECT lower(id) AS id, min(line_no) AS kept FROM r
                  WHERE reason IS NULL AND getvariable('check_duplicates') GROUP BY ALL HAVING count(*) > 1) d
     ON d.id = lower(r.id);

INSERT INTO ips
SELECT id::UUID, NULLIF(ff_ip(ip_address), ''), NULLIF(lower(hashed_ip_address), ''),
       g ->> 'continent_code', g ->> 'country_code', g ->> 'country_name', g ->> 'region', g ->> 'city',
       TRY_CAST(g ->> 'latitude' AS DOUBLE), TRY_CAST(g ->> 'longitude' AS DOUBLE),
       ff_bool(is_banned), NULLIF(ban_reason, ''), ff_ts(ban_date), g,
       getvariable('source_id')
FROM (SELECT *, NULLIF(geoip_info, '')::JSON AS g FROM checked WHERE reason IS NULL);

INSERT INTO rejects
SELECT getvariable('source_id'), line_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT ff_line(line_no) AS line_no, reason, CASE WHEN reason IS NOT NULL THEN ff_raw(c) END AS raw FROM checked c)
WHERE reason IS NOT NULL;
