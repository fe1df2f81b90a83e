package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/baselines"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/report"
)

// baselinesOptions are baselines': the directory the freeze lists go to.
type baselinesOptions struct {
	Out string
}

// newBaselinesCmd binds baselines' flags into its options and runs runF on
// them, baselinesRun if nil.
func newBaselinesCmd(e *env, runF func(context.Context, *baselinesOptions) error) *cobra.Command {
	opts := &baselinesOptions{}
	cmd := &cobra.Command{
		Use:   "baselines --out DIR",
		Short: "Run the public detection rules on the case and write their freeze lists",
		Long: `Run the strongest public per-source rules for credential stuffing on the case's
login attempts, so that freezeframe's detection can be compared with them on the
same data:

  elastic-stuffing-single-source  Elastic "Potential Okta Credential Stuffing (Single Source)"
  elastic-spray-multi-source      Elastic "Potential Okta Password Spray (Multi-Source)"
  crowdsec-http-bf                CrowdSec crowdsecurity/http-generic-bf, ban 4 h

The rules read the table attempts, which freezeframe analyze builds. Their
alerts become accounts to freeze as Elastic's "Successful Login After Credential
Attack" pairs them: an account that logs in successfully between the first failed
login an alert counts and 6 h after it fires, when it was one of the alert's
attacked users or the login came from an alerted address. The rules' SQL is in
sql/baselines, each file with a header giving its description, level, status,
ATT&CK tags, how it was adapted and its references.

For each rule, DIR/<rule>.csv is a freeze list (username, user_id,
classification, reasons) that freezeframe eval --freeze-list reads. The lists
replace those of an earlier run all at once, as the report's files do
(freezeframe report --help): they are links into DIR/.freezeframe-baselines/,
and other files in DIR are left alone. The case is only read.`,
		Example: `  freezeframe baselines --out baselines/
  freezeframe eval --truth truth.csv --freeze-list baselines/crowdsec-http-bf.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return usageError{fmt.Errorf("baselines needs --out DIR")}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.baselinesRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "directory to write one freeze list per baseline into (required)")
	return cmd
}

// baselinesRun runs the rules on the case and writes their freeze lists.
func (e *env) baselinesRun(ctx context.Context, opts *baselinesOptions) (err error) {
	c, err := e.openCase(ctx, casefile.ReadOnly)
	if err != nil {
		return err
	}
	defer closeCase(c, &err)
	results, err := baselines.Run(ctx, c)
	if err != nil {
		return err
	}
	names := make([]string, len(results))
	for i, r := range results {
		names[i] = r.ID + ".csv"
	}
	g, err := report.NewGroup(opts.Out, "baselines", names)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer g.Close()
	for i, r := range results {
		if err := g.File(names[i], func(w io.Writer) error { return writeBaselineList(w, r.Accounts) }); err != nil {
			return err
		}
	}
	if _, err := g.Commit(); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BASELINE\tALERTS\tACCOUNTS\tFREEZE LIST")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", r.ID, r.Alerts, len(r.Accounts), filepath.Join(opts.Out, r.ID+".csv"))
	}
	return tw.Flush()
}

// writeBaselineList writes a freeze list: username, user_id,
// classification and reasons, as eval reads it.
func writeBaselineList(w io.Writer, accounts []baselines.Account) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"username", "user_id", "classification", "reasons"})
	for _, a := range accounts {
		cw.Write([]string{a.Username, a.UserID, "compromised", a.Reason})
	}
	cw.Flush()
	return cw.Error()
}
