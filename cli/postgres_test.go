package cli

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/freezeframe/freezeframe/internal/pgtest"
)

// TestInvestigateLiveDatabase: investigate reading the committed sample
// from Warehouse's own tables in PostgreSQL, with the sample's logs, freezes
// exactly the sample's compromised accounts, keeps its evidence beside the
// case, and writes neither the password nor a secret anywhere. Again, it
// wants --force, which replaces the evidence; a run that fails after the
// read removes the evidence with the case.
func TestInvestigateLiveDatabase(t *testing.T) {
	db := pgtest.NewDatabase(t)
	pgtest.LoadSample(t, db, "../samples/pypi-2024-03/snapshot")
	out := filepath.Join(t.TempDir(), "incident")
	evidence := filepath.Join(out, "case.snapshot")
	logs, _ := filepath.Glob("../samples/pypi-2024-03/logs/*")
	args := append([]string{"investigate", "--snapshot", db, "--out", out, "--logs"}, logs...)
	stdout, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("investigate: exit %d\n%s%s", code, stdout, errOut)
	}
	if !strings.Contains(stdout, "evidence\t"+evidence+"\n") {
		t.Errorf("the evidence directory is not printed:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(evidence, "manifest.json")); err != nil {
		t.Errorf("no manifest in the evidence directory: %v", err)
	}
	if evalOut, evalErr, code := runCLI(t, "eval", "--truth", "../samples/pypi-2024-03/truth.csv",
		"--freeze-list", filepath.Join(out, "freeze-list.csv"), "--min-precision", "1", "--min-recall", "1"); code != 0 {
		t.Errorf("eval of the live read's freeze list: exit %d\n%s%s", code, evalOut, evalErr)
	}
	needles := append([]string{pgtest.Password(t, db)}, pgtest.SecretMarkers...)
	written := []byte(stdout + errOut)
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".zst") {
			zr, _ := zstd.NewReader(bytes.NewReader(b))
			b, err = io.ReadAll(zr)
			zr.Close()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		written = append(written, b...)
		return nil
	})
	if !bytes.Contains(written, []byte("lee0")) {
		t.Fatal("the scan does not see the sample's first username: is it looking at the right files?")
	}
	for _, n := range needles {
		if bytes.Contains(written, []byte(n)) {
			t.Errorf("the output, the report, the case or the evidence holds %q", n)
		}
	}

	if _, errOut, code := runCLI(t, args...); code != exitUsage || !strings.Contains(errOut, "--force") {
		t.Errorf("investigate over an existing case: exit %d, %q; want a usage error naming --force", code, errOut)
	}
	if _, errOut, code := runCLI(t, append([]string{"investigate", "--force"}, args[1:]...)...); code != 0 {
		t.Fatalf("investigate --force: exit %d: %s", code, errOut)
	} else if !strings.Contains(errOut, "the evidence directory "+evidence) {
		t.Errorf("--force does not say it deleted the earlier evidence: %s", errOut)
	}

	// The report cannot be written where a file stands in for its public/
	// directory: the run fails after the live read, and removes its case
	// and its evidence.
	failed := filepath.Join(t.TempDir(), "failed")
	os.MkdirAll(failed, 0o755)
	os.WriteFile(filepath.Join(failed, "public"), nil, 0o644)
	_, errOut, code = runCLI(t, "investigate", "--snapshot", db, "--out", failed)
	if code != exitError || !strings.Contains(errOut, "(and its evidence directory "+filepath.Join(failed, "case.snapshot")+") was removed") {
		t.Errorf("failed investigate: exit %d, %s", code, errOut)
	}
	if entries, _ := os.ReadDir(failed); len(entries) != 1 {
		t.Errorf("a failed investigate left %v", entries)
	}
}

// TestSnapshotCommandLiveDatabase: ingest snapshot of a URL prints each
// table read from it without the password, keeps the evidence beside the
// case, and the live-source flags are refused with files.
func TestSnapshotCommandLiveDatabase(t *testing.T) {
	db := pgtest.NewDatabase(t)
	pgtest.AddEdgeRows(t, db)
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	out, errOut, code := runCLI(t, "--case", casePath, "ingest", "snapshot", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if row := fields(t, out, "users"); !strings.HasSuffix(row[1], "#public.users") || row[2] != "postgres" || row[3] != "5" || row[4] != "5" {
		t.Errorf("users row %q", row)
	}
	evidence := strings.TrimSuffix(casePath, ".duckdb") + ".snapshot"
	if !strings.Contains(errOut, "dir="+evidence) {
		t.Errorf("stderr does not name the evidence directory %s: %s", evidence, errOut)
	}
	if strings.Contains(out+errOut, pgtest.Password(t, db)) {
		t.Errorf("the output holds the password")
	}
	// The evidence again, into another case: the same rows.
	other := filepath.Join(t.TempDir(), "d.duckdb")
	if out, errOut, code := runCLI(t, "--case", other, "ingest", "snapshot", evidence); code != 0 || fields(t, out, "users")[4] != "5" {
		t.Errorf("ingest of the evidence: exit %d\n%s%s", code, out, errOut)
	}
	for _, flag := range []string{"--schema=archive", "--evidence=x"} {
		if _, errOut, code := runCLI(t, "--case", other, "ingest", "snapshot", flag, evidence); code != exitUsage || !strings.Contains(errOut, "postgres://") {
			t.Errorf("%s with a directory: exit %d, %s", flag, code, errOut)
		}
	}
	// A URL of another scheme is not taken for a file name, which the
	// error would repeat with the password.
	mistyped := strings.Replace(db, "postgres://", "postgre://", 1)
	for _, args := range [][]string{{"ingest", "snapshot", mistyped}, {"investigate", "--snapshot", mistyped, "--out", t.TempDir()}} {
		_, errOut, code := runCLI(t, append([]string{"--case", filepath.Join(t.TempDir(), "e.duckdb")}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, "postgres:// or postgresql:// URL") || strings.Contains(errOut, pgtest.Password(t, db)) {
			t.Errorf("%s of a mistyped URL: exit %d, %s", args[0], code, errOut)
		}
	}
}
