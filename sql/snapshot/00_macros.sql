-- Helpers for checking and converting staged snapshot values. Stages hold
-- every value as text (as psql's CSV export writes it); these macros say why
-- a value does not convert, for the rejects table.
--
-- Each of the numbered files loads one table from its stage, stage_<table>
-- (line_no, the file line a row starts on, then its columns as text): its
-- view `reasons` gives each row's reject reason (NULL when it loads), the
-- view `checked` below adds duplicates to them (a row after one that loads
-- with the same id, looked for unless the variable check_duplicates says
-- the file's first read found none), and its INSERT loads the rows of
-- `checked` without a reason. rejects.sql records the others with their
-- line; freezeframe runs it only when some staged row did not load, and
-- checks that the two inserts add up to the rows staged.
-- What user_security_keys and user_recovery_codes add to accounts: counts
-- per account of their rows that loaded, empty when the snapshot lacks them.
CREATE OR REPLACE TEMP TABLE loaded_security_keys (account UUID, n BIGINT);
CREATE OR REPLACE TEMP TABLE loaded_recovery_codes (account UUID, total BIGINT, unburned BIGINT);
CREATE OR REPLACE TEMP MACRO ff_q(v) AS '''' || CASE WHEN length(v) > 60 THEN left(v, 60) || '…' ELSE v END || '''';
CREATE OR REPLACE TEMP MACRO ff_bool(v) AS CASE lower(trim(v))
    WHEN 't' THEN true WHEN 'true' THEN true WHEN '1' THEN true WHEN 'yes' THEN true
    WHEN 'f' THEN false WHEN 'false' THEN false WHEN '0' THEN false WHEN 'no' THEN false END;
CREATE OR REPLACE TEMP MACRO ff_ts(v) AS TRY_CAST(v AS TIMESTAMPTZ);
CREATE OR REPLACE TEMP MACRO ff_need(name, v) AS CASE WHEN v IS NULL OR v = '' THEN name || ' is missing' END;
CREATE OR REPLACE TEMP MACRO ff_need_uuid(name, v) AS CASE
    WHEN v IS NULL OR v = '' THEN name || ' is missing'
    WHEN TRY_CAST(v AS UUID) IS NULL THEN name || ' ' || ff_q(v) || ' is not a UUID' END;
CREATE OR REPLACE TEMP MACRO ff_opt_uuid(name, v) AS CASE
    WHEN v IS NOT NULL AND v <> '' AND TRY_CAST(v AS UUID) IS NULL THEN name || ' ' || ff_q(v) || ' is not a UUID' END;
CREATE OR REPLACE TEMP MACRO ff_need_ts(name, v) AS CASE
    WHEN v IS NULL OR v = '' THEN name || ' is missing'
    WHEN ff_ts(v) IS NULL THEN name || ' ' || ff_q(v) || ' is not a timestamp' END;
CREATE OR REPLACE TEMP MACRO ff_opt_ts(name, v) AS CASE
    WHEN v IS NOT NULL AND v <> '' AND ff_ts(v) IS NULL THEN name || ' ' || ff_q(v) || ' is not a timestamp' END;
CREATE OR REPLACE TEMP MACRO ff_opt_bool(name, v) AS CASE
    WHEN v IS NOT NULL AND v <> '' AND ff_bool(v) IS NULL THEN name || ' ' || ff_q(v) || ' is not a boolean' END;
CREATE OR REPLACE TEMP MACRO ff_need_int(name, v) AS CASE
    WHEN v IS NULL OR v = '' THEN name || ' is missing'
    WHEN TRY_CAST(v AS BIGINT) IS NULL THEN name || ' ' || ff_q(v) || ' is not an integer' END;
CREATE OR REPLACE TEMP MACRO ff_opt_json(name, v) AS CASE
    WHEN v IS NOT NULL AND v <> '' AND NOT json_valid(v) THEN name || ' is not valid JSON: ' || ff_q(v) END;
-- The reason a row is rejected: its problems joined, or NULL when it has none.
CREATE OR REPLACE TEMP MACRO ff_reason(a, b := NULL, c := NULL, d := NULL, e := NULL, f := NULL) AS
    NULLIF(concat_ws('; ', a, b, c, d, e, f), '');
-- The reject reason of a user, project or file event row.
CREATE OR REPLACE TEMP MACRO ff_event_reason(id, source_id, tag, t, additional, ip_address_id) AS
    ff_reason(ff_need_uuid('id', id), ff_need_uuid('source_id', source_id), ff_need('tag', tag),
              ff_need_ts('time', t), ff_opt_json('additional', additional),
              ff_opt_uuid('ip_address_id', ip_address_id));
-- An address without the /32 or /128 that inet columns may print, and an
-- IPv4 address mapped into IPv6 (::ffff:10.0.0.1) as the IPv4 address it
-- is, as the access logs' addresses are stored.
CREATE OR REPLACE TEMP MACRO ff_ip(v) AS
    regexp_replace(regexp_replace(v, '/(32|128)$', ''), '^::ffff:(\d+\.\d+\.\d+\.\d+)$', '\1', 'i');
-- Why a row is rejected as a duplicate: another row with its id loads, the
-- first in the file (kept is that row's line), and this one comes after it.
-- Rows rejected for other reasons do not count: the first row of an id that
-- loads is kept.
CREATE OR REPLACE TEMP MACRO ff_duplicate(id, line_no, kept) AS CASE
    WHEN line_no > kept THEN 'duplicate id ' || ff_q(id) || ': the row at line ' || kept || ' has it and is kept' END;
-- The line a staged row starts on: a clean CSV file (read in place, one
-- line a row) stages none, and its rows are numbered in file order after
-- the header. A window function: use it where the stage is scanned in order.
CREATE OR REPLACE TEMP MACRO ff_line(line_no) AS coalesce(line_no, row_number() OVER () + 1);
-- A rejected row as rejects.raw keeps it: its staged columns as JSON.
CREATE OR REPLACE TEMP MACRO ff_raw(c) AS json_merge_patch(to_json(c), '{"line_no": null, "reason": null}')::VARCHAR;
-- Every table's rows with their reasons, duplicates included, over the
-- view `reasons` of the table being loaded (re-bound each time it is read;
-- the placeholder lets the view be created before any table's).
CREATE OR REPLACE TEMP VIEW reasons AS SELECT NULL::BIGINT AS line_no, NULL::VARCHAR AS id, NULL::VARCHAR AS reason;
CREATE OR REPLACE TEMP VIEW checked AS
WITH r AS (FROM reasons)
SELECT r.* REPLACE (coalesce(r.reason, ff_duplicate(r.id, r.line_no, d.kept)) AS reason)
FROM r LEFT JOIN (SELECT lower(id) AS id, min(line_no) AS kept FROM r
                  WHERE reason IS NULL AND getvariable('check_duplicates') GROUP BY ALL HAVING count(*) > 1) d
     ON d.id = lower(r.id);
