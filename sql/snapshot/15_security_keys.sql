-- user_security_keys: only counted per account (see 20_accounts.sql); the
-- credential id and public key are never read. Rejected: malformed ids.
CREATE OR REPLACE TEMP VIEW checked AS
WITH r AS (
    SELECT s.*,
           ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id)) AS reason
    FROM stage_user_security_keys s
)
SELECT r.* REPLACE (coalesce(r.reason, ff_duplicate(r.id, r.line_no, d.kept)) AS reason)
FROM r LEFT JOIN (SELECT lower(id) AS id, min(line_no) AS kept FROM r
                  WHERE reason IS NULL AND getvariable('check_duplicates') GROUP BY ALL HAVING count(*) > 1) d
     ON d.id = lower(r.id);

INSERT INTO rejects
SELECT getvariable('source_id'), line_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT ff_line(line_no) AS line_no, reason, CASE WHEN reason IS NOT NULL THEN ff_raw(c) END AS raw FROM checked c)
WHERE reason IS NOT NULL;

CREATE OR REPLACE TEMP TABLE loaded_security_keys AS
SELECT TRY_CAST(user_id AS UUID) AS account, count(*) AS n
FROM checked WHERE reason IS NULL GROUP BY ALL;
