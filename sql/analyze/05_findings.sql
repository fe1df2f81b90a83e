-- id: findings
-- kind: stage
-- title: The tables the heuristics write to: evidence about every attempt, findings with their points
-- level: informational
-- status: test
-- results: findings
-- description: evidence holds, for every login attempt in the logs' span (in the
--   incident window and outside it), each heuristic's reading of it: a
--   feature (the attempt's network against the account's history, how fast
--   the form was posted, ...) and its value, with the concrete detail for the
--   attempts in the window. Stage attribution weighs each value by how much
--   more often the campaign shows it than the same population outside the
--   window, and turns the weights into findings: one row per piece of
--   evidence that counted, with its points (log2 likelihood ratios) and why.
--   scope says what a finding is about: an attempt (attempt_id, and its
--   account if known), or a whole address, network, user agent or hour
--   (subject); those carry no points. While a run works, its tables live in
--   the schema ff_work of the case; when every step has run, the tables each
--   step lists as results are copied into main in one transaction.

CREATE OR REPLACE TABLE evidence (
    attempt_id BIGINT  NOT NULL,
    heuristic  VARCHAR NOT NULL, -- id of the heuristic that read it
    feature    VARCHAR NOT NULL, -- what it looked at
    value      VARCHAR NOT NULL, -- what it saw, one of a few values per feature
    detail     VARCHAR           -- the concrete evidence, for attempts in the window
);

CREATE OR REPLACE TABLE findings (
    heuristic  VARCHAR     NOT NULL, -- id of the heuristic (freezeframe heuristics)
    scope      VARCHAR     NOT NULL, -- attempt | ip | prefix | user_agent | hour
    attempt_id BIGINT,               -- attempts.attempt_id, for scope attempt
    account    UUID,
    subject    VARCHAR,              -- the address, network, ... the finding is about
    time       TIMESTAMPTZ,
    points     DOUBLE      NOT NULL, -- log2 likelihood ratio it adds to its attempt's score
    evidence   VARCHAR     NOT NULL
);
