package ingest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
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

var copyHeader = regexp.MustCompile(`^COPY\s+(?:"?[\w$]+"?\.)?"?([\w$]+)"?\s*\(([^)]*)\)\s+FROM\s+stdin;\s*$`)

// stagePgDump stages the tables of a pg_dump and returns, per table, the
// rows rejected as malformed.
func stagePgDump(ctx context.Context, c *casefile.Case, f *snapshotFile, log *slog.Logger) (map[string]int64, error) {
	in, err := openInput(f.path, nil)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	rejected := map[string]int64{}
	seen := map[string]bool{}
	r := bufio.NewReaderSize(in.r, 1<<20)
	lineNo := int64(0)
	for {
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
			continue
		}
		name := string(m[1])
		t, ok := specByName(name)
		if !ok || seen[name] {
			if lineNo, err = skipCopy(r, lineNo); err != nil {
				return nil, err
			}
			continue
		}
		seen[name] = true
		var cols []string
		for _, col := range strings.Split(string(m[2]), ",") {
			cols = append(cols, strings.Trim(strings.TrimSpace(col), `"`))
		}
		n, end, err := stageCopy(ctx, c, f, t, cols, r, lineNo)
		if err != nil {
			return nil, fmt.Errorf("COPY %s at line %d: %w", name, lineNo, err)
		}
		rejected[name], lineNo = n, end
	}
	for _, t := range snapshotTables {
		if !seen[t.name] && t.needed {
			return nil, fmt.Errorf("the dump has no COPY block for the %s table, which freezeframe needs", t.name)
		}
	}
	f.tables = nil
	for _, t := range snapshotTables {
		if seen[t.name] {
			f.tables = append(f.tables, t)
		} else {
			log.Warn("the dump has no rows for this table", "table", t.name)
		}
	}
	return rejected, nil
}

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

// stageCopy stages one COPY block's rows through an appender and returns the
// rows rejected and the line number of the block's end.
func stageCopy(ctx context.Context, c *casefile.Case, f *snapshotFile, t tableSpec, cols []string, r *bufio.Reader, lineNo int64) (int64, int64, error) {
	have := map[string]string{}
	index := map[string]int{}
	for i, col := range cols {
		have[col] = "text"
		index[col] = i
	}
	if _, err := stageSelect(t, have, f.path, quoteIdent, quoteIdent); err != nil {
		return 0, lineNo, err
	}
	if err := createStage(ctx, c, t); err != nil {
		return 0, lineNo, err
	}
	// Where each staged column comes from: a COPY field (-1: absent), and
	// whether only "is it set" is kept of it.
	staged := t.stageColumns()
	source := make([]int, len(staged))
	flag := make([]bool, len(staged))
	for i, col := range staged {
		src := col
		if name, ok := strings.CutSuffix(col, "_set"); ok && t.isSecret(name) {
			src, flag[i] = name, true
		}
		if j, ok := index[src]; ok {
			source[i] = j
		} else {
			source[i] = -1
		}
	}
	secret := len(t.secrets)+len(t.flagged) > 0
	var rejected int64
	var rejects [][]any
	err := c.Conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "stage_"+t.name)
		if err != nil {
			return err
		}
		defer app.Close()
		row := make([]driver.Value, len(staged))
		for {
			line, err := readLine(r)
			if err != nil {
				return fmt.Errorf("COPY block not closed by \\. before the end of the dump")
			}
			lineNo++
			if string(line) == `\.` {
				return nil
			}
			fields := bytes.Split(line, []byte{'\t'})
			if len(fields) != len(cols) {
				raw := withheld
				if !secret {
					raw = rawText(line)
				}
				rejects = append(rejects, []any{f.id, lineNo, fmt.Sprintf("line %d: %d fields where the COPY header names %d columns", lineNo, len(fields), len(cols)), raw, int64(len(line)), t.name})
				rejected++
				continue
			}
			for i, j := range source {
				switch {
				case j < 0:
					row[i] = nil
				case flag[i] && (string(fields[j]) == `\N` || len(fields[j]) == 0):
					row[i] = "f"
				case flag[i]:
					row[i] = "t"
				case string(fields[j]) == `\N`:
					row[i] = nil
				default:
					row[i] = copyUnescape(fields[j])
				}
			}
			if err := app.AppendRow(row...); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return 0, lineNo, err
	}
	for _, rj := range rejects {
		if err := c.Exec(ctx, "INSERT INTO stage_rejects VALUES (?, ?, ?, ?, ?, ?)", rj...); err != nil {
			return 0, lineNo, err
		}
	}
	return rejected, lineNo, nil
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
			out = append(out, byte(v))
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
