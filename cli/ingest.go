package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
)

func newIngestCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Read evidence files into the case",
	}
	cmd.AddCommand(newIngestLogsCmd(e, nil), newIngestSnapshotCmd(e, nil))
	return cmd
}

// ingestLogsOptions are what ingest logs was asked to do: the files, and
// the ingest options the flags give.
type ingestLogsOptions struct {
	Files []string
	ingest.LogOptions
}

// newIngestLogsCmd binds ingest logs' flags into its options and runs runF
// on them, ingestLogsRun if nil.
func newIngestLogsCmd(e *env, runF func(context.Context, *ingestLogsOptions) error) *cobra.Command {
	opts := &ingestLogsOptions{}
	var fields []string
	cmd := &cobra.Command{
		Use:   "logs [--log-format F] FILE...",
		Short: "Ingest access logs (plain, gzip or zstd; - for stdin)",
		Long: `Ingest access logs into the case's requests table.

Each file is hashed (SHA-256) and recorded in sources; every line ends in
requests or in rejects with a reason, and a file's rows are committed in one
transaction, so an interrupted ingest leaves nothing of that file: rerun the
command to finish. A file whose SHA-256 is already in the case is skipped
unless --force, which replaces its rows.

Formats: ` + strings.Join(ingest.FormatNames(), ", ") + `, or any Apache LogFormat string
(such as '%h %l %u %t "%r" %>s %b %D'). Without --log-format, the format is
detected from the first lines. Compression is recognised by content, not by
name. --log-format is the flag's name in investigate and samples generate too;
the older --format (-f) still works, with a warning.`,
		Example: `  freezeframe ingest logs access.log.gz
  freezeframe ingest logs --log-format fastly-pypi fastly/*.log.zst
  zcat old.log.gz | freezeframe ingest logs --log-format combined -
  freezeframe ingest logs --log-format jsonl --field time=ts --field client=ip app.jsonl`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if cmd.Flags().Changed("format") {
				if cmd.Flags().Changed("log-format") {
					return usageError{errors.New("--format is the old name of --log-format: give --log-format alone")}
				}
				e.log.Warn("--format is deprecated and will be removed; use --log-format, as investigate and samples generate do")
			}
			remap, err := parseFields(fields)
			if err != nil {
				return err
			}
			if len(remap) > 0 && opts.Format != "" && opts.Format != "jsonl" {
				return usageError{errors.New("--field applies to --log-format jsonl only")}
			}
			if opts.Format != "" {
				// Check the format once, before touching the case.
				if _, err := ingest.NewFormat(opts.Format, remap); err != nil {
					return usageError{err}
				}
			}
			opts.Files, opts.Fields = files, remap
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.ingestLogsRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Format, "log-format", "", "log format name or Apache LogFormat string (default: detect)")
	// its name here before: still read, hidden, with a warning (RunE)
	f.StringVarP(&opts.Format, "format", "f", "", "deprecated: use --log-format")
	if err := f.MarkHidden("format"); err != nil {
		panic(err) // only if the flag defined just above were not
	}
	f.StringArrayVar(&fields, "field", nil, "for jsonl, canonical=json.key: read a field from another key (repeatable)")
	f.BoolVar(&opts.Force, "force", false, "ingest files already in the case again, replacing their rows")
	return cmd
}

// ingestLogsRun ingests the files into the case and prints what each gave.
func (e *env) ingestLogsRun(ctx context.Context, opts *ingestLogsOptions) (err error) {
	c, err := e.openCase(ctx, casefile.ReadWrite)
	if err != nil {
		return err
	}
	defer closeCase(c, &err)
	opts.ToolVersion, opts.Logger = toolVersion(), e.log
	if !e.quiet && e.stderrIsTerminal() {
		opts.Progress = e.progress
	}
	return e.ingestLogs(ctx, c, opts.Files, opts.LogOptions)
}

func parseFields(specs []string) (ingest.JSONFields, error) {
	remap := ingest.JSONFields{}
	for _, s := range specs {
		name, key, ok := strings.Cut(s, "=")
		if !ok {
			return nil, usageError{fmt.Errorf("--field %q: write canonical=json.key, such as time=ts", s)}
		}
		remap[name] = key
	}
	return remap, nil
}

// ingestLogs ingests each file in turn; a failed file does not stop the
// others, and the command fails at the end if any did.
func (e *env) ingestLogs(ctx context.Context, c *casefile.Case, files []string, opts ingest.LogOptions) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSTATUS\tFORMAT\tLINES\tPARSED\tREJECTED\tSHA256\tSECONDS\tLINES/S")
	var failed []string
	var total ingest.LogResult
	for _, path := range files {
		res, err := ingest.Logs(ctx, c, path, opts)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			e.log.Error("ingest failed", "err", err)
			failed = append(failed, path)
			continue
		}
		status := "ingested"
		switch {
		case res.Skipped:
			status = "skipped"
			e.log.Info("already in the case; skipped (use --force to replace it)", "path", path, "source", res.SourceID)
		case res.Replaced != 0:
			status = fmt.Sprintf("replaced %d", res.Replaced)
		}
		if res.Rejected > 0 {
			e.log.Warn("lines rejected; see the rejects table", "path", path, "rejected", res.Rejected,
				"query", fmt.Sprintf("SELECT * FROM rejects WHERE source_id = %d", res.SourceID))
		}
		rate := "-"
		if secs := res.Elapsed.Seconds(); secs > 0 && !res.Skipped {
			rate = fmt.Sprintf("%.0f", float64(res.LinesRead)/secs)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%.2f\t%s\n", path, status, orDash(res.Format),
			res.LinesRead, res.Parsed, res.Rejected, res.SHA256, res.Elapsed.Seconds(), rate)
		total.LinesRead += res.LinesRead
		total.Parsed += res.Parsed
		total.Rejected += res.Rejected
		total.Elapsed += res.Elapsed
	}
	fmt.Fprintf(tw, "total\t-\t-\t%d\t%d\t%d\t-\t%.2f\t-\n", total.LinesRead, total.Parsed, total.Rejected, total.Elapsed.Seconds())
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s failed; the case holds nothing of %s", plural(int64(len(failed)), "file", "files"), strings.Join(failed, ", "))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// progress draws a bar of bytes read on stderr.
func (e *env) progress(path string, size int64) (func(int), func()) {
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(path),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	e.bar.Store(bar)
	return func(n int) { bar.Add(n) }, func() {
		bar.Finish()
		e.bar.CompareAndSwap(bar, nil)
	}
}

// stepProgress draws a bar of the steps of a job (analyze, snapshot) on
// stderr.
func (e *env) stepProgress(job string) (func(step string, done, total int), func()) {
	var bar *progressbar.ProgressBar
	return func(step string, done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total,
					progressbar.OptionSetWriter(e.stderr),
					progressbar.OptionClearOnFinish(),
				)
				e.bar.Store(bar)
			}
			bar.Describe(job + ": " + step)
			bar.Set(done)
		}, func() {
			if bar != nil {
				bar.Finish()
				e.bar.CompareAndSwap(bar, nil)
			}
		}
}
