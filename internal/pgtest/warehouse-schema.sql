-- Copied from the project's notes (shared/notes/warehouse-schema.sql) for the live PostgreSQL tests.
-- Reference only: Warehouse's tables, columns, types and enums as pypi/warehouse's models and
-- alembic migrations leave them at commit 6b62157 (2026), reconstructed from that repository.
-- Use it to build realistic PostgreSQL fixtures; check a column against warehouse.md before relying on it.
-- Warehouse tables as the alembic migrations leave them (column order approximates
-- the physical order the migrations produce: columns added later come last).
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TYPE disablereason AS ENUM ('password compromised', 'account frozen', 'admin initiated');
CREATE TYPE unverifyreasons AS ENUM ('spam complaint', 'hard bounce', 'soft bounce', 'domain status invalid');
CREATE TYPE banreason AS ENUM ('authentication-attempts', 'administrative');
CREATE TYPE lifecyclestatus AS ENUM ('quarantine-enter', 'quarantine-exit', 'archived', 'archived-noindex');
CREATE TYPE packagetype AS ENUM ('bdist_dmg','bdist_dumb','bdist_egg','bdist_msi','bdist_rpm','bdist_wheel','bdist_wininst','sdist');
CREATE TYPE uniqueloginstatus AS ENUM ('pending', 'confirmed');

CREATE TABLE ip_addresses (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    ip_address inet NOT NULL UNIQUE,
    is_banned boolean DEFAULT false NOT NULL,
    ban_reason banreason,
    ban_date timestamp without time zone,
    hashed_ip_address text UNIQUE,
    geoip_info jsonb,
    CONSTRAINT ip_addresses_ban_check CHECK (((is_banned AND (ban_reason IS NOT NULL) AND (ban_date IS NOT NULL)) OR ((NOT is_banned) AND (ban_reason IS NULL) AND (ban_date IS NULL))))
);

CREATE TABLE users (
    password character varying(128) NOT NULL,
    last_login timestamp without time zone DEFAULT now(),
    is_superuser boolean DEFAULT false NOT NULL,
    username citext NOT NULL UNIQUE,
    name character varying(100) NOT NULL,
    is_active boolean DEFAULT false NOT NULL,
    date_joined timestamp without time zone DEFAULT now(),
    sitemap_bucket text NOT NULL,
    password_date timestamp without time zone DEFAULT now(),
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    disabled_for disablereason,
    is_moderator boolean DEFAULT false NOT NULL,
    totp_secret bytea,
    last_totp_value character varying,
    is_psf_staff boolean DEFAULT false NOT NULL,
    prohibit_password_reset boolean DEFAULT false NOT NULL,
    is_frozen boolean DEFAULT false NOT NULL,
    hide_avatar boolean DEFAULT false NOT NULL,
    observer_association_id uuid,
    is_observer boolean DEFAULT false NOT NULL,
    is_support boolean DEFAULT false NOT NULL,
    CONSTRAINT users_valid_username CHECK (username ~* '^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$'),
    CONSTRAINT users_valid_username_length CHECK (length(username) <= 50)
);

CREATE TABLE user_emails (
    id serial PRIMARY KEY,
    email character varying(254) NOT NULL,
    "primary" boolean NOT NULL,
    verified boolean NOT NULL,
    user_id uuid NOT NULL REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED,
    unverify_reason unverifyreasons,
    transient_bounces integer DEFAULT 0 NOT NULL,
    public boolean DEFAULT false NOT NULL,
    domain_last_checked timestamp without time zone,
    domain_last_status character varying[],
    CONSTRAINT user_emails_email_key UNIQUE (email)
);

CREATE TABLE user_security_keys (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED,
    credential_id character varying NOT NULL UNIQUE,
    public_key character varying UNIQUE,
    sign_count integer DEFAULT 0,
    label character varying NOT NULL,
    CONSTRAINT _user_security_keys_label_uc UNIQUE (label, user_id)
);

CREATE TABLE user_recovery_codes (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED,
    code character varying(128) NOT NULL,
    generated timestamp without time zone DEFAULT now() NOT NULL,
    burned timestamp without time zone
);

