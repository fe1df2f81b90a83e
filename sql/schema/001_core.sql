-- freezeframe case schema, version 1.
--
-- A case is a DuckDB database. Every table is meant to be queried by an
-- investigator directly: `duckdb case.duckdb` or `freezeframe query`.
-- All times are TIMESTAMPTZ in UTC. Empty or absent values are NULL.

-- Key/value facts about the case itself; `schema_version` guards against
-- opening a case with a freezeframe that reads another layout.
CREATE TABLE case_meta (
    key   VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

CREATE SEQUENCE source_id_seq START 1;

-- Chain of custody: one row per input file ingested into the case.
-- lines_read = rows_parsed + rows_rejected always holds (CHECK below).
CREATE TABLE sources (
    id            INTEGER     NOT NULL,
    kind          VARCHAR     NOT NULL, -- 'log'
    path          VARCHAR     NOT NULL, -- as given on the command line; '-' is standard input
    size          BIGINT      NOT NULL, -- bytes of the file as stored (compressed size)
    sha256        VARCHAR     NOT NULL, -- hex SHA-256 of those bytes
    format        VARCHAR     NOT NULL, -- format name, or the Apache LogFormat string used
    compression   VARCHAR     NOT NULL, -- none | gzip | zstd
    lines_read    BIGINT      NOT NULL,
    rows_parsed   BIGINT      NOT NULL,
    rows_rejected BIGINT      NOT NULL,
    ingest_start  TIMESTAMPTZ NOT NULL,
    ingest_end    TIMESTAMPTZ NOT NULL,
    tool_version  VARCHAR     NOT NULL,
    CHECK (lines_read = rows_parsed + rows_rejected)
);

-- Access-log requests in one canonical shape, whatever the log format.
-- (source_id, line_no) points back to the exact line of the input file.
CREATE TABLE requests (
    source_id       INTEGER     NOT NULL,
    line_no         BIGINT      NOT NULL, -- 1-based line number in the (decompressed) file
    time            TIMESTAMPTZ NOT NULL, -- UTC
    client          VARCHAR,              -- client IP, or the 64-hex hashed IP
    client_hashed   BOOLEAN     NOT NULL, -- true when client is a hashed IP
    method          VARCHAR,
    path            VARCHAR,              -- URL path as logged (not unescaped)
    query           VARCHAR,              -- query string without the '?'
    protocol        VARCHAR,
    status          SMALLINT,
    bytes           BIGINT,               -- response size; NULL when the line gives none (-, (null), empty)
    referrer        VARCHAR,
    user_agent      VARCHAR,              -- as sent for Fastly's cstr_escape fields (decoded); Apache/nginx escapes as logged
    accept_language VARCHAR,
    content_type    VARCHAR,              -- request Content-Type
    duration        DOUBLE,               -- seconds taken to serve the request
    extra           JSON                  -- other fields of the format, by name
);

-- Input lines or rows that could not be loaded, with the reason. Nothing is
-- dropped. For a log, line_no is the line; for a snapshot table, the data
-- row number (header excluded), except for rows DuckDB's CSV reader or a
-- pg_dump COPY block could not split into fields, where it is the file's
-- line (the reason says "line N").
CREATE TABLE rejects (
    source_id  INTEGER NOT NULL,
    line_no    BIGINT  NOT NULL,
    reason     VARCHAR NOT NULL,
    raw        VARCHAR NOT NULL, -- the line or row, cut at 4 KiB; invalid UTF-8 and NUL escaped as \xNN;
                                 -- for snapshot tables with secrets, the row without them or a placeholder
    raw_bytes  BIGINT  NOT NULL, -- the line's full length in bytes
    table_name VARCHAR           -- the snapshot table, NULL for logs
);
