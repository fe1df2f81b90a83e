package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/freezeframe/freezeframe/casefile"
)

// A table export as psql's \copy ... CSV HEADER writes it: comma-separated,
// fields quoted with " where needed and "" for a quote inside them, NULL an
// unquoted empty field and "" an empty string, line breaks allowed inside
// quotes.
//
// A row that cannot be split is rejected with the line it starts on, and
// reading goes on at the next line: a stray quote that opens a field never
// closed would otherwise swallow the rows after it. A quoted field may span
// at most maxCSVSpan lines.

// maxCSVSpan is how many lines one CSV row may span.
const maxCSVSpan = 64

// csvField is one field of a CSV row as it stands in the file.
type csvField struct {
	text    []byte
	quoted  bool
	doubled bool // holds "" to undo
}

// csvRow is a split CSV row; it implements fieldSource.
type csvRow []csvField

func (r csvRow) value(j int) (string, bool) {
	f := r[j]
	if !f.quoted && len(f.text) == 0 {
		return "", false
	}
	b := f.text
	if f.doubled {
		b = bytes.ReplaceAll(b, []byte(`""`), []byte(`"`))
	}
	return string(escapeIfNeeded(b)), true
}

func (r csvRow) set(j int) bool { return len(r[j].text) > 0 }

func (r csvRow) disabled(j int) (bool, bool) {
	f := r[j]
	if !f.quoted && len(f.text) == 0 {
		return false, false
	}
	return disabledHash(f.text), true
}

// splitCSV splits rec, one or more lines with their line breaks, into
// fields. more is true when rec ends inside a quoted field; otherwise a
// non-empty problem says why rec is not a row.
func splitCSV(rec []byte, fields csvRow) (csvRow, bool, string) {
	fields = fields[:0]
	body := trimEOL(rec)
	i := 0
	for {
		if i < len(body) && body[i] == '"' {
			j := i + 1
			doubled := false
			for {
				k := bytes.IndexByte(rec[j:], '"')
				if k < 0 {
					return fields, true, ""
				}
				j += k
				if j+1 < len(rec) && rec[j+1] == '"' {
					doubled = true
					j += 2
					continue
				}
				break
			}
			fields = append(fields, csvField{text: rec[i+1 : j], quoted: true, doubled: doubled})
			i = j + 1
			if i == len(body) {
				return fields, false, ""
			}
			if body[i] != ',' {
				return fields, false, fmt.Sprintf("a quote closes field %d but %q follows it, not a comma (a quote inside a quoted field must be doubled)", len(fields), body[i])
			}
			i++
			continue
		}
		end := bytes.IndexByte(body[i:], ',')
		if end < 0 {
			end = len(body) - i
		}
		text := body[i : i+end]
		if bytes.IndexByte(text, '"') >= 0 {
			return fields, false, fmt.Sprintf("field %d is not quoted but holds a quote", len(fields)+1)
		}
		fields = append(fields, csvField{text: text})
		i += end
		if i == len(body) {
			return fields, false, ""
		}
		i++ // the comma
	}
}

// csvRecords reads the rows of a CSV file in order. It calls row for each
// row that splits into want fields (want < 0: any number, for the header)
// and bad for each line that starts no such row; it stops when row returns
// false.
func csvRecords(ctx context.Context, lr *lineReader, want int, row func(lineNo int64, fields csvRow) (bool, error), bad func(lineNo int64, problem string, raw []byte)) error {
	var fields csvRow
	var held []numberedLine // the lines of a row that spans several
	var rec []byte
	for {
		no, line, err := lr.line(bad)
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
		if len(trimEOL(line)) == 0 && want != 1 {
			bad(no, "blank line", nil)
			continue
		}
		rec, held = line, held[:0]
		var more bool
		var problem string
		for {
			fields, more, problem = splitCSV(rec, fields)
			if !more {
				break
			}
			if len(held) == 0 {
				// The next read reuses the reader's buffer: keep a copy.
				held = append(held, numberedLine{no: no, text: append([]byte(nil), line...)})
				line = held[0].text
			}
			if len(held) == maxCSVSpan {
				problem = fmt.Sprintf("a quoted field opened on this line is not closed within %d lines", maxCSVSpan)
				break
			}
			nno, next, err := lr.read()
			if err == io.EOF {
				problem = "a quoted field opened on this line is not closed before the end of the file"
				break
			}
			var long *longLineError
			if errors.As(err, &long) {
				// A line too long to keep ends the row here; it is read
				// again on its own as the rejected line it is.
				problem = "a quoted field opened on this line is not closed"
				lr.unread([]numberedLine{{no: nno, err: err}})
				break
			}
			if err != nil {
				return err
			}
			held = append(held, numberedLine{no: nno, text: append([]byte(nil), next...)})
			rec = bytes.Join(lineTexts(held), nil)
		}
		if problem == "" && want >= 0 && len(fields) != want {
			problem = fmt.Sprintf("%d fields where the header names %d", len(fields), want)
		}
		if problem != "" {
			bad(no, problem, trimEOL(line))
			if len(held) > 1 {
				lr.unread(held[1:]) // the row ends at its first line; the rest are read again
			}
			continue
		}
		if ok, err := row(no, fields); err != nil || !ok {
			return err
		}
	}
}

