package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/analyze"
)

// heuristicsOptions are heuristics': the steps asked for (none: every
// heuristic), whether stages are included, and whether as JSON.
type heuristicsOptions struct {
	IDs       []string
	All, JSON bool
}

// newHeuristicsCmd binds heuristics' flags into its options and runs runF
// on them, heuristicsRun if nil.
func newHeuristicsCmd(e *env, runF func(*heuristicsOptions) error) *cobra.Command {
	opts := &heuristicsOptions{}
	cmd := &cobra.Command{
		Use:   "heuristics [ID...]",
		Short: "List the heuristics analyze runs, with their parameters",
		Long: `List the heuristics freezeframe analyze runs: id, title and parameters with
their defaults, level and status. With IDs, show those steps in full: what they
catch, their level (informational to critical) and status (experimental, test,
stable) as Sigma rules give them, their MITRE ATT&CK tags, the tables they read,
their known false positives, parameters and references. --all includes the stages
(attempts, window, campaigns, classification), whose parameters can be set too.
Each is one .sql file under sql/analyze in the source; the SQL that runs is the
file itself.`,
		Example: `  freezeframe heuristics
  freezeframe heuristics unexpected-2fa classify
  freezeframe heuristics --all --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			if runF != nil {
				return runF(opts)
			}
			return e.heuristicsRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "include the stages, not only the heuristics")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// heuristicsRun lists the steps asked for, or shows them in full.
func (e *env) heuristicsRun(opts *heuristicsOptions) error {
	steps, err := analyze.Steps()
	if err != nil {
		return err
	}
	var shown []analyze.Step
	for _, st := range steps {
		if len(opts.IDs) > 0 {
			if slices.Contains(opts.IDs, st.ID) {
				shown = append(shown, st)
			}
		} else if opts.All || st.Kind == analyze.KindHeuristic {
			shown = append(shown, st)
		}
	}
	var missing []string
	for _, a := range opts.IDs {
		if !slices.ContainsFunc(shown, func(st analyze.Step) bool { return st.ID == a }) {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("no such step among %s; freezeframe heuristics --all lists them", strings.Join(missing, ", "))}
	}
	if opts.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(stepJSON(shown))
	}
	if len(opts.IDs) > 0 {
		for i, st := range shown {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			printStep(e, st)
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tLEVEL\tSTATUS\tTITLE\tPARAMETERS")
	for _, st := range shown {
		var ps []string
		for _, p := range st.Params {
			ps = append(ps, p.Name+"="+p.Default)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", st.ID, st.Kind, st.Level, st.Status, st.Title, strings.Join(ps, " "))
	}
	return tw.Flush()
}

func printStep(e *env, st analyze.Step) {
	w := e.stdout
	fmt.Fprintf(w, "%s (%s, %s)\n  %s\n", st.ID, st.Kind, st.File, st.Title)
	fmt.Fprintf(w, "Level: %s, status: %s\n", st.Level, st.Status)
	for _, f := range []struct{ name, v string }{
		{"Description", st.Description}, {"Tags", strings.Join(st.Tags, " ")}, {"Reads", strings.Join(st.Reads, " ")},
		{"Results", strings.Join(st.Results, " ")}, {"False positives", st.FalsePositives}, {"References", st.References},
	} {
		if f.v != "" {
			fmt.Fprintf(w, "%s:\n  %s\n", f.name, f.v)
		}
	}
	if len(st.Params) > 0 {
		fmt.Fprintln(w, "Parameters (--set "+st.ID+".NAME=VALUE):")
		for _, p := range st.Params {
			fmt.Fprintf(w, "  %s = %s\t%s\n", p.Name, p.Default, p.Doc)
		}
	}
}

type stepDoc struct {
	ID             string          `json:"id"`
	Kind           string          `json:"kind"`
	File           string          `json:"file"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Level          string          `json:"level"`
	Status         string          `json:"status"`
	Tags           []string        `json:"tags"`
	Reads          []string        `json:"reads"`
	Results        []string        `json:"results"`
	FalsePositives string          `json:"false_positives,omitempty"`
	References     string          `json:"references,omitempty"`
	Params         []analyze.Param `json:"parameters"`
}

func stepJSON(steps []analyze.Step) []stepDoc {
	out := []stepDoc{}
	for _, st := range steps {
		out = append(out, stepDoc{st.ID, st.Kind, st.File, st.Title, st.Description, st.Level, st.Status,
			nonNil(st.Tags), nonNil(st.Reads), nonNil(st.Results), st.FalsePositives, st.References, st.Params})
	}
	return out
}

// nonNil makes an empty list [] in JSON rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
