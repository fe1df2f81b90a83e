package cli

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/ingest"
	"github.com/freezeframe/freezeframe/investigation"
	"github.com/freezeframe/freezeframe/report"
	"github.com/freezeframe/freezeframe/samples"
)

// parseFlags runs args through the root with the command newCmd makes in
// place of the one of its name (under the root or one of its commands):
// the flags are parsed and checked as they are for freezeframe, and the
// command's run function is the one newCmd gave it, so that nothing opens
// a case.
func parseFlags(t *testing.T, newCmd func(*env) *cobra.Command, args ...string) error {
	t.Helper()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	root := newRoot(e)
	cmd := newCmd(e)
	for _, parent := range append([]*cobra.Command{root}, root.Commands()...) {
		for _, c := range parent.Commands() {
			if c.Name() == cmd.Name() {
				parent.RemoveCommand(c)
				parent.AddCommand(cmd)
			}
		}
	}
	strictUsage(cmd)
	root.SetArgs(args)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return root.ExecuteContext(t.Context())
}

// TestInvestigateFlags: investigate's flags and arguments become its
// options, and wrong ones are usage errors, without running anything.
func TestInvestigateFlags(t *testing.T) {
	t.Parallel()
	pipeline := func(o investigation.Options) investigateOptions { return investigateOptions{Options: o} }
	for _, x := range []struct {
		args []string
		want investigateOptions
		tz   string
		err  string // a usage error saying this
	}{
		{args: []string{"investigate", "--out", "o", "--logs", "a.log", "b.log"},
			want: pipeline(investigation.Options{Logs: []string{"a.log", "b.log"}, Out: "o", Case: "o/case.duckdb", Schema: "public"}), tz: "UTC"},
		{args: []string{"investigate", "--logs", "a.log", "--out", "o", "--logs", "b.log", "c.log"},
			want: pipeline(investigation.Options{Logs: []string{"a.log", "b.log", "c.log"}, Out: "o", Case: "o/case.duckdb", Schema: "public"}), tz: "UTC"},
		{args: []string{"--case", "x.duckdb", "--memory-limit", "1GB", "investigate", "--snapshot", "snap.sql", "--out", "o", "--tz", "America/New_York",
			"--previous", "wave1.csv", "--force", "--log-format", "combined", "--schema", "warehouse"},
			want: investigateOptions{Options: investigation.Options{Snapshot: "snap.sql", Schema: "warehouse", Out: "o", Case: "x.duckdb", Force: true,
				LogFormat: "combined", MemoryLimit: "1GB"}, PreviousPath: "wave1.csv"}, tz: "America/New_York"},
		{args: []string{"investigate", "--snapshot", "postgres://forensics@db/warehouse", "--out", "o"},
			want: pipeline(investigation.Options{Snapshot: "postgres://forensics@db/warehouse", Schema: "public", Evidence: "o/case.snapshot", Out: "o", Case: "o/case.duckdb"}), tz: "UTC"},
		{args: []string{"--case", "c/x.duckdb", "investigate", "--snapshot", "postgres://forensics@db/warehouse", "--out", "o"},
			want: pipeline(investigation.Options{Snapshot: "postgres://forensics@db/warehouse", Schema: "public", Evidence: "c/x.snapshot", Out: "o", Case: "c/x.duckdb"}), tz: "UTC"},
		{args: []string{"investigate", "--snapshot", "postgresql://db/w", "--evidence", "ev", "--out", "o"},
			want: pipeline(investigation.Options{Snapshot: "postgresql://db/w", Schema: "public", Evidence: "ev", Out: "o", Case: "o/case.duckdb"}), tz: "UTC"},
		{args: []string{"investigate", "--out", "o"}, err: "investigate needs --logs FILE..., --snapshot PATH, or both"},
		{args: []string{"investigate", "--logs", "a.log"}, err: "investigate needs --out DIR"},
		{args: []string{"investigate", "--logs", "a.log", "--out", "o", "--tz", "Mars/Olympus"}, err: `--tz "Mars/Olympus": not a time zone`},
		{args: []string{"investigate", "--snapshot", "https://db/w", "--out", "o"}, err: "a live database is read from a postgres:// or postgresql:// URL"},
		{args: []string{"investigate", "--snapshot", "snap.sql", "--evidence", "ev", "--out", "o"}, err: "--evidence applies to a postgres:// snapshot source only"},
		{args: []string{"investigate", "--snapshot", ".", "--schema", "w", "--out", "o"}, err: "--schema applies to a postgres:// source or a pg_dump file"},
		{args: []string{"investigate", "--logs", "a.log", "--out", "o", "--log-format", "%Q"}, err: "%Q"},
		{args: []string{"investigate", "--logs", "a.log", "--out", "o", "--nosuch"}, err: "unknown flag: --nosuch"},
	} {
		var got *investigateOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newInvestigateCmd(e, func(_ context.Context, o *investigateOptions) error { got = o; return nil })
		}, x.args...)
		checkUsage(t, x.args, err, x.err)
		if x.err != "" || err != nil {
			continue
		}
		if got.TZ.String() != x.tz {
			t.Errorf("%q: time zone %s, want %s", x.args, got.TZ, x.tz)
		}
		got.TZ = nil
		if !reflect.DeepEqual(*got, x.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", x.args, *got, x.want)
		}
	}
}

