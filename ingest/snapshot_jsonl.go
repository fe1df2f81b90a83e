package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/freezeframe/freezeframe/casefile"
)

// A table export as JSON lines: one object a line, keyed by column. The
// columns are the keys of the first object; a later row lacking one has it
// NULL. A JSON value that is not a string is staged as its JSON text.

// jsonRow is one object's values, in the order of the file's columns; it
// implements fieldSource.
type jsonRow []json.RawMessage

func (r jsonRow) value(j int) (string, bool) {
	v := r[j]
	if v == nil || string(v) == "null" {
		return "", false
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return string(escapeIfNeeded([]byte(s))), true
		}
	}
	return string(escapeIfNeeded(v)), true
}

func (r jsonRow) disabled(j int) (bool, bool) {
	v := r[j]
	if v == nil || string(v) == "null" {
		return false, false
	}
	var h string
	if json.Unmarshal(v, &h) != nil {
		return false, true // not a string: not a hash passlib would write
	}
	return disabledHash([]byte(h)), true
}

func (r jsonRow) set(j int) bool {
	v := r[j]
	return v != nil && string(v) != "null" && string(v) != `""`
}

// stageJSONL stages a JSON lines table export, hashing the file as it is
// read, and returns how many of its rows were rejected as malformed.
func stageJSONL(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec) (int64, error) {
	in, err := openInput(f.path, nil)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	lr := newLineReader(ctx, in.r)
	var s *stager
	var index map[string]int
	var row jsonRow
	var obj map[string]json.RawMessage
	// Rows rejected before the first object names the columns wait for the
	// stager that records them.
	var early [][3]any
	bad := func(no int64, problem string, raw []byte) {
		if s == nil {
			early = append(early, [3]any{no, problem, append([]byte(nil), raw...)})
			return
		}
		s.reject(no, problem, raw)
	}
	err = withAppender(ctx, c, t, func(app *duckdb.Appender) error {
		for {
			no, line, err := lr.line(bad)
			switch {
			case err == io.EOF:
				return nil
			case err != nil:
				return err
			}
			line = trimEOL(line)
			if len(bytes.TrimSpace(line)) == 0 {
				bad(no, "blank line", nil)
				continue
			}
			clear(obj)
			if err := json.Unmarshal(line, &obj); err != nil || obj == nil {
				problem := "row is not valid JSON"
				if json.Valid(line) {
					problem = "row is JSON but not an object"
				}
				bad(no, problem, line)
				continue
			}
			if s == nil {
				cols := make([]string, 0, len(obj))
				for k := range obj {
					cols = append(cols, k)
				}
				sort.Strings(cols)
				if s, err = newStager(t, f, cols); err != nil {
					return err
				}
				index = map[string]int{}
				for i, col := range cols {
					index[col] = i
				}
				row = make(jsonRow, len(cols))
				for _, e := range early {
					s.reject(e[0].(int64), e[1].(string), e[2].([]byte))
				}
			}
			clear(row)
			for k, v := range obj {
				if j, ok := index[k]; ok {
					row[j] = v
				}
			}
			if err := s.add(app, no, row); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return 0, err
	}
	if err := checkUnchanged(ctx, in, f); err != nil {
		return 0, err
	}
	if s == nil {
		return 0, fmt.Errorf("no line of the file is a JSON object, so it names no columns")
	}
	f.staged = map[string]int64{t.name: s.rows}
	return s.flush(ctx, c)
}