func lineTexts(lines []numberedLine) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out
}

// readCSVHeader splits the first row of a CSV file into column names.
func readCSVHeader(ctx context.Context, lr *lineReader) ([]string, error) {
	var header []string
	var problem string
	err := csvRecords(ctx, lr, -1, func(_ int64, fields csvRow) (bool, error) {
		if problem != "" {
			return false, nil // the header is the first line or nothing
		}
		for j := range fields {
			v, _ := fields.value(j)
			header = append(header, v)
		}
		return false, nil
	}, func(lineNo int64, p string, _ []byte) {
		if problem == "" {
			problem = fmt.Sprintf("line %d: %s", lineNo, p)
		}
	})
	switch {
	case err != nil:
		return nil, err
	case problem != "":
		return nil, fmt.Errorf("reading the CSV header: %s", problem)
	case header == nil:
		return nil, fmt.Errorf("the file has no CSV header line")
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	return header, nil
}

// csvHeader reads the column names from the first line of a CSV file.
func csvHeader(path string) ([]string, error) {
	in, err := openInput(path, nil)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return readCSVHeader(context.Background(), newLineReader(context.Background(), in.r))
}

// csvScan is what one read of a CSV export found, before it is staged.
type csvScan struct {
	header []string
	rows   int64 // rows that split into the header's fields
	// clean: every line is one row that splits, in valid UTF-8 without NUL,
	// and no two rows share an id, so DuckDB's reader can read the file in
	// place and a row's line is its number plus one (the header).
	clean bool
}

// scanCSV reads a CSV export once, hashing it into f.sha256 and f.size, and
// says whether it is clean (see checkLines). Ids are compared by a 64-bit
// hash: a collision only sends the file down the slower route, where ids
// are compared whole.
func scanCSV(ctx context.Context, f *snapshotFile) (*csvScan, error) {
	in, err := openInput(f.path, nil)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	lr := newLineReader(ctx, in.r)
	header, err := readCSVHeader(ctx, lr)
	if err != nil {
		return nil, err
	}
	sc := &csvScan{header: header}
	// A header on one line leaves the rows to read from line 2 on.
	if lr.next == 2 && len(lr.pending) == 0 {
		if sc.clean, sc.rows, err = checkLines(ctx, lr.r, len(header), slices.Index(header, "id")); err != nil {
			return nil, err
		}
	}
	if f.sha256, f.size, err = in.finish(ctx); err != nil {
		return nil, err
	}
	return sc, nil
}

// stageCSV stages a CSV table export and returns how many of its rows were
// rejected as malformed. A clean file (see csvScan) is a view over DuckDB's
// reader, strict, so a row it read otherwise than the scan fails the
// snapshot; any other is read again in Go and copied into a temporary table
// of its non-secret columns.
func stageCSV(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec) (int64, error) {
	sc := f.scan
	if sc.clean {
		var types []string
		have := map[string]string{}
		for _, col := range sc.header {
			have[col] = "VARCHAR"
			types = append(types, quoteString(col)+": 'VARCHAR'")
		}
		reader := fmt.Sprintf("read_csv(%s, header = true, auto_detect = false, columns = {%s}, delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false)",
			quoteString(f.path), strings.Join(types, ", "))
		list, err := stageSelect(t, have, f.path, quoteIdent, func(col string) string {
			return fmt.Sprintf("CASE WHEN %s IS NULL OR %[1]s = '' THEN 'f' ELSE 't' END", quoteIdent(col))
		})
		if err != nil {
			return 0, err
		}
		f.staged = map[string]int64{t.name: sc.rows}
		f.inPlace = true
		return 0, c.Exec(ctx, fmt.Sprintf("CREATE TEMP VIEW stage_%s AS SELECT NULL::BIGINT AS line_no, %s FROM %s",
			t.name, strings.Join(list, ", "), reader))
	}
	in, err := openInput(f.path, nil)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	lr := newLineReader(ctx, in.r)
	if _, err := readCSVHeader(ctx, lr); err != nil {
		return 0, err
	}
	s, err := newStager(t, f, sc.header)
	if err != nil {
		return 0, err
	}
	err = withAppender(ctx, c, t, func(app *duckdb.Appender) error {
		return csvRecords(ctx, lr, len(sc.header), func(lineNo int64, fields csvRow) (bool, error) {
			return true, s.add(app, lineNo, fields)
		}, s.reject)
	})
	if err != nil {
		return 0, err
	}
	if err := checkUnchanged(ctx, in, f); err != nil {
		return 0, err
	}
	f.staged = map[string]int64{t.name: s.rows}
	return s.flush(ctx, c)
}

// checkUnchanged finishes reading in and fails if the file is not the one
// hashed before staging began: it changed while it was read.
func checkUnchanged(ctx context.Context, in *input, f *snapshotFile) error {
	sum, size, err := in.finish(ctx)
	if err != nil {
		return err
	}
	return sameFile(f, sum, size)
}
