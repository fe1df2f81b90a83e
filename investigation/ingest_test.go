package investigation

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/casefile"
)

// sourceIDs lists the case's sources as "id kind path", in id order.
func sourceIDs(t *testing.T, path string) []string {
	t.Helper()
	c, err := casefile.Open(t.Context(), path, casefile.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rows, err := c.Conn.QueryContext(t.Context(), "SELECT id || ' ' || kind || ' ' || path FROM sources ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	return got
}

// TestLogsAndSnapshotIngestTogether: the logs and the snapshot are
// ingested at once, and the case and the log say what ingesting one after
// the other would: the logs' source ids first, their records first. A log
// given twice is ingested once and takes one id, and the snapshot's ids
// still follow.
func TestLogsAndSnapshotIngestTogether(t *testing.T) {
	t.Parallel()
	logs, _ := filepath.Glob(filepath.Join(sampleDir, "logs", "*"))
	snapshot := filepath.Join(sampleDir, "snapshot")
	for _, tc := range []struct {
		name string
		logs []string
	}{{"one log each", logs}, {"a log given twice", append(logs, logs[0])}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			dir := t.TempDir()
			path := filepath.Join(dir, "case.duckdb")
			run, err := Investigate(t.Context(), Options{Logs: tc.logs, Snapshot: snapshot, IngestOnly: true, Case: path, ToolVersion: "test",
				Logger: slog.New(slog.NewTextHandler(&out, nil))})
			if err != nil {
				t.Fatal(err)
			}
			ids := sourceIDs(t, path)
			if len(ids) != 1+len(run.Snapshot.Tables) || ids[0] != "1 log "+logs[0] || !strings.HasPrefix(ids[1], "2 snapshot ") {
				t.Errorf("sources %q: want the log as 1, then the snapshot's files", ids)
			}
			text := out.String()
			if l, s := strings.LastIndex(text, "log ingested"), strings.Index(text, "snapshot ingested"); l < 0 || s < l {
				t.Errorf("the log's records are not all before the snapshot's:\n%s", text)
			}
		})
	}
}

// TestEitherIngestFailingStopsTheOther: a log that does not parse fails
// the investigation with its error and nothing of the snapshot is said; a
// snapshot that fails while it is read fails it with its own error.
func TestEitherIngestFailingStopsTheOther(t *testing.T) {
	t.Parallel()
	logs, _ := filepath.Glob(filepath.Join(sampleDir, "logs", "*"))
	dir := t.TempDir()
	badLog := filepath.Join(dir, "bad.log")
	if err := os.WriteFile(badLog, []byte("not a log line\nnor this\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badDump := filepath.Join(dir, "twice.sql")
	dump := "COPY public.users (id, username) FROM stdin;\n\\.\nCOPY public.users (id, username) FROM stdin;\n\\.\n"
	if err := os.WriteFile(badDump, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		logs          []string
		snapshot      string
		want, notWant string
	}{
		{"the log fails", []string{badLog}, filepath.Join(sampleDir, "snapshot"), "bad.log", "snapshot ingested"},
		{"the snapshot fails", logs, badDump, "twice.sql", "log ingested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			path := filepath.Join(t.TempDir(), "case.duckdb")
			_, err := Investigate(t.Context(), Options{Logs: tc.logs, Snapshot: tc.snapshot, IngestOnly: true, Case: path, ToolVersion: "test",
				Logger: slog.New(slog.NewTextHandler(&out, nil))})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "context canceled") {
				t.Fatalf("error %v: want the one of %s", err, tc.want)
			}
			if strings.Contains(out.String(), tc.notWant) {
				t.Errorf("the log says %q:\n%s", tc.notWant, out.String())
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the case is still there: %v", err)
			}
		})
	}
}