// TestAnalyzeFlags: analyze's flags become its options, and wrong ones
// are usage errors, without running anything.
func TestAnalyzeFlags(t *testing.T) {
	t.Parallel()
	config := writeTemp(t, "params.conf", "classify.freeze_posterior = 0.9\nclassify.review_posterior = 0.4\n")
	from, to := time.Date(2024, 3, 29, 18, 0, 0, 0, time.UTC), time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)
	for _, x := range []struct {
		args []string
		want analyzeOptions
		err  string // a usage error saying this
	}{
		{args: []string{"analyze"}, want: analyzeOptions{Options: investigation.Options{Settings: analyze.Settings{}}}},
		{args: []string{"--memory-limit", "4GB", "analyze", "--previous", "wave1.csv"},
			want: analyzeOptions{Options: investigation.Options{Settings: analyze.Settings{}, MemoryLimit: "4GB"}, PreviousPath: "wave1.csv"}},
		{args: []string{"analyze", "--window", "2024-03-29T18:00Z..2024-03-31 12:00"},
			want: analyzeOptions{Options: investigation.Options{Settings: analyze.Settings{}, Window: &analyze.Window{From: from, To: to}}}},
		{args: []string{"analyze", "--config", config, "--set", "classify.freeze_posterior=0.95"},
			want: analyzeOptions{Options: investigation.Options{Settings: analyze.Settings{"classify.freeze_posterior": "0.95", "classify.review_posterior": "0.4"}}}},
		{args: []string{"analyze", "--set", "classify.freeze_posterior"}, err: `--set "classify.freeze_posterior": want STEP.PARAM=VALUE`},
		{args: []string{"analyze", "--set", "nosuch.x=1"}, err: `no step or heuristic "nosuch"`},
		{args: []string{"analyze", "--config", "/nonexistent/params.conf"}, err: "--config: open /nonexistent/params.conf"},
		{args: []string{"analyze", "--window", "2024-03-31..2024-03-29"}, err: "the end must be after the start"},
		{args: []string{"analyze", "extra"}, err: "unknown command \"extra\""},
	} {
		var got *analyzeOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newAnalyzeCmd(e, func(_ context.Context, o *analyzeOptions) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
}

// TestReportFlags: report's flags become its options, and wrong ones are
// usage errors, without running anything.
func TestReportFlags(t *testing.T) {
	t.Parallel()
	for _, x := range []struct {
		args []string
		want report.Options
		tz   string
		err  string // a usage error saying this
	}{
		{args: []string{"report", "--out", "r"}, want: report.Options{Out: "r", FreezeFormat: report.FreezeCSV}, tz: "UTC"},
		{args: []string{"report", "--out", "r", "--tz", "Europe/Paris", "--freeze-format", "usernames"},
			want: report.Options{Out: "r", FreezeFormat: report.FreezeUsernames}, tz: "Europe/Paris"},
		{args: []string{"report"}, err: "report needs --out DIR"},
		{args: []string{"report", "--out", "r", "--tz", "Paris"}, err: `--tz "Paris": not a time zone`},
		{args: []string{"report", "--out", "r", "--freeze-format", "xml"}, err: `--freeze-format "xml": use csv or usernames`},
	} {
		var got *report.Options
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newReportCmd(e, func(_ context.Context, o *report.Options) error { got = o; return nil })
		}, x.args...)
		checkUsage(t, x.args, err, x.err)
		if x.err != "" || err != nil {
			continue
		}
		if got.TZ.String() != x.tz {
			t.Errorf("%q: time zone %s, want %s", x.args, got.TZ, x.tz)
		}
		got.TZ = nil
		if !reflect.DeepEqual(*got, x.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", x.args, *got, x.want)
		}
	}
}

