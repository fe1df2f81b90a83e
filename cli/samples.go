package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/samples"
)

func newSamplesCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "samples",
		Short: "Generate labelled credential-stuffing incidents",
	}
	cmd.AddCommand(newSamplesGenerateCmd(e, nil), newSamplesListCmd(e, nil))
	return cmd
}

// newSamplesGenerateCmd binds samples generate's flags into the generator's
// options, the scenario looked up, and runs runF on them, samplesGenerate if
// nil.
func newSamplesGenerateCmd(e *env, runF func(*samples.Options) error) *cobra.Command {
	opts := &samples.Options{}
	var scenario string
	var pypiSize bool
	cmd := &cobra.Command{
		Use:   "generate --scenario NAME --out DIR",
		Short: "Write a generated incident: snapshot, access logs, truth.csv, facts.json",
		Long: `Write a labelled incident to DIR: a Warehouse snapshot in psql's CSV export format
(DIR/snapshot/), a week of access logs before it (DIR/logs/), truth.csv (user_id,
username, label: compromised, exposed or targeted, evidence) and facts.json (the
ground-truth numbers). The same scenario, seed and scale always give the same files.

Scenarios: ` + strings.Join(samples.ScenarioNames(), ", ") + ` (freezeframe samples list).
"random" draws the world from the seed: the attacker's shape, addresses, assets, pace,
list, size and behaviour after a right password, and the background noise (seeds
below 1000 are for tuning, 1000 and up for measuring). Every world has the background
of a public login form: scripted clients and bursts that never get a password right.
--scale 1 is 2,000 accounts; --pypi-size is scale 400: about 800k accounts.`,
		Example: `  freezeframe samples generate --scenario pypi-2024-03 --seed 1 --out /tmp/incident
  freezeframe samples generate --scenario no-attack --log-format gunicorn-pypi --out /tmp/quiet
  freezeframe samples generate --scenario random --seed 1042 --scale 3 --out /tmp/draw`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scenario == "" {
				return usageError{errors.New("samples generate needs --scenario NAME; freezeframe samples list names them")}
			}
			s, err := samples.Lookup(scenario)
			if err != nil {
				return usageError{err}
			}
			if opts.Out == "" {
				return usageError{fmt.Errorf("--out DIR is required")}
			}
			opts.Scenario = s
			if pypiSize {
				opts.Scale = 400
			}
			if runF != nil {
				return runF(opts)
			}
			return e.samplesGenerate(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&scenario, "scenario", "", "scenario name (required)")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed")
	f.Float64Var(&opts.Scale, "scale", 1, "size: 1 is 2,000 accounts")
	f.BoolVar(&pypiSize, "pypi-size", false, "PyPI-size preset: ~800k accounts, >10M events, >20M log lines")
	f.StringVar(&opts.Out, "out", "", "directory to write (required)")
	f.StringVar(&opts.LogFormat, "log-format", "fastly-pypi", "access-log format: combined, gunicorn-pypi, fastly-pypi or jsonl")
	return cmd
}

// samplesGenerate writes the incident and prints its facts as JSON.
func (e *env) samplesGenerate(opts *samples.Options) error {
	facts, err := samples.Generate(*opts)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(facts, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, string(b))
	return err
}

// newSamplesListCmd takes no flags; it runs runF, samplesList if nil.
func newSamplesListCmd(e *env, runF func() error) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the scenarios: for tuning, held out, or drawn by seed",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF()
			}
			return e.samplesList()
		},
	}
}

// samplesList prints each scenario with its use: tuning, held out, or
// drawn by seed.
func (e *env) samplesList() error {
	for _, name := range samples.ScenarioNames() {
		s := samples.Scenarios[name]
		use := "tuning"
		switch {
		case s.HeldOut:
			use = "held-out"
		case name == "random" || name == "quiet":
			use = "by seed"
		}
		if _, err := fmt.Fprintf(e.stdout, "%-14s %-9s %s\n", name, use, s.Description); err != nil {
			return err
		}
	}
	return nil
}
