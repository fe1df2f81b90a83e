package cli

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/casefile"
)

// attemptsCase writes a case whose attempts hold a brute force from one
// address that CrowdSec's bucket stops (6 failures in 5 s), then a
// successful login from it on another account, and an unrelated one.
func attemptsCase(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.duckdb")
	ctx := context.Background()
	c, err := casefile.Open(ctx, path, casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{
		`CREATE TABLE attempts (attempt_id BIGINT, time TIMESTAMPTZ, outcome VARCHAR, account UUID, username VARCHAR, client VARCHAR)`,
		`INSERT INTO attempts VALUES
			(1, '2024-03-30 14:00:00+00', 'failure', '00000000-0000-4000-8000-000000000001', 'alice', '203.0.113.5'),
			(2, '2024-03-30 14:00:01+00', 'failure', '00000000-0000-4000-8000-000000000002', 'bob', '203.0.113.5'),
			(3, '2024-03-30 14:00:02+00', 'unknown_user', NULL, NULL, '203.0.113.5'),
			(4, '2024-03-30 14:00:03+00', 'failure', '00000000-0000-4000-8000-000000000003', 'carol', '203.0.113.5'),
			(5, '2024-03-30 14:00:04+00', 'unknown_user', NULL, NULL, '203.0.113.5'),
			(6, '2024-03-30 14:00:05+00', 'failure', '00000000-0000-4000-8000-000000000004', 'dave', '203.0.113.5'),
			(7, '2024-03-30 14:20:00+00', 'success', '00000000-0000-4000-8000-000000000009', 'mallory, "the victim"', '203.0.113.5'),
			(8, '2024-03-30 14:30:00+00', 'success', '00000000-0000-4000-8000-000000000010', 'erin', '198.51.100.1')`,
		`CREATE TABLE analysis_window AS SELECT TIMESTAMPTZ '2024-03-30 12:00:00+00' AS window_from, TIMESTAMPTZ '2024-03-31 00:00:00+00' AS window_to, 'auto' AS source`,
	} {
		if _, err := c.Conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestBaselinesWritesAFreezeListPerRule(t *testing.T) {
	casePath := attemptsCase(t)
	out := filepath.Join(t.TempDir(), "lists")
	stdout, stderr, code := runCLI(t, "--case", casePath, "baselines", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var table [][]string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		f := strings.Fields(l)
		table = append(table, f[:3])
	}
	want := [][]string{
		{"BASELINE", "ALERTS", "ACCOUNTS"},
		{"elastic-stuffing-single-source", "0", "0"},
		{"elastic-spray-multi-source", "0", "0"},
		{"crowdsec-http-bf", "1", "1"},
	}
	if !reflect.DeepEqual(table, want) {
		t.Errorf("table\n%s\nwant %v", stdout, want)
	}
	for _, id := range []string{"elastic-stuffing-single-source", "elastic-spray-multi-source", "crowdsec-http-bf"} {
		recs := readCSV(t, filepath.Join(out, id+".csv"))
		if !reflect.DeepEqual(recs[0], []string{"username", "user_id", "classification", "reasons"}) {
			t.Errorf("%s: header %q", id, recs[0])
		}
		if id != "crowdsec-http-bf" {
			if len(recs) != 1 {
				t.Errorf("%s: %d accounts, want none", id, len(recs)-1)
			}
			continue
		}
		if len(recs) != 2 || recs[1][0] != `mallory, "the victim"` || recs[1][1] != "00000000-0000-4000-8000-000000000009" || recs[1][2] != "compromised" ||
			!strings.Contains(recs[1][3], "from an alerted address") || !strings.Contains(recs[1][3], "6 failed logins from 203.0.113.5") {
			t.Errorf("%s: %q", id, recs)
		}
	}

	// eval reads the lists
	truth := writeTemp(t, "truth.csv", "user_id,username,label,evidence\n"+
		`00000000-0000-4000-8000-000000000009,"mallory, ""the victim""",compromised,logged in by the attacker`+"\n"+
		"00000000-0000-4000-8000-000000000001,alice,targeted,tried\n")
	stdout, stderr, code = runCLI(t, "eval", "--truth", truth, "--freeze-list", filepath.Join(out, "crowdsec-http-bf.csv"), "--min-precision", "1", "--min-recall", "1")
	if code != 0 {
		t.Errorf("eval of the crowdsec list: exit %d\n%s%s", code, stdout, stderr)
	}
	_, _, code = runCLI(t, "eval", "--truth", truth, "--freeze-list", filepath.Join(out, "elastic-spray-multi-source.csv"))
	if code != 0 {
		t.Errorf("eval of an empty list: exit %d", code)
	}

	// the same case, the same files
	before, _ := os.ReadFile(filepath.Join(out, "crowdsec-http-bf.csv"))
	if _, stderr, code := runCLI(t, "--case", casePath, "baselines", "--out", out); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "crowdsec-http-bf.csv")); string(after) != string(before) {
		t.Errorf("a second run wrote\n%s\nthe first\n%s", after, before)
	}
}

func TestBaselinesNeedsAnalyzedCaseAndOut(t *testing.T) {
	if _, stderr, code := runCLI(t, "--case", attemptsCase(t), "baselines"); code != exitUsage || !strings.Contains(stderr, "--out") {
		t.Errorf("without --out: exit %d, %q", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "c.duckdb")
	c, err := casefile.Open(context.Background(), path, casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	out := filepath.Join(t.TempDir(), "lists")
	_, stderr, code := runCLI(t, "--case", path, "baselines", "--out", out)
	if code != exitError || !strings.Contains(stderr, "run freezeframe analyze first") {
		t.Errorf("on a case without attempts: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the output directory was created for nothing")
	}
}
