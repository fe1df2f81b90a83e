package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryWithoutWriteReachesNoFile: without --write, no statement writes
// a file (COPY ... TO, EXPORT, ATTACH, a COPY after another statement) nor
// turns the guard off, each says why; --write allows it.
func TestQueryWithoutWriteReachesNoFile(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	if _, errOut, code := runCLI(t, "--case", casePath, "ingest", "logs", writeTemp(t, "access.log", logLines(10, 0))); code != 0 {
		t.Fatalf("ingest: %s", errOut)
	}
	dir := t.TempDir()
	for _, tc := range []struct{ sql, want string }{
		{"COPY (SELECT 1) TO '" + filepath.Join(dir, "x.csv") + "'", "without --write"},
		{"COPY requests TO '" + filepath.Join(dir, "requests.parquet") + "' (FORMAT parquet)", "without --write"},
		{"EXPORT DATABASE '" + filepath.Join(dir, "export") + "'", "without --write"},
		{"ATTACH '" + filepath.Join(dir, "new.duckdb") + "' AS n", "without --write"},
		{"SELECT 1; COPY (SELECT 2) TO '" + filepath.Join(dir, "y.csv") + "'", "without --write"},
		{"SET enable_external_access = true", "Cannot enable external access"},
	} {
		_, errOut, code := runCLI(t, "--case", casePath, "query", tc.sql)
		if code != exitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("query %q: exit %d, %q; want exit 1 saying %q", tc.sql, code, errOut, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("queries without --write wrote %v", entries)
	}

	x := filepath.Join(dir, "x.csv")
	if _, errOut, code := runCLI(t, "--case", casePath, "query", "--write", "COPY (SELECT 1 AS one) TO '"+x+"'"); code != 0 {
		t.Fatalf("COPY with --write: exit %d: %s", code, errOut)
	}
	if b, err := os.ReadFile(x); err != nil || string(b) != "one\n1\n" {
		t.Errorf("COPY with --write wrote %q, %v", b, err)
	}
}
