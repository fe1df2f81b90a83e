package cli

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReportOnTheCommittedSample runs report after ingest and analyze on the
// committed sample: it prints the paths it wrote, eval scores its freeze
// list perfectly, analyze takes it back as --previous, and bad flags and a
// case never analysed get clear errors.
func TestReportOnTheCommittedSample(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "sample.duckdb")
	logs, _ := filepath.Glob("../samples/pypi-2024-03/logs/*")
	if _, errOut, code := runCLI(t, append([]string{"--case", casePath, "ingest", "logs"}, logs...)...); code != 0 {
		t.Fatalf("ingest logs: %s", errOut)
	}
	if _, errOut, code := runCLI(t, "--case", casePath, "ingest", "snapshot", "../samples/pypi-2024-03/snapshot"); code != 0 {
		t.Fatalf("ingest snapshot: %s", errOut)
	}
	out := filepath.Join(t.TempDir(), "report")
	_, errOut, code := runCLI(t, "--case", casePath, "report", "--out", out)
	if code != exitError || !strings.Contains(errOut, "run freezeframe analyze first") {
		t.Errorf("report before analyze: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, "--case", casePath, "analyze"); code != 0 {
		t.Fatalf("analyze: %s", errOut)
	}

	stdout, errOut, code := runCLI(t, "--case", casePath, "report", "--out", out, "--tz", "America/New_York")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	printed := strings.Fields(stdout)
	for _, name := range []string{"freeze-list.csv", "accounts.csv", "exposed.csv", "campaigns.csv", "email-reverify.csv", "tampering.csv",
		"timeline.jsonl", filepath.Join("public", "summary.json"), filepath.Join("public", "timeline_hourly.csv")} {
		p := filepath.Join(out, name)
		if !slices.Contains(printed, p) {
			t.Errorf("report did not print %s:\n%s", p, stdout)
		}
	}
	for _, p := range printed {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("printed %s, but it is missing or empty: %v", p, err)
		}
	}

	freezeList := filepath.Join(out, "freeze-list.csv")
	stdout, errOut, code = runCLI(t, "eval", "--truth", "../samples/pypi-2024-03/truth.csv", "--freeze-list", freezeList,
		"--min-precision", "1", "--min-recall", "1")
	if code != 0 {
		t.Errorf("eval of the report's freeze list: exit %d\n%s%s", code, stdout, errOut)
	}
	stdout, errOut, code = runCLI(t, "--case", casePath, "analyze", "--previous", freezeList)
	if code != 0 || !strings.Contains(stdout, "new since "+freezeList) {
		t.Fatalf("analyze --previous: exit %d: %s%s", code, stdout, errOut)
	}
	if fields := fields(t, stdout, "  new since"); fields[len(fields)-1] != "0" {
		t.Errorf("every account of the report's own freeze list is new again:\n%s", stdout)
	}

	stdout, errOut, code = runCLI(t, "--case", casePath, "report", "--out", out, "--freeze-format", "usernames")
	txt := filepath.Join(out, "freeze-list.txt")
	if code != 0 || !slices.Contains(strings.Fields(stdout), txt) {
		t.Fatalf("report --freeze-format usernames: exit %d: %s%s", code, stdout, errOut)
	}
	want := truthNames(t, "../samples/pypi-2024-03/truth.csv", "compromised")
	got := strings.Fields(string(mustRead(t, txt)))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("freeze-list.txt %v\nwant %v", got, want)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "report needs --out DIR"},
		{[]string{"report", "--out", out, "--tz", "Mars/Olympus_Mons"}, `--tz "Mars/Olympus_Mons"`},
		{[]string{"report", "--out", out, "--freeze-format", "xlsx"}, "use csv or usernames"},
	} {
		_, errOut, code := runCLI(t, append([]string{"--case", casePath}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
	_, errOut, code = runCLI(t, "--case", filepath.Join(t.TempDir(), "none.duckdb"), "report", "--out", out)
	if code != exitError || !strings.Contains(errOut, "ingest some input first") {
		t.Errorf("report of a missing case: exit %d, %q", code, errOut)
	}
}

// readCSV reads a CSV file the command wrote, header first.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(mustRead(t, path))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
