package analyze_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/eval"
	"github.com/freezeframe/freezeframe/investigation"
	"github.com/freezeframe/freezeframe/samples"
)

// incident is a generated labelled incident ingested into a case.
type incident struct {
	dir   string
	facts *samples.Facts
	truth map[string]string // user id → label
	path  string            // the case
}

// incidents generates each labelled incident once for the subtests of
// TestGeneratedIncidents, under one temporary directory.
type incidents struct {
	dir  string
	made map[string]*incident
}

// get returns the incident of a scenario at scale 0.5 (1,000 accounts),
// generated and ingested on first use. Subtests copy its case before
// analysing it.
func (is *incidents) get(t *testing.T, scenario string, seed uint64) *incident {
	t.Helper()
	key := fmt.Sprintf("%s-%d", scenario, seed)
	if inc, ok := is.made[key]; ok {
		return inc
	}
	sc, err := samples.Lookup(scenario)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(is.dir, key)
	facts, err := samples.Generate(samples.Options{Scenario: sc, Seed: seed, Scale: 0.5, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	inc := &incident{dir: dir, facts: facts, path: filepath.Join(dir, "case.duckdb"), truth: readTruth(t, filepath.Join(dir, "truth.csv"))}
	c, err := casefile.Open(ctx, inc.path, casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ingestGenerated(t, ctx, c, dir)
	is.made[key] = inc
	return inc
}

// ingestGenerated ingests the logs and the snapshot of the incident
// samples.Generate wrote to dir into c.
func ingestGenerated(t *testing.T, ctx context.Context, c *casefile.Case, dir string) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	opts := investigation.Options{Logs: logs, Snapshot: filepath.Join(dir, "snapshot"), IngestOnly: true, ToolVersion: "test"}
	if _, err := investigation.Steps(ctx, c, opts); err != nil {
		t.Fatal(err)
	}
}

// TestGeneratedIncidents runs analyze on small generated incidents.
func TestGeneratedIncidents(t *testing.T) {
	is := &incidents{dir: t.TempDir(), made: map[string]*incident{}}
	t.Run("attack scenarios freeze the compromised accounts", func(t *testing.T) { testAttackScenarios(t, is) })
	t.Run("no attack freezes nothing", func(t *testing.T) { testNoAttack(t, is) })
	t.Run("an interrupted run changes nothing", func(t *testing.T) { testInterruptedRun(t, is) })
	t.Run("runs are recorded and repeatable", func(t *testing.T) { testRunsRecorded(t, is) })
	t.Run("a previous list marks waves", func(t *testing.T) { testWaves(t, is) })
}

// readTruth maps each labelled account's user id to its label.
func readTruth(t *testing.T, path string) map[string]string {
	t.Helper()
	truth, err := eval.ReadTruth(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, a := range truth.Accounts {
		m[strings.ToLower(a.UserID)] = string(a.Label)
	}
	return m
}

// open copies the incident's case so each test analyses its own.
func (inc *incident) open(t *testing.T) *casefile.Case {
	t.Helper()
	b, err := os.ReadFile(inc.path)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "case.duckdb")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := casefile.Open(context.Background(), p, casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type verdict struct {
	account, username, classification, campaign string
	score                                       float64
}

func verdicts(t *testing.T, c *casefile.Case) map[string]verdict {
	t.Helper()
	rows, err := c.DB.Query(`SELECT account::VARCHAR, coalesce(username, ''), classification, coalesce(campaign_id, ''), score FROM account_verdicts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]verdict{}
	for rows.Next() {
		var v verdict
		if err := rows.Scan(&v.account, &v.username, &v.classification, &v.campaign, &v.score); err != nil {
			t.Fatal(err)
		}
		out[v.account] = v
	}
	return out
}

// testAttackScenarios runs analyze with no
// window on small generated incidents of the tuning scenarios and of one
// held-out scenario and checks the accounts against the truth: the
// compromised accounts are to be frozen, in the one campaign, the exposed
// ones named exposed (by Warehouse's two-factor token); hardly anything
// else is to be frozen; attacked accounts that only failed are targeted.
func testAttackScenarios(t *testing.T, is *incidents) {
	for _, scenario := range []string{"pypi-2024-03", "datacenter", "tamper"} {
		t.Run(scenario, func(t *testing.T) {
			inc := is.get(t, scenario, 5)
			c := inc.open(t)
			res, err := analyze.Run(context.Background(), c, analyze.Options{ToolVersion: "test"})
			if err != nil {
				t.Fatal(err)
			}
			if res.WindowSource != "auto" || !res.WindowFrom.Valid {
				t.Fatalf("window %q, want one found automatically", res.WindowSource)
			}
			// The window must hold the attack and not much more.
			if res.WindowFrom.Time.After(inc.facts.AttackStart) || res.WindowTo.Time.Before(inc.facts.AttackEnd) ||
				inc.facts.AttackStart.Sub(res.WindowFrom.Time) > 6*time.Hour || res.WindowTo.Time.Sub(inc.facts.AttackEnd) > 6*time.Hour {
				t.Errorf("window %v..%v, attack ran %v..%v", res.WindowFrom.Time, res.WindowTo.Time, inc.facts.AttackStart, inc.facts.AttackEnd)
			}
			if res.Campaigns != 1 {
				t.Errorf("%d campaigns, want the one", res.Campaigns)
			}
			got := verdicts(t, c)
			var compromised, frozen, exposed, named, wrong int
			for id, label := range inc.truth {
				v := got[id]
				switch label {
				case "compromised":
					compromised++
					if v.classification == "compromised" && v.campaign == "C1" {
						frozen++
					}
				case "exposed":
					exposed++
					if v.classification == "exposed" {
						named++
					}
				}
			}
			for id, v := range got {
				if v.classification == "compromised" && inc.truth[id] != "compromised" {
					wrong++
					t.Logf("account %s (%s, truth %q) is to be frozen: score %.1f", id, v.username, inc.truth[id], v.score)
				}
			}
			if compromised == 0 || float64(frozen) < 0.9*float64(compromised) || float64(wrong) > 0.1*float64(frozen) {
				t.Errorf("%d of %d compromised accounts to be frozen in C1, and %d others", frozen, compromised, wrong)
			}
			if exposed == 0 || float64(named) < 0.9*float64(exposed) {
				t.Errorf("%d of %d exposed accounts named", named, exposed)
			}
			// Most targeted accounts were attempted once or twice from
			// rotating addresses; they must be found through the campaign.
			targeted, found := 0, 0
			for id, label := range inc.truth {
				if label == "targeted" {
					targeted++
					if got[id].classification == "targeted" {
						found++
					}
				}
			}
			if float64(found) < 0.9*float64(targeted) {
				t.Errorf("%d of %d targeted accounts classified targeted", found, targeted)
			}
		})
	}
}

// testNoAttack: a normal week (2FA mandate, travel, typos,
// NAT) gives no window, no campaign and no account to freeze.
func testNoAttack(t *testing.T, is *incidents) {
	inc := is.get(t, "no-attack", 5)
	c := inc.open(t)
	res, err := analyze.Run(context.Background(), c, analyze.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.WindowSource != "none" || res.Campaigns != 0 || res.Compromised != 0 {
		t.Fatalf("no-attack: window %s, %d campaigns, %d to freeze; want none", res.WindowSource, res.Campaigns, res.Compromised)
	}
}

// testRunsRecorded: the same case and parameters give the
// same results digest; every run is on record with its parameters and
// inputs; a given window and a changed parameter are recorded as such.
func testRunsRecorded(t *testing.T, is *incidents) {
	inc := is.get(t, "pypi-2024-03", 5)
	c := inc.open(t)
	ctx := context.Background()
	first, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if first.ResultsSHA256 != again.ResultsSHA256 || again.RunID != first.RunID+1 {
		t.Fatalf("runs %d and %d: digests %s and %s", first.RunID, again.RunID, first.ResultsSHA256, again.ResultsSHA256)
	}
	steps, _ := analyze.Steps()
	set := analyze.Settings{}
	if err := set.Set(steps, "classify.freeze_posterior", "1.01"); err != nil {
		t.Fatal(err)
	}
	w := &analyze.Window{From: inc.facts.AttackStart.Add(-time.Hour), To: inc.facts.AttackEnd.Add(time.Hour)}
	strict, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test", Settings: set, Window: w})
	if err != nil {
		t.Fatal(err)
	}
	if strict.Compromised != 0 || strict.WindowSource != "given" || !strict.WindowFrom.Time.Equal(w.From) {
		t.Errorf("freeze_posterior 1.01 with a given window: %d to freeze, window %s from %v", strict.Compromised, strict.WindowSource, strict.WindowFrom.Time)
	}
	var runs, compromised int
	var params, inputs string
	if err := c.DB.QueryRow(`SELECT count(*), arg_max(compromised, run_id), arg_max(parameters::VARCHAR, run_id), arg_max(inputs::VARCHAR, run_id) FROM analysis_runs`).
		Scan(&runs, &compromised, &params, &inputs); err != nil {
		t.Fatal(err)
	}
	if runs != 3 || compromised != 0 || !strings.Contains(params, `"classify.freeze_posterior":1.01`) ||
		!strings.Contains(params, `"window.pad_hours":2`) || strings.Count(inputs, `"sha256"`) < 2 {
		t.Errorf("analysis_runs: %d runs, last compromised %d, parameters %s, inputs %s", runs, compromised, params, inputs)
	}
	var listed int
	if err := c.DB.QueryRow(`SELECT count(*) FROM analysis_run_accounts WHERE run_id = ? AND classification = 'compromised'`, first.RunID).Scan(&listed); err != nil {
		t.Fatal(err)
	}
	if listed != first.Compromised {
		t.Errorf("run %d recorded %d accounts to freeze, reported %d", first.RunID, listed, first.Compromised)
	}
}

// testInterruptedRun: a run cancelled after the attempts are built (and
// staged in main) changes nothing: the previous results, their digest and
// the runs on record stay, and no staged or work table is left behind.
func testInterruptedRun(t *testing.T, is *incidents) {
	inc := is.get(t, "pypi-2024-03", 5)
	c := inc.open(t)
	first, err := analyze.Run(context.Background(), c, analyze.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	before := tableDigest(t, c, "attempts")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps, _ := analyze.Steps()
	set := analyze.Settings{}
	if err := set.Set(steps, "attempts.session_window_s", "60"); err != nil { // different attempts, were they kept
		t.Fatal(err)
	}
	_, err = analyze.Run(ctx, c, analyze.Options{ToolVersion: "test", Settings: set, Progress: func(step string, _, _ int) {
		if step == "history" {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if after := tableDigest(t, c, "attempts"); after != before {
		t.Errorf("a cancelled run changed attempts")
	}
	var runs, leftovers int
	if err := c.DB.QueryRow(`SELECT (SELECT count(*) FROM analysis_runs),
		(SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, 'ff_staged_') OR schema_name = 'ff_work')`).Scan(&runs, &leftovers); err != nil {
		t.Fatal(err)
	}
	if runs != 1 || leftovers != 0 {
		t.Errorf("after a cancelled run: %d runs on record (want 1), %d staged or work tables left", runs, leftovers)
	}
	again, err := analyze.Run(context.Background(), c, analyze.Options{ToolVersion: "test"})
	if err != nil || again.ResultsSHA256 != first.ResultsSHA256 {
		t.Errorf("the run after a cancelled one: %v, digest %s, want %s", err, again.ResultsSHA256, first.ResultsSHA256)
	}
}

// tableDigest is a digest of a table's rows, in no particular order.
func tableDigest(t *testing.T, c *casefile.Case, table string) string {
	t.Helper()
	var d string
	if err := c.DB.QueryRow(`SELECT count(*)::VARCHAR || ':' || coalesce(bit_xor(hash(x))::VARCHAR, '') FROM ` + table + ` x`).Scan(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// testWaves: with the first wave's list (half of the
// accounts to freeze, plus one that is not compromised), the rest are new
// and the extra one is reported as dropped.
func testWaves(t *testing.T, is *incidents) {
	inc := is.get(t, "pypi-2024-03", 5)
	c := inc.open(t)
	ctx := context.Background()
	res, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	rows, err := c.DB.Query(`SELECT username FROM account_verdicts WHERE classification = 'compromised' ORDER BY username`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	var benign string
	if err := c.DB.QueryRow(`SELECT username FROM accounts WHERE id NOT IN (SELECT account FROM account_verdicts) ORDER BY username LIMIT 1`).Scan(&benign); err != nil {
		t.Fatal(err)
	}
	half := names[:len(names)/2]
	prev := &analyze.Previous{Path: "wave1.csv", SHA256: "x", Usernames: append(append([]string{}, half...), strings.ToUpper(benign)),
		UserIDs: make([]string, len(half)+1)}
	waves, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test", Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	if waves.Compromised != res.Compromised || waves.NewToFreeze != len(names)-len(half) || waves.Dropped != 1 {
		t.Fatalf("waves: %d to freeze, %d new, %d dropped; want %d, %d, 1", waves.Compromised, waves.NewToFreeze, waves.Dropped, res.Compromised, len(names)-len(half))
	}
	var dropped, now string
	if err := c.DB.QueryRow(`SELECT username, classification_now FROM previous_dropped`).Scan(&dropped, &now); err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(dropped, benign) || now != "not implicated" {
		t.Errorf("dropped %s (%s), want %s not implicated", dropped, now, benign)
	}
	var listedWave sql.NullString
	c.DB.QueryRow(`SELECT wave FROM account_verdicts WHERE username = ?`, half[0]).Scan(&listedWave)
	if listedWave.String != "listed" {
		t.Errorf("%s was on the previous list: wave %q", half[0], listedWave.String)
	}
}
