-- user_security_keys: only counted per account (see 20_accounts.sql); the
-- credential id and public key are never read. Rejected: malformed ids.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id)) AS reason
FROM stage_user_security_keys s;


CREATE OR REPLACE TEMP TABLE loaded_security_keys AS
SELECT TRY_CAST(user_id AS UUID) AS account, count(*) AS n
FROM checked WHERE reason IS NULL GROUP BY ALL;
