// Command quality measures detection quality on generated incidents: for
// every world it generates a labelled incident (samples), ingests it into a
// fresh case, runs freezeframe analyze with no window given, and compares
// the accounts to freeze and the exposed accounts with the truth (eval).
//
// With -random it draws the worlds from the attacker space by seed
// (samples.Draw) and prints the distribution of precision and recall over
// the draws (minimum, 5th percentile, median) and pooled, recall again
// counting the accounts to review, the exposed accounts' recall, what
// happened in the draws without attack, and every draw under the bar with
// its spec and the command that regenerates it. With
// -scenarios it runs fixed scenarios and prints a table per scenario; with
// -baselines also the public per-source baselines on the same cases.
//
//	go run ./scripts/quality -random -seeds 1000..1099 -scale 3
//	go run ./scripts/quality -scenarios no-attack -seeds 2000..2049
//	go run ./scripts/quality -scenarios pypi-2024-03,human-like -seeds 1,2,3 -baselines
//
// Seeds below 1000 are for tuning; report only seeds from 1000 up.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
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
	"github.com/freezeframe/freezeframe/investigation"
	"github.com/freezeframe/freezeframe/samples"
)

type config struct {
	scale        float64
	work, format string
	sources      string // both, logs or snapshot: what of each world is ingested
	reuse, base  bool
	minP, minR   float64
	settings     analyze.Settings
}

func main() {
	seedsFlag := flag.String("seeds", "1,2,3", "seeds: a list (1,2,3) or a range (1000..1099)")
	random := flag.Bool("random", false, "draw each world from the attacker space by its seed")
	scenarios := flag.String("scenarios", "", "comma-separated fixed scenarios (instead of -random)")
	cfg := config{}
	flag.Float64Var(&cfg.scale, "scale", 3, "incident size (1 = 2,000 accounts)")
	flag.StringVar(&cfg.work, "work", filepath.Join(os.TempDir(), "freezeframe-quality"), "scratch directory, one folder per world")
	flag.StringVar(&cfg.format, "log-format", "fastly-pypi", "access-log format the incidents are written in")
	flag.StringVar(&cfg.sources, "sources", "both", "what of each world to ingest: both, logs (access logs only) or snapshot (the snapshot only)")
	flag.BoolVar(&cfg.reuse, "reuse", false, "reuse incidents and cases already in -work (analyze again only)")
	flag.BoolVar(&cfg.base, "baselines", false, "also run the public per-source baselines")
	flag.Float64Var(&cfg.minP, "min-precision", 0.95, "a draw below this precision is listed as failing")
	flag.Float64Var(&cfg.minR, "min-recall", 0.90, "a draw below this recall is listed as failing")
	var sets multiFlag
	flag.Var(&sets, "set", "STEP.PARAM=VALUE passed to analyze (repeatable)")
	flag.Parse()
	seeds, err := parseSeeds(*seedsFlag)
	if err != nil {
		fail(fmt.Errorf("-seeds: %w", err))
	}
	if !slices.Contains([]string{"both", "logs", "snapshot"}, cfg.sources) {
		fail(fmt.Errorf("-sources %q: want both, logs or snapshot", cfg.sources))
	}
	steps, err := analyze.Steps()
	if err != nil {
		fail(err)
	}
	cfg.settings = analyze.Settings{}
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.settings.Set(steps, k, v); err != nil {
			fail(err)
		}
	}
	if *random == (*scenarios != "") {
		fail(fmt.Errorf("give -random or -scenarios"))
	}
	ctx := context.Background()
	if *random {
		runRandom(ctx, cfg, seeds, *seedsFlag)
		return
	}
	runScenarios(ctx, cfg, seeds, strings.Split(*scenarios, ","), *seedsFlag)
}

// outcome is what one world gave.
type outcome struct {
	world    samples.Scenario
	seed     uint64
	facts    *samples.Facts
	res      *eval.Result
	reviewed *eval.Result // the accounts to freeze and those to review, as one list
	exposed  *eval.ExposedResult
	run      *analyze.Result
	window   string
	base     []baselineOutcome
	replay   string
	duration time.Duration
}

type baselineOutcome struct {
	id  string
	res *eval.Result
}

