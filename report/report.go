package report

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// Options say where and how to write the report.
type Options struct {
	Out          string         // directory, created if missing
	TZ           *time.Location // zone for human-facing times (HTML charts); CSV and JSON times stay UTC. nil is UTC
	FreezeFormat string         // FreezeCSV (the default, when empty) or FreezeUsernames
}

// The freeze-list formats.
const (
	FreezeCSV       = "csv"       // freeze-list.csv, one row per account with the evidence
	FreezeUsernames = "usernames" // freeze-list.txt, one username a line; an account whose username cannot stand on one line fails it
)

// files are the names of every file a report may write in its directory,
// both freeze list formats included.
var files = []string{
	"report.html", "freeze-list.csv", "freeze-list.txt", "accounts.csv", "exposed.csv", "campaigns.csv",
	"block-list.csv", "email-reverify.csv", "tampering.csv", "timeline.jsonl",
	"public/summary.json", "public/timeline_hourly.csv",
}

// Write writes every report file into opts.Out and returns the paths
// written, sorted. The files replace the report there before all at once
// (Group): a failure leaves that report as it was, and the freeze list of
// the other format, if it had one, goes with it.
func Write(ctx context.Context, c *casefile.Case, opts Options) ([]string, error) {
	if opts.FreezeFormat == "" {
		opts.FreezeFormat = FreezeCSV
	}
	if opts.FreezeFormat != FreezeCSV && opts.FreezeFormat != FreezeUsernames {
		return nil, fmt.Errorf("freeze format %q: want %s or %s", opts.FreezeFormat, FreezeCSV, FreezeUsernames)
	}
	if opts.TZ == nil {
		opts.TZ = time.UTC
	}
	sum, err := LoadSummary(ctx, c)
	if err != nil {
		return nil, err
	}
	g, err := NewGroup(opts.Out, "report", files)
	if err != nil {
		return nil, fmt.Errorf("report directory: %w", err)
	}
	defer g.Close()
	w := &writer{ctx: ctx, c: c, g: g}
	if opts.FreezeFormat == FreezeUsernames {
		w.usernames()
	} else {
		w.csv("freeze-list.csv", "freeze_list.sql")
	}
	w.csv("accounts.csv", "accounts.sql")
	w.csv("exposed.csv", "exposed.sql")
	w.csv("campaigns.csv", "campaigns.sql")
	w.csv("block-list.csv", "block_list.sql")
	w.csv("email-reverify.csv", "email_reverify.sql")
	w.csv("tampering.csv", "tampering_list.sql") // report_tampering, which LoadSummary made
	w.jsonl("timeline.jsonl", "timeline.sql")
	w.json("public/summary.json", sum)
	w.csv("public/timeline_hourly.csv", "timeline_hourly.sql")
	w.html(sum, opts)
	if w.err != nil {
		return nil, w.err
	}
	return g.Commit()
}

// Remove removes the report in dir (its links all at once, the files of a
// report written before links one by one), leaving every other file there;
// it says whether there was one.
func Remove(dir string) (bool, error) {
	return removeGroup(dir, "report", files)
}

// writer writes the report's files into its group, remembering the first
// error, after which it writes nothing more.
type writer struct {
	ctx context.Context
	c   *casefile.Case
	g   *Group
	err error
}

// SecondFactorStops is the campaign logins whose password was right and
// that stopped at the second-factor page: Logins in all, and Unnamed, those
// whose account the log does not name (no two-factor token), so that no
// file lists it. A named one makes its account exposed, unless it was taken
// over as well; exposed accounts are also named by a failed code's event.
type SecondFactorStops struct {
	Logins, Unnamed int64
}

// LoadSecondFactorStops counts the latest analysis run's stops at the
// second factor (second_factor.sql).
func LoadSecondFactorStops(ctx context.Context, c *casefile.Case) (SecondFactorStops, error) {
	q, err := query("second_factor.sql")
	if err != nil {
		return SecondFactorStops{}, err
	}
	var s SecondFactorStops
	if err := c.Conn.QueryRowContext(ctx, q).Scan(&s.Logins, &s.Unnamed); err != nil {
		return SecondFactorStops{}, fmt.Errorf("case %s: second_factor.sql: %w", c.Path, err)
	}
	return s, nil
}

// query returns the report query in sql/report/name.
func query(name string) (string, error) {
	b, err := fs.ReadFile(ffsql.Report, "report/"+name)
	if err != nil {
		return "", fmt.Errorf("report query %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}
