package analyze

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

const goodHeader = `-- id: sample-heuristic
-- kind: heuristic
-- title: A heuristic for the tests
-- level: medium
-- status: experimental
-- tags: attack.credential_access attack.t1110.004
-- reads: findings
-- results: sample_table other_table
-- description: Logins that look like the tests': a first line
--   continued on a second.
-- false positives: None known.
-- parameters:
--   weight = 3: points for a login
--   share = 0.25: a share, with a colon: in its doc
--   path = /account/login/: a path
-- references: The tests
--   and their continuation

-- the SQL begins here
CREATE OR REPLACE TEMP TABLE sample_table AS SELECT getvariable('weight') AS w, getvariable('window_from') AS f;
INSERT INTO findings SELECT getvariable('share'), getvariable('path');
`

func TestParseStepHeader(t *testing.T) {
	s, err := parseStep("analyze/99_sample.sql", goodHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, got, want string }{
		{"ID", s.ID, "sample-heuristic"},
		{"Kind", s.Kind, KindHeuristic},
		{"Title", s.Title, "A heuristic for the tests"},
		{"Description", s.Description, "Logins that look like the tests': a first line continued on a second."},
		{"Level", s.Level, "medium"},
		{"Status", s.Status, "experimental"},
		{"FalsePositives", s.FalsePositives, "None known."},
		{"References", s.References, "The tests and their continuation"},
		{"File", s.File, "analyze/99_sample.sql"},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
	}
	wantParams := []Param{
		{"weight", "3", "points for a login"},
		{"share", "0.25", "a share, with a colon: in its doc"},
		{"path", "/account/login/", "a path"},
	}
	if !slices.Equal(s.Params, wantParams) {
		t.Errorf("Params = %q, want %q", s.Params, wantParams)
	}
	if !slices.Equal(s.Tags, []string{"attack.credential_access", "attack.t1110.004"}) {
		t.Errorf("Tags = %q", s.Tags)
	}
	if !slices.Equal(s.Reads, []string{"findings"}) {
		t.Errorf("Reads = %q", s.Reads)
	}
	if !slices.Equal(s.Results, []string{"sample_table", "other_table"}) {
		t.Errorf("Results = %q", s.Results)
	}
	if !strings.HasPrefix(s.SQL, "\n-- the SQL begins here\nCREATE OR REPLACE TEMP TABLE sample_table") {
		t.Errorf("SQL starts %q, want the text after the header", s.SQL[:min(60, len(s.SQL))])
	}
	if p, ok := s.Param("share"); !ok || p.Default != "0.25" {
		t.Errorf("Param(share) = %v, %v", p, ok)
	}
	if _, ok := s.Param("nope"); ok {
		t.Error("Param(nope) found")
	}
}

