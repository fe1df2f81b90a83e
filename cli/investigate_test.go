package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/internal/testfs"
)

// TestInvestigateTheCommittedSample runs the README's main command: one
// investigate on the committed sample writes the case and every report file,
// prints the summary and the paths, freezes exactly the sample's compromised
// accounts, refuses to reuse its case, and with --force writes the same
// bytes again.
func TestInvestigateTheCommittedSample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "incident")
	logs, _ := filepath.Glob("../samples/pypi-2024-03/logs/*")
	args := append([]string{"investigate", "--snapshot", "../samples/pypi-2024-03/snapshot", "--out", out, "--logs"}, logs...)
	stdout, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("investigate: exit %d\n%s%s", code, stdout, errOut)
	}
	want := truthNames(t, "../samples/pypi-2024-03/truth.csv", "compromised")
	if f := fields(t, stdout, "compromised (to freeze)"); f[len(f)-1] != strconv.Itoa(len(want)) {
		t.Errorf("summary says %v to freeze, the sample has %d:\n%s", f, len(want), stdout)
	}
	// The stops at the second factor come under the exposed accounts they
	// name: the sample's log carries the two-factor token, so all of them.
	exposed := len(truthNames(t, "../samples/pypi-2024-03/truth.csv", "exposed"))
	if !regexp.MustCompile(fmt.Sprintf(`\nexposed \(password right, stopped by a second factor\) +%d\n`+
		`  campaign logins stopped at the second factor +%d\n  of those, on accounts the log does not name +0\n`, exposed, exposed)).MatchString(stdout) {
		t.Errorf("the summary does not give the %d stops at the second factor under the exposed accounts:\n%s", exposed, stdout)
	}
	if !strings.Contains(stdout, "case\t"+filepath.Join(out, "case.duckdb")) {
		t.Errorf("the case path is not printed:\n%s", stdout)
	}
	var wrote []string
	for _, l := range strings.Split(stdout, "\n") {
		if p, ok := strings.CutPrefix(l, "wrote\t"); ok {
			wrote = append(wrote, p)
		}
	}
	for _, name := range []string{"report.html", "freeze-list.csv", "accounts.csv", "exposed.csv", "campaigns.csv", "block-list.csv", "email-reverify.csv",
		"tampering.csv", "timeline.jsonl", filepath.Join("public", "summary.json"), filepath.Join("public", "timeline_hourly.csv")} {
		p := filepath.Join(out, name)
		if st, err := os.Stat(p); err != nil || st.Size() == 0 || !slices.Contains(wrote, p) {
			t.Errorf("%s: not written, empty or not printed (%v)", p, err)
		}
	}
	stdout, errOut, code = runCLI(t, "eval", "--truth", "../samples/pypi-2024-03/truth.csv",
		"--freeze-list", filepath.Join(out, "freeze-list.csv"), "--min-precision", "1", "--min-recall", "1")
	if code != 0 {
		t.Errorf("eval of investigate's freeze list: exit %d\n%s%s", code, stdout, errOut)
	}

	first := map[string][]byte{}
	for _, p := range wrote {
		first[p] = testfs.Read(t, p)
	}
	if _, errOut, code := runCLI(t, args...); code != exitUsage || !strings.Contains(errOut, "--force") {
		t.Errorf("investigate over an existing case: exit %d, %q; want a usage error naming --force", code, errOut)
	}
	if _, errOut, code := runCLI(t, append([]string{"investigate", "--force"}, args[1:]...)...); code != 0 {
		t.Fatalf("investigate --force: exit %d: %s", code, errOut)
	}
	for p, b := range first {
		if !bytes.Equal(testfs.Read(t, p), b) {
			t.Errorf("%s differs between two investigations of the same inputs", p)
		}
	}

	// A --force run that fails leaves neither the case it began nor the
	// report of the case it deleted, only the files that are not its own.
	others := map[string]string{"notes.txt": "mine", filepath.Join("public", "README"): "mine too"}
	for p, data := range others {
		if err := os.WriteFile(filepath.Join(out, p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	garbage := writeTemp(t, "garbage.log", "hello\nworld\n")
	_, errOut, code = runCLI(t, "investigate", "--force", "--out", out, "--logs", garbage)
	if code != exitError || !strings.Contains(errOut, "cannot tell the log format") ||
		!strings.Contains(errOut, "--force had deleted the earlier case "+filepath.Join(out, "case.duckdb")+" and the report in "+out) {
		t.Errorf("investigate --force with a log it cannot read: exit %d, %q; want exit 1 saying the earlier case and report were deleted", code, errOut)
	}
	var left []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			if b, err := os.ReadFile(p); err != nil || string(b) != others[rel] {
				left = append(left, rel)
			}
		}
		return err
	})
	if len(left) != 0 {
		t.Errorf("after a failed investigate --force, %s still holds %q", out, left)
	}
	for p := range others {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("a file that was not the report's is gone: %v", err)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"investigate", "--out", out}, "needs --logs FILE..., --snapshot PATH, or both"},
		{[]string{"investigate", "--logs", "a.log", "--snapshot", "s"}, "needs --out"},
		{[]string{"investigate", "--logs", "a.log", "--snapshot", "s", "--out", out, "--tz", "Nowhere/Else"}, `--tz "Nowhere/Else"`},
	} {
		_, errOut, code := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
	_, errOut, code = runCLI(t, "investigate", "--snapshot", "../samples/pypi-2024-03/snapshot",
		"--out", filepath.Join(t.TempDir(), "x"), "--logs", "no-such.log")
	if code != exitError || !strings.Contains(errOut, "no-such.log") {
		t.Errorf("investigate with a missing log: exit %d, %q", code, errOut)
	}
	_, errOut, code = runCLI(t, "investigate", "--snapshot", "s", "--out", filepath.Join(t.TempDir(), "x"))
	if code != exitError || !strings.Contains(errOut, "s: no such file or directory") {
		t.Errorf("investigate with a missing snapshot: exit %d, %q", code, errOut)
	}
}
