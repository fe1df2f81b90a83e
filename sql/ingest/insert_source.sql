-- Records one ingested input file in the chain of custody.
INSERT INTO sources (id, kind, path, size, sha256, format, compression, lines_read,
                     rows_parsed, rows_rejected, ingest_start, ingest_end, tool_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13);