func TestParseStepErrors(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(goodHeader, old) {
			t.Fatalf("the header has no %q", old)
		}
		return strings.Replace(goodHeader, old, new, 1)
	}
	for _, c := range []struct {
		name, text, want string
	}{
		{"unknown key", replace("-- false positives: None known.\n", "-- false positives: None known.\n-- severity: high\n"),
			`analyze/99_sample.sql line 12: unknown header key "severity"`},
		{"heuristic without false positives", replace("-- false positives: None known.\n", ""),
			"analyze/99_sample.sql: a heuristic's header must give its false positives, references and ATT&CK tags"},
		{"heuristic without references", replace("-- references: The tests\n--   and their continuation\n", ""),
			"analyze/99_sample.sql: a heuristic's header must give its false positives, references and ATT&CK tags"},
		{"undeclared variable", replace("getvariable('share')", "getvariable('shares')"),
			"analyze/99_sample.sql reads getvariable('shares'), which is not one of its parameters"},
		{"heuristic without tags", replace("-- tags: attack.credential_access attack.t1110.004\n", ""), "analyze/99_sample.sql: a heuristic's header must give its false positives, references and ATT&CK tags"},
		{"not an ATT&CK tag", replace("attack.t1110.004", "T1110.004"),
			`analyze/99_sample.sql: tag "T1110.004" is not an ATT&CK tag like attack.t1110.004 or attack.credential_access`},
		{"no level", replace("-- level: medium\n", ""),
			`analyze/99_sample.sql: level ""; want one of informational, low, medium, high, critical`},
		{"a level Sigma has not", replace("-- level: medium", "-- level: severe"),
			`analyze/99_sample.sql: level "severe"; want one of informational, low, medium, high, critical`},
		{"no status", replace("-- status: experimental\n", ""), `analyze/99_sample.sql: status ""; want one of experimental, test, stable`},
		{"catches, the old key", replace("-- description:", "-- catches:"), `analyze/99_sample.sql line 9: unknown header key "catches"`},
		{"no id", replace("-- id: sample-heuristic\n", ""), "analyze/99_sample.sql: the header needs an id, a title and a description"},
		{"bad kind", replace("-- kind: heuristic", "-- kind: rule"), `analyze/99_sample.sql: kind "rule"; want stage or heuristic`},
		{"stray header line", replace("-- false positives: None known.\n", "-- false positives: None known.\n--Oops\n"),
			`analyze/99_sample.sql line 12: header line "--Oops" is neither "-- key: value", a continuation nor a parameter`},
		{"parameter without a default", replace("--   weight = 3: points", "--   weight = : points"),
			`analyze/99_sample.sql line 13: header line "--   weight = : points for a login" is neither "-- key: value", a continuation nor a parameter`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseStep("analyze/99_sample.sql", c.text)
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
	// A stage needs neither tags nor false positives, and may read the
	// window the runner sets.
	stage := "-- id: s\n-- kind: stage\n-- title: A stage\n-- level: informational\n-- status: test\n-- description: D\nSELECT getvariable('window_to');\n"
	if _, err := parseStep("analyze/01_s.sql", stage); err != nil {
		t.Errorf("a bare stage: %v", err)
	}
}

func TestLoadStepsDuplicateIDs(t *testing.T) {
	stage := func(id string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(stageHeader(id) + "SELECT 1;\n")}
	}
	steps, err := loadSteps(fstest.MapFS{
		"analyze/20_b.sql": stage("b"), "analyze/10_a.sql": stage("a"), "analyze/README.md": {Data: []byte("not a step")},
	}, "analyze")
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].ID != "a" || steps[1].ID != "b" {
		t.Errorf("steps %v, want a then b, in file order", steps)
	}
	_, err = loadSteps(fstest.MapFS{"analyze/10_a.sql": stage("a"), "analyze/20_b.sql": stage("a")}, "analyze")
	if want := `analyze/20_b.sql: id "a" is already used by analyze/10_a.sql`; err == nil || err.Error() != want {
		t.Errorf("duplicate ids: %v, want %q", err, want)
	}
	_, err = loadSteps(fstest.MapFS{"analyze/10_a.sql": {Data: []byte("-- id: a\n-- kind: stage\nSELECT 1;\n")}}, "analyze")
	if err == nil || !strings.Contains(err.Error(), "analyze/10_a.sql: the header needs an id, a title and a description") {
		t.Errorf("a file without a title: %v", err)
	}
}

// stageHeader is the least header a stage needs.
func stageHeader(id string) string {
	return "-- id: " + id + "\n-- kind: stage\n-- title: T\n-- level: informational\n-- status: test\n-- description: D\n"
}

