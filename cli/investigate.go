package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/ingest"
	"github.com/freezeframe/freezeframe/investigation"
)

// investigateOptions are what investigate was asked to do: the pipeline's
// options as the flags give them, and the --previous path as given.
type investigateOptions struct {
	investigation.Options
	PreviousPath string
}

// newInvestigateCmd binds investigate's flags into its options and runs
// runF on them, investigateRun if nil.
func newInvestigateCmd(e *env, runF func(context.Context, *investigateOptions) error) *cobra.Command {
	opts := &investigateOptions{}
	var tz string
	cmd := &cobra.Command{
		Use:   "investigate [--logs FILE...] [--snapshot PATH|URL] --out DIR",
		Short: "Ingest, analyze and report in one go",
		Long: `Run the whole investigation: ingest the access logs and the database
snapshot into a new case, analyze it, and write the report (freezeframe
report --help lists the files) into DIR. The case is DIR/case.duckdb unless
--case names another; it stays there to query (freezeframe query) or to
rerun one step on. An existing case is not reused: --force deletes it and
the report in DIR (other files there stay) and starts again.

Logs and snapshot are best together; either alone is investigated with what
it holds, and the output lists what that left unchecked (with logs alone,
accounts are named by the user id in Warehouse's two-factor tokens only).
Every log path and the snapshot's tables and columns are checked before
anything is ingested. If the investigation fails after all, the case it
began is removed, so the corrected command runs again as it is; with
--force, DIR then holds no report either, rather than one of the deleted
case.

` + liveSourceHelp + `

If the investigation fails, the evidence directory it wrote is removed with
the case; --force deletes an earlier one at the evidence path, and nothing
there that is not one.

The files after --logs are all logs, so a shell pattern works:
--logs exports/*.log.gz. Any log file that fails to ingest stops the
investigation. The verdict, then a short summary and the paths written go
to stdout; progress (on a terminal) and logs go to stderr. The same inputs
and options give byte-identical files.`,
		Example: `  freezeframe investigate --snapshot snapshot/ --out incident/ --logs logs/*
  freezeframe investigate --logs fastly.log.zst --log-format fastly-pypi --snapshot warehouse.sql.zst \
      --out wave2/ --tz America/New_York --previous wave1/freeze-list.csv
  freezeframe investigate --snapshot warehouse.sql.zst --out snapshot-only/
  PGPASSWORD=... freezeframe investigate --snapshot postgres://forensics@db.internal/warehouse \
      --out incident/ --logs logs/*    # evidence in incident/case.snapshot/`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Logs = append(opts.Logs, args...)
			switch {
			case len(opts.Logs) == 0 && opts.Snapshot == "":
				return usageError{errors.New("investigate needs --logs FILE..., --snapshot PATH, or both")}
			case opts.Out == "":
				return usageError{errors.New("investigate needs --out DIR")}
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return usageError{fmt.Errorf("--tz %q: not a time zone; use an IANA name such as UTC or America/New_York", tz)}
			}
			opts.TZ = loc
			if err := checkSnapshotSource(cmd, opts.Snapshot); err != nil {
				return err
			}
			if opts.LogFormat != "" {
				if _, err := ingest.NewFormat(opts.LogFormat, nil); err != nil {
					return usageError{err}
				}
			}
			opts.Case = e.casePath
			if !cmd.Flag("case").Changed {
				opts.Case = filepath.Join(opts.Out, "case.duckdb")
			}
			opts.Evidence = evidenceDir(opts.Snapshot, opts.Evidence, opts.Case)
			if cmd.Flag("memory-limit").Changed {
				opts.MemoryLimit = e.memoryLimit
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.investigateRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.Logs, "logs", nil, "access log files (plain, gzip or zstd); the arguments after it are logs too")
	f.StringVar(&opts.LogFormat, "log-format", "", "log format name or Apache LogFormat string (default: detect)")
	f.StringVar(&opts.Snapshot, "snapshot", "", "Warehouse snapshot: a directory of table exports, a pg_dump, or a postgres:// URL")
	f.StringVar(&opts.Out, "out", "", "directory for the report and, unless --case, the case (required)")
	f.StringVar(&tz, "tz", "UTC", "time zone of the times people read in report.html (IANA name); files stay UTC")
	f.StringVar(&opts.PreviousPath, "previous", "", "an earlier freeze list (freeze-list.csv or usernames), to mark waves")
	f.BoolVar(&opts.Force, "force", false, "delete an existing case at the case path, and the report in --out, and start again")
	addLiveFlags(cmd, &opts.Schema, &opts.Evidence)
	return cmd
}

// investigateRun runs the investigation and prints its verdict, summary
// and the paths it wrote.
func (e *env) investigateRun(ctx context.Context, opts *investigateOptions) error {
	if opts.PreviousPath != "" {
		previous, err := readPrevious(opts.PreviousPath)
		if err != nil {
			return err
		}
		opts.Previous = previous
	}
	opts.ToolVersion, opts.Logger = toolVersion(), e.log
	if !e.quiet && e.stderrIsTerminal() {
		opts.LogProgress, opts.StepProgress = e.progress, e.stepProgress
	}
	run, err := investigation.Investigate(ctx, opts.Options)
	var ue investigation.UsageError
	switch {
	case errors.As(err, &ue):
		return usageError{err}
	case err != nil:
		return err
	}
	if err := printAnalysis(e.stdout, run.Analysis, run.Stops, opts.PreviousPath); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\ncase\t%s\n", opts.Case)
	if opts.Evidence != "" {
		fmt.Fprintf(e.stdout, "evidence\t%s\n", opts.Evidence)
	}
	for _, p := range run.Written {
		fmt.Fprintf(e.stdout, "wrote\t%s\n", p)
	}
	return verdictError(run.Analysis)
}
