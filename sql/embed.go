// Package sql holds freezeframe's SQL as embedded .sql files: the case
// schema now, the detection heuristics later. Keeping SQL in files lets an
// investigator read exactly what ran against the case.
package sql

import (
	"embed"
	"strings"
)

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

// Analyze holds the analysis: stages that build tables, heuristics that
// write findings, the clustering links and the classification, run in
// lexical order. Each file starts with a header saying what it does, what
// it catches, its known false positives and its parameters.
//
//go:embed analyze/*.sql
var Analyze embed.FS

// Report holds the queries freezeframe report runs against an analysed
// case, one file per output (or part of one), each starting with a comment
// saying what it produces.
//
//go:embed report/*.sql
var Report embed.FS

// Statements splits a .sql file into statements at semicolons that end a
// line, dropping comment lines.
func Statements(script string) []string {
	var out []string
	for _, s := range strings.Split(script, ";\n") {
		var body []string
		for _, l := range strings.Split(s, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				body = append(body, l)
			}
		}
		if len(body) > 0 {
			out = append(out, strings.Join(body, "\n"))
		}
	}
	return out
}

// Baselines holds the public detection rules freezeframe is measured
// against (freezeframe baselines), one self-describing file per rule: a
// header with its id, title, logic, how it was adapted and its references,
// then one SELECT that returns its alerts.
//
//go:embed baselines/*.sql
var Baselines embed.FS