// TestLoadStepsChecksReads: a step's reads: lists exactly the tables of the
// schema, the runner and the other steps its SQL reads or writes into, and
// each is made before it runs.
func TestLoadStepsChecksReads(t *testing.T) {
	step := func(id, reads, sql string) *fstest.MapFile {
		h := stageHeader(id)
		if reads != "" {
			h += "-- reads: " + reads + "\n"
		}
		return &fstest.MapFile{Data: []byte(h + sql)}
	}
	maker := step("a", "", "CREATE OR REPLACE TEMP TABLE a_made AS SELECT 1 AS x;\n")
	reader := "\n-- a comment FROM evidence does not count\nSELECT * FROM a_made JOIN requests USING (x) JOIN previous_list USING (x);\nINSERT INTO a_made SELECT 2;\n"
	if _, err := loadSteps(fstest.MapFS{"analyze/10_a.sql": maker, "analyze/20_b.sql": step("b", "a_made requests previous_list", reader)}, "analyze"); err != nil {
		t.Errorf("a step reading an earlier step's table, the schema's and the runner's: %v", err)
	}
	for _, c := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"made by a later step", fstest.MapFS{"analyze/30_a.sql": maker, "analyze/20_b.sql": step("b", "a_made requests previous_list", reader)},
			"analyze/20_b.sql reads table a_made, which neither the schema nor an earlier step makes"},
		{"made by none", fstest.MapFS{"analyze/20_b.sql": step("b", "nosuch", "SELECT * FROM nosuch;\n")},
			"analyze/20_b.sql reads table nosuch, which neither the schema nor an earlier step makes"},
		{"not listed", fstest.MapFS{"analyze/10_a.sql": maker, "analyze/20_b.sql": step("b", "a_made previous_list", reader)},
			"analyze/20_b.sql reads table requests, which its header's reads: does not list"},
		{"listed, not read", fstest.MapFS{"analyze/10_a.sql": maker, "analyze/20_b.sql": step("b", "a_made requests previous_list sources", reader)},
			"analyze/20_b.sql lists sources under reads:, which its SQL does not read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadSteps(c.fsys, "analyze")
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestSettingsSet(t *testing.T) {
	steps, err := Steps()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, value, want string }{
		{"classify", "8", `parameter "classify": want STEP.PARAM=VALUE, e.g. classify.freeze_posterior=0.95 (freezeframe heuristics lists them)`},
		{"nosuch.weight", "1", `parameter "nosuch.weight": no step or heuristic "nosuch" (freezeframe heuristics lists them)`},
		{"dormant-wake.w_slow", "1", `parameter "dormant-wake.w_slow": dormant-wake has no parameter "w_slow"; it has quiet_days, dormant_days`},
		{"findings.x", "1", `parameter "findings.x": findings has no parameters`},
		{"classify.min_score", "high", "parameter classify.min_score=high: want a whole number, like its default 3"},
		{"classify.min_score", "  ", "parameter classify.min_score=: empty value"},
	} {
		err := Settings{}.Set(steps, c.key, c.value)
		if err == nil || err.Error() != c.want {
			t.Errorf("Set(%s, %q): %v, want %q", c.key, c.value, err, c.want)
		}
	}
	s := Settings{}
	for k, v := range map[string]string{
		"classify.min_score":        " 14 ",    // trimmed
		"classify.freeze_posterior": "0.95",    // a float for a float
		"attempts.login_path":       "/login/", // a string where the default is one
		"dormant-wake.dormant_days": "120",
	} {
		if err := s.Set(steps, k, v); err != nil {
			t.Errorf("Set(%s, %q): %v", k, v, err)
		}
	}
	if s["classify.min_score"] != "14" || s["attempts.login_path"] != "/login/" || len(s) != 4 {
		t.Errorf("settings %v", s)
	}
	// value: the setting typed, else the default.
	i := slices.IndexFunc(steps, func(st Step) bool { return st.ID == "classify" })
	p, _ := steps[i].Param("min_score")
	if v := s.value(steps[i], p); v != int64(14) {
		t.Errorf("value(classify.min_score) = %#v, want int64 14", v)
	}
	if v := (Settings{}).value(steps[i], p); v != int64(3) {
		t.Errorf("default classify.min_score = %#v, want int64 3", v)
	}
}

