-- user_unique_logins -> unique_logins, with the address resolved through
-- ips. Rejected: malformed ids, timestamps that are not timestamps, a
-- status other than pending or confirmed.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id), ff_opt_uuid('ip_address_id', ip_address_id),
                 ff_opt_ts('created', created), ff_opt_ts('last_used', last_used),
                 CASE WHEN status IS NOT NULL AND status NOT IN ('', 'pending', 'confirmed')
                      THEN 'status ' || ff_q(status) || ' is neither pending nor confirmed' END) AS reason
FROM stage_user_unique_logins s;

INSERT INTO unique_logins
SELECT e.id::UUID, e.user_id::UUID, TRY_CAST(e.ip_address_id AS UUID), i.ip, i.hashed_ip,
       ff_ts(e.created), ff_ts(e.last_used), NULLIF(e.status, ''), getvariable('source_id')
FROM checked e
LEFT JOIN ips i ON i.id = TRY_CAST(e.ip_address_id AS UUID)
WHERE e.reason IS NULL;
