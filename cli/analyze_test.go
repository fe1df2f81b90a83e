package cli

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/eval"
	"github.com/freezeframe/freezeframe/report"
)

// TestAnalyzeTheCommittedSample runs the README's main job and analyze on
// the committed sample: the accounts to freeze are exactly its compromised
// ones, and a previous list splits them into waves.
func TestAnalyzeTheCommittedSample(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "sample.duckdb")
	logs, _ := filepath.Glob("../samples/pypi-2024-03/logs/*")
	if _, errOut, code := runCLI(t, append([]string{"--case", casePath, "ingest", "logs"}, logs...)...); code != 0 {
		t.Fatalf("ingest logs: %s", errOut)
	}
	if _, errOut, code := runCLI(t, "--case", casePath, "ingest", "snapshot", "../samples/pypi-2024-03/snapshot"); code != 0 {
		t.Fatalf("ingest snapshot: %s", errOut)
	}
	out, errOut, code := runCLI(t, "--case", casePath, "analyze")
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, errOut)
	}
	want := truthNames(t, "../samples/pypi-2024-03/truth.csv", "compromised")
	if !strings.Contains(out, "compromised (to freeze)") || !regexp.MustCompile(`(?m)^campaigns +1$`).MatchString(out) {
		t.Errorf("analyze printed:\n%s", out)
	}
	list, _, _ := runCLI(t, "--case", casePath, "query", "SELECT username FROM account_verdicts WHERE classification = 'compromised' ORDER BY username")
	got := strings.Fields(list)[1:]
	if !slices.Equal(got, want) {
		t.Fatalf("to freeze %v\nwant      %v", got, want)
	}
	prev := writeTemp(t, "wave1.txt", strings.Join(want[:5], "\n")+"\n")
	out, errOut, code = runCLI(t, "--case", casePath, "analyze", "--previous", prev)
	if code != 0 || !strings.Contains(out, "new since") {
		t.Fatalf("analyze --previous: exit %d: %s%s", code, out, errOut)
	}
	runs, _, _ := runCLI(t, "--case", casePath, "query", "SELECT run_id, compromised, new_to_freeze, previous_list IS NOT NULL FROM analysis_runs ORDER BY run_id")
	n := len(want)
	if wantRuns := fmt.Sprintf("run_id,compromised,new_to_freeze,(previous_list IS NOT NULL)\n1,%d,%d,false\n2,%d,%d,true\n", n, n, n, n-5); runs != wantRuns {
		t.Errorf("analysis_runs:\n%s\nwant\n%s", runs, wantRuns)
	}
}