func TestReadConfig(t *testing.T) {
	steps, err := Steps()
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{}
	good := "# thresholds for the second wave\n\nclassify.min_score = 10\n  dormant-wake.dormant_days=60  \n"
	if err := s.ReadConfig(steps, strings.NewReader(good), "wave2.conf"); err != nil {
		t.Fatal(err)
	}
	if s["classify.min_score"] != "10" || s["dormant-wake.dormant_days"] != "60" || len(s) != 2 {
		t.Errorf("settings %v", s)
	}
	for _, c := range []struct{ text, want string }{
		{"# comment\n\nclassify.min_score = 10\ndormant-wake.w_slow = 1\n",
			`wave2.conf line 4: parameter "dormant-wake.w_slow": dormant-wake has no parameter "w_slow"; it has quiet_days, dormant_days`},
		{"classify.min_score = 10\nfreeze everything\n", `wave2.conf line 2: "freeze everything" is not STEP.PARAM = VALUE`},
		{"\n\n\nclassify.min_score = twelve\n", "wave2.conf line 4: parameter classify.min_score=twelve: want a whole number, like its default 3"},
	} {
		err := Settings{}.ReadConfig(steps, strings.NewReader(c.text), "wave2.conf")
		if err == nil || err.Error() != c.want {
			t.Errorf("ReadConfig(%q): %v, want %q", c.text, err, c.want)
		}
	}
}

// TestEmbeddedSteps: every file of sql/analyze parses; the heuristics are
// the documented ones, each saying what it catches, its false positives,
// its references and the ATT&CK techniques it detects, writing findings under its own id, and naming every table
// it leaves; every parameter is read; no two steps save the same table.
func isTechnique(tag string) bool { return strings.HasPrefix(tag, "attack.t") }

func TestEmbeddedSteps(t *testing.T) {
	steps, err := Steps()
	if err != nil {
		t.Fatal(err)
	}
	var heuristics []string
	saved := map[string]string{}
	created := regexp.MustCompile(`CREATE OR REPLACE (?:TEMP )?TABLE (?:main\.ff_staged_)?([a-z_]+)`) // staged: built in main, renamed at publish
	for _, st := range steps {
		for _, p := range st.Params {
			if !strings.Contains(st.SQL, "getvariable('"+p.Name+"')") {
				t.Errorf("%s: parameter %s is never read", st.File, p.Name)
			}
			if p.Doc == "" {
				t.Errorf("%s: parameter %s has no meaning", st.File, p.Name)
			}
		}
		var tables []string
		for _, m := range created.FindAllStringSubmatch(st.SQL, -1) {
			tables = append(tables, m[1])
		}
		for _, r := range st.Results {
			if !slices.Contains(tables, r) {
				t.Errorf("%s: result %s is not a table it creates", st.File, r)
			}
			if other, ok := saved[r]; ok {
				t.Errorf("%s: result %s is also saved by %s", st.File, r, other)
			}
			saved[r] = st.File
		}
		if st.Kind != KindHeuristic {
			continue
		}
		heuristics = append(heuristics, st.ID)
		if st.Description == "" || st.FalsePositives == "" || st.References == "" || !slices.ContainsFunc(st.Tags, isTechnique) {
			t.Errorf("%s: description %q, false positives %q, references %q, tags %q (want an ATT&CK technique)",
				st.File, st.Description, st.FalsePositives, st.References, st.Tags)
		}
		if !(strings.Contains(st.SQL, "INSERT INTO evidence") || strings.Contains(st.SQL, "INSERT INTO findings")) || !strings.Contains(st.SQL, "'"+st.ID+"'") {
			t.Errorf("%s: does not insert evidence or findings as %q", st.File, st.ID)
		}
		// A heuristic's tables are its results: it leaves no scratch.
		for _, table := range tables {
			if !slices.Contains(st.Results, table) {
				t.Errorf("%s creates %s but does not name it in results", st.File, table)
			}
		}
	}
	want := []string{"novel-login", "dormant-wake", "bot-speed", "client-shape", "campaign-country", "fanout",
		"unexpected-2fa", "success-after-attack", "takeover-actions", "impossible-travel", "failure-rate"}
	// The documented ones, in this order; later ones may come between.
	rest := heuristics
	for _, id := range want {
		i := slices.Index(rest, id)
		if i < 0 {
			t.Errorf("heuristics %q: %s missing or out of order (want %q in order)", heuristics, id, want)
			break
		}
		rest = rest[i+1:]
	}
	for _, r := range []string{"findings", "attempts", "analysis_window", "attempt_scores", "evidence_weights", "campaigns", "campaign_attempts", "account_verdicts", "previous_dropped"} {
		if saved[r] == "" {
			t.Errorf("no step saves %s", r)
		}
	}
}
