package ingest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/freezeframe/freezeframe/casefile"
)

// CSV, JSON lines and pg_dump rows are read here, in Go, rather than by
// DuckDB's readers: each row keeps the number of the file line it starts on,
// a row that cannot be split is rejected alone and the rows after it are
// read, the file is hashed as it is read, and a secret is never copied out
// of the read buffer: a staged row holds the columns freezeframe reads and,
// for flagged secrets, only whether they are set.

// fieldSource is one row of an input, its fields numbered as the input's
// columns are.
type fieldSource interface {
	// value is field j's text, false when it is NULL.
	value(j int) (string, bool)
	// set says whether field j holds a value: neither NULL nor empty.
	set(j int) bool
	// disabled says whether field j is a disabled password hash: empty or
	// beginning with "!" or "*", as passlib's unix_disabled tells one; its
	// second result is false when the field is NULL.
	disabled(j int) (bool, bool)
}

// How a stage column is taken from its input field.
const (
	copied   = iota // the value
	isSet           // 't' or 'f': whether a secret is set
	disabled        // 't' or 'f': whether a password hash is disabled; NULL when NULL
)

// stager appends one table's rows to stage_<table> (line_no, then the
// table's stage columns) and collects the rows it rejects.
type stager struct {
	t       tableSpec
	f       *snapshotFile
	source  []int // input field of each stage column; -1 when the input lacks it
	how     []int // copied, isSet or disabled
	secret  bool  // the table holds secrets: rejects keep no raw text
	row     []driver.Value
	rows    int64
	rejects [][]any
}

// newStager maps the input's columns (as its header names them) onto t's
// stage columns; an input lacking a required column is an error.
func newStager(t tableSpec, f *snapshotFile, cols []string) (*stager, error) {
	have := map[string]string{}
	index := map[string]int{}
	for i, col := range cols {
		have[col] = "text"
		index[col] = i
	}
	if _, err := stageSelect(t, have, f.path, quoteIdent, quoteIdent); err != nil {
		return nil, err
	}
	staged := t.stageColumns()
	s := &stager{t: t, f: f, source: make([]int, len(staged)), how: make([]int, len(staged)),
		secret: len(t.secrets)+len(t.flagged) > 0, row: make([]driver.Value, len(staged)+1)}
	for i, col := range staged {
		// An input may carry a flag already derived (a live read or an
		// export asks the server whether a secret is set), under the stage
		// column's own name; otherwise it is derived from the secret.
		src := col
		if _, derived := index[col]; !derived {
			if name, ok := cutSuffix(col, "_set"); ok && t.isSecret(name) {
				src, s.how[i] = name, isSet
			}
			if name, ok := cutSuffix(col, "_disabled"); ok && t.isSecret(name) {
				src, s.how[i] = name, disabled
			}
		}
		if j, ok := index[src]; ok {
			s.source[i] = j
		} else {
			s.source[i] = -1
		}
	}
	return s, nil
}

// disabledHash says whether a password hash is disabled: empty, or
// beginning with "!" or "*" (passlib's unix_disabled, which Warehouse's
// disable_password writes).
func disabledHash(b []byte) bool { return len(b) == 0 || b[0] == '!' || b[0] == '*' }

