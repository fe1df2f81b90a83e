-- users -> accounts, with 2FA state from the rows of user_security_keys and
-- user_recovery_codes that their own files did not reject. users.totp_secret arrives only as totp_secret_set: whether it was
-- set. Rejected: a missing or malformed id, a missing username, malformed
-- timestamps or booleans.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need('username', username),
                 ff_opt_ts('date_joined', date_joined), ff_opt_ts('last_login', last_login),
                 ff_opt_bool('is_active', is_active), ff_opt_bool('is_frozen', is_frozen)) AS reason
FROM stage_users s;

INSERT INTO accounts
WITH keys AS (
    SELECT TRY_CAST(user_id AS UUID) AS account, count(*) AS n
    FROM stage_user_security_keys
    WHERE ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id)) IS NULL
    GROUP BY ALL
), codes AS (
    SELECT TRY_CAST(user_id AS UUID) AS account, count(*) AS total,
           count(*) FILTER (WHERE burned IS NULL OR burned = '') AS unburned
    FROM stage_user_recovery_codes
    WHERE ff_reason(ff_need_uuid('id', id), ff_need_uuid('user_id', user_id),
                    ff_opt_ts('generated', generated), ff_opt_ts('burned', burned)) IS NULL
    GROUP BY ALL
)
SELECT u.id::UUID, u.username, ff_ts(u.date_joined), ff_ts(u.last_login), ff_bool(u.is_active), ff_bool(u.is_frozen),
       coalesce(ff_bool(u.totp_secret_set), false), coalesce(k.n, 0), coalesce(c.total, 0), coalesce(c.unburned, 0),
       coalesce(ff_bool(u.totp_secret_set), false) OR coalesce(k.n, 0) > 0,
       getvariable('source_id')
FROM checked u
LEFT JOIN keys k ON k.account = TRY_CAST(u.id AS UUID)
LEFT JOIN codes c ON c.account = TRY_CAST(u.id AS UUID)
WHERE u.reason IS NULL;

INSERT INTO rejects
SELECT getvariable('source_id'), row_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT row_number() OVER () AS row_no, reason, to_json(c)::VARCHAR AS raw FROM checked c)
WHERE reason IS NOT NULL;
