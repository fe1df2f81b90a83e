package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/eval"
	"github.com/freezeframe/freezeframe/investigation"
	"github.com/freezeframe/freezeframe/report"
)

// analyzeOptions are what analyze was asked to do: the analysis' options
// as the flags give them, and the --previous path as given.
type analyzeOptions struct {
	investigation.Options
	PreviousPath string
}

// newAnalyzeCmd binds analyze's flags into its options and runs runF on
// them, analyzeRun if nil.
func newAnalyzeCmd(e *env, runF func(context.Context, *analyzeOptions) error) *cobra.Command {
	opts := &analyzeOptions{}
	var window, configPath string
	var sets []string
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Find the campaigns and classify every implicated account",
		Long: `Run the detection against the case: build login attempts from the snapshot's
events and the access log, find the incident window, run every heuristic
(freezeframe heuristics lists them), cluster suspicious attempts into campaigns
and classify each implicated account as compromised (to freeze), exposed,
to review, targeted or benign, with its score and the evidence.

Results replace the previous run's tables in the case (attempts, findings,
campaigns, account_verdicts, ...); every run is recorded in analysis_runs with
its parameters, tool version, the inputs' SHA-256 and its counts. The same case
and parameters give the same results.

--window FROM..TO overrides the window found automatically; times are RFC 3339
or "YYYY-MM-DD[ HH:MM[:SS]]" in UTC. --set STEP.PARAM=VALUE (repeatable) and
--config FILE (lines of STEP.PARAM = VALUE) change parameters; --set wins.
--previous FREEZE_LIST marks each account to freeze as new or already listed
and lists the ones that dropped out.

The first line of the output is the verdict: attack (a campaign was
attributed), anomaly (signals rose beyond their baselines, no campaign:
the hours and signals follow), no anomaly (with what was checked), or
inconclusive (the sources do not overlap or pair, the baseline is too
short, or too few logins: exit code 3). What the sources at hand did not
allow to check is listed after it. A case with access logs only or a
snapshot only is analysed with what it holds.`,
		Example: `  freezeframe analyze
  freezeframe analyze --window 2024-03-29T18:00Z..2024-03-31T12:00Z
  freezeframe analyze --set classify.freeze_posterior=0.95 --previous wave1/freeze-list.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			steps, err := analyze.Steps()
			if err != nil {
				return err
			}
			opts.Settings = analyze.Settings{}
			if configPath != "" {
				f, err := os.Open(configPath)
				if err != nil {
					return usageError{fmt.Errorf("--config: %w", err)}
				}
				err = opts.Settings.ReadConfig(steps, f, configPath)
				_ = f.Close() // read only: ReadConfig reports a failed read
				if err != nil {
					return usageError{err}
				}
			}
			for _, s := range sets {
				k, v, ok := strings.Cut(s, "=")
				if !ok {
					return usageError{fmt.Errorf("--set %q: want STEP.PARAM=VALUE", s)}
				}
				if err := opts.Settings.Set(steps, k, v); err != nil {
					return usageError{err}
				}
			}
			if window != "" {
				w, err := parseWindow(window)
				if err != nil {
					return usageError{err}
				}
				opts.Window = w
			}
			if cmd.Flag("memory-limit").Changed {
				opts.MemoryLimit = e.memoryLimit
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.analyzeRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&window, "window", "", "incident window FROM..TO (UTC unless the times carry an offset); default: found from the data")
	f.StringArrayVar(&sets, "set", nil, "set a parameter: STEP.PARAM=VALUE (repeatable)")
	f.StringVar(&configPath, "config", "", "file of parameters, one STEP.PARAM = VALUE a line")
	f.StringVar(&opts.PreviousPath, "previous", "", "an earlier freeze list (freeze-list.csv or usernames), to mark waves")
	return cmd
}

// analyzeRun analyzes the case and prints what the run found.
func (e *env) analyzeRun(ctx context.Context, opts *analyzeOptions) (err error) {
	if opts.PreviousPath != "" {
		p, err := readPrevious(opts.PreviousPath)
		if err != nil {
			return err
		}
		opts.Previous = p
	}
	opts.ToolVersion, opts.Logger = toolVersion(), e.log
	if !e.quiet && e.stderrIsTerminal() {
		opts.StepProgress = e.stepProgress
	}
	c, err := e.openCase(ctx, casefile.ReadWrite)
	if err != nil {
		return err
	}
	defer closeCase(c, &err)
	run, err := investigation.Steps(ctx, c, opts.Options)
	if err != nil {
		return err
	}
	if err := printAnalysis(e.stdout, run.Analysis, run.Stops, opts.PreviousPath); err != nil {
		return err
	}
	return verdictError(run.Analysis)
}

// verdictError is the error an inconclusive verdict makes the command
// exit with, nil for the others.
func verdictError(res *analyze.Result) error {
	if res.Verdict.Verdict == analyze.VerdictInconclusive {
		return inconclusiveError{res.Verdict.Reason}
	}
	return nil
}

// printAnalysis writes what an analysis run found as a two-column table,
// its verdict first; the campaign's stops at the second factor go under
// the exposed accounts they name, with those they cannot.
func printAnalysis(w io.Writer, res *analyze.Result, stops report.SecondFactorStops, previousPath string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	v := res.Verdict
	fmt.Fprintf(tw, "verdict\t%s\n", v.Verdict)
	fmt.Fprintf(tw, "why\t%s\n", v.Reason)
	if v.From.Valid {
		fmt.Fprintf(tw, "hours\t%s .. %s\n", v.From.Time.UTC().Format(time.RFC3339), v.To.Time.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "next\t%s\n", v.NextStep)
	cov := res.Coverage
	checked := cov.Sources
	if cov.Sources == "logs and snapshot" {
		checked += fmt.Sprintf("; %d of %d login events inside the logs' span paired with a log line", cov.EventsPaired, cov.EventsInOverlap)
	}
	fmt.Fprintf(tw, "checked\t%s; %.1f days of baseline\n", checked, cov.BaselineDays)
	for _, n := range cov.NotChecked {
		fmt.Fprintf(tw, "not checked\t%s\n", n)
	}
	fmt.Fprintf(tw, "run\t%d\n", res.RunID)
	switch {
	case res.WindowSource == "none" && res.WindowScore >= res.CandidateWindowScore:
		fmt.Fprintf(tw, "window\tnone found: the signals' best stretch scored %.1f, under %.0f; examined (over %.0f), its evidence named too few accounts taken over or exposed\n",
			res.WindowScore, res.MinWindowScore, res.CandidateWindowScore)
	case res.WindowSource == "none":
		fmt.Fprintf(tw, "window\tnone found: the signals' best stretch scored %.1f, under %.0f\n", res.WindowScore, res.MinWindowScore)
	default:
		fmt.Fprintf(tw, "window\t%s .. %s (%s, score %.1f)\n", res.WindowFrom.Time.UTC().Format(time.RFC3339), res.WindowTo.Time.UTC().Format(time.RFC3339), res.WindowSource, res.WindowScore)
	}
	fmt.Fprintf(tw, "login attempts\t%d\n", res.Attempts)
	fmt.Fprintf(tw, "campaigns\t%d\n", res.Campaigns)
	fmt.Fprintf(tw, "compromised (to freeze)\t%d\n", res.ToFreeze)
	if res.AlreadyHandled > 0 {
		fmt.Fprintf(tw, "  compromised, already frozen or disabled (not on the freeze list)\t%d\n", res.AlreadyHandled)
	}
	if n := res.Compromised - res.ToFreeze - res.AlreadyHandled; n > 0 {
		fmt.Fprintf(tw, "  compromised, no users row so no username (not on the freeze list; accounts.csv)\t%d\n", n)
	}
	if previousPath != "" {
		fmt.Fprintf(tw, "  new since %s\t%d\n", previousPath, res.NewToFreeze)
		fmt.Fprintf(tw, "  listed before, no longer compromised\t%d\n", res.Dropped)
	}
	fmt.Fprintf(tw, "exposed (password right, stopped by a second factor)\t%d\n", res.Exposed)
	fmt.Fprintf(tw, "  campaign logins stopped at the second factor\t%d\n", stops.Logins)
	fmt.Fprintf(tw, "  of those, on accounts the log does not name\t%d\n", stops.Unnamed)
	fmt.Fprintf(tw, "review (evidence, not enough to freeze)\t%d\n", res.Review)
	fmt.Fprintf(tw, "targeted\t%d\n", res.Targeted)
	fmt.Fprintf(tw, "benign (scored, not enough)\t%d\n", res.Benign)
	fmt.Fprintf(tw, "results sha256\t%s\n", res.ResultsSHA256)
	return tw.Flush()
}

// parseWindow reads FROM..TO.
func parseWindow(s string) (*analyze.Window, error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return nil, fmt.Errorf("--window %q: want FROM..TO, e.g. 2024-03-29T18:00Z..2024-03-31T12:00Z", s)
	}
	from, err := parseTime(a)
	if err != nil {
		return nil, fmt.Errorf("--window: %v", err)
	}
	to, err := parseTime(b)
	if err != nil {
		return nil, fmt.Errorf("--window: %v", err)
	}
	if !to.After(from) {
		return nil, fmt.Errorf("--window %q: the end must be after the start", s)
	}
	return &analyze.Window{From: from, To: to}, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05",
		"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2024-03-29T18:00:00Z) or YYYY-MM-DD[ HH:MM[:SS]] in UTC", s)
}

// readPrevious reads an earlier freeze list and hashes it.
func readPrevious(path string) (*analyze.Previous, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--previous: %w", err)
	}
	list, err := eval.ParseFreezeList(strings.NewReader(string(data)), path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p := &analyze.Previous{Path: path, SHA256: hex.EncodeToString(sum[:])}
	for _, en := range list.Entries {
		p.Usernames = append(p.Usernames, en.Username)
		p.UserIDs = append(p.UserIDs, en.UserID)
	}
	return p, nil
}
