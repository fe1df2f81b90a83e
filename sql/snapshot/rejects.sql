-- The staged rows of the table just loaded that did not load, into rejects
-- with their line and reason (see 00_macros.sql). freezeframe runs it after
-- each table's file, and only when some staged row did not load: numbering
-- the rows of a clean CSV file takes an ordered pass.
INSERT INTO rejects
SELECT getvariable('source_id'), line_no, reason, raw, length(raw), getvariable('table_name')
FROM (SELECT ff_line(line_no) AS line_no, reason, CASE WHEN reason IS NOT NULL THEN ff_raw(c) END AS raw FROM checked c)
WHERE reason IS NOT NULL;