func runRandom(ctx context.Context, cfg config, seeds []uint64, seedText string) {
	var outs []*outcome
	for _, seed := range seeds {
		o, err := one(ctx, cfg, samples.Scenarios["random"], seed)
		if err != nil {
			fail(fmt.Errorf("random seed %d: %w", seed, err))
		}
		outs = append(outs, o)
	}
	var ps, rs, rrs, es []float64
	var quiet, quietWindows, quietFrozen, attacks int
	var tp, fp, fn, rtp, rfp int // pooled over the draws with an attack
	var failing []*outcome
	verdicts := map[bool]map[string]int{false: {}, true: {}} // with an attack or not → verdict → draws
	for _, o := range outs {
		verdicts[o.world.Attacker != nil][o.run.Verdict.Verdict]++
		if o.world.Attacker == nil {
			quiet++
			if o.run.WindowSource != "none" {
				quietWindows++
			}
			if o.res.Listed > 0 || o.exposed.Listed > 0 {
				quietFrozen++
				failing = append(failing, o)
			}
			continue
		}
		attacks++
		ps, rs, rrs = append(ps, o.res.Precision), append(rs, o.res.Recall), append(rrs, o.reviewed.Recall)
		tp, fp, fn, rtp, rfp = tp+o.res.TP, fp+o.res.FP, fn+o.res.FN, rtp+o.reviewed.TP, rfp+o.reviewed.FP
		if o.exposed.Truth > 0 {
			es = append(es, o.exposed.Recall)
		}
		if o.res.Precision < cfg.minP || o.res.Recall < cfg.minR {
			failing = append(failing, o)
		}
	}
	fmt.Printf("Detection quality on %d worlds drawn from the attacker space, seeds %s, scale %g (%d accounts), %s logs, sources ingested: %s, no --window.\n\n",
		len(outs), seedText, cfg.scale, int(2000*cfg.scale), cfg.format, cfg.sources)
	fmt.Println("| measure | draws | min | 5th percentile | median | mean |")
	fmt.Println("|---|---|---|---|---|---|")
	row := func(name string, v []float64) {
		fmt.Printf("| %s | %d | %s | %s | %s | %s |\n", name, len(v), num(minOf(v)), num(percentile(v, 5)), num(percentile(v, 50)), num(mean(v)))
	}
	row("precision (accounts to freeze)", ps)
	row("recall (accounts to freeze)", rs)
	row("recall counting the accounts to review (a human decides)", rrs)
	row("recall of exposed accounts (draws with any)", es)
	fmt.Printf("\nPooled over the %d draws with an attack: precision %s (%d of %d frozen), recall %s (%d of %d); "+
		"counting the accounts to review, recall %s, with %d other accounts to review.\n",
		attacks, ratio(tp, tp+fp), tp, tp+fp, ratio(tp, tp+fn), tp, tp+fn, ratio(rtp, tp+fn), rfp-fp)
	fmt.Printf("\nDraws without attack: %d; a window found in %d, an account frozen or named exposed in %d.\n", quiet, quietWindows, quietFrozen)
	fmt.Printf("Verdicts, draws with an attack: %s; without: %s.\n", verdictCounts(verdicts[true]), verdictCounts(verdicts[false]))
	fmt.Printf("Draws under the bar (precision < %.2f or recall < %.2f, or frozen without attack): %d of %d.\n\n", cfg.minP, cfg.minR, len(failing), len(outs))
	if len(failing) > 0 {
		fmt.Println("| seed | P | R | TP / FP / FN | exposed named / truth | window vs attack | world | replay |")
		fmt.Println("|---|---|---|---|---|---|---|---|")
		for _, o := range failing {
			fmt.Printf("| %d | %.3f | %.3f | %d / %d / %d | %d / %d | %s | %s | `%s` |\n", o.seed, o.res.Precision, o.res.Recall,
				o.res.TP, o.res.FP, o.res.FN, o.exposed.Hits, o.exposed.Truth, o.window, o.world.Spec(), o.replay)
		}
	}
}

