-- user_recovery_codes: only counted per account (see 20_accounts.sql); the
-- code hashes are never read. Rejected: malformed ids or timestamps.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id),
                 ff_opt_ts('generated', generated), ff_opt_ts('burned', burned)) AS reason
FROM stage_user_recovery_codes s;


CREATE OR REPLACE TEMP TABLE loaded_recovery_codes AS
SELECT TRY_CAST(user_id AS UUID) AS account, count(*) AS total,
       count(*) FILTER (WHERE burned IS NULL OR burned = '') AS unburned
FROM checked WHERE reason IS NULL GROUP BY ALL;
