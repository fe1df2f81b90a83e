package report

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// listSep joins the items of a list in one CSV cell, never a line break.
// An item that holds listSep or a double quote (a user agent's
// "Windows NT 10.0; Win64", a fingerprint's "en;q=0.9") is quoted as CSV
// quotes a field (listItem), so that a CSV reader whose delimiter is listSep
// splits the cell back into its items.
const listSep = ";"

// listItem quotes an item of a list cell that holds listSep or a double
// quote: in double quotes, each of its own doubled.
func listItem(s string) string {
	if !strings.ContainsAny(s, listSep+`"`) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// fileTime is how every time in the report's CSV and JSON files is written:
// RFC 3339 in UTC to the whole second, truncated, as 2024-03-30T07:49:20Z.
// The access logs have whole seconds; the snapshot's fractions stay in the
// case. The report queries rewrite the times that the analysis wrote into
// prose (reasons, messages) in the same form.
func fileTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// neutralise guards a text cell against spreadsheet formula injection
// (OWASP, "CSV Injection"): a cell that begins with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, so a spreadsheet shows it as
// text instead of evaluating it. eval.ParseFreezeList removes it again.
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvCell renders a value scanned from DuckDB as a CSV cell. Text is
// neutralised, and so is each item of a list, which a spreadsheet's "text to
// columns" may put in a cell of its own; numbers are not, as they come from
// the case's own columns, not from the inputs, and a spreadsheet reads -3 as
// a number.
// Lists are joined with listSep (listItem), times are fileTime, NULL is empty.
func csvCell(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return neutralise(x), nil
	case []any:
		items := make([]string, len(x))
		for i, it := range x {
			s, err := plain(it)
			if err != nil {
				return "", err
			}
			items[i] = listItem(neutralise(s))
		}
		return strings.Join(items, listSep), nil
	}
	return plain(v)
}

// plain renders a scalar as text, without neutralising it.
func plain(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case int8:
		return strconv.FormatInt(int64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case *big.Int:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case time.Time:
		return fileTime(x), nil
	}
	return "", fmt.Errorf("no text form for a %T value", v)
}

// scanner reads the rows of a query as values of any type.
type scanner struct {
	rows *sql.Rows
	cols []string
	vals []any
	ptrs []any
}

func newScanner(rows *sql.Rows) (*scanner, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	s := &scanner{rows: rows, cols: cols, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s, nil
}

// next scans the next row into s.vals; false at the end or on an error,
// which s.rows.Err then reports.
func (s *scanner) next() (bool, error) {
	if !s.rows.Next() {
		return false, s.rows.Err()
	}
	return true, s.rows.Scan(s.ptrs...)
}

// csv writes the rows of the report query name as CSV, its column names as
// the header.
func (w *writer) csv(rel, name string, args ...any) {
	w.rows(rel, name, args, func(out io.Writer, s *scanner) error {
		cw := csv.NewWriter(out)
		if err := cw.Write(s.cols); err != nil {
			return err
		}
		rec := make([]string, len(s.cols))
		for {
			ok, err := s.next()
			if err != nil {
				return err
			}
			if !ok {
				cw.Flush()
				return cw.Error()
			}
			for i, v := range s.vals {
				if rec[i], err = csvCell(v); err != nil {
					return fmt.Errorf("column %s: %w", s.cols[i], err)
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	})
}

// usernames writes freeze-list.txt: the username of each account to freeze,
// one a line, in the order of freeze_list.sql. An account whose username a
// tool reading one username a line would take for another account or for
// none (oneALine) fails the file, and so the report, with the user ids of
// every such account: freezing by username would miss it, or freeze
// another. freeze-list.csv quotes any username and gives the user id.
func (w *writer) usernames() {
	w.rows("freeze-list.txt", "freeze_list.sql", nil, func(out io.Writer, s *scanner) error {
		name, id := slices.Index(s.cols, "username"), slices.Index(s.cols, "user_id")
		if name < 0 || id < 0 {
			return fmt.Errorf("no username or user_id column in %q", s.cols)
		}
		var bad []string
		n := 0
		for {
			ok, err := s.next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			n++
			u, _ := s.vals[name].(string) // "" for NULL: no users row
			if !oneALine(u) {
				bad = append(bad, fmt.Sprint(s.vals[id]))
			} else if len(bad) == 0 {
				if _, err := io.WriteString(out, u+"\n"); err != nil {
					return err
				}
			}
		}
		if len(bad) == 0 {
			return nil
		}
		ids := strings.Join(bad[:min(len(bad), 10)], ", ")
		if len(bad) > 10 {
			ids += fmt.Sprintf(" and %d more", len(bad)-10)
		}
		return fmt.Errorf("%d of the %d accounts to freeze have no username that one line can hold (user ids %s): "+
			"it is missing (no users row in the snapshot) or has a line break, another control character, white space at "+
			"either end, or a leading # or ', so that the admin tooling would freeze another account or none; "+
			"no report was written: use --freeze-format csv, which gives each account's user id and quotes its username",
			len(bad), n, ids)
	})
}

// oneALine says whether a username stands as one line of freeze-list.txt
// and is read back as itself by a tool that reads one username a line,
// trimming white space and skipping comments as eval does: it is not
// empty, has no control character (line breaks, tab, NUL, NEL) or Unicode
// line or paragraph separator, no white space at either end, and does not
// begin with # (a comment) or ' (which eval takes for a spreadsheet's).
func oneALine(name string) bool {
	if name == "" || strings.TrimSpace(name) != name || name[0] == '#' || name[0] == '\'' {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	})
}

// jsonl writes each row of the report query name as one JSON object, keys
// in the query's column order, NULL columns left out, times as fileTime.
func (w *writer) jsonl(rel, name string, args ...any) {
	w.rows(rel, name, args, func(out io.Writer, s *scanner) error {
		keys := make([][]byte, len(s.cols))
		for i, c := range s.cols {
			keys[i], _ = json.Marshal(c)
		}
		var line []byte
		for {
			ok, err := s.next()
			if !ok || err != nil {
				return err
			}
			line = append(line[:0], '{')
			for i, v := range s.vals {
				if v == nil {
					continue
				}
				if t, ok := v.(time.Time); ok {
					v = fileTime(t)
				}
				b, err := json.Marshal(v)
				if err != nil {
					return fmt.Errorf("column %s: %w", s.cols[i], err)
				}
				if len(line) > 1 {
					line = append(line, ',')
				}
				line = append(append(append(line, keys[i]...), ':'), b...)
			}
			if _, err := out.Write(append(line, '}', '\n')); err != nil {
				return err
			}
		}
	})
}

// rows runs the report query name and lets fill write its rows to rel.
func (w *writer) rows(rel, name string, args []any, fill func(io.Writer, *scanner) error) {
	if w.err != nil {
		return
	}
	q, err := query(name)
	if err != nil {
		w.err = err
		return
	}
	rows, err := w.c.Conn.QueryContext(w.ctx, q, args...)
	if err != nil {
		w.err = fmt.Errorf("case %s: %s: %w", w.c.Path, name, err)
		return
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	s, err := newScanner(rows)
	if err != nil {
		w.err = fmt.Errorf("case %s: %s: %w", w.c.Path, name, err)
		return
	}
	w.file(rel, func(out io.Writer) error {
		if err := fill(out, s); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
}
