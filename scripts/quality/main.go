// Command quality measures detection quality: for every scenario and seed it
// generates a labelled incident (samples), ingests it into a fresh case,
// runs freezeframe analyze with no window given, and compares the accounts
// to freeze with the truth (eval); then the same for the public per-source
// baselines (freezeframe baselines) on the same case. It prints two
// Markdown tables, tuning and held-out scenarios marked, for README.
//
//	go run ./scripts/quality -seeds 1,2,3 -scale 3 -work /tmp/quality
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/baselines"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/eval"
	"github.com/freezeframe/freezeframe/ingest"
	"github.com/freezeframe/freezeframe/samples"
)

func main() {
	seedsFlag := flag.String("seeds", "1,2,3", "comma-separated seeds")
	scale := flag.Float64("scale", 3, "incident size (1 = 2,000 accounts)")
	scenarios := flag.String("scenarios", strings.Join(samples.ScenarioNames(), ","), "comma-separated scenarios")
	work := flag.String("work", filepath.Join(os.TempDir(), "freezeframe-quality"), "scratch directory (emptied per run)")
	format := flag.String("log-format", "fastly-pypi", "access-log format the incidents are written in")
	reuse := flag.Bool("reuse", false, "reuse incidents and cases already in -work (only analyze again)")
	flag.Parse()
	var seeds []uint64
	for _, s := range strings.Split(*seedsFlag, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			fail(fmt.Errorf("-seeds: %v", err))
		}
		seeds = append(seeds, n)
	}
	ctx := context.Background()
	fmt.Printf("Detection quality: accounts to freeze (compromised) vs truth, scale %g (%d accounts), seeds %s, %s logs, no --window.\n\n",
		*scale, int(2000**scale), *seedsFlag, *format)
	fmt.Println("| scenario | split | compromised | listed | TP | FP | FN | precision | recall | worst seed (P / R) | window found vs attack |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	type tally struct{ tp, fp, fn, listed int }
	base := map[string]map[string]*tally{} // baseline → scenario → tally
	var baseIDs []string
	for _, name := range strings.Split(*scenarios, ",") {
		sc, err := samples.Lookup(strings.TrimSpace(name))
		if err != nil {
			fail(err)
		}
		var tp, fp, fn, listed, truthN int
		worstP, worstR := 1.0, 1.0
		var windows []string
		for _, seed := range seeds {
			r, err := one(ctx, sc, seed, *scale, *format, *work, *reuse)
			if err != nil {
				fail(fmt.Errorf("%s seed %d: %w", sc.Name, seed, err))
			}
			tp, fp, fn, listed = tp+r.res.TP, fp+r.res.FP, fn+r.res.FN, listed+r.res.Listed
			truthN += r.facts.Compromised
			worstP, worstR = min(worstP, r.res.Precision), min(worstR, r.res.Recall)
			if !slices.Contains(windows, r.window) {
				windows = append(windows, r.window)
			}
			for _, b := range r.baselines {
				if base[b.id] == nil {
					base[b.id] = map[string]*tally{}
					baseIDs = append(baseIDs, b.id)
				}
				t := base[b.id][sc.Name]
				if t == nil {
					t = &tally{}
					base[b.id][sc.Name] = t
				}
				t.tp, t.fp, t.fn, t.listed = t.tp+b.res.TP, t.fp+b.res.FP, t.fn+b.res.FN, t.listed+b.res.Listed
			}
		}
		split := "tuning"
		if sc.HeldOut {
			split = "**held out**"
		}
		fmt.Printf("| %s | %s | %d | %d | %d | %d | %d | %s | %s | %.3f / %.3f | %s |\n", sc.Name, split, truthN, listed, tp, fp, fn,
			ratio(tp, tp+fp), ratio(tp, tp+fn), worstP, worstR, strings.Join(windows, "; "))
	}
	fmt.Println()
	fmt.Println("Public per-source baselines on the same incidents (freezeframe baselines): precision / recall (listed).")
	fmt.Println()
	names := strings.Split(*scenarios, ",")
	fmt.Println("| baseline | " + strings.Join(names, " | ") + " |")
	fmt.Println("|---" + strings.Repeat("|---", len(names)) + "|")
	for _, id := range baseIDs {
		row := "| " + id
		for _, n := range names {
			t := base[id][n]
			if t == nil {
				t = &tally{}
			}
			row += fmt.Sprintf(" | %s / %s (%d)", ratio(t.tp, t.tp+t.fp), ratio(t.tp, t.tp+t.fn), t.listed)
		}
		fmt.Println(row + " |")
	}
}

