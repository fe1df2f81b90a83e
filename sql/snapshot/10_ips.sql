-- ip_addresses -> ips. Rejected: a missing or malformed id, a ban_date that is
-- not a timestamp, is_banned that is not a boolean, geoip_info that is not JSON.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_opt_json('geoip_info', geoip_info),
                 ff_opt_bool('is_banned', is_banned), ff_opt_ts('ban_date', ban_date)) AS reason
FROM stage_ip_addresses s;

INSERT INTO ips
SELECT id::UUID, NULLIF(ff_ip(ip_address), ''), NULLIF(lower(hashed_ip_address), ''),
       g ->> 'continent_code', g ->> 'country_code', g ->> 'country_name', g ->> 'region', g ->> 'city',
       TRY_CAST(g ->> 'latitude' AS DOUBLE), TRY_CAST(g ->> 'longitude' AS DOUBLE),
       ff_bool(is_banned), NULLIF(ban_reason, ''), ff_ts(ban_date), g,
       getvariable('source_id')
FROM (SELECT *, NULLIF(geoip_info, '')::JSON AS g FROM checked WHERE reason IS NULL);
