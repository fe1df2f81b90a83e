package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/freezeframe/freezeframe/casefile"
)

// A plain-format pg_dump holds each table's rows in a COPY block:
//
//	COPY public.users (id, username, password, ...) FROM stdin;
//	<tab-separated rows in COPY text format>
//	\.
//
// stagePgDump streams the file once, stages the rows of the tables
// freezeframe reads and skips everything else, so the dump is never held in
// memory.

var copyHeader = regexp.MustCompile(`^COPY\s+(?:("?)([\w$]+)("?)\.)?"?([\w$]+)"?\s*\(([^)]*)\)\s+FROM\s+stdin;\s*$`)

// stagePgDump stages the tables of a pg_dump and returns, per table, the
// rows rejected as malformed. Warehouse's tables are in schema (public
// unless --schema): a COPY block of a table of the same name in another
// schema (an archive, an audit copy) is skipped and logged; an unqualified
// one is taken as the schema's. A table with two COPY blocks (dumps
// concatenated) is an error: which one is the snapshot cannot be told.
func stagePgDump(ctx context.Context, c *casefile.Case, f *snapshotFile, schema string, log *slog.Logger) (map[string]int64, error) {
	in, err := openInput(f.path, nil)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	rejected := map[string]int64{}
	seen := map[string]int64{} // the line of each table's COPY block
	inserts := false           // whether rows come as INSERT statements
	f.staged = map[string]int64{}
	r := bufio.NewReaderSize(in.r, 1<<20)
	lineNo := int64(0)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		line, err := readLine(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &readError{line: lineNo + 1, err: err}
		}
		lineNo++
		m := copyHeader.FindSubmatch(line)
		if m == nil {
			inserts = inserts || bytes.HasPrefix(line, []byte("INSERT INTO "))
			continue
		}
		in, name := string(m[2]), string(m[4])
		if len(m[1]) == 0 {
			in = strings.ToLower(in) // unquoted names fold to lower case
		}
		t, ok := specByName(name)
		if ok && in != "" && in != schema {
			log.Info("COPY block of another schema's table skipped; freezeframe reads Warehouse's tables in schema "+schema+" (--schema)",
				"file", f.path, "line", lineNo, "table", in+"."+name)
			ok = false
		}
		if !ok {
			if lineNo, err = skipCopy(r, lineNo); err != nil {
				return nil, err
			}
			continue
		}
		if first, ok := seen[name]; ok {
			return nil, fmt.Errorf("the dump holds the %s.%s table twice, in the COPY blocks at lines %d and %d (dumps put one after the other?); a snapshot is one dump of one database: give one", schema, name, first, lineNo)
		}
		seen[name] = lineNo
		var cols []string
		for _, col := range strings.Split(string(m[5]), ",") {
			cols = append(cols, strings.Trim(strings.TrimSpace(col), `"`))
		}
		n, end, err := stageCopy(ctx, c, f, t, cols, r, lineNo)
		if err != nil {
			return nil, fmt.Errorf("COPY %s at line %d: %w", name, lineNo, err)
		}
		rejected[name] += n
		lineNo = end
	}
	for _, t := range snapshotTables {
		_, ok := seen[t.name]
		if !ok && t.needed && inserts {
			return nil, fmt.Errorf("the dump has no COPY block for the %s.%s table but has INSERT statements: it was written with --inserts, and freezeframe reads COPY blocks; dump again without --inserts, or restore it into a scratch database and read that (ingest snapshot postgres://...)", schema, t.name)
		}
		if !ok && t.needed {
			return nil, fmt.Errorf("the dump has no COPY block for the %s.%s table, which freezeframe needs (--schema names the schema of Warehouse's tables)", schema, t.name)
		}
	}
	if err := checkUnchanged(ctx, in, f); err != nil {
		return nil, err
	}
	f.tables = nil
	for _, t := range snapshotTables {
		if _, ok := seen[t.name]; ok {
			f.tables = append(f.tables, t)
		} else {
			log.Warn("the dump has no rows for this table", "table", t.name)
		}
	}
	return rejected, nil
}

