-- user_emails -> emails. Rejected: a missing or non-integer id, a malformed
-- user_id, a missing email, malformed booleans.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_int('id', id), ff_need_uuid('user_id', user_id), ff_need('email', email),
                 ff_opt_bool('primary', "primary"), ff_opt_bool('verified', verified)) AS reason
FROM stage_user_emails s;

INSERT INTO emails
SELECT id::BIGINT, user_id::UUID, email, NULLIF(lower(regexp_extract(email, '@([^@]+)$', 1)), ''),
       ff_bool("primary"), ff_bool(verified), NULLIF(unverify_reason, ''),
       getvariable('source_id')
FROM checked WHERE reason IS NULL;
