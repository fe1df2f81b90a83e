-- Helpers for checking and converting staged snapshot values. Stages hold
-- every value as text (as psql's CSV export writes it); these macros say why
-- a value does not convert, for the rejects table.
--
-- Each of the other files loads one table from its stage, stage_<table>:
-- a view `checked` adds each row's reject reason (NULL when it loads), an
-- INSERT loads the rows without one, and an INSERT INTO rejects records the
-- others, numbered by their order in the stage. freezeframe runs the rejects
-- statement only when some staged row did not load: numbering rows needs one
-- ordered pass, which a clean table is spared.
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
-- An address without the /32 or /128 that inet columns may print.
CREATE OR REPLACE TEMP MACRO ff_ip(v) AS regexp_replace(v, '/(32|128)$', '');
