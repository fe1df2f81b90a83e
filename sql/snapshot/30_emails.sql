-- user_emails -> emails. Rejected: a missing or non-integer id, a malformed
-- user_id, a missing email, malformed booleans.
CREATE OR REPLACE TEMP VIEW checked AS
WITH r AS (
    SELECT s.*,
           ff_reason(ff_need_int('id', id), ff_need_uuid('user_id', user_id), ff_need('email', email),
                     ff_opt_bool('primary', "primary"), ff_opt_bool('verified', verified)) AS reason
    FROM stage_user_emails s
)
SELECT r.* REPLACE (coalesce(r.reason, ff_duplicate(r.id, r.line_no, d.kept)) AS reason)
FROM r LEFT JOIN (SELECT lower(id) AS id, min(line_no) AS kept FROM r
                  WHERE reason IS NULL AND getvariable('check_duplicates') GROUP BY ALL HAVING count(*) > 1) d
     ON d.id = lower(r.id);

INSERT INTO emails
SELECT id::BIGINT, user_id::UUID, email, NULLIF(lower(regexp_extract(email, '@([^@]+)$', 1)), ''),
       ff_bool("primary"), ff_bool(verified), NULLIF(unverify_reason, ''),
       getvariable('source_id')
FROM checked WHERE reason IS NULL;

INSERT INTO rejects
SELECT getvariable('source_id'), line_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT ff_line(line_no) AS line_no, reason, CASE WHEN reason IS NOT NULL THEN ff_raw(c) END AS raw FROM checked c)
WHERE reason IS NOT NULL;
