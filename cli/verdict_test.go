package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/eval"
	"github.com/freezeframe/freezeframe/internal/testfs"
)

const sampleSnapshot = "../samples/pypi-2024-03/snapshot"

func sampleLogs(t *testing.T) []string {
	t.Helper()
	logs, err := filepath.Glob("../samples/pypi-2024-03/logs/*")
	if err != nil || len(logs) == 0 {
		t.Fatalf("the sample's logs: %v", err)
	}
	return logs
}

// investigateAt runs investigate into a new directory with the given
// sources (logs nil: none) and returns its stdout, stderr, exit code and
// output directory.
func investigateAt(t *testing.T, snapshot string, logs []string, more ...string) (string, string, int, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "incident")
	args := []string{"investigate", "--out", out}
	if snapshot != "" {
		args = append(args, "--snapshot", snapshot)
	}
	args = append(args, more...)
	if len(logs) > 0 {
		args = append(append(args, "--logs"), logs...)
	}
	stdout, stderr, code := runCLI(t, args...)
	return stdout, stderr, code, out
}

// verdictOf checks that the verdict is stdout's first line and in
// summary.json and report.html, and returns it with its reason.
func verdictOf(t *testing.T, stdout, out string) (verdict, why string) {
	t.Helper()
	first, _, _ := strings.Cut(stdout, "\n")
	v, ok := strings.CutPrefix(first, "verdict")
	if !ok {
		t.Fatalf("the first line is not the verdict: %q", first)
	}
	verdict = strings.TrimSpace(v)
	why = strings.Join(fields(t, stdout, "why")[1:], " ")
	var sum struct {
		Verdict       string `json:"verdict"`
		VerdictReason string `json:"verdict_reason"`
	}
	if err := json.Unmarshal(testfs.Read(t, filepath.Join(out, "public", "summary.json")), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Verdict != verdict || sum.VerdictReason == "" {
		t.Errorf("summary.json: verdict %q (reason %q), stdout says %q", sum.Verdict, sum.VerdictReason, verdict)
	}
	html := string(testfs.Read(t, filepath.Join(out, "report.html")))
	if !strings.Contains(html, "<strong>Verdict: "+verdict+".</strong>") {
		t.Errorf("report.html does not open with the verdict %q", verdict)
	}
	return verdict, why
}

func TestAnEmptyLogWithARealSnapshotIsInconclusive(t *testing.T) {
	empty := writeTemp(t, "empty.log", "")
	stdout, stderr, code, out := investigateAt(t, sampleSnapshot, []string{empty})
	if code != exitInconclusive {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitInconclusive, stdout, stderr)
	}
	if v, why := verdictOf(t, stdout, out); v != "inconclusive" || !strings.Contains(why, "hold no request") {
		t.Errorf("verdict %q: %q", v, why)
	}
	if !strings.Contains(stderr, "verdict inconclusive") {
		t.Errorf("stderr does not say why the exit code is 3: %q", stderr)
	}
}

// TestAnotherSitesLogIsInconclusive: a log of another site in another year
// overlaps the snapshot's years of history, but none of its logins pair.
func TestAnotherSitesLogIsInconclusive(t *testing.T) {
	var b strings.Builder
	start := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		at := start.Add(time.Duration(i) * 3 * time.Minute).Format("02/Jan/2006:15:04:05 -0700")
		ip := fmt.Sprintf("203.0.%d.%d", i%50, i%200+1)
		fmt.Fprintf(&b, "%s - - [%s] \"GET /account/login/ HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0 Firefox/89.0\"\n", ip, at)
		fmt.Fprintf(&b, "%s - - [%s] \"POST /account/login/ HTTP/1.1\" %d 0 \"-\" \"Mozilla/5.0 Firefox/89.0\"\n", ip, at, []int{303, 200}[i%2])
	}
	log := writeTemp(t, "other-site.log", b.String())
	stdout, stderr, code, out := investigateAt(t, sampleSnapshot, []string{log})
	if code != exitInconclusive {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitInconclusive, stdout, stderr)
	}
	if v, why := verdictOf(t, stdout, out); v != "inconclusive" || !strings.Contains(why, "paired with a log line") {
		t.Errorf("verdict %q: %q", v, why)
	}
}

func TestAWeekWithoutAttackHasNoAnomaly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "quiet")
	if _, stderr, code := runCLI(t, "samples", "generate", "--scenario", "quiet", "--seed", "3", "--out", dir); code != 0 {
		t.Fatalf("samples generate: exit %d: %s", code, stderr)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	stdout, stderr, code, out := investigateAt(t, filepath.Join(dir, "snapshot"), logs)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	v, why := verdictOf(t, stdout, out)
	if v != "no anomaly" || !strings.Contains(why, "days of baseline") {
		t.Errorf("verdict %q: %q", v, why)
	}
	if n := fields(t, stdout, "compromised (to freeze)"); n[len(n)-1] != "0" {
		t.Errorf("a week without attack froze accounts: %v", n)
	}
}

