package cli

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/internal/testfs"
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
	got := strings.Fields(string(testfs.Read(t, txt)))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("freeze-list.txt %v\nwant %v", got, want)
	}

	t.Run("killed or on a full disk", func(t *testing.T) { testReportKilledOrOnAFullDisk(t, casePath, out) })

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

// testReportKilledOrOnAFullDisk runs report as a separate process over the
// report in out, with a file size limit that stops it as a full disk would,
// then killing it (SIGKILL) at times spread over its run, each time
// switching between two reports that differ in their freeze list and
// report.html: after each, out holds one of the two reports whole, and the
// next report leaves nothing of the killed ones.
func testReportKilledOrOnAFullDisk(t *testing.T, casePath, out string) {
	notes := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(notes, []byte("not the report's"), 0o644); err != nil {
		t.Fatal(err)
	}
	usernames := []string{"--freeze-format", "usernames", "--tz", "America/New_York"}
	csvUTC := []string{"--freeze-format", "csv", "--tz", "UTC"}
	views := map[string]map[string]string{}
	for name, opts := range map[string][]string{"usernames": usernames, "csv": csvUTC} {
		dir := filepath.Join(t.TempDir(), name)
		if _, errOut, code := runCLI(t, append([]string{"--case", casePath, "report", "--out", dir}, opts...)...); code != 0 {
			t.Fatalf("report %v: %s", opts, errOut)
		}
		views[name] = testfs.Visible(t, dir)
		views[name]["notes.txt"] = "not the report's"
	}
	which := func() string {
		t.Helper()
		got := testfs.Visible(t, out)
		var diffs []string
		for name, v := range views {
			if maps.Equal(got, v) {
				return name
			}
			var d []string
			for p := range maps.Keys(got) {
				if got[p] != v[p] {
					d = append(d, p)
				}
			}
			for p := range maps.Keys(v) {
				if _, ok := got[p]; !ok {
					d = append(d, p+" (missing)")
				}
			}
			slices.Sort(d)
			diffs = append(diffs, fmt.Sprintf("not the %s report at %s", name, strings.Join(d, ", ")))
		}
		t.Fatalf("%s holds neither report whole: %s", out, strings.Join(diffs, "; "))
		return ""
	}
	if _, errOut, code := runCLI(t, append([]string{"--case", casePath, "report", "--out", out}, usernames...)...); code != 0 {
		t.Fatalf("report: %s", errOut)
	}
	which()

	// A file size limit makes writes fail with EFBIG, as a full disk does
	// with ENOSPC.
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -f 128 && exec "$0" "$@"`, os.Args[0], "--case", casePath, "report", "--out", out}, csvUTC...)...)
	cmd.Env = append(os.Environ(), "FREEZEFRAME_TEST_MAIN=1")
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "file too large") {
		t.Errorf("report with a file size limit: %v, %s; want a failure saying the file is too large", err, msg)
	}
	if got := which(); got != "usernames" {
		t.Errorf("after a failed report, out holds the %s report", got)
	}

	for i := range 16 {
		next, opts := "csv", csvUTC
		if which() == "csv" {
			next, opts = "usernames", usernames
		}
		cmd, stderr, _ := startCLI(t, "", append([]string{"--case", casePath, "report", "--out", out}, opts...)...)
		go func() {
			for stderr.Scan() {
			}
		}()
		time.Sleep(time.Duration(i) * 30 * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		t.Logf("killed after %d ms: %s report, heading for %s", i*30, which(), next)
	}
	if _, errOut, code := runCLI(t, append([]string{"--case", casePath, "report", "--out", out}, csvUTC...)...); code != 0 {
		t.Fatalf("report after the kills: %s", errOut)
	}
	if which() != "csv" {
		t.Error("the report after the kills is not whole")
	}
	entries, _ := os.ReadDir(filepath.Join(out, ".freezeframe-report"))
	if len(entries) != 2 {
		t.Errorf("the state directory holds %d entries after a report, want current and its generation", len(entries))
	}
}

// readCSV reads a CSV file the command wrote, header first.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(testfs.Read(t, path))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}
