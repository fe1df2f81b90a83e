-- user_unique_logins -> unique_logins, with the address resolved through
-- ips. Rejected: malformed ids, timestamps that are not timestamps, a
-- status other than pending or confirmed.
CREATE OR REPLACE TEMP VIEW checked AS
WITH r AS (
    SELECT s.*,
           ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id), ff_opt_uuid('ip_address_id', ip_address_id),
                     ff_opt_ts('created', created), ff_opt_ts('last_used', last_used),
                     CASE WHEN status IS NOT NULL AND status NOT IN ('', 'pending', 'confirmed')
                          THEN 'status ' || ff_q(status) || ' is neither pending nor confirmed' END) AS reason
    FROM stage_user_unique_logins s
)
SELECT r.* REPLACE (coalesce(r.reason, ff_duplicate(r.id, r.line_no, d.kept)) AS reason)
FROM r LEFT JOIN (SELECT lower(id) AS id, min(line_no) AS kept FROM r
                  WHERE reason IS NULL AND getvariable('check_duplicates') GROUP BY ALL HAVING count(*) > 1) d
     ON d.id = lower(r.id);

INSERT INTO unique_logins
SELECT e.id::UUID, e.user_id::UUID, TRY_CAST(e.ip_address_id AS UUID), i.ip, i.hashed_ip,
       ff_ts(e.created), ff_ts(e.last_used), NULLIF(e.status, ''), getvariable('source_id')
FROM checked e
LEFT JOIN ips i ON i.id = TRY_CAST(e.ip_address_id AS UUID)
WHERE e.reason IS NULL;

INSERT INTO rejects
SELECT getvariable('source_id'), line_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT ff_line(line_no) AS line_no, reason, CASE WHEN reason IS NOT NULL THEN ff_raw(c) END AS raw FROM checked c)
WHERE reason IS NOT NULL;
