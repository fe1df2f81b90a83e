package ingest

import (
	"context"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"

	"github.com/freezeframe/freezeframe/casefile"
)

// Staging makes one table export readable as stage_<table>: text columns
// named as in tableSpec, rows in file order. DuckDB's own readers do the
// reading; CSV and Parquet stages are views over the file, JSON lines and
// pg_dump rows are copied into a temporary table.
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
	defer rows.Close()
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
// as whether they are set.
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
	for _, col := range t.flagged {
		if _, ok := have[col]; ok {
			list = append(list, isSet(col)+" AS "+quoteIdent(col+"_set"))
		} else {
			list = append(list, "NULL::VARCHAR AS "+quoteIdent(col+"_set"))
		}
	}
	return list, nil
}

func stageCSV(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec) (int64, error) {
	// psql's \copy ... CSV HEADER: comma, double quotes, NULL an unquoted
	// empty field and "" an empty string. The header is read here rather
	// than sniffed, so a malformed row cannot make the dialect unreadable.
	header, err := csvHeader(f.path)
	if err != nil {
		return 0, err
	}
	have := map[string]string{}
	var types []string
	for _, col := range header {
		have[col] = "VARCHAR"
		types = append(types, quoteString(col)+": 'VARCHAR'")
	}
	reader := fmt.Sprintf("read_csv(%s, header = true, auto_detect = false, columns = {%s}, delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false",
		quoteString(f.path), strings.Join(types, ", "))
	list, err := stageSelect(t, have, f.path, quoteIdent, func(col string) string {
		return fmt.Sprintf("CASE WHEN %s IS NULL OR %[1]s = '' THEN 'f' ELSE 't' END", quoteIdent(col))
	})
	if err != nil {
		return 0, err
	}
	// One pass records the lines the reader cannot split; the stage is a view
	// that skips them, read again by each statement that uses it, so a large
	// table is never copied into memory or spilled to disk.
	var rows int64
	if err := c.Conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s, store_rejects = true, rejects_table = 'ff_csv_errors', rejects_scan = 'ff_csv_scans')", reader)).Scan(&rows); err != nil {
		return 0, fmt.Errorf("case %s: %w", c.Path, err)
	}
	f.staged = map[string]int64{t.name: rows} // spares counting the view again
	if err := c.Exec(ctx, fmt.Sprintf("CREATE TEMP VIEW stage_%s AS SELECT %s FROM %s, ignore_errors = true)",
		t.name, strings.Join(list, ", "), reader)); err != nil {
		return 0, err
	}
	return csvRejects(ctx, c, f, t)
}

// csvHeader reads the column names from the first line of a CSV file.
func csvHeader(path string) ([]string, error) {
	in, err := openInput(path, nil)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	header, err := csv.NewReader(in.r).Read()
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	return header, nil
}

// csvRejects moves the lines DuckDB's CSV reader could not read into rejects.
func csvRejects(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec) (int64, error) {
	raw := "csv_line"
	if len(t.secrets)+len(t.flagged) > 0 {
		raw = quoteString(withheld)
	}
	before, err := queryCount(ctx, c, "SELECT count(*) FROM stage_rejects WHERE source_id = ?", f.id)
	if err != nil {
		return 0, err
	}
	err = c.Exec(ctx, fmt.Sprintf(`INSERT INTO stage_rejects
		SELECT %d, line, 'line ' || line || ': ' || string_agg(DISTINCT error_type || ' (' || error_message || ')', '; '),
		       any_value(%s), any_value(length(csv_line)), %s
		FROM ff_csv_errors GROUP BY line`, f.id, raw, quoteString(t.name)))
	if err != nil {
		return 0, err
	}
	c.Exec(ctx, "DROP TABLE IF EXISTS ff_csv_errors")
	c.Exec(ctx, "DROP TABLE IF EXISTS ff_csv_scans")
	after, err := queryCount(ctx, c, "SELECT count(*) FROM stage_rejects WHERE source_id = ?", f.id)
	return after - before, err
}

func stageParquet(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec) error {
	reader := fmt.Sprintf("read_parquet(%s)", quoteString(f.path))
	have, err := columnsOf(ctx, c, "SELECT * FROM "+reader)
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
	return c.Exec(ctx, fmt.Sprintf("CREATE TEMP VIEW stage_%s AS SELECT %s FROM %s",
		t.name, strings.Join(list, ", "), reader))
}

func stageJSONL(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec) (int64, error) {
	// Each line as one text value: 0x1f never appears raw in valid JSON.
	lines := fmt.Sprintf(`(SELECT row_number() OVER () AS row_no, line FROM read_csv(%s, columns = {'line': 'VARCHAR'}, header = false,
		delim = E'\x1f', quote = '', escape = '', auto_detect = false, store_rejects = true,
		rejects_table = 'ff_csv_errors', rejects_scan = 'ff_csv_scans'))`, quoteString(f.path))
	valid := "CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END"
	have := map[string]string{}
	rows, err := c.Conn.QueryContext(ctx, fmt.Sprintf("SELECT unnest(json_keys(line)) FROM (SELECT line FROM %s WHERE %s LIMIT 1)", lines, valid))
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		have[k] = "JSON"
	}
	rows.Close()
	c.Exec(ctx, "DROP TABLE IF EXISTS ff_csv_errors")
	c.Exec(ctx, "DROP TABLE IF EXISTS ff_csv_scans")
	list, err := stageSelect(t, have, f.path, func(col string) string {
		return "line ->> " + quoteString(col)
	}, func(col string) string {
		return fmt.Sprintf("CASE WHEN coalesce(json_type(line -> %s), 'NULL') = 'NULL' THEN 'f' ELSE 't' END", quoteString(col))
	})
	if err != nil {
		return 0, err
	}
	raw := "line"
	if len(t.secrets)+len(t.flagged) > 0 {
		raw = quoteString(withheld)
	}
	if err := c.Exec(ctx, fmt.Sprintf(`CREATE TEMP TABLE ff_jsonl AS SELECT * FROM %s`, lines)); err != nil {
		return 0, err
	}
	defer c.Exec(ctx, "DROP TABLE IF EXISTS ff_jsonl")
	if err := c.Exec(ctx, fmt.Sprintf(`INSERT INTO stage_rejects
		SELECT %d, row_no, CASE WHEN json_valid(line) THEN 'row is JSON but not an object' ELSE 'row is not valid JSON' END,
		       %s, length(line), %s
		FROM ff_jsonl WHERE NOT (%s)`, f.id, raw, quoteString(t.name), valid)); err != nil {
		return 0, err
	}
	if err := c.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE stage_%s AS SELECT %s FROM ff_jsonl WHERE %s ORDER BY row_no",
		t.name, strings.Join(list, ", "), valid)); err != nil {
		return 0, err
	}
	invalid, err := queryCount(ctx, c, fmt.Sprintf("SELECT count(*) FROM ff_jsonl WHERE NOT (%s)", valid))
	if err != nil {
		return 0, err
	}
	structural, err := csvRejects(ctx, c, f, t)
	return invalid + structural, err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