func truthNames(t *testing.T, path, label string) []string {
	t.Helper()
	truth, err := eval.ReadTruth(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range truth.Accounts {
		if string(a.Label) == label {
			names = append(names, a.Username)
		}
	}
	slices.Sort(names)
	return names
}

func TestAnalyzeRefusesBadParametersAndWindows(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	config := writeTemp(t, "params.conf", "# thresholds\nclassify.freeze_posterior = 0.95\nnovel-login.w_nothing = 3\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "classify.freeze_posterior"}, "want STEP.PARAM=VALUE"},
		{[]string{"--set", "nosuch.x=1"}, `no step or heuristic "nosuch"`},
		{[]string{"--set", "classify.nosuch=1"}, "it has min_score, review_posterior"},
		{[]string{"--set", "classify.min_score=high"}, "want a whole number"},
		{[]string{"--config", config}, "line 3"},
		{[]string{"--window", "2024-03-30"}, "want FROM..TO"},
		{[]string{"--window", "2024-03-30..yesterday"}, `time "yesterday"`},
		{[]string{"--window", "2024-03-31..2024-03-30"}, "the end must be after the start"},
	} {
		_, errOut, code := runCLI(t, append([]string{"--case", casePath, "analyze"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("analyze %v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
	_, errOut, code := runCLI(t, "--case", casePath, "analyze")
	if code != exitError || !strings.Contains(errOut, "no access log and no snapshot") {
		t.Errorf("analyze of an empty case: exit %d, %q", code, errOut)
	}
}

func TestHeuristicsListsEveryHeuristicWithItsParameters(t *testing.T) {
	out, _, code := runCLI(t, "heuristics")
	if code != 0 {
		t.Fatal(code)
	}
	for _, id := range []string{"novel-login", "dormant-wake", "bot-speed", "client-shape", "campaign-country", "fanout",
		"unexpected-2fa", "success-after-attack", "takeover-actions", "impossible-travel", "failure-rate"} {
		if !strings.Contains(out, "\n"+id+" ") {
			t.Errorf("heuristics does not list %s:\n%s", id, out)
		}
	}
	if strings.Contains(out, "classify") || !strings.Contains(out, "enrol_within_s=900") {
		t.Errorf("heuristics without --all lists stages, or lacks parameters:\n%s", out)
	}
	out, _, _ = runCLI(t, "heuristics", "unexpected-2fa")
	for _, want := range []string{"False positives:", "2FA mandate", "Parameters (--set unexpected-2fa.NAME=VALUE):", "enrol_within_s = 900"} {
		if !strings.Contains(out, want) {
			t.Errorf("heuristics unexpected-2fa lacks %q:\n%s", want, out)
		}
	}
	if _, errOut, code := runCLI(t, "heuristics", "nosuch"); code != exitUsage || !strings.Contains(errOut, "--all lists them") {
		t.Errorf("heuristics nosuch: exit %d %q", code, errOut)
	}
}

// TestAnalysisMemoryLimit: without --memory-limit the analysis gets 2GB
// (the 600MB default suits ingest, not the PyPI-size joins); a limit given
// on the command line is kept.
func TestAnalysisMemoryLimit(t *testing.T) {
	limit := func(args ...string) string {
		t.Helper()
		casePath := filepath.Join(t.TempDir(), "c.duckdb")
		_, errOut, _ := runCLI(t, append([]string{"--case", casePath, "--log-level", "debug"}, args...)...)
		_, v, ok := strings.Cut(errOut, "msg=\"analysis memory limit\" memory_limit=")
		if !ok {
			t.Fatalf("%v: no memory limit logged:\n%s", args, errOut)
		}
		v, _, _ = strings.Cut(v, "\n")
		return strings.Trim(v, `"`)
	}
	if got := limit("analyze"); got != "1.8 GiB" {
		t.Errorf("analyze: memory limit %q, want 1.8 GiB (2GB)", got)
	}
	if got := limit("--memory-limit", "1GB", "analyze"); got != "953.6 MiB" {
		t.Errorf("analyze --memory-limit 1GB: memory limit %q, want 953.6 MiB", got)
	}
}

// TestPrintAnalysisSaysWhyThereIsNoWindow: a run without a window says
// whether its best stretch fell short of being examined, or was examined
// and named too few accounts, never a bare "none".
func TestPrintAnalysisSaysWhyThereIsNoWindow(t *testing.T) {
	for _, x := range []struct {
		score float64
		want  string
	}{
		{8.2, "none found: the signals' best stretch scored 8.2, under 45\n"},
		{13.9, "none found: the signals' best stretch scored 13.9, under 45; examined (over 12), its evidence named too few accounts taken over or exposed\n"},
	} {
		var b strings.Builder
		res := &analyze.Result{WindowSource: "none", WindowScore: x.score, MinWindowScore: 45, CandidateWindowScore: 12}
		if err := printAnalysis(&b, res, report.SecondFactorStops{}, ""); err != nil {
			t.Fatal(err)
		}
		line := ""
		for _, l := range strings.SplitAfter(b.String(), "\n") {
			if w, ok := strings.CutPrefix(l, "window"); ok {
				line = strings.TrimLeft(w, " ")
			}
		}
		if line != x.want {
			t.Errorf("score %.1f: window line %q, want %q", x.score, line, x.want)
		}
	}
}
