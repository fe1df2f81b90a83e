// Package investigation runs freezeframe's pipeline: ingest the access logs
// and the database snapshot into a case, analyze it and write the report.
// The commands (investigate, analyze), scripts/quality and the tests run
// these steps through it rather than each in its own copy.
package investigation

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
	"github.com/freezeframe/freezeframe/report"
)

// Options say what to investigate and how.
type Options struct {
	// Logs are the access log files to ingest, in order; LogFormat names
	// their format ("" to detect it).
	Logs      []string
	LogFormat string
	// Snapshot is the Warehouse snapshot to ingest: a directory of table
	// exports, a pg_dump file or a postgres:// URL; "" for none. Schema
	// and Evidence are its ingest.SnapshotOptions of those names.
	Snapshot string
	Schema   string
	Evidence string
	// IngestOnly stops after ingesting, for a case analysed later.
	IngestOnly bool
	// Settings, Window and Previous are the analysis' analyze.Options.
	Settings analyze.Settings
	Window   *analyze.Window
	Previous *analyze.Previous
	// MemoryLimit is DuckDB's memory limit as given (--memory-limit);
	// if "", the case opens with casefile.DefaultMemoryLimit and the
	// analysis raises it to AnalysisMemoryLimit.
	MemoryLimit string
	// Out is the directory the report is written to, "" for no report;
	// TZ is the time zone of report.html (UTC if nil).
	Out string
	TZ  *time.Location
	// Case and Force are for Investigate: the path of the new case, and
	// whether to delete an existing one, its report in Out and its live
	// read's evidence first.
	Case  string
	Force bool
	// ToolVersion is recorded with every source and run.
	ToolVersion string
	// Logger receives what each step did; nil discards it.
	Logger *slog.Logger
	// LogProgress and StepProgress, if set, draw progress: of a log file's
	// bytes, as ingest.LogOptions.Progress, and of the steps of a job
	// ("snapshot", "analyze"), returning the ingest.SnapshotOptions and
	// analyze.Options Progress function and a function that ends the bar.
	LogProgress  func(path string, size int64) (add func(int), done func())
	StepProgress func(job string) (progress func(step string, done, total int), done func())
}

// Run is what an investigation did.
type Run struct {
	// Logs are the results of ingesting each of Options.Logs.
	Logs []*ingest.LogResult
	// Snapshot is the result of ingesting Options.Snapshot, nil if none.
	Snapshot *ingest.SnapshotResult
	// Analysis is the analysis' result, nil with IngestOnly; Stops are the
	// campaign's logins stopped at the second factor.
	Analysis *analyze.Result
	Stops    report.SecondFactorStops
	// Written are the report's files, none without Options.Out.
	Written []string
}

// AnalysisMemoryLimit is DuckDB's memory limit for an analysis when
// Options.MemoryLimit is not given: the PyPI-size case takes 44 s with
// it, 59 s with the 600MB that keeps ingest's memory flat.
const AnalysisMemoryLimit = "2GB"

// UsageError is an error in how the investigation was asked for, such as
// a case that exists already without Options.Force, rather than in its
// inputs.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }

func (e UsageError) Unwrap() error { return e.Err }

// Investigate runs the whole investigation in a new case at opts.Case.
// Every log and the snapshot are checked before the case is made; with
// opts.Force an existing case, its report and its evidence are deleted
// first. If a step fails, the case it began is removed, with the evidence
// of its live read, so that the same investigation runs again as it is;
// the error says so.
func Investigate(ctx context.Context, opts Options) (*Run, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, path := range opts.Logs {
		if err := ingest.CheckLog(path); err != nil {
			return nil, err
		}
	}
	switch {
	case ingest.IsPostgresURL(opts.Snapshot):
		if err := ingest.CheckPostgres(ctx, opts.Snapshot, opts.Schema); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
	case opts.Snapshot != "":
		if err := ingest.CheckSnapshot(opts.Snapshot, log); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
	}
	deleted, err := freshCase(opts.Case, opts.Out, opts.Evidence, opts.Force)
	if err != nil {
		return nil, err
	}
	if deleted != "" {
		log.Info("--force: deleted " + deleted)
	}
	if err := os.MkdirAll(filepath.Dir(opts.Case), 0o755); err != nil {
		return nil, err
	}
	c, err := casefile.OpenWith(ctx, opts.Case, casefile.ReadWrite, casefile.Options{MemoryLimit: opts.MemoryLimit})
	if err != nil {
		return nil, err
	}
	run, err := Steps(ctx, c, opts)
	// Closing checkpoints the run into the file: a case that fails to is
	// as half-built as one whose run failed.
	if cerr := c.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err == nil {
		return run, nil
	}
	// The case is new and half-built: remove it, and the evidence of its
	// live read, so that the corrected command runs as it is, without
	// --force.
	earlier := ""
	if deleted != "" {
		earlier = "; --force had deleted " + deleted + " before"
	}
	begun := "the case begun at " + opts.Case
	rmErr := removeCase(opts.Case)
	if ingest.IsEvidenceDir(opts.Evidence) {
		begun += " (and its evidence directory " + opts.Evidence + ")"
		rmErr = errors.Join(rmErr, os.RemoveAll(opts.Evidence))
	}
	if rmErr != nil {
		return nil, fmt.Errorf("%w\n(%s could not be removed: %v%s; rerun with --force)", err, begun, rmErr, earlier)
	}
	return nil, fmt.Errorf("%w\n(%s was removed%s; correct the input and rerun the same command)", err, begun, earlier)
}

