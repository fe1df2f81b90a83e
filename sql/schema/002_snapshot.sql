-- Snapshot tables: the application's own records (Warehouse), in canonical
-- form. One snapshot per case. Secrets of the source tables (password
-- hashes, TOTP secrets and last values, recovery-code hashes, WebAuthn
-- credential ids and public keys) are never copied: only whether they exist.
-- Every row keeps source_id, the file it came from; with the row's id (the
-- table's primary key) that finds it in the export.

-- Per table of a snapshot: where it came from and how many rows went where.
-- rows_read = rows_loaded + rows_rejected.
CREATE TABLE snapshot_tables (
    source_id     INTEGER NOT NULL,
    table_name    VARCHAR NOT NULL, -- Warehouse table name: users, user_events, ...
    rows_read     BIGINT  NOT NULL,
    rows_loaded   BIGINT  NOT NULL,
    rows_rejected BIGINT  NOT NULL,
    CHECK (rows_read = rows_loaded + rows_rejected)
);

-- users, with 2FA state derived from users.totp_secret, user_security_keys
-- and user_recovery_codes.
CREATE TABLE accounts (
    id                      UUID    NOT NULL,
    username                VARCHAR NOT NULL,
    date_joined             TIMESTAMPTZ,
    last_login              TIMESTAMPTZ,
    is_active               BOOLEAN,
    is_frozen               BOOLEAN,
    has_totp                BOOLEAN NOT NULL, -- users.totp_secret is set
    webauthn_keys           INTEGER NOT NULL,
    recovery_codes_total    INTEGER NOT NULL,
    recovery_codes_unburned INTEGER NOT NULL,
    has_2fa                 BOOLEAN NOT NULL, -- TOTP or at least one WebAuthn key
    source_id               INTEGER NOT NULL
);

-- user_emails.
CREATE TABLE emails (
    id              BIGINT  NOT NULL,
    account         UUID    NOT NULL,
    email           VARCHAR NOT NULL,
    domain          VARCHAR,          -- lower-cased part after the last @
    "primary"       BOOLEAN,
    verified        BOOLEAN,
    unverify_reason VARCHAR,
    source_id       INTEGER NOT NULL
);

-- ip_addresses, with geoip_info unpacked. geoip_info is overwritten on every
-- request from the IP; the country at an event's time is on the event.
CREATE TABLE ips (
    id             UUID    NOT NULL,
    ip             VARCHAR,          -- the address, without a /32 or /128 suffix
    hashed_ip      VARCHAR,          -- lower-case hex SHA-256 of IP + salt, as logs carry it
    continent_code VARCHAR,
    country_code   VARCHAR,
    country_name   VARCHAR,
    region         VARCHAR,
    city           VARCHAR,
    latitude       DOUBLE,
    longitude      DOUBLE,
    is_banned      BOOLEAN,
    ban_reason     VARCHAR,
    ban_date       TIMESTAMPTZ,
    geoip_info     JSON,
    source_id      INTEGER NOT NULL
);

-- user_events, with the fields of `additional` that matter pulled out.
CREATE TABLE account_events (
    id                UUID        NOT NULL,
    time              TIMESTAMPTZ NOT NULL,
    account           UUID        NOT NULL,
    tag               VARCHAR     NOT NULL, -- e.g. account:login:success
    failure_reason    VARCHAR,              -- login:failure: invalid_password, invalid_totp, ...
    two_factor_method VARCHAR,              -- login:success: totp, webauthn, recovery-code, ... or NULL
    method            VARCHAR,              -- two_factor:method_added/removed: totp, webauthn
    email_subject     VARCHAR,              -- email:sent
    ip_id             UUID,
    ip                VARCHAR,
    hashed_ip         VARCHAR,
    country_code      VARCHAR,              -- additional.geoip_info at event time
    ua_installer      VARCHAR,              -- additional.user_agent_info: Browser, pip, twine, ...
    ua_os             VARCHAR,
    ua_family         VARCHAR,              -- browser or implementation family
    additional        JSON,
    source_id         INTEGER     NOT NULL
);

-- project_events and file_events together (kind tells them apart).
CREATE TABLE project_events (
    id                UUID        NOT NULL,
    kind              VARCHAR     NOT NULL, -- 'project' or 'file'
    time              TIMESTAMPTZ NOT NULL,
    project           UUID,                 -- project_events.source_id, or file additional.project_id
    file              UUID,                 -- file_events.source_id
    tag               VARCHAR     NOT NULL,
    submitted_by      VARCHAR,              -- additional.submitted_by (a username)
    canonical_version VARCHAR,
    filename          VARCHAR,
    ip_id             UUID,
    ip                VARCHAR,
    hashed_ip         VARCHAR,
    additional        JSON,
    source_id         INTEGER     NOT NULL
);

CREATE TABLE projects (
    id              UUID    NOT NULL,
    name            VARCHAR NOT NULL,
    normalized_name VARCHAR,
    created         TIMESTAMPTZ,
    source_id       INTEGER NOT NULL
);

CREATE TABLE roles (
    id        UUID    NOT NULL,
    role_name VARCHAR,
    account   UUID    NOT NULL,
    project   UUID    NOT NULL,
    source_id INTEGER NOT NULL
);

-- Requests with the client's ips row, whichever way the log identified the
-- client: by address in raw-IP logs, by hashed address in gunicorn-pypi and
-- Warehouse JSON logs. A raw address never looks like a 64-hex hash, so one
-- equality join on either key finds the row.
CREATE VIEW requests_ips AS
WITH ip_keys AS (
    SELECT ip AS key, * FROM ips WHERE ip IS NOT NULL
    UNION ALL
    SELECT hashed_ip AS key, * FROM ips WHERE hashed_ip IS NOT NULL
)
SELECT r.*, k.id AS ip_id, k.country_code, k.region, k.city, k.is_banned
FROM requests r
LEFT JOIN ip_keys k ON k.key = CASE WHEN r.client_hashed THEN lower(r.client) ELSE r.client END;
