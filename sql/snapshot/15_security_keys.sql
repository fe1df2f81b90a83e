-- user_security_keys: only counted per account (see 20_accounts.sql); the
-- credential id and public key are never read. Rejected: malformed ids.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id)) AS reason
FROM stage_user_security_keys s;

INSERT INTO rejects
SELECT getvariable('source_id'), row_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT row_number() OVER () AS row_no, reason, to_json(c)::VARCHAR AS raw FROM checked c)
WHERE reason IS NOT NULL;
