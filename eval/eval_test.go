package eval

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// truth5 has two compromised accounts (alice, bob), one exposed (carol) and
// two targeted (dave, erin). Every other account is benign.
const truth5 = `user_id,username,label,evidence
u1,alice,compromised,"attacker logged in at 2024-03-30T20:00:00Z from 203.0.113.5, TOTP enrolled 40 s later"
u2,bob,compromised,attacker logged in at 2024-03-30T21:00:00Z from 203.0.113.6
u3,carol,exposed,"right password, stopped at the second factor"
u4,dave,targeted,failed password
u5,erin,targeted,failed password
`

const emptyTruth = "user_id,username,label,evidence\n"

// want is what a case expects, worked out by hand from its inputs.
type want struct {
	format        Format
	tp, fp, fn    int
	exposedListed int
	p, r, f1      float64
	// confusion: listed and not listed for compromised, exposed, targeted;
	// listed for benign (not listed is always unknown).
	conf       [3][2]int
	benign     int
	entries    int
	listed     int
	dups       int
	fps        []string // username/user_id/label, in output order
	misses     []string // username/user_id, in output order
	notes      []string
	warnings   int
	fpReasons  []string // reasons of the false positives, when checked
	fpClassify []string // classifications of the false positives, when checked
}

func TestEvaluate(t *testing.T) {
	cases := []struct {
		name  string
		truth string
		list  string
		want  want
	}{
		{
			name: "perfect detection", truth: truth5,
			list: "alice\nbob\n",
			want: want{format: Usernames, tp: 2, p: 1, r: 1, f1: 1,
				conf: [3][2]int{{2, 0}, {0, 1}, {0, 2}}, entries: 2, listed: 2},
		},
		{
			// P = 2/3, R = 2/2, F1 = 2·(2/3)·1 / (2/3 + 1) = (4/3)/(5/3) = 4/5
			name: "benign false positive", truth: truth5,
			list: "username,user_id,score,classification,reasons\nalice,u1,0.9,compromised,new ip\nbob,u2,0.8,compromised,new ip\nmallory,u9,0.4,suspicious,shared nat\n",
			want: want{format: ReportCSV, tp: 2, fp: 1, p: 2.0 / 3, r: 1, f1: 4.0 / 5,
				conf: [3][2]int{{2, 0}, {0, 1}, {0, 2}}, benign: 1, entries: 3, listed: 3,
				fps: []string{"mallory/u9/benign"}, fpClassify: []string{"suspicious"}, fpReasons: []string{"shared nat"}},
		},
		{
			// P = 2/3, R = 1, F1 = 4/5
			name: "targeted false positive", truth: truth5,
			list: "alice\nbob\ndave\n",
			want: want{format: Usernames, tp: 2, fp: 1, p: 2.0 / 3, r: 1, f1: 4.0 / 5,
				conf: [3][2]int{{2, 0}, {0, 1}, {1, 1}}, entries: 3, listed: 3,
				fps: []string{"dave/u4/targeted"}},
		},
		{
			// TP alice; FP zoe, dave; FN bob. P = 1/3, R = 1/2,
			// F1 = 2·(1/3)·(1/2) / (1/3 + 1/2) = (1/3)/(5/6) = 2/5
			name: "benign and targeted false positives sorted by username, and a miss", truth: truth5,
			list: "zoe\nalice\ndave\n",
			want: want{format: Usernames, tp: 1, fp: 2, fn: 1, p: 1.0 / 3, r: 1.0 / 2, f1: 2.0 / 5,
				conf: [3][2]int{{1, 1}, {0, 1}, {1, 1}}, benign: 1, entries: 3, listed: 3,
				fps: []string{"dave/u4/targeted", "zoe//benign"}, misses: []string{"bob/u2"}},
		},
		{
			// P = 1/1, R = 1/2, F1 = 2·1·(1/2) / (3/2) = 2/3
			name: "misses", truth: truth5,
			list: "alice\n",
			want: want{format: Usernames, tp: 1, fn: 1, p: 1, r: 1.0 / 2, f1: 2.0 / 3,
				conf: [3][2]int{{1, 1}, {0, 1}, {0, 2}}, entries: 1, listed: 1,
				misses: []string{"bob/u2"}},
		},
		{
			name: "exposed account listed counts neither way", truth: truth5,
			list: "alice\ncarol\nbob\n",
			want: want{format: Usernames, tp: 2, exposedListed: 1, p: 1, r: 1, f1: 1,
				conf: [3][2]int{{2, 0}, {1, 0}, {0, 2}}, entries: 3, listed: 3},
		},
		{
			name: "usernames compared case-insensitively", truth: truth5,
			list: "ALICE\nBoB\n",
			want: want{format: Usernames, tp: 2, p: 1, r: 1, f1: 1,
				conf: [3][2]int{{2, 0}, {0, 1}, {0, 2}}, entries: 2, listed: 2},
		},
		{
			// alice was renamed: u1 still finds her. Hit by user_id in upper case too.
			name: "user_id matches when usernames differ", truth: truth5,
			list: "username,user_id\nalice-renamed,u1\nrobert,U2\n",
			want: want{format: ReportCSV, tp: 2, p: 1, r: 1, f1: 1,
				conf: [3][2]int{{2, 0}, {0, 1}, {0, 2}}, entries: 2, listed: 2},
		},
		{
			// bob with user_id u77 is not the truth's bob (u2): a benign
			// account, with a warning; the truth's bob is missed.
			// P = 1/2, R = 1/2, F1 = 1/2
			name: "user_id wins over a matching username", truth: truth5,
			list: "username,user_id\nalice,u1\nbob,u77\n",
			want: want{format: ReportCSV, tp: 1, fp: 1, fn: 1, p: 1.0 / 2, r: 1.0 / 2, f1: 1.0 / 2,
				conf: [3][2]int{{1, 1}, {0, 1}, {0, 2}}, benign: 1, entries: 2, listed: 2,
				fps: []string{"bob/u77/benign"}, misses: []string{"bob/u2"}, warnings: 1},
		},
		{
			// alice (line 3) is a hit, mallory (line 5) benign, bob commented out.
			// P = 1/2, R = 1/2, F1 = 1/2
			name: "usernames-only format: comments, blank lines, CRLF, spaces", truth: truth5,
			list: "# freeze list, 2024-03-31\r\n\r\n  alice  \r\n# bob\r\nmallory\r\n\r\n",
			want: want{format: Usernames, tp: 1, fp: 1, fn: 1, p: 1.0 / 2, r: 1.0 / 2, f1: 1.0 / 2,
				conf: [3][2]int{{1, 1}, {0, 1}, {0, 2}}, benign: 1, entries: 2, listed: 2,
				fps: []string{"mallory//benign"}, misses: []string{"bob/u2"}},
		},
		{
			name: "report CSV after blank lines, columns in another order", truth: truth5,
			list: "\n\nscore,user_id,username\n0.9,u1,alice\n0.9,u2,bob\n",
			want: want{format: ReportCSV, tp: 2, p: 1, r: 1, f1: 1,
				conf: [3][2]int{{2, 0}, {0, 1}, {0, 2}}, entries: 2, listed: 2},
		},
		{
			// One leading apostrophe goes, a second one stays: ''eve is 'eve,
			// a benign account. TP alice, bob; FP dave, 'eve, @mallory.
			// P = 2/5, R = 1, F1 = 2·(2/5)·1 / (7/5) = 4/7
			name: "formula-neutralised cells", truth: truth5,
			list: "'username,'user_id,classification,reasons\n'alice,'u1,compromised,\"'=HYPERLINK(\"\"x\"\")\"\n'bob,,'+1,x\n'dave,'u4,'-suspicious,'@risk\n'@mallory,'u9,suspicious,y\n''eve,,suspicious,z\n",
			want: want{format: ReportCSV, tp: 2, fp: 3, p: 2.0 / 5, r: 1, f1: 4.0 / 7,
				conf: [3][2]int{{2, 0}, {0, 1}, {1, 1}}, benign: 2, entries: 5, listed: 5,
				fps:        []string{"'eve//benign", "@mallory/u9/benign", "dave/u4/targeted"},
				fpClassify: []string{"suspicious", "suspicious", "-suspicious"},
				fpReasons:  []string{"z", "y", "@risk"}},
		},
		{
			// alice ×3 and mallory ×2 count once each: TP alice, FP mallory, FN bob.
			name: "duplicates in a usernames list", truth: truth5,
			list: "alice\nALICE\nalice\nmallory\nMallory\n",
			want: want{format: Usernames, tp: 1, fp: 1, fn: 1, p: 1.0 / 2, r: 1.0 / 2, f1: 1.0 / 2,
				conf: [3][2]int{{1, 1}, {0, 1}, {0, 2}}, benign: 1, entries: 5, listed: 2, dups: 3,
				fps: []string{"mallory//benign"}, misses: []string{"bob/u2"}},
		},
		{
			// bob by name, then by user_id under another name; zed by both, then by user_id alone.
			name: "duplicates in a report CSV, by username and by user_id", truth: truth5,
			list: "username,user_id\nbob,\nrenamed,u2\nzed,u9\n,u9\n",
			want: want{format: ReportCSV, tp: 1, fp: 1, fn: 1, p: 1.0 / 2, r: 1.0 / 2, f1: 1.0 / 2,
				conf: [3][2]int{{1, 1}, {0, 1}, {0, 2}}, benign: 1, entries: 4, listed: 2, dups: 2,
				fps: []string{"zed/u9/benign"}, misses: []string{"alice/u1"}},
		},
		{
			name: "truth without an evidence column, label in capitals, BOM", truth: "\ufeffuser_id,username,label\nu1,alice,Compromised\nu2,bob,compromised\n",
			list: "alice\n",
			want: want{format: Usernames, tp: 1, fn: 1, p: 1, r: 1.0 / 2, f1: 2.0 / 3,
				conf: [3][2]int{{1, 1}, {0, 0}, {0, 0}}, entries: 1, listed: 1,
				misses: []string{"bob/u2"}},
		},
		{
			name: "no attack, empty list", truth: emptyTruth,
			list: "",
			want: want{format: Usernames, p: 1, r: 1, f1: 1,
				notes: []string{NotePrecision, NoteRecall}},
		},
		{
			name: "no attack, report CSV with a header only", truth: emptyTruth,
			list: "username,user_id,score,classification,reasons,campaign_id,first_suspicious_utc,last_suspicious_utc,suspicious_ips,attacker_2fa_method,email_domains,domain_shared_by,wave\n",
			want: want{format: ReportCSV, p: 1, r: 1, f1: 1,
				notes: []string{NotePrecision, NoteRecall}},
		},
		{
			// P = 0/2, R defined as 1, F1 = 2·0·1 / (0 + 1) = 0
			name: "no attack, accounts listed", truth: emptyTruth,
			list: "alice\nbob\n",
			want: want{format: Usernames, fp: 2, p: 0, r: 1, f1: 0, benign: 2, entries: 2, listed: 2,
				fps: []string{"alice//benign", "bob//benign"}, notes: []string{NoteRecall}},
		},
		{
			// P defined as 1, R = 0/2, F1 = 2·1·0 / 1 = 0
			name: "nothing listed", truth: truth5,
			list: "# nothing to freeze\n",
			want: want{format: Usernames, fn: 2, p: 1, r: 0, f1: 0,
				conf:   [3][2]int{{0, 2}, {0, 1}, {0, 2}},
				misses: []string{"alice/u1", "bob/u2"}, notes: []string{NotePrecision}},
		},
		{
			// Only an exposed account listed: TP+FP is still 0.
			name: "only an exposed account listed", truth: truth5,
			list: "carol\n",
			want: want{format: Usernames, fn: 2, exposedListed: 1, p: 1, r: 0, f1: 0,
				conf: [3][2]int{{0, 2}, {1, 0}, {0, 2}}, entries: 1, listed: 1,
				misses: []string{"alice/u1", "bob/u2"}, notes: []string{NotePrecision}},
		},
		{
			// P = 0/1, R = 0/2: F1 defined as 0.
			name: "precision and recall both 0", truth: truth5,
			list: "dave\n",
			want: want{format: Usernames, fp: 1, fn: 2, p: 0, r: 0, f1: 0,
				conf: [3][2]int{{0, 2}, {0, 1}, {1, 1}}, entries: 1, listed: 1,
				fps: []string{"dave/u4/targeted"}, misses: []string{"alice/u1", "bob/u2"}, notes: []string{NoteF1}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			truth, err := ParseTruth(strings.NewReader(tc.truth), "truth.csv")
			if err != nil {
				t.Fatal(err)
			}
			list, err := ParseFreezeList(strings.NewReader(tc.list), "freeze")
			if err != nil {
				t.Fatal(err)
			}
			r := Evaluate(truth, list)
			w := tc.want
			if r.FreezeListFormat != w.format {
				t.Errorf("format %q, want %q", r.FreezeListFormat, w.format)
			}
			if r.TP != w.tp || r.FP != w.fp || r.FN != w.fn || r.ExposedListed != w.exposedListed {
				t.Errorf("TP %d FP %d FN %d exposed %d, want %d %d %d %d", r.TP, r.FP, r.FN, r.ExposedListed, w.tp, w.fp, w.fn, w.exposedListed)
			}
			for _, m := range []struct {
				name      string
				got, want float64
			}{{"precision", r.Precision, w.p}, {"recall", r.Recall, w.r}, {"F1", r.F1, w.f1}} {
				if math.Abs(m.got-m.want) > 1e-12 {
					t.Errorf("%s %v, want %v", m.name, m.got, m.want)
				}
			}
			rows := []Cell{r.Confusion.Compromised, r.Confusion.Exposed, r.Confusion.Targeted}
			for i, row := range rows {
				if row.NotListed == nil || row.Listed != w.conf[i][0] || *row.NotListed != w.conf[i][1] {
					t.Errorf("confusion row %d: %+v, want listed %d not listed %d", i, row, w.conf[i][0], w.conf[i][1])
				}
			}
			if r.Confusion.Benign.Listed != w.benign || r.Confusion.Benign.NotListed != nil {
				t.Errorf("benign: %+v, want listed %d, not listed unknown", r.Confusion.Benign, w.benign)
			}
			if r.Entries != w.entries || r.Listed != w.listed || len(r.Duplicates) != w.dups {
				t.Errorf("entries %d listed %d duplicates %d, want %d %d %d", r.Entries, r.Listed, len(r.Duplicates), w.entries, w.listed, w.dups)
			}
			var fps, classes, reasons, misses []string
			for _, p := range r.FalsePositives {
				fps = append(fps, p.Username+"/"+p.UserID+"/"+string(p.Label))
				classes = append(classes, p.Classification)
				reasons = append(reasons, p.Reasons)
			}
			for _, m := range r.Misses {
				misses = append(misses, m.Username+"/"+m.UserID)
			}
			if !reflect.DeepEqual(fps, w.fps) {
				t.Errorf("false positives %q, want %q", fps, w.fps)
			}
			if w.fpClassify != nil && !reflect.DeepEqual(classes, w.fpClassify) {
				t.Errorf("classifications %q, want %q", classes, w.fpClassify)
			}
			if w.fpReasons != nil && !reflect.DeepEqual(reasons, w.fpReasons) {
				t.Errorf("reasons %q, want %q", reasons, w.fpReasons)
			}
			if !reflect.DeepEqual(misses, w.misses) {
				t.Errorf("misses %q, want %q", misses, w.misses)
			}
			if len(r.Notes) != len(w.notes) || (len(w.notes) > 0 && !reflect.DeepEqual(r.Notes, w.notes)) {
				t.Errorf("notes %q, want %q", r.Notes, w.notes)
			}
			if len(r.Warnings) != w.warnings {
				t.Errorf("warnings %q, want %d", r.Warnings, w.warnings)
			}
		})
	}
}

