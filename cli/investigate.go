package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
	"github.com/freezeframe/freezeframe/report"
)

func newInvestigateCmd(e *env) *cobra.Command {
	var (
		logs                        []string
		logFormat, snapshot, outDir string
		tz, previousPath            string
		schema, evidence            string
		force                       bool
	)
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
			logs = append(logs, args...)
			switch {
			case len(logs) == 0 && snapshot == "":
				return usageError{errors.New("investigate needs --logs FILE..., --snapshot PATH, or both")}
			case outDir == "":
				return usageError{errors.New("investigate needs --out DIR")}
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return usageError{fmt.Errorf("--tz %q: not a time zone; use an IANA name such as UTC or America/New_York", tz)}
			}
			if err := checkSnapshotSource(cmd, snapshot); err != nil {
				return err
			}
			if logFormat != "" {
				if _, err := ingest.NewFormat(logFormat, nil); err != nil {
					return usageError{err}
				}
			}
			var previous *analyze.Previous
			if previousPath != "" {
				if previous, err = readPrevious(previousPath); err != nil {
					return err
				}
			}
			// Every input is checked before the case is made.
			for _, path := range logs {
				if err := ingest.CheckLog(path); err != nil {
					return err
				}
			}
			switch {
			case ingest.IsPostgresURL(snapshot):
				if err := ingest.CheckPostgres(cmd.Context(), snapshot, schema); err != nil {
					return fmt.Errorf("snapshot: %w", err)
				}
			case snapshot != "":
				if err := ingest.CheckSnapshot(snapshot, e.log); err != nil {
					return fmt.Errorf("snapshot: %w", err)
				}
			}
			if !cmd.Flag("case").Changed {
				e.casePath = filepath.Join(outDir, "case.duckdb")
			}
			evidence = evidenceDir(snapshot, evidence, e.casePath)
			deleted, err := freshCase(e.casePath, outDir, evidence, force)
			if err != nil {
				return err
			}
			if deleted != "" {
				e.log.Info("--force: deleted " + deleted)
			}
			if err := os.MkdirAll(filepath.Dir(e.casePath), 0o755); err != nil {
				return err
			}
			c, err := e.openCase(cmd.Context(), casefile.ReadWrite)
			if err != nil {
				return err
			}
			snapOpts := ingest.SnapshotOptions{Schema: schema, Evidence: evidence}
			res, paths, err := e.investigate(cmd, c, logs, logFormat, snapshot, snapOpts, outDir, loc, previous)
			var stops report.SecondFactorStops
			if err == nil {
				stops, err = report.LoadSecondFactorStops(cmd.Context(), c)
			}
			c.Close()
			if err != nil {
				// The case is new and half-built: remove it, and the
				// evidence of its live read, so that the corrected command
				// runs as it is, without --force.
				earlier := ""
				if deleted != "" {
					earlier = "; --force had deleted " + deleted + " before"
				}
				begun := "the case begun at " + e.casePath
				rmErr := removeCase(e.casePath)
				if ingest.IsEvidenceDir(evidence) {
					begun += " (and its evidence directory " + evidence + ")"
					rmErr = errors.Join(rmErr, os.RemoveAll(evidence))
				}
				if rmErr != nil {
					return fmt.Errorf("%w\n(%s could not be removed: %v%s; rerun with --force)", err, begun, rmErr, earlier)
				}
				return fmt.Errorf("%w\n(%s was removed%s; correct the input and rerun the same command)", err, begun, earlier)
			}
			if err := printAnalysis(e.stdout, res, stops, previousPath); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "\ncase\t%s\n", e.casePath)
			if evidence != "" {
				fmt.Fprintf(e.stdout, "evidence\t%s\n", evidence)
			}
			for _, p := range paths {
				fmt.Fprintf(e.stdout, "wrote\t%s\n", p)
			}
			return verdictError(res)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&logs, "logs", nil, "access log files (plain, gzip or zstd); the arguments after it are logs too")
	f.StringVar(&logFormat, "log-format", "", "log format name or Apache LogFormat string (default: detect)")
	f.StringVar(&snapshot, "snapshot", "", "Warehouse snapshot: a directory of table exports, a pg_dump, or a postgres:// URL")
	f.StringVar(&outDir, "out", "", "directory for the report and, unless --case, the case (required)")
	f.StringVar(&tz, "tz", "UTC", "time zone of the times people read in report.html (IANA name); files stay UTC")
	f.StringVar(&previousPath, "previous", "", "an earlier freeze list (freeze-list.csv or usernames), to mark waves")
	f.BoolVar(&force, "force", false, "delete an existing case at the case path, and the report in --out, and start again")
	addLiveFlags(cmd, &schema, &evidence)
	return cmd
}

