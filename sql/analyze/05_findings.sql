-- id: findings
-- kind: stage
-- title: The findings table every heuristic writes to
-- results: findings
-- catches: One row per thing a heuristic found. scope says what it is about:
--   an attempt (attempt_id, and its account if known), or a whole
--   fingerprint, address, network, user agent or hour (subject). points is
--   what the finding adds to its attempt's score; campaign-level findings add
--   none. evidence is the concrete reason, in words. While a run works,
--   its tables live in the schema ff_work of the case; when every step has
--   run, the tables each step lists as results are copied into main in one
--   transaction and ff_work is dropped.

CREATE OR REPLACE TABLE findings (
    heuristic  VARCHAR     NOT NULL, -- id of the heuristic (freezeframe heuristics)
    scope      VARCHAR     NOT NULL, -- attempt | fingerprint | ip | prefix | user_agent | hour
    attempt_id BIGINT,               -- attempts.attempt_id, for scope attempt
    account    UUID,
    subject    VARCHAR,              -- the address, fingerprint, ... the finding is about
    time       TIMESTAMPTZ,
    points     INTEGER     NOT NULL,
    evidence   VARCHAR     NOT NULL
);