type outcome struct {
	facts     *samples.Facts
	res       *eval.Result
	window    string
	baselines []baselineOutcome
}

type baselineOutcome struct {
	id  string
	res *eval.Result
}

func one(ctx context.Context, sc samples.Scenario, seed uint64, scale float64, format, work string, reuse bool) (*outcome, error) {
	dir := filepath.Join(work, fmt.Sprintf("%s-%d", sc.Name, seed))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	facts, err := readFacts(dir)
	if !reuse || err != nil {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if facts, err = samples.Generate(samples.Options{Scenario: sc, Seed: seed, Scale: scale, Out: dir, LogFormat: format}); err != nil {
			return nil, err
		}
	}
	c, err := casefile.Open(ctx, filepath.Join(dir, "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	for _, l := range logs { // a no-op for a file already in the case
		if _, err := ingest.Logs(ctx, c, l, ingest.LogOptions{ToolVersion: "quality", Logger: quiet}); err != nil {
			return nil, err
		}
	}
	if _, err := ingest.Snapshot(ctx, c, filepath.Join(dir, "snapshot"), ingest.SnapshotOptions{ToolVersion: "quality", Logger: quiet}); err != nil {
		return nil, err
	}
	run, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "quality", Logger: quiet})
	if err != nil {
		return nil, err
	}
	list, err := freezeList(ctx, c)
	if err != nil {
		return nil, err
	}
	truth, err := eval.ReadTruth(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return nil, err
	}
	o := &outcome{facts: facts, res: eval.Evaluate(truth, list), window: "none"}
	bres, err := baselines.Run(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, b := range bres {
		l := &eval.FreezeList{Path: b.ID, Format: eval.ReportCSV}
		for i, a := range b.Accounts {
			l.Entries = append(l.Entries, eval.Entry{Line: i + 2, Username: a.Username, UserID: a.UserID})
		}
		o.baselines = append(o.baselines, baselineOutcome{b.ID, eval.Evaluate(truth, l)})
	}
	if run.WindowSource != "none" {
		o.window = span(run.WindowFrom.Time, run.WindowTo.Time)
	}
	if sc.Attack {
		o.window += " vs " + span(facts.AttackStart, facts.AttackEnd)
	}
	fmt.Fprintf(os.Stderr, "%s seed %d: P %.3f R %.3f (TP %d FP %d FN %d), window %s\n", sc.Name, seed, o.res.Precision, o.res.Recall,
		o.res.TP, o.res.FP, o.res.FN, o.window)
	return o, nil
}

func readFacts(dir string) (*samples.Facts, error) {
	b, err := os.ReadFile(filepath.Join(dir, "facts.json"))
	if err != nil {
		return nil, err
	}
	var f samples.Facts
	return &f, json.Unmarshal(b, &f)
}

func freezeList(ctx context.Context, c *casefile.Case) (*eval.FreezeList, error) {
	rows, err := c.Conn.QueryContext(ctx, "SELECT username, account::VARCHAR FROM account_verdicts WHERE classification = 'compromised' ORDER BY username")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	l := &eval.FreezeList{Path: "account_verdicts", Format: eval.ReportCSV}
	for rows.Next() {
		var e eval.Entry
		if err := rows.Scan(&e.Username, &e.UserID); err != nil {
			return nil, err
		}
		e.Line = len(l.Entries) + 2
		l.Entries = append(l.Entries, e)
	}
	return l, rows.Err()
}

func span(a, b time.Time) string {
	return a.UTC().Format("01-02T15") + "–" + b.UTC().Format("01-02T15")
}

func ratio(a, b int) string {
	if b == 0 {
		return "1 (none)"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "quality:", err)
	os.Exit(1)
}