CREATE TABLE user_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    source_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    tag character varying NOT NULL,
    "time" timestamp without time zone DEFAULT now() NOT NULL,
    additional jsonb,
    ip_address_id uuid REFERENCES ip_addresses(id) ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX ix_user_events_source_id ON user_events (source_id);

CREATE TABLE user_unique_logins (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) ON UPDATE CASCADE ON DELETE CASCADE,
    ip_address_id uuid NOT NULL REFERENCES ip_addresses(id) ON UPDATE CASCADE ON DELETE CASCADE,
    created timestamp without time zone DEFAULT now() NOT NULL,
    last_used timestamp without time zone DEFAULT now() NOT NULL,
    device_information jsonb,
    status uniqueloginstatus DEFAULT 'pending' NOT NULL,
    expires timestamp without time zone,
    CONSTRAINT _user_unique_logins_user_id_ip_address_id_uc UNIQUE (user_id, ip_address_id)
);

CREATE TABLE projects (
    name text NOT NULL,
    normalized_name text UNIQUE,
    has_docs boolean,
    created timestamp without time zone DEFAULT now(),
    upload_limit integer,
    last_serial integer DEFAULT 0 NOT NULL,
    sitemap_bucket text NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    total_size bigint DEFAULT 0,
    total_size_limit bigint,
    lifecycle_status lifecyclestatus,
    lifecycle_status_changed timestamp without time zone DEFAULT now(),
    lifecycle_status_note character varying
);

CREATE TABLE roles (
    role_name text NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) ON UPDATE CASCADE ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES projects(id) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT _roles_user_project_uc UNIQUE (user_id, project_id)
);

CREATE TABLE project_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    source_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    tag character varying NOT NULL,
    "time" timestamp without time zone DEFAULT now() NOT NULL,
    additional jsonb,
    ip_address_id uuid REFERENCES ip_addresses(id) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE releases (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects(id),
    version text NOT NULL,
    canonical_version character varying NOT NULL,
    is_prerelease boolean DEFAULT false NOT NULL,
    author character varying,
    summary character varying,
    created timestamp without time zone DEFAULT now() NOT NULL,
    published boolean DEFAULT true NOT NULL,
    yanked boolean DEFAULT false NOT NULL,
    yanked_reason character varying DEFAULT '' NOT NULL,
    license_files character varying[],
    keywords_array character varying[],
    uploader_id uuid,
    uploaded_via character varying
);

CREATE TABLE release_files (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    release_id uuid NOT NULL REFERENCES releases(id) ON UPDATE CASCADE ON DELETE CASCADE,
    python_version character varying NOT NULL,
    requires_python character varying,
    packagetype packagetype NOT NULL,
    comment_text character varying,
    filename character varying NOT NULL UNIQUE,
    path character varying NOT NULL UNIQUE,
    size integer NOT NULL,
    md5_digest character varying NOT NULL UNIQUE,
    sha256_digest citext NOT NULL UNIQUE,
    blake2_256_digest citext NOT NULL UNIQUE,
    upload_time timestamp without time zone DEFAULT now() NOT NULL,
    uploaded_via character varying,
    metadata_file_sha256_digest citext,
    metadata_file_blake2_256_digest citext,
    allow_multiple_sdist boolean DEFAULT false NOT NULL,
    cached boolean DEFAULT false NOT NULL,
    archived boolean DEFAULT false NOT NULL,
    metadata_file_unbackfillable boolean DEFAULT false
);

CREATE TABLE file_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    tag character varying NOT NULL,
    "time" timestamp without time zone DEFAULT now() NOT NULL,
    additional jsonb,
    ip_address_id uuid REFERENCES ip_addresses(id) ON UPDATE CASCADE ON DELETE CASCADE,
    source_id uuid NOT NULL REFERENCES release_files(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX ix_file_events_source_id ON file_events (source_id);

-- A table with multi-line text, as release_descriptions has in a real dump.
CREATE TABLE release_descriptions (
    id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
    content_type character varying,
    raw character varying NOT NULL,
    html character varying NOT NULL,
    rendered_by character varying NOT NULL
);
