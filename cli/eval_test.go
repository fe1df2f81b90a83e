package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// evalTruth: compromised alice and bob, exposed carol, targeted dave and erin.
const evalTruth = `user_id,username,label,evidence
u1,alice,compromised,"attacker logged in at 2024-03-30T20:00:00Z from 203.0.113.5, TOTP enrolled 40 s later"
u2,bob,compromised,attacker logged in at 2024-03-30T21:00:00Z from 203.0.113.6
u3,carol,exposed,"right password, stopped at the second factor"
u4,dave,targeted,failed password
u5,erin,targeted,failed password
`

// evalList lists alice (a hit, twice), carol (exposed), dave (targeted) and
// mallory (benign, neutralised). By hand: TP 1, FP 2, FN 1 (bob), exposed 1;
// precision 1/3, recall 1/2, F1 = 2·(1/3)·(1/2) / (1/3 + 1/2) = 2/5.
const evalList = `username,user_id,score,classification,reasons,campaign_id
alice,u1,0.97,compromised,new ASN; TOTP enrolled after login,c1
carol,u3,0.71,compromised,new ASN,c1
dave,u4,0.55,suspicious,"many IPs, one UA",c1
'@mallory,u9,0.51,suspicious,'=shared NAT,c1
ALICE,u1,0.97,compromised,new ASN,c1
`

// evalFiles writes the truth and the freeze list and returns the arguments
// that point eval at them, and a case path that must stay absent.
func evalFiles(t *testing.T, truth, list string) (args []string, casePath string) {
	t.Helper()
	casePath = filepath.Join(t.TempDir(), "never.duckdb")
	return []string{"--case", casePath, "eval", "--truth", writeTemp(t, "truth.csv", truth), "--freeze-list", writeTemp(t, "freeze.csv", list)}, casePath
}

func TestEvalText(t *testing.T) {
	args, casePath := evalFiles(t, evalTruth, evalList)
	out, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(casePath); !os.IsNotExist(err) {
		t.Errorf("eval touched the case: stat %v", err)
	}
	if !strings.Contains(errOut, "level=WARN") || !strings.Contains(errOut, "duplicates=1") || !strings.Contains(errOut, "line 6 repeats line 2") {
		t.Errorf("stderr does not warn about the duplicate alice: %q", errOut)
	}
	if strings.Contains(out, "level=") {
		t.Errorf("log lines leaked to stdout: %q", out)
	}
	lines := strings.Split(out, "\n")
	// line returns the fields of the first output line whose first field is
	// first, looking in the confusion table for the truth labels.
	line := func(first string) []string {
		t.Helper()
		from := 0
		if first != "precision" && first != "recall" && first != "F1" {
			for from < len(lines) && !strings.HasPrefix(lines[from], "TRUTH ") {
				from++
			}
		}
		for _, l := range lines[from:] {
			if f := strings.Fields(l); len(f) > 0 && f[0] == first {
				return f
			}
		}
		t.Fatalf("no line starting with %q in\n%s", first, out)
		return nil
	}
	p, r, f1 := 1.0/3, 1.0/2, 2.0/5
	wantLines := [][]string{
		{"precision", fmt.Sprintf("%.4f", p), "TP", "1", "/", "(TP", "1", "+", "FP", "2)"},
		{"recall", fmt.Sprintf("%.4f", r), "TP", "1", "/", "(TP", "1", "+", "FN", "1)"},
		{"F1", fmt.Sprintf("%.4f", f1)},
		{"compromised", "1", "1"},
		{"exposed", "1", "0"},
		{"targeted", "1", "1"},
		{"benign", "1", "-"},
	}
	for _, want := range wantLines {
		if got := line(want[0]); !reflect.DeepEqual(got, want) {
			t.Errorf("line %q, want %q", got, want)
		}
	}
	if !strings.Contains(out, "exposed accounts listed: 1") {
		t.Errorf("output does not count the listed exposed account:\n%s", out)
	}
	if !strings.Contains(out, "5 entries, 4 accounts; 1 duplicate counted once") {
		t.Errorf("output does not count entries and accounts:\n%s", out)
	}
	if strings.Contains(out, "note:") {
		t.Errorf("a note about a zero denominator, where there is none:\n%s", out)
	}
	// The false positives, by username: @mallory before dave.
	fp := section(t, out, "FALSE POSITIVES (2)")
	wantFP := [][]string{
		{"USERNAME", "USER_ID", "LABEL", "CLASSIFICATION", "REASONS"},
		{"@mallory", "u9", "benign", "suspicious", "=shared", "NAT"},
		{"dave", "u4", "targeted", "suspicious", "many", "IPs,", "one", "UA"},
	}
	if !reflect.DeepEqual(fp, wantFP) {
		t.Errorf("false positives %q, want %q", fp, wantFP)
	}
	miss := section(t, out, "MISSES (1)")
	wantMiss := [][]string{
		{"USERNAME", "USER_ID", "LABEL", "EVIDENCE"},
		{"bob", "u2", "compromised", "attacker", "logged", "in", "at", "2024-03-30T21:00:00Z", "from", "203.0.113.6"},
	}
	if !reflect.DeepEqual(miss, wantMiss) {
		t.Errorf("misses %q, want %q", miss, wantMiss)
	}
}