// Steps runs the pipeline on the open case c: it ingests opts.Logs, each
// of which must ingest, and opts.Snapshot, analyzes the case (unless
// opts.IngestOnly) and writes the report (if opts.Out is set).
func Steps(ctx context.Context, c *casefile.Case, opts Options) (*Run, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	run := &Run{}
	var err error
	if len(opts.Logs) > 0 && opts.Snapshot != "" {
		run.Logs, run.Snapshot, err = ingestBoth(ctx, c, opts, log)
	} else {
		if run.Logs, err = ingestLogs(ctx, c, opts, log); err == nil && opts.Snapshot != "" {
			run.Snapshot, err = ingestSnapshot(ctx, c, opts, log, ingest.SnapshotOptions{}, opts.StepProgress)
		}
	}
	if err != nil {
		return nil, err
	}
	if opts.IngestOnly {
		return run, nil
	}
	res, err := analysis(ctx, c, opts, log)
	if err != nil {
		return nil, err
	}
	run.Analysis = res
	if opts.Out != "" {
		if run.Written, err = report.Write(ctx, c, report.Options{Out: opts.Out, TZ: opts.TZ, FreezeFormat: report.FreezeCSV}); err != nil {
			return nil, err
		}
	}
	if run.Stops, err = report.LoadSecondFactorStops(ctx, c); err != nil {
		return nil, err
	}
	return run, nil
}

// analysis runs the analysis on c at its memory limit.
func analysis(ctx context.Context, c *casefile.Case, opts Options, log *slog.Logger) (*analyze.Result, error) {
	if opts.MemoryLimit == "" {
		if err := c.Exec(ctx, "SET memory_limit = '"+AnalysisMemoryLimit+"'"); err != nil {
			return nil, err
		}
	}
	var limit string
	if err := c.Conn.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&limit); err != nil {
		return nil, err
	}
	log.Debug("analysis memory limit", "memory_limit", limit)
	aOpts := analyze.Options{Settings: opts.Settings, Window: opts.Window, Previous: opts.Previous, ToolVersion: opts.ToolVersion, Logger: log}
	if opts.StepProgress != nil {
		var done func()
		aOpts.Progress, done = opts.StepProgress("analyze")
		defer done()
	}
	res, err := analyze.Run(ctx, c, aOpts)
	if err != nil {
		return nil, memoryHint(err)
	}
	return res, nil
}

// memoryHint adds to DuckDB's out-of-memory error what to do about it.
func memoryHint(err error) error {
	if dErr, ok := errors.AsType[*duckdb.Error](err); ok && dErr.Type == duckdb.ErrorTypeOutOfMemory {
		return fmt.Errorf("%w\n(DuckDB ran out of its memory limit; analyze at PyPI size, 800k accounts, fits in 600MB and runs fastest with 4GB: rerun with --memory-limit 4GB, or more for a larger case)", err)
	}
	return err
}

// freshCase makes sure no case exists at path: an investigation starts
// from nothing, so that the same inputs give the same files. With force,
// an existing case is deleted, and first the report in outDir, which would
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
		return "", UsageError{fmt.Errorf("case %s already exists: investigate starts a new case; pass --force to delete it and its report and start again, or use analyze and report on it", path)}
	}
	var entries []fs.DirEntry
	if evidence != "" {
		if entries, err = os.ReadDir(evidence); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("evidence directory %s: %w", evidence, err)
		}
	}
	switch {
	case len(entries) > 0 && !force:
		return "", UsageError{fmt.Errorf("evidence directory %s already exists: investigate keeps a new live read there; pass --force to delete it with the earlier case, or name another with --evidence", evidence)}
	case len(entries) > 0 && !ingest.IsEvidenceDir(evidence):
		return "", UsageError{fmt.Errorf("%s is not the evidence directory of a live read, so --force does not delete it; name another with --evidence", evidence)}
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