func tf(b bool) string {
	if b {
		return "t"
	}
	return "f"
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// add appends one row that starts on file line lineNo.
func (s *stager) add(app *duckdb.Appender, lineNo int64, row fieldSource) error {
	s.row[0] = lineNo
	for i, j := range s.source {
		s.row[i+1] = nil
		switch {
		case j < 0:
		case s.how[i] == isSet:
			s.row[i+1] = tf(row.set(j))
		case s.how[i] == disabled:
			if d, ok := row.disabled(j); ok {
				s.row[i+1] = tf(d)
			}
		default:
			if v, ok := row.value(j); ok {
				s.row[i+1] = v
			}
		}
	}
	s.rows++
	return app.AppendRow(s.row...)
}

// reject records a row that could not be split into fields; raw is its first
// line, kept only for tables without secrets.
func (s *stager) reject(lineNo int64, reason string, raw []byte) {
	text := withheld
	if !s.secret {
		text = rawText(raw)
	}
	s.rejects = append(s.rejects, []any{s.f.id, lineNo, fmt.Sprintf("line %d: %s", lineNo, reason), text, int64(len(raw)), s.t.name})
}

// flush moves the rejected rows into stage_rejects and returns how many
// there were.
func (s *stager) flush(ctx context.Context, c *casefile.Case) (int64, error) {
	for _, rj := range s.rejects {
		if err := c.Exec(ctx, "INSERT INTO stage_rejects VALUES (?, ?, ?, ?, ?, ?)", rj...); err != nil {
			return 0, err
		}
	}
	n := int64(len(s.rejects))
	s.rejects = nil
	return n, nil
}

// withAppender runs fn with an appender on stage_<t>, created if need be.
func withAppender(ctx context.Context, c *casefile.Case, t tableSpec, fn func(*duckdb.Appender) error) error {
	if err := createStage(ctx, c, t); err != nil {
		return err
	}
	return c.Conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "stage_"+t.name)
		if err != nil {
			return err
		}
		if err := fn(app); err != nil {
			// It flushes what was appended to a stage the failure leaves
			// unused; the error to report is fn's.
			_ = app.Close()
			return err
		}
		return app.Close()
	})
}

// lineReader reads a file's lines with their terminators, numbering them
// from 1; lines given back with unread are read again first.
type lineReader struct {
	ctx     context.Context
	r       *bufio.Reader
	next    int64 // number of the next line read from r
	pending []numberedLine
	long    []byte
	n       int // lines handed out by line
}

type numberedLine struct {
	no   int64
	text []byte // owned copy
	err  error  // a line given back as the error it was read with
}

func newLineReader(ctx context.Context, r io.Reader) *lineReader {
	return &lineReader{ctx: ctx, r: bufio.NewReaderSize(r, 1<<20), next: 1}
}

// longLineError is returned for a line longer than maxLine, which has been
// read past: its number, first bytes and length.
type longLineError struct {
	no    int64
	start []byte
	size  int64
}

func (e *longLineError) Error() string {
	return fmt.Sprintf("line longer than %d MiB", maxLine>>20)
}

// read returns the next line and its number; the slice is valid until the
// next call. At the end it returns io.EOF.
func (lr *lineReader) read() (int64, []byte, error) {
	if len(lr.pending) > 0 {
		l := lr.pending[0]
		lr.pending = lr.pending[1:]
		return l.no, l.text, l.err
	}
	no := lr.next
	line, err := lr.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], line...)
		for err == bufio.ErrBufferFull && len(lr.long) <= maxLine {
			line, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, line...)
		}
		if len(lr.long) > maxLine {
			size := int64(len(lr.long))
			start := append([]byte(nil), lr.long[:rawKeepMax]...)
			lr.long = nil
			for err == bufio.ErrBufferFull {
				if err := lr.ctx.Err(); err != nil {
					return no, nil, err
				}
				line, err = lr.r.ReadSlice('\n')
				size += int64(len(line))
			}
			if err != nil && err != io.EOF {
				return no, nil, &readError{line: no, err: err}
			}
			lr.next++
			return no, nil, &longLineError{no: no, start: start, size: size}
		}
		line = lr.long
	}
	switch {
	case err == io.EOF && len(line) == 0:
		return no, nil, io.EOF
	case err != nil && err != io.EOF:
		return no, nil, &readError{line: no, err: err}
	}
	lr.next++
	return no, line, nil
}

// line returns the next line as read does, checking the context every
// 4096 lines; a line too long to keep is reported to bad and skipped.
func (lr *lineReader) line(bad func(no int64, problem string, raw []byte)) (int64, []byte, error) {
	for {
		if lr.n%4096 == 0 {
			if err := lr.ctx.Err(); err != nil {
				return 0, nil, err
			}
		}
		lr.n++
		no, line, err := lr.read()
		var long *longLineError
		if errors.As(err, &long) {
			bad(long.no, err.Error(), long.start)
			continue
		}
		return no, line, err
	}
}

// unread gives lines back to be read again, in order, before any other.
func (lr *lineReader) unread(lines []numberedLine) {
	lr.pending = append(append([]numberedLine{}, lines...), lr.pending...)
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}