// notPlainDump recognises, by their first bytes, the pg_dump outputs that
// are not plain SQL, and says how to turn each into one: a custom-format
// archive (-Fc, "PGDMP"), a tar archive (-Ft); and a plain dump written
// with --inserts or --column-inserts, which holds no COPY block. A file it
// cannot open is left for the reader to report.
func notPlainDump(path string) error {
	in, err := openInput(path, nil)
	if err != nil {
		return nil
	}
	defer in.Close()
	head := make([]byte, 1<<20)
	n, _ := io.ReadFull(in.r, head)
	head = head[:n]
	convert := fmt.Sprintf("turn it into a plain one with\n  pg_restore --data-only -f warehouse.sql %s\nand ingest warehouse.sql, or read the database itself (ingest snapshot postgres://...)", path)
	switch {
	case bytes.HasPrefix(head, []byte("PGDMP")):
		return fmt.Errorf("%s is a pg_dump custom-format archive (pg_dump -Fc), which freezeframe cannot read; %s", path, convert)
	case len(head) > 262 && string(head[257:262]) == "ustar":
		return fmt.Errorf("%s is a tar archive, perhaps a pg_dump tar-format dump (pg_dump -Ft), which freezeframe cannot read; %s", path, convert)
	case !copyLine.Match(head) && insertLine.Match(head):
		return fmt.Errorf("%s is a pg_dump written with --inserts: its rows are INSERT statements, and freezeframe reads COPY blocks; dump again without --inserts (pg_dump --data-only -t 'public.*' ... > warehouse.sql), or restore it into a scratch database and read that (ingest snapshot postgres://...)", path)
	}
	return nil
}

// copyLine and insertLine find, in the start of a dump, a COPY block and a
// row written as an INSERT statement.
var (
	copyLine   = regexp.MustCompile(`(?m)^COPY\s+\S+\s*\(`)
	insertLine = regexp.MustCompile(`(?m)^INSERT INTO\s+\S+`)
)

// readLine returns the next line without its terminator, however long.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	return bytes.TrimRight(line, "\r\n"), err
}

func skipCopy(r *bufio.Reader, lineNo int64) (int64, error) {
	for {
		line, err := readLine(r)
		if err != nil {
			return lineNo, fmt.Errorf("COPY block not closed by \\. before the end of the dump")
		}
		lineNo++
		if string(line) == `\.` {
			return lineNo, nil
		}
	}
}

// copyRow is one COPY text-format row split at tabs; it implements
// fieldSource.
type copyRow [][]byte

func (r copyRow) value(j int) (string, bool) {
	if string(r[j]) == `\N` {
		return "", false
	}
	return copyUnescape(r[j]), true
}

func (r copyRow) set(j int) bool { return string(r[j]) != `\N` && len(r[j]) > 0 }

func (r copyRow) disabled(j int) (bool, bool) {
	if string(r[j]) == `\N` {
		return false, false
	}
	return disabledHash(r[j]), true
}

// stageCopy stages one COPY block's rows through an appender and returns the
// rows rejected and the line number of the block's end.
func stageCopy(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec, cols []string, r *bufio.Reader, lineNo int64) (int64, int64, error) {
	s, err := newStager(t, f, cols)
	if err != nil {
		return 0, lineNo, err
	}
	err = withAppender(ctx, c, t, func(app *duckdb.Appender) error {
		for {
			if lineNo%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			line, err := readLine(r)
			if err != nil {
				return fmt.Errorf("COPY block not closed by \\. before the end of the dump")
			}
			lineNo++
			if string(line) == `\.` {
				return nil
			}
			fields := copyRow(bytes.Split(line, []byte{'\t'}))
			if len(fields) != len(cols) {
				s.reject(lineNo, fmt.Sprintf("%d fields where the COPY header names %d columns", len(fields), len(cols)), line)
				continue
			}
			if err := s.add(app, lineNo, fields); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return 0, lineNo, err
	}
	f.staged[t.name] += s.rows
	n, err := s.flush(ctx, c)
	return n, lineNo, err
}

// copyUnescape decodes a COPY text-format value: backslash escapes for
// tab, newline and friends, octal \NNN and hex \xHH bytes. Bytes that are not
// valid UTF-8 are kept as \xNN text.
func copyUnescape(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(escapeIfNeeded(b))
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(b) && isHex(b[i+1]) {
				i++
				v = v*16 + hexVal(b[i])
				n++
			}
			if n == 0 {
				out = append(out, 'x') // as PostgreSQL reads \x without hex digits
			} else {
				out = append(out, byte(v))
			}
		default:
			if '0' <= c && c <= '7' {
				v := int(c - '0')
				for n := 1; n < 3 && i+1 < len(b) && '0' <= b[i+1] && b[i+1] <= '7'; n++ {
					i++
					v = v*8 + int(b[i]-'0')
				}
				out = append(out, byte(v))
			} else {
				out = append(out, c)
			}
		}
	}
	return string(escapeIfNeeded(out))
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case c <= '9':
		return int(c - '0')
	case c >= 'a':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
