-- freezeframe case schema, version 3: the record of analysis runs.
--
-- `freezeframe analyze` replaces its result tables (attempts, findings,
-- campaigns, account_verdicts, ...) on every run; these two tables keep every
-- run, so the precise numbers of each one stay on record.

CREATE SEQUENCE analysis_run_seq START 1;

CREATE TABLE analysis_runs (
    run_id          INTEGER     NOT NULL PRIMARY KEY,
    started         TIMESTAMPTZ NOT NULL,
    finished        TIMESTAMPTZ NOT NULL,
    tool_version    VARCHAR     NOT NULL,
    parameters      JSON        NOT NULL, -- every parameter with the value used, defaults included
    window_from     TIMESTAMPTZ,          -- NULL: no incident window found
    window_to       TIMESTAMPTZ,
    window_source   VARCHAR     NOT NULL, -- auto | given | none
    inputs          JSON        NOT NULL, -- [{source_id, kind, path, sha256}] of the case's sources
    previous_list   VARCHAR,              -- --previous freeze list, as given
    previous_sha256 VARCHAR,
    attempts        BIGINT      NOT NULL,
    campaigns       INTEGER     NOT NULL,
    compromised     INTEGER     NOT NULL, -- the accounts to freeze
    exposed         INTEGER     NOT NULL,
    targeted        INTEGER     NOT NULL,
    benign          INTEGER     NOT NULL,
    new_to_freeze   INTEGER     NOT NULL, -- compromised and not on the previous list
    dropped         INTEGER     NOT NULL, -- on the previous list and no longer compromised
    results_sha256  VARCHAR     NOT NULL, -- SHA-256 of the verdicts in order: equal results, equal digests
    review          INTEGER     NOT NULL, -- campaign evidence below the freeze threshold
    window_score    DOUBLE      NOT NULL  -- the window scan's best score (see heuristics window)
);

-- Every implicated account of every run, as classified then.
CREATE TABLE analysis_run_accounts (
    run_id         INTEGER NOT NULL,
    account        UUID    NOT NULL,
    username       VARCHAR,
    classification VARCHAR NOT NULL,
    score          DOUBLE  NOT NULL,
    wave           VARCHAR NOT NULL  -- new | listed (on the --previous list)
);
