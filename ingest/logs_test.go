package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
)

// combinedLines returns n realistic combined-log lines: logins from rotating
// clients, package pages and API calls, one second apart from 2024-03-30 20:00 UTC.
func combinedLines(n int) []string {
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
		"pip/24.0 {\\\"ci\\\":null,\\\"python\\\":\\\"3.11.8\\\"}",
		"python-requests/2.31.0",
	}
	paths := []string{"GET /simple/requests/", "POST /account/login/", "GET /project/django/?tab=history", "GET /static/js/warehouse.js"}
	start := time.Date(2024, 3, 30, 20, 0, 0, 0, time.UTC)
	lines := make([]string, n)
	for i := range lines {
		t := start.Add(time.Duration(i) * time.Second)
		lines[i] = fmt.Sprintf(`203.0.%d.%d - - [%s] "%s HTTP/1.1" %d %d "https://pypi.org/" "%s"`,
			i/250%256, i%250+1, t.Format("02/Jan/2006:15:04:05 -0700"), paths[i%len(paths)],
			[]int{200, 303, 404}[i%3], 100+i, agents[i%len(agents)])
	}
	return lines
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o444); err != nil {
		t.Fatal(err)
	}
	return p
}

func openCase(t testing.TB) *casefile.Case {
	t.Helper()
	c, err := casefile.Open(context.Background(), filepath.Join(t.TempDir(), "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func queryInt(t *testing.T, c *casefile.Case, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := c.Conn.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checkCounts asserts the loss-free invariant three ways: in the result, in
// the sources row, and against the rows actually in the case.
func checkCounts(t *testing.T, c *casefile.Case, res *LogResult, lines, rejected int64) {
	t.Helper()
	if res.LinesRead != lines || res.Rejected != rejected || res.Parsed != lines-rejected {
		t.Errorf("result: read %d parsed %d rejected %d; want read %d rejected %d", res.LinesRead, res.Parsed, res.Rejected, lines, rejected)
	}
	id := res.SourceID
	if got := queryInt(t, c, "SELECT count(*) FROM requests WHERE source_id = ?", id); got != lines-rejected {
		t.Errorf("requests rows = %d, want %d", got, lines-rejected)
	}
	if got := queryInt(t, c, "SELECT count(*) FROM rejects WHERE source_id = ?", id); got != rejected {
		t.Errorf("rejects rows = %d, want %d", got, rejected)
	}
	if got := queryInt(t, c, "SELECT lines_read FROM sources WHERE id = ? AND rows_parsed + rows_rejected = lines_read", id); got != lines {
		t.Errorf("sources.lines_read = %d, want %d", got, lines)
	}
	// Every line number 1..lines appears exactly once across both tables.
	if got := queryInt(t, c, `SELECT count(DISTINCT line_no) FROM (
		SELECT line_no FROM requests WHERE source_id = $1 UNION ALL SELECT line_no FROM rejects WHERE source_id = $1)
		WHERE line_no BETWEEN 1 AND $2`, id, lines); got != lines {
		t.Errorf("distinct line numbers = %d, want %d", got, lines)
	}
}

func TestLogsEveryLineLandsSomewhere(t *testing.T) {
	lines := combinedLines(40)
	bad := map[int]string{ // 1-based line -> expected reason fragment
		5:  "time",            // unparseable timestamp
		9:  "blank line",      // empty
		13: "is not",          // not a log line at all
		21: "status",          // status not a number
		30: "unexpected text", // trailing garbage
	}
	lines[4] = strings.Replace(lines[4], "[30/Mar/2024:20:00:04 +0000]", "[30/Mar/2024:25:61:04 +0000]", 1)
	lines[8] = ""
	lines[12] = "Traceback (most recent call last):"
	lines[20] = strings.Replace(lines[20], `" 404 `, `" 4x4 `, 1)
	lines[29] += " extra-field"
	// Lines that must parse: CRLF, invalid UTF-8 and a NUL in the user agent.
	lines[2] += "\r"
	lines[6] = strings.Replace(lines[6], `"https://pypi.org/"`, "\"https://pypi.org/\xff\xfe\"", 1)
	lines[7] = strings.Replace(lines[7], `"https://pypi.org/"`, "\"https://py\x00pi.org/\"", 1)
	data := []byte(strings.Join(lines, "\n")) // no final newline: the last line still counts

	c := openCase(t)
	path := writeFile(t, "access.log", data)
	res, err := Logs(context.Background(), c, path, LogOptions{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "combined" {
		t.Errorf("detected %q, want combined", res.Format)
	}
	checkCounts(t, c, res, 40, int64(len(bad)))
	if n := queryInt(t, c, "SELECT count(*) FROM sources WHERE tool_version = 'test' AND format = 'combined' AND kind = 'log'"); n != 1 {
		t.Errorf("sources row for the file not found with its format and tool version")
	}
	for line, frag := range bad {
		var reason string
		if err := c.Conn.QueryRowContext(context.Background(),
			"SELECT reason FROM rejects WHERE source_id = ? AND line_no = ?", res.SourceID, line).Scan(&reason); err != nil {
			t.Errorf("line %d not in rejects: %v", line, err)
			continue
		}
		if !strings.Contains(reason, frag) {
			t.Errorf("line %d rejected for %q, want a reason mentioning %q", line, reason, frag)
		}
	}
	var ref, proto string
	c.Conn.QueryRowContext(context.Background(), "SELECT referrer FROM requests WHERE line_no = 7").Scan(&ref)
	if ref != `https://pypi.org/\xff\xfe` {
		t.Errorf("invalid UTF-8 referrer stored as %q, want the bytes escaped as \\xNN", ref)
	}
	c.Conn.QueryRowContext(context.Background(), "SELECT referrer FROM requests WHERE line_no = 8").Scan(&ref)
	if ref != `https://py\x00pi.org/` {
		t.Errorf("NUL in referrer stored as %q, want it escaped as \\x00", ref)
	}
	c.Conn.QueryRowContext(context.Background(), "SELECT protocol FROM requests WHERE line_no = 3").Scan(&proto)
	if proto != "HTTP/1.1" {
		t.Errorf("CRLF line: protocol = %q, want HTTP/1.1 without the CR", proto)
	}
	sum := sha256.Sum256(data)
	if res.SHA256 != hex.EncodeToString(sum[:]) || res.Size != int64(len(data)) {
		t.Errorf("sha256/size = %s/%d, want %x/%d", res.SHA256, res.Size, sum, len(data))
	}
	var when time.Time
	c.Conn.QueryRowContext(context.Background(), "SELECT time FROM requests WHERE line_no = 2").Scan(&when)
	if want := time.Date(2024, 3, 30, 20, 0, 1, 0, time.UTC); !when.Equal(want) {
		t.Errorf("line 2 time = %v, want %v", when, want)
	}
}

// TestLogsCutLineIsKeptAndMarked: a copy of a 10,000-line Apache log taken
// while Apache wrote its last line ends inside that line's user agent. The
// line is a request with the user agent as far as it goes, marked truncated
// in extra; every other line has no mark.
func TestLogsCutLineIsKeptAndMarked(t *testing.T) {
	lines := combinedLines(10000)
	full := lines[9999]
	lines[9999] = full[:len(full)-30]
	c := openCase(t)
	res, err := Logs(context.Background(), c, writeFile(t, "access.log", []byte(strings.Join(lines, "\n"))), LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, c, res, 10000, 0)
	var ua, mark string
	var n int64
	if err := c.Conn.QueryRowContext(context.Background(), `SELECT user_agent, extra->>'truncated',
		(SELECT count(*) FROM requests WHERE extra->>'truncated' IS NOT NULL) FROM requests WHERE line_no = 10000`).Scan(&ua, &mark, &n); err != nil {
		t.Fatal(err)
	}
	quote := strings.LastIndexByte(full[:len(full)-1], '"')
	if want := full[quote+1 : len(full)-30]; ua != want || mark != "user_agent" || n != 1 {
		t.Errorf("cut line: user_agent %q, truncated %q, %d lines marked; want %q, user_agent, 1", ua, mark, n, want)
	}
}

func TestLogsAcrossBlocksAndRounds(t *testing.T) {
	// Small blocks and rounds: lines split across reads, many INSERT rounds.
	defer func(b, r int) { blockSize, roundBlocks = b, r }(blockSize, roundBlocks)
	blockSize, roundBlocks = 4096, 3
	lines := combinedLines(5000)
	lines[4321] = "garbage"
	c := openCase(t)
	path := writeFile(t, "access.log", []byte(strings.Join(lines, "\n")+"\n"))
	res, err := Logs(context.Background(), c, path, LogOptions{Format: "combined"})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, c, res, 5000, 1)
	if got := queryInt(t, c, "SELECT line_no FROM rejects"); got != 4322 {
		t.Errorf("rejected line_no = %d, want 4322", got)
	}
	// Rows carry their own line: line N's client is derived from N.
	if got := queryInt(t, c, `SELECT count(*) FROM requests
		WHERE client <> '203.0.' || ((line_no-1)//250 % 256) || '.' || ((line_no-1) % 250 + 1)`); got != 0 {
		t.Errorf("%d rows have another line's client", got)
	}
}

func TestLogsCompressedMatchesPlain(t *testing.T) {
	data := []byte(strings.Join(combinedLines(3000), "\n") + "\n")
	gzData, zsData := gz(data), zst(data)

	c := openCase(t)
	ids := map[string]int32{}
	for _, f := range []struct {
		name, compression string
		data              []byte
	}{
		{"a.log", "none", data}, {"a.log.gz", "gzip", gzData}, {"a.log.zst", "zstd", zsData},
		{"renamed.txt", "gzip", gzData}, // content decides, not the name
	} {
		res, err := Logs(context.Background(), c, writeFile(t, f.name, f.data), LogOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if f.name == "renamed.txt" {
			if !res.Skipped {
				t.Errorf("same bytes as a.log.gz under another name: not skipped")
			}
			continue
		}
		if res.Compression != f.compression {
			t.Errorf("%s: compression %q, want %q", f.name, res.Compression, f.compression)
		}
		checkCounts(t, c, res, 3000, 0)
		ids[f.name] = res.SourceID
	}
	for _, name := range []string{"a.log.gz", "a.log.zst"} {
		diff := queryInt(t, c, `SELECT count(*) FROM (
			(SELECT * EXCLUDE (source_id, extra) FROM requests WHERE source_id = $1
			 EXCEPT ALL SELECT * EXCLUDE (source_id, extra) FROM requests WHERE source_id = $2)
			UNION ALL
			(SELECT * EXCLUDE (source_id, extra) FROM requests WHERE source_id = $2
			 EXCEPT ALL SELECT * EXCLUDE (source_id, extra) FROM requests WHERE source_id = $1))`, ids["a.log"], ids[name])
		if diff != 0 {
			t.Errorf("%s: %d rows differ from the plain file's", name, diff)
		}
	}
}

func TestLogsTruncatedCompressionLeavesNothing(t *testing.T) {
	data := []byte(strings.Join(combinedLines(20000), "\n") + "\n")
	gzData, zsData := gz(data), zst(data)
	c := openCase(t)
	for name, b := range map[string][]byte{"cut.log.gz": gzData[:len(gzData)/2], "cut.log.zst": zsData[:len(zsData)/2]} {
		_, err := Logs(context.Background(), c, writeFile(t, name, b), LogOptions{})
		if err == nil {
			t.Fatalf("%s: truncated stream ingested without error", name)
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "line") {
			t.Errorf("%s: error %q should name the file and the line reached", name, err)
		}
	}
	if n := queryInt(t, c, "SELECT (SELECT count(*) FROM requests) + (SELECT count(*) FROM rejects) + (SELECT count(*) FROM sources)"); n != 0 {
		t.Errorf("case holds %d rows after failed ingests, want 0", n)
	}
}

func TestLogsReingestIsSkippedAndForceReplaces(t *testing.T) {
	c := openCase(t)
	path := writeFile(t, "access.log", []byte(strings.Join(combinedLines(500), "\n")+"\nnot a log line\n"))
	first, err := Logs(context.Background(), c, path, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Logs(context.Background(), c, path, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Skipped || again.SourceID != first.SourceID {
		t.Errorf("re-ingest: skipped=%v source=%d, want skipped source %d", again.Skipped, again.SourceID, first.SourceID)
	}
	forced, err := Logs(context.Background(), c, path, LogOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if forced.Replaced != first.SourceID || forced.SourceID == first.SourceID {
		t.Errorf("--force: replaced %d as source %d, want %d replaced by a new id", forced.Replaced, forced.SourceID, first.SourceID)
	}
	checkCounts(t, c, forced, 501, 1)
	if n := queryInt(t, c, "SELECT count(*) FROM requests"); n != 500 {
		t.Errorf("requests after --force = %d, want 500 (old rows replaced, not doubled)", n)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM sources"); n != 1 {
		t.Errorf("sources after --force = %d, want 1", n)
	}
}

func TestLogsBadInputs(t *testing.T) {
	c := openCase(t)
	dir := t.TempDir()
	long := strings.Replace(combinedLines(1)[0], "/simple/requests/", "/search/?q="+strings.Repeat("a", 1<<20), 1)
	cases := []struct {
		name    string
		path    string
		opts    LogOptions
		wantErr string // "" means success
		lines   int64
		rejects int64
	}{
		{name: "missing file", path: filepath.Join(dir, "nope.log"), wantErr: "no such file"},
		{name: "directory", path: dir, wantErr: "is a directory"},
		{name: "empty file", path: writeFile(t, "empty.log", nil), lines: 0},
		{name: "csv is not a log", path: writeFile(t, "users.csv", []byte("id,username\n1,alice\n2,bob\n")), wantErr: "cannot tell the log format"},
		{name: "binary garbage", path: writeFile(t, "x.bin", bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, '\n', 0xff}, 300)), wantErr: "cannot tell the log format"},
		{name: "all lines fail the given format", path: writeFile(t, "x.json", []byte("{\"a\":1}\n{\"b\":2}\n")), opts: LogOptions{Format: "combined"}, wantErr: "none of its 2 lines parsed"},
		{name: "blank lines, then lines that fail the given format", path: writeFile(t, "y.json", []byte("\n\n{\"a\":1}\n")), opts: LogOptions{Format: "combined"},
			wantErr: "none of its 3 lines parsed as combined; the first was rejected because: line 3: "},
		{name: "1 MiB line", path: writeFile(t, "long.log", []byte(long+"\n"+combinedLines(2)[1]+"\n")), lines: 2},
		{name: "only blank lines then log", path: writeFile(t, "blank.log", []byte("\n\n"+combinedLines(1)[0]+"\n")), lines: 3, rejects: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Logs(context.Background(), c, tc.path, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, c, res, tc.lines, tc.rejects)
		})
	}
}

func TestLogsOverlongLineRejectedNotBuffered(t *testing.T) {
	defer func(b, m int) { blockSize, maxLine = b, m }(blockSize, maxLine)
	blockSize, maxLine = 1024, 8192
	lines := combinedLines(10)
	lines[3] = strings.Repeat("x", 50000)
	c := openCase(t)
	res, err := Logs(context.Background(), c, writeFile(t, "a.log", []byte(strings.Join(lines, "\n")+"\n")), LogOptions{Format: "combined"})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, c, res, 10, 1)
	var raw, reason string
	var rawBytes int64
	c.Conn.QueryRowContext(context.Background(), "SELECT raw, raw_bytes, reason FROM rejects WHERE line_no = 4").Scan(&raw, &rawBytes, &reason)
	if len(raw) > rawKeepMax || rawBytes != 50000 || !strings.HasPrefix(reason, "line longer than") {
		t.Errorf("overlong line kept %d bytes (max %d), raw_bytes %d (want 50000), reason %q (want line longer than …)", len(raw), rawKeepMax, rawBytes, reason)
	}
}

// TestLogsDetectionLooksPastUnparsedLines: lines that need no format (too
// long to keep, blank) at the start of a file are each a 1-line reject, as
// anywhere else, and the format is detected from the lines after them.
func TestLogsDetectionLooksPastUnparsedLines(t *testing.T) {
	defer func(b, m, r int) { blockSize, maxLine, roundBlocks = b, m, r }(blockSize, maxLine, roundBlocks)
	// maxLine no smaller than the 1 MiB skipLongLine reads at a time, whose
	// remainder is read as lines of at most that size.
	blockSize, maxLine, roundBlocks = 64<<10, 1<<20, 2
	good := strings.Join(combinedLines(20), "\n") + "\n"
	overlong := strings.Repeat("x", maxLine+1) + "\n" // just over the limit
	for _, tc := range []struct {
		name    string
		data    string
		rejects []int64 // their line numbers
	}{
		{"first line over the limit", overlong + good, []int64{1}},
		{"more overlong lines than a round takes", overlong + overlong + "\n" + overlong + good, []int64{1, 2, 3, 4}},
		{"blank lines filling the first blocks", strings.Repeat("\n", 2*blockSize) + good, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rejects == nil {
				for i := range 2 * blockSize {
					tc.rejects = append(tc.rejects, int64(i+1))
				}
			}
			c := openCase(t)
			res, err := Logs(context.Background(), c, writeFile(t, "a.log", []byte(tc.data)), LogOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != "combined" {
				t.Errorf("detected %q, want combined", res.Format)
			}
			n := int64(len(tc.rejects))
			checkCounts(t, c, res, n+20, n)
			var got []int64
			rows, err := c.Conn.QueryContext(context.Background(), "SELECT line_no FROM rejects ORDER BY line_no")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var l int64
				rows.Scan(&l)
				got = append(got, l)
			}
			if !slices.Equal(got, tc.rejects) {
				head := func(l []int64) []int64 { return l[:min(len(l), 8)] }
				t.Errorf("rejected %d lines %v…, want %d lines %v…", len(got), head(got), len(tc.rejects), head(tc.rejects))
			}
			if long := queryInt(t, c, "SELECT count(*) FROM rejects WHERE reason LIKE 'line longer than%' AND raw_bytes = ?", maxLine+1); long != int64(strings.Count(tc.data, overlong)) {
				t.Errorf("%d overlong lines rejected as such with their length, want %d", long, strings.Count(tc.data, overlong))
			}
		})
	}
}

// TestLogsNothingToParse: a log of blank lines, or of a line too long to
// keep, is ingested as an empty log is, with each line a reject, whether the
// format is detected or given.
func TestLogsNothingToParse(t *testing.T) {
	defer func(b, m int) { blockSize, maxLine = b, m }(blockSize, maxLine)
	blockSize, maxLine = 64<<10, 1<<20
	for _, tc := range []struct {
		name, data, format, wantFormat string
		lines                          int64
	}{
		{"blank lines", "\n \n\t\r\n", "", "empty", 3},
		{"blank lines, no final newline", "\n\n  ", "", "empty", 3},
		{"blank lines, format given", "\n \n\t\r\n", "combined", "combined", 3},
		{"an overlong line", strings.Repeat("x", maxLine+1), "", "empty", 1},
		{"blank and overlong lines", "\n" + strings.Repeat("x", maxLine+1) + "\n\n", "", "empty", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := openCase(t)
			res, err := Logs(context.Background(), c, writeFile(t, "a.log", []byte(tc.data)), LogOptions{Format: tc.format})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tc.wantFormat {
				t.Errorf("format %q, want %q", res.Format, tc.wantFormat)
			}
			checkCounts(t, c, res, tc.lines, tc.lines)
			if n := queryInt(t, c, "SELECT count(*) FROM sources WHERE format = ?", tc.wantFormat); n != 1 {
				t.Errorf("%d sources rows with format %s, want 1", n, tc.wantFormat)
			}
		})
	}
}

func TestLogsInterruptedLeavesNothing(t *testing.T) {
	defer func(b, r int) { blockSize, roundBlocks = b, r }(blockSize, roundBlocks)
	blockSize, roundBlocks = 8192, 2 // many statements, so cancellation lands mid-file
	c := openCase(t)
	path := writeFile(t, "a.log", []byte(strings.Join(combinedLines(60000), "\n")+"\n"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := Logs(ctx, c, path, LogOptions{})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err == nil {
		t.Skip("ingest finished before it could be interrupted")
	}
	if n := queryInt(t, c, "SELECT (SELECT count(*) FROM requests) + (SELECT count(*) FROM sources)"); n != 0 {
		t.Fatalf("case holds %d rows of an interrupted ingest", n)
	}
	res, err := Logs(context.Background(), c, path, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, c, res, 60000, 0)
}

// fifo makes a named pipe that, once a reader opens it, is written data: then
// data again and again until the reader goes if again is set, else nothing
// more while it is held open, so that the reader's next read blocks.
func fifo(t *testing.T, data []byte, again bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pipe.log")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		w, err := os.OpenFile(path, os.O_WRONLY, 0) // waits for a reader
		if err != nil {
			return
		}
		defer w.Close()
		for {
			if _, err := w.Write(data); err != nil || !again {
				break
			}
		}
		<-stop
	}()
	t.Cleanup(func() {
		close(stop)
		// Let the writer's open return if no reader ever came.
		if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
		<-done
	})
	return path
}

// TestLogsCancelStopsEveryStage cancels ingests that would never end by
// themselves, each waiting in another stage, and wants context.Canceled
// within a second and nothing of the file in the case.
func TestLogsCancelStopsEveryStage(t *testing.T) {
	defer func(b, m int) { blockSize, maxLine = b, m }(blockSize, maxLine)
	blockSize, maxLine = 64<<10, 1<<20
	line := []byte(combinedLines(1)[0] + "\n")
	lines := []byte(strings.Join(combinedLines(2000), "\n") + "\n") // several blocks
	for _, tc := range []struct {
		name string
		path func(t *testing.T) string
	}{
		// No newline ever: the reader skips an endless overlong line.
		{"endless line", func(*testing.T) string { return "/dev/zero" }},
		// The first block never fills: detection waits for it.
		{"pipe that stalls within the first block", func(t *testing.T) string { return fifo(t, line, false) }},
		// An INSERT waits for the next block while the read blocks.
		{"pipe that stalls after some blocks", func(t *testing.T) string { return fifo(t, lines, false) }},
		// Parsing and INSERTs run on for ever.
		{"pipe that never ends", func(t *testing.T) string { return fifo(t, lines, true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := openCase(t)
			path := tc.path(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := Logs(ctx, c, path, LogOptions{})
				done <- err
			}()
			time.Sleep(200 * time.Millisecond)
			cancel()
			cancelled := time.Now()
			select {
			case err := <-done:
				if took := time.Since(cancelled); took > time.Second {
					t.Errorf("returned %v after the cancellation, want within a second", took)
				}
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error = %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still running 5 s after the cancellation")
			}
			if n := queryInt(t, c, "SELECT (SELECT count(*) FROM sources) + (SELECT count(*) FROM requests) + (SELECT count(*) FROM rejects)"); n != 0 {
				t.Errorf("case holds %d rows of the cancelled ingest, want 0", n)
			}
		})
	}
}

// cancelAt is a parser that cancels a context as it parses its nth line.
type cancelAt struct {
	Parser
	n      int
	cancel func()
}

func (c *cancelAt) Parse(line []byte, rec *Record, a *Arena) error {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return c.Parser.Parse(line, rec, a)
}

// TestParseBlockStopsWhenCancelled: a block may hold 64 MiB of lines, which
// take seconds to parse as JSON, so parsing stops at the next line once the
// context is done.
func TestParseBlockStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := []byte(strings.Join(combinedLines(1000), "\n") + "\n")
	pb, err := parseBlock(ctx, &rawBatch{firstLine: 1, data: data}, &cancelAt{Parser: ptFormat(t, "combined"), n: 10, cancel: cancel})
	if !errors.Is(err, context.Canceled) || len(pb.recs)+len(pb.rejects) != 10 {
		t.Errorf("parseBlock cancelled at line 10 of 1000: %d lines parsed or rejected, error %v; want 10 and context.Canceled",
			len(pb.recs)+len(pb.rejects), err)
	}
}

func TestUnchangedNoticesAGrowingFile(t *testing.T) {
	path := writeFile(t, "live.log", []byte(combinedLines(1)[0]+"\n"))
	before, err := statInput(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := unchanged(path, before, before.Size(), "", "x"); err != nil {
		t.Fatalf("untouched file reported changed: %v", err)
	}
	if err := unchanged(path, before, before.Size(), "abc", "def"); err == nil {
		t.Error("a hash that differs from the one taken before reading went unnoticed")
	}
	os.Chmod(path, 0o644)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(combinedLines(2)[1] + "\n")
	f.Close()
	if err := unchanged(path, before, before.Size(), "", "x"); err == nil || !strings.Contains(err.Error(), "changed while") {
		t.Errorf("appended file: %v, want a 'changed while it was being ingested' error", err)
	}
}

// TestLogsWriteEveryColumn checks each column of requests as the Arrow
// batches deliver it: its value, its NULL, and extra as JSON.
func TestLogsWriteEveryColumn(t *testing.T) {
	format := `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" "%{Accept-Language}i" "%{Content-Type}i" %D "%{X-Forwarded-For}i"`
	path := writeFile(t, "access.log", []byte(
		`203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/?next=/manage/ HTTP/1.1" 303 512 "https://pypi.org/" "pip/24.0" "en-US" "application/x-www-form-urlencoded" 1500 "198.51.100.7"`+"\n"+
			`::ffff:10.0.0.1 - - [30/Mar/2024:20:00:02 +0000] "GET / HTTP/1.1" 200 - "-" "-" "-" "-" - "-"`+"\n"+
			`0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef - - [30/Mar/2024:20:00:03 +0000] "GET /simple/ HTTP/2.0" 404 0 "-" "curl/8.5" "-" "-" 0 "-"`+"\n"))
	c := openCase(t)
	res, err := Logs(context.Background(), c, path, LogOptions{Format: format, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := c.Conn.QueryContext(context.Background(), `SELECT concat_ws('|', source_id = $1, line_no, time,
		coalesce(client, 'NULL'), client_hashed, coalesce(method, 'NULL'), coalesce(path, 'NULL'),
		coalesce(query, 'NULL'), coalesce(protocol, 'NULL'), coalesce(status::VARCHAR, 'NULL'),
		coalesce(bytes::VARCHAR, 'NULL'), coalesce(referrer, 'NULL'), coalesce(user_agent, 'NULL'),
		coalesce(accept_language, 'NULL'), coalesce(content_type, 'NULL'), coalesce(duration::VARCHAR, 'NULL'),
		coalesce(extra->>'x-forwarded-for', 'NULL'), typeof(extra))
		FROM requests ORDER BY line_no`, res.SourceID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := []string{
		"true|1|2024-03-30 20:00:01+00|203.0.113.9|false|POST|/account/login/|next=/manage/|HTTP/1.1|303|512|https://pypi.org/|pip/24.0|en-US|application/x-www-form-urlencoded|0.0015|198.51.100.7|JSON",
		"true|2|2024-03-30 20:00:02+00|10.0.0.1|false|GET|/|NULL|HTTP/1.1|200|NULL|NULL|NULL|NULL|NULL|NULL|NULL|JSON",
		"true|3|2024-03-30 20:00:03+00|0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef|true|GET|/simple/|NULL|HTTP/2.0|404|0|NULL|curl/8.5|NULL|NULL|0.0|NULL|JSON",
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLogsRoundsEndedByRejects: a round ends once its rejects hold
// roundRejectBytes, before its blocks run out, including blocks read ahead
// to detect the format, and the next round takes up where it stopped.
func TestLogsRoundsEndedByRejects(t *testing.T) {
	defer func(b, r, rb int) { blockSize, roundBlocks, roundRejectBytes = b, r, rb }(blockSize, roundBlocks, roundRejectBytes)
	blockSize, roundBlocks, roundRejectBytes = 4096, 1000, 1024
	// 10,000 blank lines fill the first blocks, read ahead to find a line
	// to detect the format from; one in ten of the lines after is garbage.
	lines := make([]string, 10000, 10500)
	for i, l := range combinedLines(500) {
		if i%10 == 0 {
			l = "garbage"
		}
		lines = append(lines, l)
	}
	c := openCase(t)
	path := writeFile(t, "access.log", []byte(strings.Join(lines, "\n")+"\n"))
	res, err := Logs(context.Background(), c, path, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, c, res, 10500, 10050)
	if res.Format != "combined" {
		t.Errorf("format %q, want combined", res.Format)
	}
}

// TestLogsDetectAfterManyBlankLines: detection samples the lines with text,
// however many blank lines come first in the block.
func TestLogsDetectAfterManyBlankLines(t *testing.T) {
	lines := append(make([]string, 300), combinedLines(20)...)
	c := openCase(t)
	path := writeFile(t, "access.log", []byte(strings.Join(lines, "\n")+"\n"))
	res, err := Logs(context.Background(), c, path, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, c, res, 320, 300)
	if res.Format != "combined" {
		t.Errorf("format %q, want combined", res.Format)
	}
}
