package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
)

// TestSnapshotSpillHoldsNoSecret: a JSON lines snapshot used to be copied
// whole into a temporary table, so under memory pressure password and
// recovery-code hashes spilled to <case>.tmp and stayed there after a kill.
// A child process ingests a large secret-bearing snapshot at a small memory
// limit and is killed (SIGKILL) while it loads; no byte of the case, its WAL
// or its spill directory may hold a secret, and the spill must have been
// used, or the test proves nothing.
func TestSnapshotSpillHoldsNoSecret(t *testing.T) {
	if dir := os.Getenv("FF_SPILL_CHILD"); dir != "" {
		spillChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("writes and ingests a 60 MB snapshot")
	}
	dir := t.TempDir()
	snap := filepath.Join(dir, "snapshot")
	writeLargeSecretSnapshot(t, snap, 120_000)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSnapshotSpillHoldsNoSecret$")
	cmd.Env = append(os.Environ(), "FF_SPILL_CHILD="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	loading := filepath.Join(dir, "loading")
	for waiting := true; waiting; {
		select {
		case err := <-exited:
			t.Fatalf("the child ended before the load: %v", err)
		case <-time.After(20 * time.Millisecond):
			_, err := os.Stat(loading)
			waiting = err != nil
		}
	}
	cmd.Process.Kill()
	<-exited

	spilled := int64(0)
	scanned := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Dir(p) == snap {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		scanned++
		if filepath.Base(filepath.Dir(p)) == "case.duckdb.tmp" {
			spilled += int64(len(b))
		}
		for _, m := range secretMarkers {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s holds the secret marker %s", p, m)
			}
		}
		return nil
	})
	if spilled == 0 {
		t.Errorf("nothing was spilled to case.duckdb.tmp (%d files scanned): the memory limit did not bite, so this proves nothing", scanned)
	}
	t.Logf("%d files scanned, %d bytes spilled", scanned, spilled)
}

// spillChild ingests dir/snapshot into dir/case.duckdb at a 100MB memory
// limit, says when it reaches the load of the last table, and waits there
// to be killed.
func spillChild(dir string) {
	ctx := context.Background()
	c, err := casefile.OpenWith(ctx, filepath.Join(dir, "case.duckdb"), casefile.ReadWrite, casefile.Options{MemoryLimit: "100MB"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, err = Snapshot(ctx, c, filepath.Join(dir, "snapshot"), SnapshotOptions{Progress: func(step string, _, _ int) {
		if step == "loading file_events" {
			os.WriteFile(filepath.Join(dir, "loading"), nil, 0o644)
			select {}
		}
	}})
	fmt.Fprintln(os.Stderr, "the child was not killed:", err)
	os.Exit(1)
}

// writeLargeSecretSnapshot writes a JSON lines snapshot of n users, each
// with secrets, a recovery code and two events.
func writeLargeSecretSnapshot(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]*bufio.Writer{}
	for _, name := range []string{"users", "user_recovery_codes", "user_events", "ip_addresses", "file_events"} {
		f, err := os.Create(filepath.Join(dir, name+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 1<<20)
		defer w.Flush()
		files[name] = w
	}
	write := func(name string, v map[string]any) {
		b, _ := json.Marshal(v)
		files[name].Write(append(b, '\n'))
	}
	write("ip_addresses", map[string]any{"id": ip1, "ip_address": "203.0.113.9"})
	write("file_events", map[string]any{"id": file1, "source_id": file1, "tag": "file:add", "time": "2024-03-30 21:00:05"})
	for i := range n {
		id := fmt.Sprintf("5b0b7a9e-0000-4000-8000-%012d", i)
		write("users", map[string]any{"id": id, "username": fmt.Sprintf("user%d", i),
			"password": "$argon2id$v=19$m=65536,t=3,p=4$SECRETPW-" + id, "totp_secret": "SECRETTOTP-" + id,
			"last_totp_value": "SECRETLTV", "date_joined": "2020-01-01 00:00:00"})
		write("user_recovery_codes", map[string]any{"id": fmt.Sprintf("6b0b7a9e-0000-4000-8000-%012d", i), "user_id": id,
			"code": "$argon2id$SECRETRC-" + id, "generated": "2024-03-30 20:00:40"})
		for k := range 2 {
			write("user_events", map[string]any{"id": fmt.Sprintf("7b0b7a9e-0000-400%d-8000-%012d", k, i), "source_id": id,
				"tag": "account:login:success", "time": "2024-03-30 20:00:00", "ip_address_id": ip1,
				"additional": map[string]any{"geoip_info": map[string]any{"country_code": "US", "city": "Ashburn"}}})
		}
	}
}
