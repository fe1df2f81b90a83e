// Package sql holds freezeframe's SQL as embedded .sql files: the case
// schema now, the detection heuristics later. Keeping SQL in files lets an
// investigator read exactly what ran against the case.
package sql

import "embed"

// Schema holds the case schema, one file per schema version step, applied in
// lexical order to a new case.
//
//go:embed schema/*.sql
var Schema embed.FS

// Ingest holds the statements the ingest step runs against the case.
//
//go:embed ingest/*.sql
var Ingest embed.FS

// Snapshot holds the statements that turn staged snapshot tables into the
// case's canonical tables, one file per table, run in lexical order.
//
//go:embed snapshot/*.sql
var Snapshot embed.FS
