package ingest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/freezeframe/freezeframe/casefile"
)

// Staging makes one table export readable as stage_<table>: line_no (the
// file line a row starts on; for Parquet, the row's number; NULL for a clean
// CSV file, where it is the row's number plus one), then text columns named
// as in tableSpec, rows in file order. Clean CSV files (see csvScan) and
// Parquet files are views over DuckDB's readers, read in place; other CSV
// files, JSON lines and pg_dump rows are read in Go and appended to a
// temporary table (see snapshot_rows.go).
// Rows too malformed to stage (a CSV line with the wrong number of fields, a
// JSON line that is not an object) go to stage_rejects, copied into rejects
// when the snapshot is loaded; a table with secrets never has its raw text
// kept there. Staging happens outside the snapshot's transaction: temporary
// tables are not part of the case, and DuckDB scans them faster once
// committed.

const withheld = "[withheld: rows of this table hold secrets]"

// stageExport stages a table export and returns how many of its rows were
// rejected as malformed.
func stageExport(ctx context.Context, c *casefile.Case, f *snapshotFile) (int64, error) {
	if f.size == 0 {
		return 0, fmt.Errorf("the file is empty; a table export has at least its header")
	}
	t := f.tables[0]
	switch f.format {
	case "csv":
		return stageCSV(ctx, c, f, t)
	case "parquet":
		return 0, stageParquet(ctx, c, f, t)
	case "jsonl":
		return stageJSONL(ctx, c, f, t)
	}
	return 0, fmt.Errorf("unknown export format %q", f.format)
}

// columnsOf returns the column names and types a query yields.
func columnsOf(ctx context.Context, c *casefile.Case, query string) (map[string]string, error) {
	rows, err := c.Conn.QueryContext(ctx, "DESCRIBE "+query)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	cols := map[string]string{}
	for rows.Next() {
		var name, typ string
		var rest [4]any
		if err := rows.Scan(&name, &typ, &rest[0], &rest[1], &rest[2], &rest[3]); err != nil {
			return nil, err
		}
		cols[name] = typ
	}
	return cols, rows.Err()
}

// stageSelect builds the select list of stage_<table>: each staged column
// from expr(col) when the file has it, NULL otherwise; flagged secrets only
// as whether they are set, disabled ones as whether they are disabled
// password hashes (or both as the input's own flag columns).
func stageSelect(t tableSpec, have map[string]string, file string, expr func(col string) string, isSet func(col string) string) ([]string, error) {
	for _, col := range t.required {
		if _, ok := have[col]; !ok {
			return nil, fmt.Errorf("the %s table has no %q column, which freezeframe needs (%s has: %s)", t.name, col, file, strings.Join(sortedKeys(have), ", "))
		}
	}
	var list []string
	for _, col := range append(append([]string{}, t.required...), t.optional...) {
		if _, ok := have[col]; ok {
			list = append(list, expr(col)+" AS "+quoteIdent(col))
		} else {
			list = append(list, "NULL::VARCHAR AS "+quoteIdent(col))
		}
	}
	// A flag the input already carries (a live read's or an export's)
	// comes under the stage column's name; otherwise it is derived from the
	// secret, which is read here and nowhere else.
	flags := func(secrets []string, suffix string, derive func(col string) string) {
		for _, col := range secrets {
			_, derived := have[col+suffix]
			_, ok := have[col]
			switch {
			case derived:
				list = append(list, expr(col+suffix)+" AS "+quoteIdent(col+suffix))
			case ok:
				list = append(list, derive(col)+" AS "+quoteIdent(col+suffix))
			default:
				list = append(list, "NULL::VARCHAR AS "+quoteIdent(col+suffix))
			}
		}
	}
	flags(t.flagged, "_set", isSet)
	flags(t.disabled, "_disabled", func(col string) string {
		return fmt.Sprintf("CASE WHEN %s = '' OR left(%[1]s, 1) IN ('!', '*') THEN 't' WHEN %[1]s IS NOT NULL THEN 'f' END", expr(col))
	})
	return list, nil
}

func stageParquet(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec) error {
	reader := fmt.Sprintf("read_parquet(%s, file_row_number = true)", quoteString(f.path))
	have, err := columnsOf(ctx, c, "SELECT * EXCLUDE (file_row_number) FROM "+reader)
	if err != nil {
		return err
	}
	list, err := stageSelect(t, have, f.path, func(col string) string {
		typ := have[col]
		if strings.HasPrefix(typ, "STRUCT") || strings.HasPrefix(typ, "MAP") || strings.HasSuffix(typ, "]") {
			return "to_json(" + quoteIdent(col) + ")::VARCHAR"
		}
		return quoteIdent(col) + "::VARCHAR"
	}, func(col string) string {
		return fmt.Sprintf("CASE WHEN %s IS NULL THEN 'f' ELSE 't' END", quoteIdent(col))
	})
	if err != nil {
		return err
	}
	f.inPlace = true
	return c.Exec(ctx, fmt.Sprintf("CREATE TEMP VIEW stage_%s AS SELECT file_row_number + 1 AS line_no, %s FROM %s",
		t.name, strings.Join(list, ", "), reader))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
