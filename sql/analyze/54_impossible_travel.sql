-- id: impossible-travel
-- kind: heuristic
-- title: Two logins of one account too far apart for the time between them
-- level: medium
-- status: experimental
-- tags: attack.initial_access attack.t1078
-- reads: evidence ips span_attempts
-- description: A login that, from the account's previous login, would need
--   travel faster than an airliner. Needs coordinates: Warehouse has kept
--   latitude and longitude in geoip_info only since 2025, so older snapshots
--   give this heuristic nothing to read.
-- false positives: VPNs and mobile carriers that exit far from the user;
--   GeoIP errors. Hence the distance floor.
-- parameters:
--   min_km = 500: distance the two logins must be apart
--   min_kmh = 800: speed the journey would need
-- references: Elastic "Impossible travel" (≥ 500 km at ≥ 800 km/h)

INSERT INTO evidence
WITH geo AS (
    SELECT ip AS key, any_value(latitude) AS lat, any_value(longitude) AS lon FROM ips
    WHERE ip IS NOT NULL AND latitude IS NOT NULL AND longitude IS NOT NULL GROUP BY ALL
), logins AS (
    SELECT a.attempt_id, a.account, a.time, a.client, a.ip, a.country_code, a.in_window, g.lat, g.lon
    FROM span_attempts a JOIN geo g ON g.key = a.ip
    WHERE a.outcome = 'success'
), pairs AS (
    SELECT *, lag(time) OVER w AS prev_time, lag(lat) OVER w AS prev_lat, lag(lon) OVER w AS prev_lon,
           lag(ip) OVER w AS prev_ip, lag(country_code) OVER w AS prev_country
    FROM logins
    WINDOW w AS (PARTITION BY account ORDER BY time, attempt_id)
), d AS (
    SELECT *, ff_km(prev_lat, prev_lon, lat, lon) AS km,
           greatest(epoch(time) - epoch(prev_time), 1) / 3600 AS hours
    FROM pairs WHERE prev_time IS NOT NULL
)
SELECT attempt_id, 'impossible-travel', 'travel',
       CASE WHEN km >= getvariable('min_km') AND km / hours >= getvariable('min_kmh') THEN 'impossible' ELSE 'possible' END,
       CASE WHEN in_window THEN format('{:.0f} km from the login at {} from {} ({}) in {:.1f} h: {:.0f} km/h',
              km, strftime(prev_time, '%Y-%m-%d %H:%M:%S'), prev_ip, coalesce(prev_country, '?'), hours, km / hours) END
FROM d;
