-- users -> accounts, with 2FA state from the rows of user_security_keys and
-- user_recovery_codes that loaded (loaded_security_keys, loaded_recovery_codes). users.totp_secret arrives only as totp_secret_set: whether it was
-- set. Rejected: a missing or malformed id, a missing username, malformed
-- timestamps or booleans.
CREATE OR REPLACE TEMP VIEW reasons AS
SELECT s.*,
       ff_reason(ff_need_uuid('id', id), ff_need('username', username),
                 ff_opt_ts('date_joined', date_joined), ff_opt_ts('last_login', last_login),
                 ff_opt_bool('is_active', is_active), ff_opt_bool('is_frozen', is_frozen)) AS reason
FROM stage_users s;

INSERT INTO accounts
SELECT u.id::UUID, u.username, ff_ts(u.date_joined), ff_ts(u.last_login), ff_bool(u.is_active), ff_bool(u.is_frozen),
       coalesce(ff_bool(u.totp_secret_set), false), coalesce(k.n, 0), coalesce(c.total, 0), coalesce(c.unburned, 0),
       coalesce(ff_bool(u.totp_secret_set), false) OR coalesce(k.n, 0) > 0,
       getvariable('source_id'),
       NULLIF(u.disabled_for, ''), ff_bool(u.password_disabled)
FROM checked u
LEFT JOIN loaded_security_keys k ON k.account = TRY_CAST(u.id AS UUID)
LEFT JOIN loaded_recovery_codes c ON c.account = TRY_CAST(u.id AS UUID)
WHERE u.reason IS NULL;
