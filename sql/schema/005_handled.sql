-- freezeframe case schema, version 5: whether an account was already
-- handled before the analysis (Warehouse's users.disabled_for and a
-- disabled password), and user_unique_logins where the snapshot has it.

ALTER TABLE accounts ADD COLUMN disabled_for VARCHAR;       -- users.disabled_for: password compromised | account frozen | admin initiated

ALTER TABLE accounts ADD COLUMN password_disabled BOOLEAN;  -- users.password is disabled ("!..."); the hash itself is never read

-- user_unique_logins (Warehouse 2025+): each address an account logged in
-- from, when first and last, and whether the owner confirmed the device.
CREATE TABLE unique_logins (
    id        UUID        NOT NULL,
    account   UUID        NOT NULL,
    ip_id     UUID,                 -- user_unique_logins.ip_address_id
    ip        VARCHAR,
    hashed_ip VARCHAR,
    created   TIMESTAMPTZ,
    last_used TIMESTAMPTZ,
    status    VARCHAR,              -- pending | confirmed
    source_id INTEGER     NOT NULL
);
