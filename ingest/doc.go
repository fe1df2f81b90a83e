// Package ingest reads evidence into a case, each input hashed (SHA-256)
// into the sources table and opened read-only. Logs reads an access log in
// one of several formats (plain, gzip or zstd), every line into requests
// or, with the reason, into rejects. Snapshot reads the Warehouse database
// snapshot from psql CSV, JSON lines, Parquet or pg_dump files, or live from
// PostgreSQL at a postgres:// URL, keeping what it read in an evidence
// directory; secret columns are never read or copied. It knows no
// heuristic.
package ingest
