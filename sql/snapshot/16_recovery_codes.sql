-- user_recovery_codes: only counted per account (see 20_accounts.sql); the
-- code hashes are never read. Rejected: malformed ids or timestamps.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT s.*, to_json(s)::VARCHAR AS raw,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id),
                 ff_opt_ts('generated', generated), ff_opt_ts('burned', burned)) AS reason
FROM stage_user_recovery_codes s;

INSERT INTO rejects
SELECT getvariable('source_id'), row_no, reason, raw, length(raw), getvariable('table_name') FROM checked WHERE reason IS NOT NULL;

DELETE FROM stage_user_recovery_codes WHERE row_no IN (SELECT row_no FROM checked WHERE reason IS NOT NULL);