func TestDetailsOfFalsePositivesMissesAndDuplicates(t *testing.T) {
	truth, err := ParseTruth(strings.NewReader(truth5), "truth.csv")
	if err != nil {
		t.Fatal(err)
	}
	list, err := ParseFreezeList(strings.NewReader("username,user_id,classification,reasons\nDAVE,u4,suspicious,\"many IPs, one UA\"\nalice,u1,compromised,x\nAlice,,compromised,x\n"), "freeze.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(truth, list)
	// A targeted account is shown with the truth's username.
	wantFP := []FalsePositive{{Username: "dave", UserID: "u4", Label: Targeted, Classification: "suspicious", Reasons: "many IPs, one UA", Line: 2}}
	if !reflect.DeepEqual(r.FalsePositives, wantFP) {
		t.Errorf("false positives %+v, want %+v", r.FalsePositives, wantFP)
	}
	wantMiss := []Miss{{Username: "bob", UserID: "u2", Label: Compromised, Evidence: "attacker logged in at 2024-03-30T21:00:00Z from 203.0.113.6", Line: 3}}
	if !reflect.DeepEqual(r.Misses, wantMiss) {
		t.Errorf("misses %+v, want %+v", r.Misses, wantMiss)
	}
	wantDup := []Duplicate{{Line: 4, FirstLine: 3, Username: "Alice"}}
	if !reflect.DeepEqual(r.Duplicates, wantDup) {
		t.Errorf("duplicates %+v, want %+v", r.Duplicates, wantDup)
	}
}

func TestInputErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		freeze  bool // the file is a freeze list, not a truth
		content string
		want    []string
	}{
		{"empty truth file", false, "", []string{"empty", "user_id,username,label"}},
		{"truth without label column", false, "user_id,username,evidence\nu1,alice,x\n", []string{"line 1", "no label column"}},
		{"truth without username column", false, "user_id,label\nu1,compromised\n", []string{"line 1", "no username column"}},
		{"unknown label", false, "user_id,username,label,evidence\nu1,alice,compromised,x\nu2,bob,pwned,y\n", []string{"line 3", `unknown label "pwned"`}},
		{"empty label", false, "user_id,username,label,evidence\nu1,alice,,x\n", []string{"line 2", "empty label"}},
		{"row with neither user_id nor username", false, "user_id,username,label,evidence\nu1,alice,compromised,x\n,,targeted,y\n", []string{"line 3", "neither user_id nor username"}},
		{"line counted past a multi-line evidence cell", false, "user_id,username,label,evidence\nu1,alice,compromised,\"two\nlines\"\nu2,bob,bogus,\n", []string{"line 4", `"bogus"`}},
		{"duplicate user_id in truth", false, "user_id,username,label\nu1,alice,compromised\nu1,bob,targeted\n", []string{"line 3", "already on line 2"}},
		{"duplicate username in truth", false, "user_id,username,label\nu1,alice,compromised\nu2,ALICE,targeted\n", []string{"line 3", "already on line 2"}},
		{"bad CSV quoting in truth", false, "user_id,username,label\nu1,alice,compromised\nu2,bo\"b,targeted\n", []string{"line 3"}},
		{"report CSV without user_id column", true, "username,score\nalice,0.9\n", []string{"line 1", "no user_id column"}},
		{"report CSV row with neither username nor user_id", true, "username,user_id\nalice,u1\n,\n", []string{"line 3", "neither username nor user_id"}},
		{"bad CSV quoting in report CSV", true, "username,user_id\nalice,u1\n\"bob,u2\n", []string{"line 3"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "f"+string(rune('a'+i))+".csv")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			if tc.freeze {
				_, err = ReadFreezeList(path)
			} else {
				_, err = ReadTruth(path)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range append([]string{path}, tc.want...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
	missing := filepath.Join(dir, "missing.csv")
	if _, err := ReadTruth(missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing truth: %v", err)
	}
	if _, err := ReadFreezeList(missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing freeze list: %v", err)
	}
}
