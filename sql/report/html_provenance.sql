-- report.html, provenance section: every input of the case in the order it
-- was ingested, with its SHA-256 and counts, and whether the reported
-- analysis run ($1) recorded it among its inputs.
WITH run_inputs AS (
    SELECT unnest(from_json(inputs, '["json"]')) ->> 'sha256' AS sha256
    FROM analysis_runs WHERE run_id = $1
)
SELECT s.id, s.kind, s.path, s.size, s.sha256, coalesce(s.format, ''), coalesce(s.compression, ''),
       s.lines_read, s.rows_parsed, s.rows_rejected, coalesce(s.tool_version, ''),
       s.sha256 IN (SELECT sha256 FROM run_inputs) AS in_run
FROM sources s
ORDER BY s.id;