// TestIngestLogsFlags: ingest logs' flags and files become its options,
// and wrong ones are usage errors, without running anything.
func TestIngestLogsFlags(t *testing.T) {
	t.Parallel()
	for _, x := range []struct {
		args []string
		want ingestLogsOptions
		err  string // a usage error saying this
	}{
		{args: []string{"ingest", "logs", "a.log", "b.log.gz"},
			want: ingestLogsOptions{Files: []string{"a.log", "b.log.gz"}, LogOptions: ingest.LogOptions{Fields: ingest.JSONFields{}}}},
		{args: []string{"ingest", "logs", "--log-format", "combined", "--force", "-"},
			want: ingestLogsOptions{Files: []string{"-"}, LogOptions: ingest.LogOptions{Format: "combined", Force: true, Fields: ingest.JSONFields{}}}},
		{args: []string{"ingest", "logs", "-f", "combined", "a.log"},
			want: ingestLogsOptions{Files: []string{"a.log"}, LogOptions: ingest.LogOptions{Format: "combined", Fields: ingest.JSONFields{}}}},
		{args: []string{"ingest", "logs", "--log-format", "jsonl", "--field", "time=ts", "--field", "client=ip", "app.jsonl"},
			want: ingestLogsOptions{Files: []string{"app.jsonl"}, LogOptions: ingest.LogOptions{Format: "jsonl", Fields: ingest.JSONFields{"time": "ts", "client": "ip"}}}},
		{args: []string{"ingest", "logs"}, err: "requires at least 1 arg"},
		{args: []string{"ingest", "logs", "--format", "combined", "--log-format", "combined", "a.log"}, err: "--format is the old name of --log-format"},
		{args: []string{"ingest", "logs", "--field", "time", "a.log"}, err: `--field "time": write canonical=json.key`},
		{args: []string{"ingest", "logs", "--log-format", "combined", "--field", "time=ts", "a.log"}, err: "--field applies to --log-format jsonl only"},
		{args: []string{"ingest", "logs", "--log-format", "%Q", "a.log"}, err: "%Q"},
	} {
		var got *ingestLogsOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newIngestLogsCmd(e, func(_ context.Context, o *ingestLogsOptions) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
}

// TestIngestSnapshotFlags: ingest snapshot's flags and source become its
// options, and wrong ones are usage errors, without running anything.
func TestIngestSnapshotFlags(t *testing.T) {
	t.Parallel()
	for _, x := range []struct {
		args []string
		want ingestSnapshotOptions
		err  string // a usage error saying this
	}{
		{args: []string{"ingest", "snapshot", "exports/"},
			want: ingestSnapshotOptions{Source: "exports/", SnapshotOptions: ingest.SnapshotOptions{Schema: "public"}}},
		{args: []string{"ingest", "snapshot", "--force", "--schema", "warehouse", "dump.sql.zst"},
			want: ingestSnapshotOptions{Source: "dump.sql.zst", SnapshotOptions: ingest.SnapshotOptions{Force: true, Schema: "warehouse"}}},
		{args: []string{"--case", "i/c.duckdb", "ingest", "snapshot", "postgres://forensics@db/w"},
			want: ingestSnapshotOptions{Source: "postgres://forensics@db/w", SnapshotOptions: ingest.SnapshotOptions{Schema: "public", Evidence: "i/c.snapshot"}}},
		{args: []string{"ingest", "snapshot", "--evidence", "ev", "postgres://forensics@db/w"},
			want: ingestSnapshotOptions{Source: "postgres://forensics@db/w", SnapshotOptions: ingest.SnapshotOptions{Schema: "public", Evidence: "ev"}}},
		{args: []string{"ingest", "snapshot"}, err: "accepts 1 arg(s), received 0"},
		{args: []string{"ingest", "snapshot", "mysql://db/w"}, err: "a live database is read from a postgres:// or postgresql:// URL"},
		{args: []string{"ingest", "snapshot", "--evidence", "ev", "dump.sql"}, err: "--evidence applies to a postgres:// snapshot source only"},
		{args: []string{"ingest", "snapshot", "--schema", "w", "."}, err: "--schema applies to a postgres:// source or a pg_dump file"},
	} {
		var got *ingestSnapshotOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newIngestSnapshotCmd(e, func(_ context.Context, o *ingestSnapshotOptions) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
}

// checkParsed says whether parsing args gave err, the usage error that
// wantErr says, or, where it says none, the options want.
func checkParsed[O any](t *testing.T, args []string, err error, wantErr string, got *O, want O) {
	t.Helper()
	checkUsage(t, args, err, wantErr)
	if wantErr == "" && err == nil && !reflect.DeepEqual(*got, want) {
		t.Errorf("%q:\n got %+v\nwant %+v", args, *got, want)
	}
}

// checkUsage says whether err is the usage error that want says (none if
// want is "").
func checkUsage(t *testing.T, args []string, err error, want string) {
	t.Helper()
	var ue usageError
	switch {
	case want == "" && err != nil:
		t.Errorf("%q: %v", args, err)
	case want == "":
	case !errors.As(err, &ue):
		t.Errorf("%q: %v, want a usage error saying %q", args, err, want)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%q: %v, want it to say %q", args, err, want)
	}
}

// TestQueryFlags: query's statement and --write become its options, and a
// missing or extra statement is a usage error, without opening a case.
func TestQueryFlags(t *testing.T) {
	t.Parallel()
	for _, x := range []struct {
		args []string
		want queryOptions
		err  string // a usage error saying this
	}{
		{args: []string{"query", "SELECT 1"}, want: queryOptions{SQL: "SELECT 1"}},
		{args: []string{"query", "--write", "CREATE TABLE notes (t VARCHAR)"}, want: queryOptions{SQL: "CREATE TABLE notes (t VARCHAR)", Write: true}},
		{args: []string{"query"}, err: "accepts 1 arg(s), received 0"},
		{args: []string{"query", "SELECT 1", "SELECT 2"}, err: "accepts 1 arg(s), received 2"},
	} {
		var got *queryOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newQueryCmd(e, func(_ context.Context, o *queryOptions) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
}

// TestEvalFlags: eval's files and bars become its options, and missing
// files or bars outside 0..1 are usage errors, without reading a file.
func TestEvalFlags(t *testing.T) {
	t.Parallel()
	for _, x := range []struct {
		args []string
		want evalOptions
		err  string // a usage error saying this
	}{
		{args: []string{"eval", "--truth", "t.csv", "--freeze-list", "f.csv"}, want: evalOptions{TruthPath: "t.csv", ListPath: "f.csv"}},
		{args: []string{"eval", "--truth", "t.csv", "--freeze-list", "f.txt", "--min-precision", "0.95", "--min-recall", "0.9", "--json"},
			want: evalOptions{TruthPath: "t.csv", ListPath: "f.txt", MinPrecision: 0.95, MinRecall: 0.9, JSON: true}},
		{args: []string{"eval", "--truth", "t.csv"}, err: "eval needs --truth FILE and --freeze-list FILE"},
		{args: []string{"eval", "--truth", "t.csv", "--freeze-list", "f.csv", "--min-recall", "1.5"}, err: "--min-recall 1.5: want a number from 0 to 1"},
		{args: []string{"eval", "--truth", "t.csv", "--freeze-list", "f.csv", "extra"}, err: "unknown command"},
	} {
		var got *evalOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newEvalCmd(e, func(_ context.Context, o *evalOptions) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
}

// TestBaselinesFlags: baselines' --out becomes its options; without it the
// command is a usage error, without opening a case.
func TestBaselinesFlags(t *testing.T) {
	t.Parallel()
	for _, x := range []struct {
		args []string
		want baselinesOptions
		err  string // a usage error saying this
	}{
		{args: []string{"baselines", "--out", "b"}, want: baselinesOptions{Out: "b"}},
		{args: []string{"baselines"}, err: "baselines needs --out DIR"},
		{args: []string{"baselines", "--out", "b", "x"}, err: "unknown command"},
	} {
		var got *baselinesOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newBaselinesCmd(e, func(_ context.Context, o *baselinesOptions) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
}

// TestHeuristicsFlags: heuristics' ids, --all and --json become its
// options, without reading a rule file.
func TestHeuristicsFlags(t *testing.T) {
	t.Parallel()
	for _, x := range []struct {
		args []string
		want heuristicsOptions
		err  string // a usage error saying this
	}{
		{args: []string{"heuristics"}, want: heuristicsOptions{IDs: []string{}}},
		{args: []string{"heuristics", "--all", "--json"}, want: heuristicsOptions{IDs: []string{}, All: true, JSON: true}},
		{args: []string{"heuristics", "novel-login", "classify"}, want: heuristicsOptions{IDs: []string{"novel-login", "classify"}}},
		{args: []string{"heuristics", "--every"}, err: "unknown flag: --every"},
	} {
		var got *heuristicsOptions
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newHeuristicsCmd(e, func(o *heuristicsOptions) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
}

// TestSamplesFlags: samples generate's flags become the generator's options,
// the scenario looked up by name, and a missing or unknown scenario or a
// missing --out is a usage error, without writing a file; samples list
// takes no argument.
func TestSamplesFlags(t *testing.T) {
	t.Parallel()
	scenario := func(name string) samples.Scenario {
		s, err := samples.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, x := range []struct {
		args []string
		want samples.Options
		err  string // a usage error saying this
	}{
		{args: []string{"samples", "generate", "--scenario", "pypi-2024-03", "--out", "d"},
			want: samples.Options{Scenario: scenario("pypi-2024-03"), Seed: 1, Scale: 1, Out: "d", LogFormat: "fastly-pypi"}},
		{args: []string{"samples", "generate", "--scenario", "random", "--seed", "1042", "--scale", "3", "--log-format", "combined", "--out", "d"},
			want: samples.Options{Scenario: scenario("random"), Seed: 1042, Scale: 3, Out: "d", LogFormat: "combined"}},
		{args: []string{"samples", "generate", "--scenario", "no-attack", "--pypi-size", "--scale", "2", "--out", "d"},
			want: samples.Options{Scenario: scenario("no-attack"), Seed: 1, Scale: 400, Out: "d", LogFormat: "fastly-pypi"}},
		{args: []string{"samples", "generate", "--out", "d"}, err: "samples generate needs --scenario NAME"},
		{args: []string{"samples", "generate", "--scenario", "nosuch", "--out", "d"}, err: `unknown scenario "nosuch"`},
		{args: []string{"samples", "generate", "--scenario", "random"}, err: "--out DIR is required"},
		{args: []string{"samples", "generate", "--scenario", "random", "--out", "d", "--seed", "-1"}, err: `invalid argument "-1"`},
		{args: []string{"samples", "generate", "--scenario", "random", "--out", "d", "x"}, err: `unknown command "x"`},
	} {
		var got *samples.Options
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newSamplesGenerateCmd(e, func(o *samples.Options) error { got = o; return nil })
		}, x.args...)
		checkParsed(t, x.args, err, x.err, got, x.want)
	}
	for _, x := range []struct {
		args []string
		err  string
	}{
		{args: []string{"samples", "list"}},
		{args: []string{"samples", "list", "extra"}, err: `unknown command "extra"`},
	} {
		ran := false
		err := parseFlags(t, func(e *env) *cobra.Command {
			return newSamplesListCmd(e, func() error { ran = true; return nil })
		}, x.args...)
		checkUsage(t, x.args, err, x.err)
		if x.err == "" && !ran {
			t.Errorf("%q did not run", x.args)
		}
	}
}