// investigate ingests the logs and the snapshot into the new case c,
// analyzes it and writes the report.
func (e *env) investigate(cmd *cobra.Command, c *casefile.Case, logs []string, logFormat, snapshot string, snapOpts ingest.SnapshotOptions,
	outDir string, loc *time.Location, previous *analyze.Previous) (*analyze.Result, []string, error) {
	ctx := cmd.Context()
	progress := !e.quiet && e.stderrIsTerminal()
	logOpts := ingest.LogOptions{Format: logFormat, ToolVersion: toolVersion(), Logger: e.log}
	if progress {
		logOpts.Progress = e.progress
	}
	for _, path := range logs {
		res, err := ingest.Logs(ctx, c, path, logOpts)
		if err != nil {
			return nil, nil, err
		}
		e.log.Info("log ingested", "path", path, "format", res.Format, "lines", res.LinesRead, "rejected", res.Rejected, "sha256", res.SHA256)
	}
	if snapshot != "" {
		snapOpts.ToolVersion, snapOpts.Logger = toolVersion(), e.log
		snapDone := func() {}
		if progress {
			snapOpts.Progress, snapDone = e.stepProgress("snapshot")
		}
		snap, err := ingest.Snapshot(ctx, c, snapshot, snapOpts)
		snapDone() // before analyze draws its own bar
		if err != nil {
			return nil, nil, err
		}
		for _, t := range snap.Missing {
			e.log.Warn("the snapshot has no such table; steps that need it will say they were skipped", "table", t)
		}
		e.log.Info("snapshot ingested", "path", snap.Path, "tables", len(snap.Tables))
	}
	if err := e.analysisMemory(cmd, c); err != nil {
		return nil, nil, err
	}
	opts := analyze.Options{Previous: previous, ToolVersion: toolVersion(), Logger: e.log}
	if progress {
		var done func()
		opts.Progress, done = e.stepProgress("analyze")
		defer done()
	}
	res, err := analyze.Run(ctx, c, opts)
	if err != nil {
		return nil, nil, memoryHint(err)
	}
	paths, err := report.Write(ctx, c, report.Options{Out: outDir, TZ: loc, FreezeFormat: report.FreezeCSV})
	if err != nil {
		return nil, nil, err
	}
	return res, paths, nil
}

// freshCase makes sure no case exists at path: investigate starts from
// nothing, so that the same inputs give the same files. With force, an
// existing case is deleted, and first the report in outDir, which would
// otherwise stay beside a case it does not match if the investigation
// fails or is killed; it says what it deleted, if anything. A live read's
// evidence directory (evidence, "" if none) must not exist either, or be
// empty; force deletes an earlier live read's, and nothing else there.
func freshCase(path, outDir, evidence string, force bool) (string, error) {
	_, err := os.Stat(path)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", err
	case exists && !force:
		return "", usageError{fmt.Errorf("case %s already exists: investigate starts a new case; pass --force to delete it and its report and start again, or use analyze and report on it", path)}
	}
	var entries []fs.DirEntry
	if evidence != "" {
		if entries, err = os.ReadDir(evidence); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("evidence directory %s: %w", evidence, err)
		}
	}
	switch {
	case len(entries) > 0 && !force:
		return "", usageError{fmt.Errorf("evidence directory %s already exists: investigate keeps a new live read there; pass --force to delete it with the earlier case, or name another with --evidence", evidence)}
	case len(entries) > 0 && !ingest.IsEvidenceDir(evidence):
		return "", usageError{fmt.Errorf("%s is not the evidence directory of a live read, so --force does not delete it; name another with --evidence", evidence)}
	case !force:
		return "", nil
	}
	var deleted []string
	if exists {
		deleted = append(deleted, "the earlier case "+path)
	}
	hadReport, err := report.Remove(outDir)
	if err != nil {
		return "", fmt.Errorf("--force: removing the earlier report in %s: %w", outDir, err)
	}
	if hadReport {
		deleted = append(deleted, "the report in "+outDir)
	}
	if exists {
		if err := removeCase(path); err != nil {
			return "", err
		}
	}
	if len(entries) > 0 {
		if err := os.RemoveAll(evidence); err != nil {
			return "", fmt.Errorf("--force: removing the earlier evidence directory %s: %w", evidence, err)
		}
		deleted = append(deleted, "the evidence directory "+evidence)
	}
	return strings.Join(deleted, " and "), nil
}

// removeCase deletes the case at path with its write-ahead log and spill
// directory.
func removeCase(path string) error {
	for _, p := range []string{path, path + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.RemoveAll(path + ".tmp")
}
