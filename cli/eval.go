package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/eval"
)

// evalOptions are eval's: the truth, the freeze list, the bars and the
// output's form.
type evalOptions struct {
	TruthPath, ListPath     string
	MinPrecision, MinRecall float64
	JSON                    bool
}

// newEvalCmd binds eval's flags into its options and runs runF on them,
// evalRun if nil.
func newEvalCmd(e *env, runF func(context.Context, *evalOptions) error) *cobra.Command {
	opts := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval --truth truth.csv --freeze-list FILE",
		Short: "Measure a freeze list against the ground truth of a labelled incident",
		Long: `Measure detection quality: compare a freeze list with the truth.csv of a labelled
incident (freezeframe samples generate) and print precision, recall and F1, the
confusion table by truth label, the false positives and the misses.

The freeze list is the CSV that freezeframe report writes (columns found by name;
username and user_id are required) or a plain list of usernames, one a line, where
blank lines and lines starting with # are ignored. Entries match truth rows by
user_id when both have one, otherwise by username, case-insensitively. Accounts not
in the truth are benign.

The accounts to freeze are the compromised ones: a listed compromised account is a
hit (TP), a listed targeted or benign one a false alarm (FP), an unlisted
compromised one a miss (FN). Listed exposed accounts count as neither. Precision is
1 when the list holds no account that counts, recall is 1 when the truth holds no
compromised account; the output says when either definition was used.

The case is not opened. With --min-precision or --min-recall, the command fails
(exit 1) when the measured value is below the bar.`,
		Example: `  freezeframe eval --truth /tmp/incident/truth.csv --freeze-list freeze.csv
  freezeframe eval --truth truth.csv --freeze-list usernames.txt --min-precision 0.95 --min-recall 0.9 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.TruthPath == "" || opts.ListPath == "" {
				return usageError{fmt.Errorf("eval needs --truth FILE and --freeze-list FILE")}
			}
			for _, b := range []struct {
				flag string
				v    float64
			}{{"--min-precision", opts.MinPrecision}, {"--min-recall", opts.MinRecall}} {
				if !(b.v >= 0 && b.v <= 1) {
					return usageError{fmt.Errorf("%s %v: want a number from 0 to 1", b.flag, b.v)}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.evalRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.TruthPath, "truth", "", "truth.csv of the labelled incident (required)")
	f.StringVar(&opts.ListPath, "freeze-list", "", "freeze list: freezeframe report's CSV or one username a line (required)")
	f.Float64Var(&opts.MinPrecision, "min-precision", 0, "fail when precision is below this (0 to 1)")
	f.Float64Var(&opts.MinRecall, "min-recall", 0, "fail when recall is below this (0 to 1)")
	f.BoolVar(&opts.JSON, "json", false, "write the result as one JSON object")
	return cmd
}

// evalRun measures the freeze list against the truth and prints the result;
// it fails when a bar is not met.
func (e *env) evalRun(opts *evalOptions) error {
	truth, err := eval.ReadTruth(opts.TruthPath)
	if err != nil {
		return err
	}
	list, err := eval.ReadFreezeList(opts.ListPath)
	if err != nil {
		return err
	}
	res := eval.Evaluate(truth, list)
	if n := len(res.Duplicates); n > 0 {
		var ex []string
		for _, d := range res.Duplicates[:min(n, 5)] {
			ex = append(ex, fmt.Sprintf("line %d repeats line %d (%s)", d.Line, d.FirstLine, account(d.Username, d.UserID)))
		}
		if n > 5 {
			ex = append(ex, "…")
		}
		e.log.Warn("the freeze list names some accounts more than once; each counts once",
			"file", opts.ListPath, "duplicates", n, "examples", strings.Join(ex, "; "))
	}
	for _, w := range res.Warnings {
		e.log.Warn(w)
	}
	if opts.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else if err := writeEvalText(e.stdout, res); err != nil {
		return err
	}
	var failed []string
	if res.Precision < opts.MinPrecision {
		failed = append(failed, fmt.Sprintf("precision %d/%d = %.4f is below --min-precision %v", res.TP, res.TP+res.FP, res.Precision, opts.MinPrecision))
	}
	if res.Recall < opts.MinRecall {
		failed = append(failed, fmt.Sprintf("recall %d/%d = %.4f is below --min-recall %v", res.TP, res.TP+res.FN, res.Recall, opts.MinRecall))
	}
	if failed != nil {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}

func writeEvalText(w io.Writer, r *eval.Result) error {
	c := r.Confusion
	format := "report CSV"
	if r.FreezeListFormat == eval.Usernames {
		format = "usernames"
	}
	dups := ""
	if n := len(r.Duplicates); n > 0 {
		dups = fmt.Sprintf("; %s counted once", plural(int64(n), "duplicate", "duplicates"))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "truth:\t%s (%s: %d compromised, %d exposed, %d targeted)\n", r.TruthFile,
		plural(int64(r.Labelled), "labelled account", "labelled accounts"),
		c.Compromised.Listed+*c.Compromised.NotListed, c.Exposed.Listed+*c.Exposed.NotListed, c.Targeted.Listed+*c.Targeted.NotListed)
	fmt.Fprintf(tw, "freeze list:\t%s (%s, %s, %s%s)\n", r.FreezeListFile, format,
		plural(int64(r.Entries), "entry", "entries"), plural(int64(r.Listed), "account", "accounts"), dups)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "precision\t%.4f\tTP %d / (TP %d + FP %d)\n", r.Precision, r.TP, r.TP, r.FP)
	fmt.Fprintf(tw, "recall\t%.4f\tTP %d / (TP %d + FN %d)\n", r.Recall, r.TP, r.TP, r.FN)
	fmt.Fprintf(tw, "F1\t%.4f\n", r.F1)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "exposed accounts listed: %d (counted neither as hits nor as false alarms)\n", r.ExposedListed)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRUTH\tLISTED\tNOT LISTED")
	for _, row := range []struct {
		label string
		cell  eval.Cell
	}{{"compromised", c.Compromised}, {"exposed", c.Exposed}, {"targeted", c.Targeted}, {"benign", c.Benign}} {
		notListed := "-"
		if row.cell.NotListed != nil {
			notListed = fmt.Sprint(*row.cell.NotListed)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", row.label, row.cell.Listed, notListed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "(benign: accounts not in the truth; how many of them are not listed is unknown)")
	fmt.Fprintln(w)

	fmt.Fprintf(w, "FALSE POSITIVES (%d)\n", len(r.FalsePositives))
	if len(r.FalsePositives) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tUSER_ID\tLABEL\tCLASSIFICATION\tREASONS")
		for _, p := range r.FalsePositives {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", textCell(p.Username), textCell(p.UserID), p.Label, textCell(p.Classification), textCell(p.Reasons))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "MISSES (%d)\n", len(r.Misses))
	if len(r.Misses) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tUSER_ID\tLABEL\tEVIDENCE")
		for _, m := range r.Misses {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", textCell(m.Username), textCell(m.UserID), m.Label, textCell(m.Evidence))
		}
		return tw.Flush()
	}
	return nil
}

// textCell keeps a value on one line and one column of the text table.
func textCell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Join(strings.Fields(s), " ")
}

func account(username, userID string) string {
	switch {
	case username == "":
		return "user_id " + userID
	case userID == "":
		return username
	}
	return username + ", user_id " + userID
}
