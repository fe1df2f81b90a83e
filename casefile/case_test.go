package casefile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenCreatesThenReopens(t *testing.T) {
	// The machine's zone must not show through: a case reads in UTC.
	t.Setenv("TZ", "America/New_York")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.duckdb")
	if _, err := Open(ctx, path, ReadOnly); !errors.Is(err, ErrNoCase) {
		t.Fatalf("read-only open of a missing case: %v, want ErrNoCase", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open created %s", path)
	}
	c, err := Open(ctx, path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	var tables int
	c.Conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('sources', 'requests', 'rejects', 'case_meta')").Scan(&tables)
	if tables != 4 {
		t.Errorf("new case has %d of the 4 core tables", tables)
	}
	// The tool never reaches the network for extensions, and shows UTC.
	for setting, want := range map[string]string{
		"autoinstall_known_extensions": "false", "autoload_known_extensions": "false", "TimeZone": "UTC",
	} {
		var got string
		c.Conn.QueryRowContext(ctx, "SELECT current_setting('"+setting+"')::VARCHAR").Scan(&got)
		if got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	// A second connection of the case's database, as investigate opens
	// to ingest logs and snapshot at once, shows UTC too.
	second, err := c.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var zone string
	if err := second.QueryRowContext(ctx, "SELECT current_setting('TimeZone')").Scan(&zone); err != nil || zone != "UTC" {
		t.Errorf("second connection's TimeZone = %q (%v), want UTC", zone, err)
	}
	second.Close()
	c.Close()

	ro, err := Open(ctx, path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Exec(ctx, "INSERT INTO case_meta VALUES ('x', 'y')"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("write to a read-only case: %v, want a read-only error", err)
	}
}

func TestOpenRefusesOtherDatabases(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, dir, ReadWrite); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory as case: %v", err)
	}
	other := filepath.Join(dir, "other.duckdb")
	c, err := Open(ctx, other, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	c.Exec(ctx, "DROP TABLE case_meta")
	c.Close()
	if _, err := Open(ctx, other, ReadWrite); err == nil || !strings.Contains(err.Error(), "not a freezeframe case") {
		t.Errorf("DuckDB file without case_meta: %v", err)
	}
}

// TestOpenSaysWhyItCannot: a case another process holds and a file that
// is not a database are told apart, though DuckDB gives both one error type.
func TestOpenSaysWhyItCannot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	held := filepath.Join(dir, "held.duckdb")
	if os.Getenv("FF_TEST_HOLD_CASE") != "" {
		_, err := Open(ctx, os.Getenv("FF_TEST_HOLD_CASE"), ReadWrite)
		fmt.Print(err)
		return
	}
	c, err := Open(ctx, held, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// File locks are per process: the second opener must be another one.
	child := exec.Command(os.Args[0], "-test.run", "^TestOpenSaysWhyItCannot$")
	child.Env = append(os.Environ(), "FF_TEST_HOLD_CASE="+held)
	out, err := child.Output()
	if err != nil || !strings.Contains(string(out), "case "+held+" is in use by another process") {
		t.Errorf("opening a held case: %s (%v)", out, err)
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, text, ReadWrite); err == nil || !strings.Contains(err.Error(), text+" is not a DuckDB case file") {
		t.Errorf("text file as case: %v", err)
	}
}

func TestCheckMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		limit string
		ok    bool
	}{
		{"600MB", true},
		{"4GB", true},
		{"1.5GiB", true},
		{"1 GB", true},
		{"512mib", true},
		{"2TB", true},
		{"-5GB", false}, // DuckDB: no limit at all
		{"-1", false},
		{"none", false},
		{"0GB", false}, // DuckDB: a limit nothing fits in
		{"0.0MB", false},
		{"80%", false}, // DuckDB reads no percentage
		{"4", false},
		{"4XB", false},
		{"1e3GB", false},
		{"", false},
		{"1GB&access_mode=read_write", false}, // would add an option to the connection string
	} {
		if err := CheckMemoryLimit(c.limit); (err == nil) != c.ok {
			t.Errorf("CheckMemoryLimit(%q) = %v, want ok %v", c.limit, err, c.ok)
		}
	}
}

func TestOpenRefusesABadMemoryLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.duckdb")
	if _, err := OpenWith(context.Background(), path, ReadWrite, Options{MemoryLimit: "-5GB"}); err == nil || !strings.Contains(err.Error(), `memory limit "-5GB"`) {
		t.Errorf("open with memory limit -5GB: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused open created %s", path)
	}
}

func TestRollback(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, filepath.Join(t.TempDir(), "c.duckdb"), ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(ctx, "CREATE TABLE t (i INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	var n int
	if err := c.Conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'").Scan(&n); err != nil || n != 0 {
		t.Errorf("after the rollback the table is there (%d, %v)", n, err)
	}
	// A transaction already ended (as by a failed COMMIT) is no failure.
	tx, err = c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("rollback of an ended transaction: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("second rollback: %v", err)
	}
}
