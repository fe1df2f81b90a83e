-- user_recovery_codes: only counted per account (see 20_accounts.sql); the
-- code hashes are never read. Rejected: malformed ids or timestamps.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id),
                 ff_opt_ts('generated', generated), ff_opt_ts('burned', burned)) AS reason
FROM stage_user_recovery_codes s;

INSERT INTO rejects
SELECT getvariable('source_id'), row_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT row_number() OVER () AS row_no, reason, to_json(c)::VARCHAR AS raw FROM checked c)
WHERE reason IS NOT NULL;
