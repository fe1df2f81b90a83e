// Package baselines re-implements the strongest public per-source detection
// rules for credential stuffing, so that freezeframe's detection can be
// measured against them on the same case:
//
//   - elastic-stuffing-single-source: Elastic's "Potential Okta Credential
//     Stuffing (Single Source)", embedded from sql/baselines;
//   - elastic-spray-multi-source: Elastic's "Potential Okta Password Spray
//     (Multi-Source)", embedded from sql/baselines;
//   - crowdsec-http-bf: CrowdSec's crowdsecurity/http-generic-bf leaky
//     bucket, a sequential simulation in Go (crowdsec.go).
//
// The rules read the table attempts that freezeframe analyze builds, and
// nothing else. Their alerts become accounts to freeze as Elastic's
// "Successful Login After Credential Attack" pairs them, given its best
// reasonable shot (pair.go): an account is frozen when it logs in
// successfully from the first failed login an alert counts until 6 h after
// the alert fires, and it was one of the alert's attacked users or the
// login came from one of its alerted addresses.
package baselines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// Baseline is one public rule as re-implemented here.
type Baseline struct {
	ID          string // e.g. elastic-stuffing-single-source; the freeze list is <ID>.csv
	Title       string
	Description string   // what the rule computes, with its thresholds
	Level       string   // one of ffsql.Levels, as the analysis steps'
	Status      string   // one of ffsql.Statuses
	Tags        []string // MITRE ATT&CK tags: attack.t1110.004
	Reads       []string // the tables of the analysis it reads
	Adaptation  string   // how it was fitted to the case's attempts, and why
	References  string
	File        string // the embedded .sql file, or the Go file of a simulated rule
	SQL         string // one SELECT returning the alerts; empty for a simulated rule

	simulate func(ctx context.Context, c *casefile.Case) ([]Alert, error)
}

// Alert is one alert of a baseline, with what the pairing needs.
type Alert struct {
	First    time.Time // the first failed login the alert counts
	At       time.Time // when the rule fires
	Source   string    // the address it groups by; "" for a site-wide rule
	Evidence string    // what fired, in numbers
	Accounts []string  // the attacked accounts (UUIDs), sorted
	Clients  []string  // the alerted addresses, sorted
}

// Account is an account a baseline would freeze, with the alert and the
// successful login that pair it.
type Account struct {
	Username string
	UserID   string
	Reason   string
}

// Result is what one baseline found in the case.
type Result struct {
	ID       string
	Title    string
	Alerts   int       // how many alerts the rule raised
	Raised   []Alert   // those alerts, in time order
	Accounts []Account // the accounts to freeze, by username then user id
}

// ErrNoAttempts says the case has no attempts table to run the rules on.
var ErrNoAttempts = errors.New("the case has no login attempts (table attempts): run freezeframe analyze first")

// List returns the baselines in the order they run: the SQL rules in file
// order, then the simulated ones.
func List() ([]Baseline, error) {
	files, err := fs.Glob(ffsql.Baselines, "baselines/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []Baseline
	seen := map[string]string{}
	for _, f := range files {
		text, err := fs.ReadFile(ffsql.Baselines, f)
		if err != nil {
			return nil, err
		}
		b, err := parseBaseline(f, string(text))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	out = append(out, crowdsecBaseline())
	for _, b := range out {
		if other, ok := seen[b.ID]; ok {
			return nil, fmt.Errorf("%s: baseline id %q is already used by %s", b.File, b.ID, other)
		}
		seen[b.ID] = b.File
	}
	return out, nil
}

// parseBaseline reads a rule's header (ffsql.ParseHeader), with the keys
// of an analysis step's where they apply; the rest of the file is its one
// statement.
func parseBaseline(file, text string) (Baseline, error) {
	h, err := ffsql.ParseHeader(file, text,
		[]string{"id", "title", "level", "status", "tags", "reads", "description", "adaptation", "references", "output"}, "")
	if err != nil {
		return Baseline{}, err
	}
	b := Baseline{File: file, ID: h.Fields["id"], Title: h.Fields["title"], Description: h.Fields["description"],
		Level: h.Fields["level"], Status: h.Fields["status"], Tags: strings.Fields(h.Fields["tags"]), Reads: strings.Fields(h.Fields["reads"]),
		Adaptation: h.Fields["adaptation"], References: h.Fields["references"]}
	if b.ID == "" || b.Title == "" || b.Description == "" || b.References == "" || len(b.Tags) == 0 || len(b.Reads) == 0 {
		return Baseline{}, fmt.Errorf("%s: the header needs an id, a title, a description, ATT&CK tags, the tables it reads and references", file)
	}
	if err := ffsql.CheckRule(file, b.Level, b.Status, b.Tags); err != nil {
		return Baseline{}, err
	}
	stmts := ffsql.Statements(h.Body)
	if len(stmts) != 1 {
		return Baseline{}, fmt.Errorf("%s: want one SELECT statement, found %d statements", file, len(stmts))
	}
	b.SQL = stmts[0]
	return b, nil
}

// Run runs every baseline against the case's attempts and pairs their
// alerts with successful logins. It only reads the case.
func Run(ctx context.Context, c *casefile.Case) ([]Result, error) {
	if err := checkAttempts(ctx, c); err != nil {
		return nil, err
	}
	list, err := List()
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, b := range list {
		alerts, err := b.alerts(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("baseline %s (%s): %w", b.ID, b.File, err)
		}
		accounts, err := pair(ctx, c, alerts)
		if err != nil {
			return nil, fmt.Errorf("baseline %s: pairing alerts with successful logins: %w", b.ID, err)
		}
		out = append(out, Result{ID: b.ID, Title: b.Title, Alerts: len(alerts), Raised: alerts, Accounts: accounts})
	}
	return out, nil
}

// checkAttempts fails with ErrNoAttempts unless the case has attempts.
func checkAttempts(ctx context.Context, c *casefile.Case) error {
	var n int
	q, err := ffsql.Query(ffsql.BaselineSupport, "baselines/support/attempts_exist.sql")
	if err != nil {
		return err
	}
	if err := c.Conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNoAttempts
	}
	return nil
}

// alerts runs the rule and returns its alerts in time order.
func (b Baseline) alerts(ctx context.Context, c *casefile.Case) ([]Alert, error) {
	if b.simulate != nil {
		return b.simulate(ctx, c)
	}
	rows, err := c.Conn.QueryContext(ctx, b.SQL)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	var out []Alert
	for rows.Next() {
		var a Alert
		var source *string
		var accounts, clients string
		if err := rows.Scan(&a.First, &a.At, &source, &a.Evidence, &accounts, &clients); err != nil {
			return nil, err
		}
		if source != nil {
			a.Source = *source
		}
		if err := json.Unmarshal([]byte(accounts), &a.Accounts); err != nil {
			return nil, fmt.Errorf("accounts %q: %w", accounts, err)
		}
		if err := json.Unmarshal([]byte(clients), &a.Clients); err != nil {
			return nil, fmt.Errorf("clients %q: %w", clients, err)
		}
		a.First, a.At = a.First.UTC(), a.At.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}
