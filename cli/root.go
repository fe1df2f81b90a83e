// Package cli is freezeframe's command line: one file per command. Data goes
// to stdout; logs and progress bars go to stderr, progress only on a terminal.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/freezeframe/freezeframe/casefile"
)

// env is what every command shares: the global flags and the output streams.
type env struct {
	casePath    string
	quiet       bool
	logLevel    string
	memoryLimit string // --memory-limit
	stdout      io.Writer
	stderr      io.Writer
	log         *slog.Logger
	bar         atomic.Pointer[progressbar.ProgressBar] // the progress bar on stderr, if one is drawn
}

// logWriter is stderr for log lines: a line first clears the progress bar
// being drawn, which draws itself again at its next step, so that the two
// do not share a line.
type logWriter struct{ e *env }

func (w logWriter) Write(p []byte) (int, error) {
	if bar := w.e.bar.Load(); bar != nil {
		bar.Clear()
	}
	return w.e.stderr.Write(p)
}

// Exit codes, as gh uses them: 1 for errors, 2 for usage, 130 for Ctrl-C;
// and 3 when an analysis ran but its verdict is inconclusive.
const (
	exitOK           = 0
	exitError        = 1
	exitUsage        = 2
	exitInconclusive = 3
	exitInterrupt    = 130
)

// exitCodes ends every command's help (the root's help template, which
// the commands inherit).
const exitCodes = `Exit codes: 0 done (for analyze and investigate: the verdict is attack,
anomaly or no anomaly), 1 error, 2 usage error, 3 the analysis ran but its
verdict is inconclusive (the sources do not overlap or pair, the baseline
is too short, or there are too few logins to judge), 130 interrupted.`

// usageError marks an error in how the command was called.
type usageError struct{ error }

// inconclusiveError says an analysis ran and printed its results, but its
// verdict is inconclusive: the command exits with exitInconclusive.
type inconclusiveError struct{ reason string }

func (e inconclusiveError) Error() string { return "verdict inconclusive: " + e.reason }

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	return run(args, os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal cancels the work, which then stops cleanly; once it
	// has, the signals are no longer caught, so a second one ends the
	// process at once if stopping hangs.
	go func() {
		<-ctx.Done()
		stop()
	}()
	e := &env{stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "freezeframe: interrupted; the case holds nothing of the unfinished step (the file being ingested, the analysis run), rerun the command to finish")
		return exitInterrupt
	}
	fmt.Fprintf(stderr, "freezeframe: %v\n", err)
	var ue usageError
	var ie inconclusiveError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ie):
		return exitInconclusive
	}
	return exitError
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "freezeframe",
		Short: "Offline forensic analyzer for credential-stuffing incidents",
		Long: `freezeframe investigates a credential-stuffing incident offline: it reads the
access logs and a snapshot of the database into a DuckDB case file, with a
SHA-256 chain of custody, finds the attack's campaigns, classifies every account
they touched, and writes the accounts to freeze and the evidence.

Start with freezeframe investigate, which does all of it in one go:

  freezeframe investigate --snapshot snapshot/ --out incident/ --logs logs/*

then read incident/report.html. The other commands run one step at a time
(ingest, analyze, report), look into the case (query, heuristics) or measure
the detection on generated incidents (samples, eval, baselines).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return e.setup()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetHelpTemplate(root.HelpTemplate() + "\n" + exitCodes + "\n")
	f := root.PersistentFlags()
	f.StringVar(&e.casePath, "case", "case.duckdb", "case file (a DuckDB database)")
	f.BoolVarP(&e.quiet, "quiet", "q", false, "print only data and errors: no progress, no log lines below warnings")
	f.StringVar(&e.logLevel, "log-level", "info", "log level on stderr: debug, info, warn, error")
	f.StringVar(&e.memoryLimit, "memory-limit", casefile.DefaultMemoryLimit, "memory DuckDB may use before spilling to disk next to the case: a positive size with a unit (e.g. 1GB, 8GB, 2GiB); analyze: 2GB")
	root.AddCommand(newVersionCmd(e), newIngestCmd(e), newQueryCmd(e, nil), newSamplesCmd(e), newEvalCmd(e, nil),
		newAnalyzeCmd(e, nil), newHeuristicsCmd(e, nil), newBaselinesCmd(e, nil), newReportCmd(e, nil), newInvestigateCmd(e, nil))
	// cobra adds help and completion when it runs; added now, they get
	// the same usage errors as the others.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Run, c.RunE = nil, helpTopic
		}
	}
	strictUsage(root)
	// A command with subcommands runs only to print its help (strictUsage):
	// its usage lists those, not a use line of its own.
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(), "{{if .Runnable}}", "{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
	return root
}

// strictUsage makes every way of calling cmd and its subcommands wrongly a
// usageError, as a bad flag is already (the root's flag error function).
// cobra prints the help and succeeds when a command with subcommands is
// given one it does not have (freezeframe ingest log x), and fails as for
// any error on a wrong number of arguments or an unknown command. Here a
// command with subcommands refuses any other argument, with the commands
// of that name it may have meant, and prints its help when given none; the
// argument checks of the others say usage error.
func strictUsage(cmd *cobra.Command) {
	if cmd.HasSubCommands() {
		cmd.Args, cmd.SuggestionsMinimumDistance = unknownCommand, 2
		if !cmd.Runnable() {
			cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
	} else {
		check := cmd.Args
		if check == nil {
			check = cobra.ArbitraryArgs
		}
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError{fmt.Errorf("%w; usage: %s", err, c.UseLine())}
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		strictUsage(c)
	}
}

// unknownCommand refuses the arguments of a command with subcommands: cobra
// has looked for a subcommand of that name and found none.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError{fmt.Errorf("%s (%s --help lists its commands)", msg, cmd.CommandPath())}
}

// helpTopic runs freezeframe help [COMMAND...]: the help of that command,
// or a usage error if there is none, where cobra's help printed the root's
// and succeeded.
func helpTopic(c *cobra.Command, args []string) error {
	cmd, rest, err := c.Root().Find(args)
	if err != nil || len(rest) > 0 {
		return usageError{fmt.Errorf("no help topic %q (freezeframe --help lists the commands)", strings.Join(args, " "))}
	}
	cmd.InitDefaultHelpFlag()
	return cmd.Help()
}

func (e *env) setup() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(e.logLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level %q: use debug, info, warn or error", e.logLevel)}
	}
	if err := casefile.CheckMemoryLimit(e.memoryLimit); err != nil {
		return usageError{fmt.Errorf("--memory-limit %q: %w", e.memoryLimit, err)}
	}
	if e.quiet && level < slog.LevelWarn {
		level = slog.LevelWarn
	}
	e.log = slog.New(slog.NewTextHandler(logWriter{e}, &slog.HandlerOptions{Level: level}))
	return nil
}

// stderrIsTerminal says whether progress bars may be drawn.
func (e *env) stderrIsTerminal() bool {
	f, ok := e.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (e *env) openCase(ctx context.Context, mode casefile.Mode) (*casefile.Case, error) {
	return casefile.OpenWith(ctx, e.casePath, mode, casefile.Options{MemoryLimit: e.memoryLimit})
}

// closeCase closes c, deferred by a command that opened it: closing
// checkpoints what it wrote, so a failure joins *err (which, if Close
// succeeds, stays the very error the command returned).
func closeCase(c *casefile.Case, err *error) {
	if cerr := c.Close(); cerr != nil {
		*err = errors.Join(*err, cerr)
	}
}

// toolVersion is the module version, or the VCS revision of a development build.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
