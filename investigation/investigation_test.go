package investigation

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/freezeframe/freezeframe/analyze"
)

const sampleDir = "../samples/pypi-2024-03"

// TestInvestigateTheSample runs the whole investigation on the committed
// sample: the run says what was ingested, the analysis' result and the
// report's files; a second investigation into the same case is refused
// unless forced, and forced gives the same results.
func TestInvestigateTheSample(t *testing.T) {
	t.Parallel()
	logs, _ := filepath.Glob(filepath.Join(sampleDir, "logs", "*"))
	if len(logs) == 0 {
		t.Fatal("no sample logs")
	}
	out := filepath.Join(t.TempDir(), "incident")
	opts := Options{Logs: logs, Snapshot: filepath.Join(sampleDir, "snapshot"), Out: out, Case: filepath.Join(out, "case.duckdb"), ToolVersion: "test"}
	run, err := Investigate(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Logs) != len(logs) || run.Logs[0].Path != logs[0] || run.Logs[0].Rejected != 0 {
		t.Errorf("logs ingested: %+v", run.Logs)
	}
	if run.Snapshot == nil || len(run.Snapshot.Tables) == 0 {
		t.Errorf("snapshot ingested: %+v", run.Snapshot)
	}
	a := run.Analysis
	if a == nil || a.Verdict.Verdict != analyze.VerdictAttack || a.ToFreeze != 12 || a.Exposed != 7 || run.Stops.Logins != 7 {
		t.Fatalf("analysis %+v, stops %+v: want an attack, 12 to freeze, 7 exposed and 7 stops", a, run.Stops)
	}
	if want := filepath.Join(out, "freeze-list.csv"); !slices.Contains(run.Written, want) {
		t.Errorf("written %v: no %s", run.Written, want)
	}

	var ue UsageError
	if _, err := Investigate(t.Context(), opts); !errors.As(err, &ue) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second investigation into the case: %v, want a usage error", err)
	}
	opts.Force = true
	again, err := Investigate(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Analysis.ResultsSHA256 != a.ResultsSHA256 {
		t.Errorf("forced again: results %s, first %s", again.Analysis.ResultsSHA256, a.ResultsSHA256)
	}
}

// TestAFailedInvestigationRemovesItsCase: a log that does not parse stops
// the investigation, and the case it began is gone, so that the same
// investigation runs again without Force.
func TestAFailedInvestigationRemovesItsCase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.log")
	if err := os.WriteFile(bad, []byte("not a log line\nnor this\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "incident", "case.duckdb")
	_, err := Investigate(t.Context(), Options{Logs: []string{bad}, Out: filepath.Join(dir, "incident"), Case: path, ToolVersion: "test"})
	if err == nil || !strings.Contains(err.Error(), "the case begun at "+path+" was removed") {
		t.Fatalf("investigation of a bad log: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the case is still there: %v", err)
	}
}

func TestMemoryHintNamesTheFlag(t *testing.T) {
	// What the driver returns when a query outgrows the memory limit.
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(t.Context(), "SET memory_limit = '1MB'"); err != nil {
		t.Fatal(err)
	}
	var n int64
	err = db.QueryRowContext(t.Context(), "SELECT count(DISTINCT i::VARCHAR || 'x') FROM range(3000000) t(i)").Scan(&n)
	if err == nil {
		t.Fatal("the query fitted in 1MB")
	}
	oom := fmt.Errorf("analysis step profiles (analyze/40_profiles.sql), statement 1: %w", err)
	if got := memoryHint(oom); !errors.Is(got, oom) || !strings.Contains(got.Error(), "--memory-limit 4GB") {
		t.Errorf("out of memory: %v", got)
	}
	for _, other := range []error{
		fmt.Errorf("analysis step attempts: %w", &duckdb.Error{Type: duckdb.ErrorTypeBinder, Msg: "Binder Error: no such column"}),
		// the words alone, not DuckDB's error
		errors.New("reading notes.txt: Out of Memory Error"),
	} {
		if got := memoryHint(other); got != other {
			t.Errorf("another error was changed: %v", got)
		}
	}
}
