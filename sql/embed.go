// Package sql holds freezeframe's SQL as embedded .sql files: the case
// schema, what ingest runs, the analysis and its run record, the report's
// queries and the baselines. Keeping SQL in files lets an investigator read
// exactly what ran against the case.
package sql

import (
	"embed"
	"fmt"
	"io/fs"
	"strconv"
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

// Run holds what analyze does around the stages: the --previous list it
// loads, the counts it reads back, the run record it appends and the
// queries its results digest hashes.
//
//go:embed run/*.sql
var Run embed.FS

// Report holds the queries freezeframe report runs against an analysed
// case, one file per output (or part of one), each starting with a comment
// saying what it produces.
//
//go:embed report/*.sql
var Report embed.FS

// File returns the statements of the .sql file name (a path such as
// "run/record.sql") in fsys.
func File(fsys fs.FS, name string) ([]string, error) {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	return Statements(string(body)), nil
}

// Query returns the one statement of the .sql file name in fsys; a file
// holding more or none is an error naming it.
func Query(fsys fs.FS, name string) (string, error) {
	stmts, err := File(fsys, name)
	if err != nil {
		return "", err
	}
	if len(stmts) != 1 {
		return "", fmt.Errorf("sql/%s: %d statements, want 1", name, len(stmts))
	}
	return stmts[0], nil
}

// Statements splits a .sql file into statements at its semicolons, those
// inside a string, a quoted name or a comment left alone, and drops the
// lines that are only a comment.
func Statements(script string) []string {
	var out []string
	for _, s := range split(script) {
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

// split cuts script at each semicolon that ends a statement: one outside a
// 'string', a "quoted name", a -- line comment and a /* block comment */
// (DuckDB's do not nest). A quote is escaped by doubling it, which the
// scan reads as the string ending and starting again. Backslash escapes
// (E strings) and dollar quotes are not read as such: sql/ uses neither.
func split(script string) []string {
	var out []string
	start := 0
	for i := 0; i < len(script); i++ {
		switch c := script[i]; {
		case c == '\'' || c == '"':
			if j := strings.IndexByte(script[i+1:], c); j >= 0 {
				i += j + 1
			} else {
				i = len(script)
			}
		case c == '-' && strings.HasPrefix(script[i:], "--"):
			if j := strings.IndexByte(script[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(script)
			}
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			if j := strings.Index(script[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(script)
			}
		case c == ';':
			out = append(out, script[start:i])
			start = i + 1
		}
	}
	return append(out, script[start:])
}

// ExpandRepeats writes out the repeat blocks of script: a block between the
// lines "-- repeat N" and "-- end repeat" N times (1 to 1000), for an
// iteration DuckDB SQL has no loop for, run as plain statements.
func ExpandRepeats(script string) (string, error) {
	lines := strings.Split(script, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "-- end repeat" {
			return "", fmt.Errorf("line %d: \"-- end repeat\" without \"-- repeat N\"", i+1)
		}
		n, ok := strings.CutPrefix(t, "-- repeat ")
		if !ok {
			out = append(out, lines[i])
			continue
		}
		count, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || count < 1 || count > 1000 {
			return "", fmt.Errorf("line %d: %q: want \"-- repeat N\" with N from 1 to 1000", i+1, t)
		}
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "-- end repeat" {
			if strings.HasPrefix(strings.TrimSpace(lines[end]), "-- repeat ") {
				return "", fmt.Errorf("line %d: repeat blocks do not nest", end+1)
			}
			end++
		}
		if end == len(lines) {
			return "", fmt.Errorf("line %d: \"-- repeat %d\" has no \"-- end repeat\"", i+1, count)
		}
		for k := 0; k < count; k++ {
			out = append(out, lines[i+1:end]...)
		}
		i = end
	}
	return strings.Join(out, "\n"), nil
}

// Baselines holds the public detection rules freezeframe is measured
// against (freezeframe baselines), one self-describing file per rule: a
// header with the keys of the analysis steps (id, title, description,
// level, status, tags, reads), how it was adapted and its references, then
// one SELECT that returns its alerts.
//
//go:embed baselines/*.sql
var Baselines embed.FS

// BaselineSupport holds the queries the baselines run beside their rules:
// whether the case has attempts, the failures CrowdSec's buckets replay,
// and how alerts pair with logins into accounts to freeze.
//
//go:embed baselines/support/*.sql
var BaselineSupport embed.FS

// Postgres holds the queries a live read sends to the Warehouse database's
// catalog (which tables and columns it has); the tables themselves are read
// with the column lists of the snapshot's table specs.
//
//go:embed postgres/*.sql
var Postgres embed.FS