// section returns the fields of the lines after the line title, up to the
// next blank line.
func section(t *testing.T, out, title string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "\n"+title+"\n")
	if !ok {
		t.Fatalf("no %q in\n%s", title, out)
	}
	var rows [][]string
	for _, l := range strings.Split(rest, "\n") {
		if strings.TrimSpace(l) == "" {
			break
		}
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

func TestEvalJSON(t *testing.T) {
	args, _ := evalFiles(t, evalTruth, evalList)
	out, errOut, code := runCLI(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	type cell struct {
		Listed    int  `json:"listed"`
		NotListed *int `json:"not_listed"`
	}
	var got struct {
		FreezeListFormat string           `json:"freeze_list_format"`
		Labelled         int              `json:"labelled"`
		Entries          int              `json:"entries"`
		Listed           int              `json:"listed"`
		Precision        float64          `json:"precision"`
		Recall           float64          `json:"recall"`
		F1               float64          `json:"f1"`
		TPj              int              `json:"tp"`
		FPj              int              `json:"fp"`
		FNj              int              `json:"fn"`
		ExposedListed    int              `json:"exposed_listed"`
		Notes            []string         `json:"notes"`
		Confusion        map[string]cell  `json:"confusion"`
		FalsePositives   []map[string]any `json:"false_positives"`
		Misses           []map[string]any `json:"misses"`
		Duplicates       []map[string]any `json:"duplicates"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if dec.More() {
		t.Errorf("more than one JSON value on stdout:\n%s", out)
	}
	if got.FreezeListFormat != "report-csv" || got.Labelled != 5 || got.Entries != 5 || got.Listed != 4 {
		t.Errorf("format %q labelled %d entries %d listed %d, want report-csv 5 5 4", got.FreezeListFormat, got.Labelled, got.Entries, got.Listed)
	}
	if got.TPj != 1 || got.FPj != 2 || got.FNj != 1 || got.ExposedListed != 1 {
		t.Errorf("TP %d FP %d FN %d exposed %d, want 1 2 1 1", got.TPj, got.FPj, got.FNj, got.ExposedListed)
	}
	for _, m := range []struct {
		name      string
		got, want float64
	}{{"precision", got.Precision, 1.0 / 3}, {"recall", got.Recall, 1.0 / 2}, {"f1", got.F1, 2.0 / 5}} {
		if math.Abs(m.got-m.want) > 1e-12 {
			t.Errorf("%s %v, want %v", m.name, m.got, m.want)
		}
	}
	if got.Notes == nil || len(got.Notes) != 0 {
		t.Errorf("notes %q, want an empty list", got.Notes)
	}
	wantConf := map[string][2]int{"compromised": {1, 1}, "exposed": {1, 0}, "targeted": {1, 1}}
	for label, w := range wantConf {
		c := got.Confusion[label]
		if c.Listed != w[0] || c.NotListed == nil || *c.NotListed != w[1] {
			t.Errorf("confusion %s: %+v, want %v", label, c, w)
		}
	}
	if b := got.Confusion["benign"]; b.Listed != 1 || b.NotListed != nil {
		t.Errorf("confusion benign: %+v, want listed 1, not listed null", b)
	}
	var fps []string
	for _, p := range got.FalsePositives {
		fps = append(fps, fmt.Sprint(p["username"], "/", p["user_id"], "/", p["label"], "/", p["classification"], "/", p["reasons"]))
	}
	wantFP := []string{"@mallory/u9/benign/suspicious/=shared NAT", "dave/u4/targeted/suspicious/many IPs, one UA"}
	if !reflect.DeepEqual(fps, wantFP) {
		t.Errorf("false positives %q, want %q", fps, wantFP)
	}
	if len(got.Misses) != 1 || got.Misses[0]["username"] != "bob" || got.Misses[0]["user_id"] != "u2" ||
		got.Misses[0]["label"] != "compromised" || got.Misses[0]["evidence"] != "attacker logged in at 2024-03-30T21:00:00Z from 203.0.113.6" {
		t.Errorf("misses %v, want bob u2 with his evidence", got.Misses)
	}
	if len(got.Duplicates) != 1 || got.Duplicates[0]["line"] != 6.0 || got.Duplicates[0]["first_line"] != 2.0 {
		t.Errorf("duplicates %v, want line 6 repeating line 2", got.Duplicates)
	}
}

func TestEvalNoAttack(t *testing.T) {
	// Empty truth, empty list: precision and recall are 1 by definition,
	// and the output says so; the bars at 1 pass.
	args, _ := evalFiles(t, "user_id,username,label,evidence\n", "")
	out, errOut, code := runCLI(t, append(args, "--min-precision", "1", "--min-recall", "1")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, s := range []string{"precision is defined as 1", "recall is defined as 1", "FALSE POSITIVES (0)", "MISSES (0)"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	// Empty truth, one account listed: precision 0/1, recall 1 by definition.
	args, _ = evalFiles(t, "user_id,username,label,evidence\n", "alice\n")
	out, errOut, code = runCLI(t, append(args, "--min-precision", "0.5")...)
	if code != exitError || !strings.Contains(errOut, "precision 0/1") || !strings.Contains(errOut, "--min-precision 0.5") {
		t.Errorf("exit %d, stderr %q: want the precision bar to fail", code, errOut)
	}
	if !strings.Contains(out, "recall is defined as 1") || strings.Contains(out, "precision is defined") {
		t.Errorf("notes wrong:\n%s", out)
	}
}

func TestEvalBars(t *testing.T) {
	args, _ := evalFiles(t, evalTruth, evalList)
	// Measured by hand: precision 1/3, recall 1/2.
	cases := []struct {
		flags   []string
		code    int
		want    []string // on stderr
		notWant []string
	}{
		{[]string{"--min-precision", "0.33"}, exitOK, nil, []string{"below"}},
		{[]string{"--min-precision", "0.34"}, exitError, []string{"precision 1/3 = 0.3333 is below --min-precision 0.34"}, []string{"recall"}},
		{[]string{"--min-recall", "0.5"}, exitOK, nil, []string{"below"}},
		{[]string{"--min-recall", "0.51"}, exitError, []string{"recall 1/2 = 0.5000 is below --min-recall 0.51"}, []string{"precision"}},
		{[]string{"--min-precision", "0.9", "--min-recall", "0.9"}, exitError, []string{"--min-precision 0.9", "--min-recall 0.9"}, nil},
		{[]string{"--min-precision", "0.3", "--min-recall", "0.9", "--json"}, exitError, []string{"--min-recall 0.9"}, []string{"--min-precision"}},
		{[]string{"--min-precision", "1.5"}, exitUsage, []string{"--min-precision 1.5", "from 0 to 1"}, nil},
		{[]string{"--min-recall", "-0.1"}, exitUsage, []string{"--min-recall -0.1"}, nil},
	}
	for _, tc := range cases {
		out, errOut, code := runCLI(t, append(append([]string{}, args...), tc.flags...)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.flags, code, tc.code, errOut)
		}
		for _, s := range tc.want {
			if !strings.Contains(errOut, s) {
				t.Errorf("%v: stderr %q lacks %q", tc.flags, errOut, s)
			}
		}
		for _, s := range tc.notWant {
			if strings.Contains(errOut, s) {
				t.Errorf("%v: stderr %q mentions %q", tc.flags, errOut, s)
			}
		}
		if tc.code == exitError && !strings.Contains(out, "precision") {
			t.Errorf("%v: a failed bar must still print the result, got %q", tc.flags, out)
		}
	}
}

func TestEvalInputErrors(t *testing.T) {
	dir := t.TempDir()
	truth := writeTemp(t, "truth.csv", evalTruth)
	list := writeTemp(t, "freeze.txt", "alice\n")
	badLabel := writeTemp(t, "bad.csv", "user_id,username,label,evidence\nu1,alice,compromised,x\nu2,bob,hacked,y\n")
	noID := writeTemp(t, "noid.csv", "username,score\nalice,1\n")
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"eval", "--freeze-list", list}, exitUsage, []string{"--truth"}},
		{[]string{"eval", "--truth", truth}, exitUsage, []string{"--freeze-list"}},
		{[]string{"eval", "--truth", filepath.Join(dir, "nope.csv"), "--freeze-list", list}, exitError, []string{"nope.csv", "no such file"}},
		{[]string{"eval", "--truth", truth, "--freeze-list", filepath.Join(dir, "nope.txt")}, exitError, []string{"nope.txt", "no such file"}},
		{[]string{"eval", "--truth", badLabel, "--freeze-list", list}, exitError, []string{badLabel, "line 3", `"hacked"`}},
		{[]string{"eval", "--truth", truth, "--freeze-list", noID}, exitError, []string{noID, "line 1", "user_id"}},
	}
	for _, tc := range cases {
		out, errOut, code := runCLI(t, append([]string{"--case", filepath.Join(dir, "none.duckdb")}, tc.args...)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.args, code, tc.code, errOut)
		}
		for _, s := range tc.want {
			if !strings.Contains(errOut, s) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, errOut, s)
			}
		}
		if out != "" {
			t.Errorf("%v: output on stdout %q", tc.args, out)
		}
		if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
			t.Errorf("%v: stack trace on stderr: %q", tc.args, errOut)
		}
	}
}
