//go:build !duckdb_arrow

package ingest

// The log ingest hands DuckDB Arrow record batches (arrowwrite.go), which
// duckdb-go compiles only with the duckdb_arrow build tag: build and test
// with GOFLAGS=-tags=duckdb_arrow (README, "Setup"). This undefined name
// makes a build without it fail with a message that says so.
var _ = build_with_tags_duckdb_arrow