func runScenarios(ctx context.Context, cfg config, seeds []uint64, names []string, seedText string) {
	fmt.Printf("Detection quality: accounts to freeze (compromised) vs truth, scale %g (%d accounts), seeds %s, %s logs, no --window.\n\n",
		cfg.scale, int(2000*cfg.scale), seedText, cfg.format)
	fmt.Println("| scenario | split | compromised | listed | TP | FP | FN | precision | recall | worst seed (P / R) | exposed named / truth | windows | verdicts |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	type tally struct{ tp, fp, fn, listed int }
	base := map[string]map[string]*tally{} // baseline → scenario → tally
	var baseIDs []string
	for _, name := range names {
		sc, err := samples.Lookup(strings.TrimSpace(name))
		if err != nil {
			fail(err)
		}
		var t tally
		var truthN, expHits, expTruth int
		worstP, worstR := 1.0, 1.0
		var windows []string
		verdicts := map[string]int{}
		heldOut := sc.HeldOut || slices.Min(seeds) >= 1000 // a drawn world is held out by its seed
		for _, seed := range seeds {
			o, err := one(ctx, cfg, sc, seed)
			if err != nil {
				fail(fmt.Errorf("%s seed %d: %w", sc.Name, seed, err))
			}
			t.tp, t.fp, t.fn, t.listed = t.tp+o.res.TP, t.fp+o.res.FP, t.fn+o.res.FN, t.listed+o.res.Listed
			truthN += o.facts.Compromised
			expHits, expTruth = expHits+o.exposed.Hits, expTruth+o.exposed.Truth
			worstP, worstR = min(worstP, o.res.Precision), min(worstR, o.res.Recall)
			verdicts[o.run.Verdict.Verdict]++
			if !slices.Contains(windows, o.window) {
				windows = append(windows, o.window)
			}
			for _, b := range o.base {
				if base[b.id] == nil {
					base[b.id] = map[string]*tally{}
					baseIDs = append(baseIDs, b.id)
				}
				bt := base[b.id][sc.Name]
				if bt == nil {
					bt = &tally{}
					base[b.id][sc.Name] = bt
				}
				bt.tp, bt.fp, bt.fn, bt.listed = bt.tp+b.res.TP, bt.fp+b.res.FP, bt.fn+b.res.FN, bt.listed+b.res.Listed
			}
		}
		split := "tuning"
		if heldOut {
			split = "**held out**"
		}
		fmt.Printf("| %s | %s | %d | %d | %d | %d | %d | %s | %s | %.3f / %.3f | %d / %d | %s | %s |\n", sc.Name, split, truthN, t.listed, t.tp, t.fp, t.fn,
			ratio(t.tp, t.tp+t.fp), ratio(t.tp, t.tp+t.fn), worstP, worstR, expHits, expTruth, strings.Join(windows, "; "), verdictCounts(verdicts))
	}
	if !cfg.base {
		return
	}
	fmt.Println()
	fmt.Println("Public per-source baselines on the same incidents (freezeframe baselines): precision / recall (listed).")
	fmt.Println()
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

// one generates (or reuses) the world of a scenario and seed, ingests it,
// analyses it and scores the result.
func one(ctx context.Context, cfg config, sc samples.Scenario, seed uint64) (_ *outcome, err error) {
	start := time.Now()
	dir := filepath.Join(cfg.work, fmt.Sprintf("%s-%d-x%g", sc.Name, seed, cfg.scale))
	facts, err := readFacts(dir)
	if !cfg.reuse || err != nil {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if facts, err = samples.Generate(samples.Options{Scenario: sc, Seed: seed, Scale: cfg.scale, Out: dir, LogFormat: cfg.format}); err != nil {
			return nil, err
		}
	}
	name := "case.duckdb"
	if cfg.sources != "both" {
		name = "case-" + cfg.sources + ".duckdb"
	}
	c, err := casefile.Open(ctx, filepath.Join(dir, name), casefile.ReadWrite)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := c.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	opts := investigation.Options{Settings: cfg.settings, ToolVersion: "quality"}
	if cfg.sources != "snapshot" {
		// a no-op for a file already in the case
		opts.Logs, _ = filepath.Glob(filepath.Join(dir, "logs", "*"))
	}
	if cfg.sources != "logs" {
		opts.Snapshot = filepath.Join(dir, "snapshot")
	}
	steps, err := investigation.Steps(ctx, c, opts)
	if err != nil {
		return nil, err
	}
	run := steps.Analysis
	truth, err := eval.ReadTruth(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return nil, err
	}
	freeze, err := listOf(ctx, c, "compromised")
	if err != nil {
		return nil, err
	}
	exposed, err := listOf(ctx, c, "exposed")
	if err != nil {
		return nil, err
	}
	review, err := listOf(ctx, c, "review")
	if err != nil {
		return nil, err
	}
	both := &eval.FreezeList{Path: "account_verdicts", Format: eval.ReportCSV}
	for _, e := range append(slices.Clone(freeze.Entries), review.Entries...) {
		e.Line = len(both.Entries) + 2
		both.Entries = append(both.Entries, e)
	}
	o := &outcome{world: facts.World, seed: seed, facts: facts, run: run, window: "none",
		res: eval.Evaluate(truth, freeze), reviewed: eval.Evaluate(truth, both), exposed: eval.EvaluateExposed(truth, exposed),
		replay: fmt.Sprintf("freezeframe samples generate --scenario %s --seed %d --scale %g --out DIR", sc.Name, seed, cfg.scale)}
	if cfg.base {
		bres, err := baselines.Run(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, b := range bres {
			l := &eval.FreezeList{Path: b.ID, Format: eval.ReportCSV}
			for i, a := range b.Accounts {
				l.Entries = append(l.Entries, eval.Entry{Line: i + 2, Username: a.Username, UserID: a.UserID})
			}
			o.base = append(o.base, baselineOutcome{b.ID, eval.Evaluate(truth, l)})
		}
	}
	if run.WindowSource != "none" {
		o.window = span(run.WindowFrom.Time, run.WindowTo.Time)
	}
	if facts.World.Attacker != nil {
		o.window += " vs " + span(facts.AttackStart, facts.AttackEnd)
	}
	o.duration = time.Since(start)
	fmt.Fprintf(os.Stderr, "%s seed %d: P %.3f R %.3f (TP %d FP %d FN %d), exposed %d/%d named of %d, window %s (scan score %.1f), verdict %s, %.1f s — %s\n", sc.Name, seed,
		o.res.Precision, o.res.Recall, o.res.TP, o.res.FP, o.res.FN, o.exposed.Hits, o.exposed.Truth, o.exposed.Listed, o.window, run.WindowScore, run.Verdict.Verdict, o.duration.Seconds(), facts.Spec)
	return o, nil
}

// verdictCounts writes verdict counts in a fixed order.
func verdictCounts(m map[string]int) string {
	var parts []string
	for _, v := range []string{analyze.VerdictAttack, analyze.VerdictAnomaly, analyze.VerdictNoAnomaly, analyze.VerdictInconclusive} {
		parts = append(parts, fmt.Sprintf("%s %d", v, m[v]))
	}
	return strings.Join(parts, ", ")
}

func readFacts(dir string) (*samples.Facts, error) {
	b, err := os.ReadFile(filepath.Join(dir, "facts.json"))
	if err != nil {
		return nil, err
	}
	var f samples.Facts
	return &f, json.Unmarshal(b, &f)
}

// listOf reads the accounts of one classification from the analysis.
func listOf(ctx context.Context, c *casefile.Case, class string) (*eval.FreezeList, error) {
	rows, err := c.Conn.QueryContext(ctx, "SELECT coalesce(username, ''), account::VARCHAR FROM account_verdicts WHERE classification = ? ORDER BY account", class)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
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

func parseSeeds(s string) ([]uint64, error) {
	if a, b, ok := strings.Cut(s, ".."); ok {
		lo, err := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
		if err != nil {
			return nil, err
		}
		hi, err := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
		if err != nil || hi < lo {
			return nil, fmt.Errorf("range %q: want LOW..HIGH", s)
		}
		var seeds []uint64
		for x := lo; x <= hi; x++ {
			seeds = append(seeds, x)
		}
		return seeds, nil
	}
	var seeds []uint64
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, err
		}
		seeds = append(seeds, n)
	}
	return seeds, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// percentile is the nearest-rank p-th percentile; NaN for no values.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	k := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, k)]
}

func minOf(v []float64) float64 { return percentile(v, 0) }

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.3f", x)
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