// TestAnAttackWithoutACampaignIsAnAnomaly: the sample's window stands, but
// with campaigns made to need more attempts than it has, none is
// attributed: the signals and their hours are still reported.
func TestAnAttackWithoutACampaignIsAnAnomaly(t *testing.T) {
	stdout, stderr, code, out := investigateAt(t, sampleSnapshot, sampleLogs(t))
	if code != 0 {
		t.Fatalf("investigate: exit %d\n%s%s", code, stdout, stderr)
	}
	if v, _ := verdictOf(t, stdout, out); v != "attack" {
		t.Fatalf("the sample's verdict is %q, want attack", v)
	}
	// The block list holds every campaign attempt under its address.
	var sum struct {
		CampaignAttempts int `json:"campaign_attempts"`
	}
	if err := json.Unmarshal(testfs.Read(t, filepath.Join(out, "public", "summary.json")), &sum); err != nil {
		t.Fatal(err)
	}
	blocks := readCSV(t, filepath.Join(out, "block-list.csv"))
	var byAddress, prints int
	for _, r := range blocks[1:] {
		n, _ := strconv.Atoi(r[5])
		switch r[0] {
		case "address", "hashed_address":
			byAddress += n
		case "fingerprint":
			prints++
		}
	}
	if byAddress != sum.CampaignAttempts || prints == 0 {
		t.Errorf("block-list.csv: %d attempts under addresses (campaign: %d), %d fingerprints", byAddress, sum.CampaignAttempts, prints)
	}
	casePath := filepath.Join(out, "case.duckdb")
	stdout, stderr, code = runCLI(t, "--case", casePath, "analyze", "--set", "campaigns.min_attempts=100000")
	if code != 0 {
		t.Fatalf("analyze: exit %d\n%s%s", code, stdout, stderr)
	}
	if first, _, _ := strings.Cut(stdout, "\n"); strings.Join(strings.Fields(first), " ") != "verdict anomaly" {
		t.Errorf("first line %q, want the verdict anomaly", first)
	}
	if h := strings.Join(fields(t, stdout, "hours")[1:], " "); h != "2024-03-29T18:00:00Z .. 2024-03-31T13:00:00Z" {
		t.Errorf("hours %q, want the sample's window", h)
	}
	if why := strings.Join(fields(t, stdout, "why")[1:], " "); !strings.Contains(why, "no campaign was attributed") || !strings.Contains(why, "unknown usernames") {
		t.Errorf("the reason does not name the signals: %q", why)
	}
}

// TestTheSampleWithItsSnapshotOnly: without logs, the campaign and the
// accounts taken over are found from the events; what needs the logs is
// listed as not checked.
func TestTheSampleWithItsSnapshotOnly(t *testing.T) {
	stdout, stderr, code, out := investigateAt(t, sampleSnapshot, nil)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if v, _ := verdictOf(t, stdout, out); v != "attack" {
		t.Errorf("verdict %q, want attack", v)
	}
	if !strings.Contains(stdout, "not checked") || !strings.Contains(stdout, "unknown usernames") || !strings.Contains(stdout, "two-factor tokens") {
		t.Errorf("what needs logs is not listed as not checked:\n%s", stdout)
	}
	if _, errOut, code := runCLI(t, "eval", "--truth", "../samples/pypi-2024-03/truth.csv",
		"--freeze-list", filepath.Join(out, "freeze-list.csv"), "--min-precision", "1", "--min-recall", "1"); code != 0 {
		t.Errorf("snapshot only: the freeze list is not the sample's compromised accounts: %s", errOut)
	}
}

// TestTheSampleWithItsLogsOnly: without the snapshot, the accounts are
// those the two-factor tokens name: the exposed ones, by user id only.
func TestTheSampleWithItsLogsOnly(t *testing.T) {
	stdout, stderr, code, out := investigateAt(t, "", sampleLogs(t))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if v, _ := verdictOf(t, stdout, out); v != "attack" {
		t.Errorf("verdict %q, want attack", v)
	}
	if !strings.Contains(stdout, "an account is named only by the user id in a two-factor token") {
		t.Errorf("logs only: the output does not say how accounts are named:\n%s", stdout)
	}
	truth, err := eval.ReadTruth("../samples/pypi-2024-03/truth.csv")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range truth.Accounts {
		if a.Label == "exposed" {
			want = append(want, a.UserID)
		}
	}
	rows := readCSV(t, filepath.Join(out, "exposed.csv"))
	var got []string
	for _, r := range rows[1:] {
		if r[0] != "" {
			t.Errorf("logs only: exposed.csv names a username %q the logs cannot know", r[0])
		}
		got = append(got, r[1])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("logs only: exposed user ids\n%v\nwant the sample's\n%v", got, want)
	}
}

// TestAFailedInvestigateRerunsWithoutForce: an investigate that fails
// midway leaves no case that refuses the corrected command.
func TestAFailedInvestigateRerunsWithoutForce(t *testing.T) {
	bad := writeTemp(t, "bad.log", "no log format reads this\nnor this\n")
	out := filepath.Join(t.TempDir(), "incident")
	_, stderr, code := runCLI(t, "investigate", "--out", out, "--snapshot", sampleSnapshot, "--logs", bad)
	if code != exitError || !strings.Contains(stderr, "was removed") {
		t.Fatalf("investigate with a bad log: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "case.duckdb")); err == nil {
		t.Errorf("the failed investigate left its case behind")
	}
	args := append([]string{"investigate", "--out", out, "--snapshot", sampleSnapshot, "--logs"}, sampleLogs(t)...)
	if stdout, stderr, code := runCLI(t, args...); code != 0 {
		t.Errorf("the corrected investigate: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestEveryHelpListsTheExitCodes: exit code 3 is documented wherever a
// user asks for help, not only on analyze.
func TestEveryHelpListsTheExitCodes(t *testing.T) {
	e := &env{}
	for _, c := range append(newRoot(e).Commands(), newRoot(e)) {
		if c.Hidden {
			continue
		}
		args := []string{c.Name(), "--help"}
		if c.Name() == "freezeframe" {
			args = []string{"--help"}
		}
		stdout, _, code := runCLI(t, args...)
		if code != 0 || !strings.Contains(stdout, "3 the analysis ran but its\nverdict is inconclusive") {
			t.Errorf("%v: exit %d, the help does not list exit code 3", args, code)
		}
	}
}
