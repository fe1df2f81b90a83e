package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
)

// Summary is the headline numbers of an investigation, as a public incident
// report quotes them. It is written as public/summary.json, so it holds
// aggregates only: no username, email, address or project of any account.
// Times are UTC, to the second, as in every file of the report. A pointer is nil (null in JSON) where the case has no
// value, such as the window of a case with no incident.
type Summary struct {
	RunID         int64  `json:"run_id"`       // the analysis run reported on (analysis_runs)
	ToolVersion   string `json:"tool_version"` // freezeframe version that ran the analysis
	ResultsSHA256 string `json:"results_sha256"`

	// Verdict is the run's answer: attack, anomaly, no anomaly or
	// inconclusive (stage verdict), with why and what to do next.
	Verdict       string `json:"verdict"`
	VerdictReason string `json:"verdict_reason"`
	NextStep      string `json:"next_step"`
	// VerdictFrom and VerdictTo are the hours of an attack or an anomaly,
	// and Signals the signals that rose in them.
	VerdictFrom *time.Time `json:"verdict_hours_from_utc"`
	VerdictTo   *time.Time `json:"verdict_hours_to_utc"`
	Signals     []string   `json:"signals_that_rose"`
	Coverage    Coverage   `json:"coverage"`

	Window   Window      `json:"window"`
	ToFreeze FreezeCount `json:"accounts_to_freeze"`
	// Exposed is the accounts whose password the attacker had right while
	// a second factor stopped it (exposed.csv): named by a stop at the
	// second factor or by a failed code's event.
	Exposed int64 `json:"exposed"`
	// SecondFactorStops is campaign logins whose password was right and
	// that stopped at the second-factor page, leaving no event. Warehouse's
	// two-factor token in the log names their accounts, which are then
	// among Exposed; SecondFactorStopsUnnamed is those without it, whose
	// accounts no file can list (SecondFactorStops in LoadSecondFactorStops).
	SecondFactorStops        int64 `json:"second_factor_stops"`
	SecondFactorStopsUnnamed int64 `json:"second_factor_stops_unnamed"`

	Targeted  int64 `json:"targeted"` // tried by a campaign, not broken into
	Review    int64 `json:"review"`   // campaign evidence on a login, not enough to freeze
	Benign    int64 `json:"benign"`   // scored, the evidence against the campaign
	Campaigns int64 `json:"campaigns"`

	CampaignAttempts  int64 `json:"campaign_attempts"`
	DistinctIPs       int64 `json:"distinct_ips"`       // client addresses (raw or hashed) of campaign attempts
	DistinctCountries int64 `json:"distinct_countries"` // their countries, where known

	LoginRate LoginRate   `json:"login_rate"`
	Tampering Tampering   `json:"tampering"`
	Emails    EmailCounts `json:"emails"`
}

// Coverage is what the run could check (table coverage): the sources, the
// time each spans (its rows in bounds) and their overlap, how well they
// paired, the baseline, the rows dated out of bounds with the bounds, and
// what was not checked. Counts and spans only.
type Coverage struct {
	Sources            string     `json:"sources"` // logs and snapshot | logs only | snapshot only | nothing
	LogsFrom           *time.Time `json:"logs_from_utc"`
	LogsTo             *time.Time `json:"logs_to_utc"`
	Requests           int64      `json:"requests"`
	EventsFrom         *time.Time `json:"login_events_from_utc"`
	EventsTo           *time.Time `json:"login_events_to_utc"`
	LoginEvents        int64      `json:"login_events"`
	OverlapFrom        *time.Time `json:"overlap_from_utc"`
	OverlapTo          *time.Time `json:"overlap_to_utc"`
	EventsInOverlap    int64      `json:"login_events_in_overlap"`
	EventsPaired       int64      `json:"login_events_paired_with_a_log_line"`
	PostsInOverlap     int64      `json:"login_posts_in_overlap"`
	PostsPaired        int64      `json:"login_posts_paired_with_an_event"`
	SpanFrom           *time.Time `json:"analysed_from_utc"`
	SpanTo             *time.Time `json:"analysed_to_utc"`
	SpanHours          int64      `json:"analysed_hours"`
	BaselineHours      int64      `json:"baseline_hours"` // analysed hours outside the incident window
	AttemptsJudged     int64      `json:"login_attempts_analysed"`
	RequestsWithClient int64      `json:"requests_with_client"`
	RequestsWithoutIP  int64      `json:"requests_without_ip_row"` // their client has no row in ip_addresses
	// RequestsOutOfBounds is the requests dated outside RequestsBoundFrom
	// to RequestsBoundTo, and EventsOutOfBounds the snapshot's events (user,
	// project and file events) dated after EventsBoundTo: kept in the case
	// (table out_of_bounds), not analysed.
	RequestsOutOfBounds int64      `json:"requests_out_of_bounds"`
	RequestsBoundFrom   *time.Time `json:"requests_bound_from_utc"`
	RequestsBoundTo     *time.Time `json:"requests_bound_to_utc"`
	EventsOutOfBounds   int64      `json:"snapshot_events_out_of_bounds"`
	EventsBoundTo       *time.Time `json:"snapshot_events_bound_to_utc"`
	MissingTables       []string   `json:"missing_tables"`
	NotChecked          []string   `json:"not_checked"`
}

// Window is the incident window the analysis used: [From, To).
type Window struct {
	From   *time.Time `json:"from_utc"`
	To     *time.Time `json:"to_utc"`
	Source string     `json:"source"` // auto (the signals alone), confirmed (the signals and a takeover), given (--window) or none
}

// FreezeCount is the accounts to freeze (freeze-list.csv), by wave: new,
// or already on the --previous freeze list; and the compromised accounts
// that are not on it: already frozen or disabled in Warehouse, or without a
// users row in the snapshot and so without a username (accounts.csv has
// both).
type FreezeCount struct {
	Total           int64 `json:"total"`
	New             int64 `json:"new"`
	Listed          int64 `json:"listed"`
	AlreadyHandled  int64 `json:"compromised_already_frozen_or_disabled"`
	WithoutUsername int64 `json:"compromised_without_username"`
}

// LoginRate answers "was the login rate higher than normal?" with the
// numbers: logins (successes and failures, unknown usernames included) per
// hour inside the window against the baseline, the hours outside it.
type LoginRate struct {
	WindowHours           int64    `json:"window_hours"`
	WindowLogins          int64    `json:"window_logins"`
	WindowPerHour         *float64 `json:"window_per_hour"`
	WindowPeakPerHour     *int64   `json:"window_peak_per_hour"`
	WindowFailuresPerHour *float64 `json:"window_failures_per_hour"`
	BaselineHours         int64    `json:"baseline_hours"`
	BaselineMedianPerHour *float64 `json:"baseline_median_per_hour"`
	BaselineP95PerHour    *float64 `json:"baseline_p95_per_hour"`
	BaselineFailuresMed   *float64 `json:"baseline_failures_median_per_hour"`
	// RatioToMedian is WindowPerHour over BaselineMedianPerHour.
	RatioToMedian *float64 `json:"ratio_to_median"`
	// SameHoursExpected is the logins the window's hours would have had at
	// their time of day's baseline median; RatioToSameHours is
	// WindowLogins over it, which discounts the daily rhythm.
	SameHoursExpected *float64 `json:"same_hours_expected"`
	RatioToSameHours  *float64 `json:"ratio_to_same_hours"`
	// HoursAboveP95 counts window hours with more logins than the 95th
	// percentile of the baseline hours at the same time of day.
	HoursAboveP95 int64 `json:"hours_above_same_hour_p95"`
	// Higher is whether the window's mean rate exceeds the baseline's 95th
	// percentile per hour.
	Higher bool `json:"higher_than_normal"`
}

// Tampering is the verdict of the tampering check: release, file, role and
// token events by an implicated account (compromised or exposed) at or
// after its first suspicious login, all listed in tampering.csv. Found
// means some came from an address of the account's suspicious logins: the
// attacker's, likely. Events from other addresses only are to review: often
// the owners' own uploads from CI, but an attacker with a fresh address per
// request, or with an API token, would not come from a login's address.
type Tampering struct {
	Verdict           string   `json:"verdict"` // one of the Verdict constants
	Events            int64    `json:"events"`
	FromSuspiciousIPs int64    `json:"events_from_suspicious_ips"`
	AccountsChecked   int64    `json:"accounts_checked"`
	Checked           []string `json:"checked"` // event tags looked for; * matches any rest
}

// The tampering verdicts.
const (
	VerdictNoneFound = "none found"
	VerdictToReview  = "to review"
	VerdictFound     = "found"
)

// EmailCounts is the emails to re-verify (verified emails of accounts
// without a second factor, as PyPI invalidated them) against all emails.
type EmailCounts struct {
	Reverify int64   `json:"to_reverify"`
	All      int64   `json:"all"`
	Verified int64   `json:"verified"`
	Share    float64 `json:"reverify_share_of_all"`
}

// ErrNoAnalysis says the case has no analysis run to report on.
var ErrNoAnalysis = errors.New("the case has no analysis run: run freezeframe analyze first")

// LoadSummary reads the headline numbers of the case's latest analysis run.
// It leaves the tampering check's events in the temporary table
// report_tampering of the case's connection, for the report files.
func LoadSummary(ctx context.Context, c *casefile.Case) (Summary, error) {
	if err := requireAnalysis(ctx, c); err != nil {
		return Summary{}, err
	}
	q, err := query("summary.sql")
	if err != nil {
		return Summary{}, err
	}
	var s Summary
	var from, to sql.NullTime
	var perHour, failPerHour, med, p95, failMed, ratio, expected, ratioSame sql.NullFloat64
	var peak sql.NullInt64
	var tamperChecked int64
	err = c.Conn.QueryRowContext(ctx, q).Scan(
		&s.RunID, &s.ToolVersion, &s.ResultsSHA256,
		&from, &to, &s.Window.Source,
		&s.ToFreeze.Total, &s.ToFreeze.New, &s.ToFreeze.Listed, &s.ToFreeze.AlreadyHandled, &s.ToFreeze.WithoutUsername, &s.Exposed, &s.Targeted, &s.Review, &s.Benign, &tamperChecked,
		&s.Campaigns, &s.CampaignAttempts, &s.DistinctIPs, &s.DistinctCountries,
		&s.Emails.All, &s.Emails.Verified, &s.Emails.Reverify,
		&s.LoginRate.WindowHours, &s.LoginRate.WindowLogins, &perHour, &peak, &failPerHour,
		&expected, &s.LoginRate.HoursAboveP95,
		&s.LoginRate.BaselineHours, &med, &p95, &failMed, &ratio, &ratioSame)
	if err != nil {
		return Summary{}, fmt.Errorf("case %s: summary.sql: %w", c.Path, err)
	}
	stops, err := LoadSecondFactorStops(ctx, c)
	if err != nil {
		return Summary{}, err
	}
	s.SecondFactorStops, s.SecondFactorStopsUnnamed = stops.Logins, stops.Unnamed
	s.Window.From, s.Window.To = timePtr(from), timePtr(to)
	r := &s.LoginRate
	r.WindowPerHour, r.WindowFailuresPerHour = floatPtr(perHour), floatPtr(failPerHour)
	r.BaselineMedianPerHour, r.BaselineP95PerHour, r.BaselineFailuresMed = floatPtr(med), floatPtr(p95), floatPtr(failMed)
	r.RatioToMedian, r.SameHoursExpected, r.RatioToSameHours = floatPtr(ratio), floatPtr(expected), floatPtr(ratioSame)
	if peak.Valid {
		r.WindowPeakPerHour = &peak.Int64
	}
	r.Higher = perHour.Valid && p95.Valid && perHour.Float64 > p95.Float64
	if s.Emails.All > 0 {
		s.Emails.Share = roundTo(float64(s.Emails.Reverify)/float64(s.Emails.All), 4)
	}
	if s.Tampering, err = prepareTampering(ctx, c); err != nil {
		return Summary{}, err
	}
	s.Tampering.AccountsChecked = tamperChecked
	if err := loadVerdict(ctx, c, &s); err != nil {
		return Summary{}, err
	}
	return s, nil
}

// loadVerdict reads the run's verdict and coverage into s.
func loadVerdict(ctx context.Context, c *casefile.Case, s *Summary) error {
	q, err := query("verdict.sql")
	if err != nil {
		return err
	}
	cv := &s.Coverage
	var t [13]sql.NullTime
	var signals, missing, notChecked []any
	err = c.Conn.QueryRowContext(ctx, q).Scan(&s.Verdict, &s.VerdictReason, &s.NextStep, &t[0], &t[1], &signals,
		&cv.Sources, &t[2], &t[3], &cv.Requests, &t[4], &t[5], &cv.LoginEvents,
		&t[6], &t[7], &cv.EventsInOverlap, &cv.EventsPaired, &cv.PostsInOverlap, &cv.PostsPaired,
		&t[8], &t[9], &cv.SpanHours, &cv.BaselineHours, &cv.AttemptsJudged,
		&cv.RequestsWithClient, &cv.RequestsWithoutIP,
		&cv.RequestsOutOfBounds, &t[10], &t[11], &cv.EventsOutOfBounds, &t[12], &missing, &notChecked)
	if err != nil {
		return fmt.Errorf("case %s: verdict.sql: %w", c.Path, err)
	}
	s.VerdictFrom, s.VerdictTo = timePtr(t[0]), timePtr(t[1])
	cv.LogsFrom, cv.LogsTo, cv.EventsFrom, cv.EventsTo = timePtr(t[2]), timePtr(t[3]), timePtr(t[4]), timePtr(t[5])
	cv.OverlapFrom, cv.OverlapTo, cv.SpanFrom, cv.SpanTo = timePtr(t[6]), timePtr(t[7]), timePtr(t[8]), timePtr(t[9])
	cv.RequestsBoundFrom, cv.RequestsBoundTo, cv.EventsBoundTo = timePtr(t[10]), timePtr(t[11]), timePtr(t[12])
	s.Signals, cv.MissingTables, cv.NotChecked = stringList(signals), stringList(missing), stringList(notChecked)
	return nil
}

// stringList turns a list the driver returns into strings; never nil, so that
// JSON has [] rather than null.
func stringList(list []any) []string {
	out := []string{}
	for _, v := range list {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// requireAnalysis fails with ErrNoAnalysis unless an analysis run is
// recorded, so that no report is made from a case analyze never finished.
func requireAnalysis(ctx context.Context, c *casefile.Case) error {
	var runs int64
	if err := c.Conn.QueryRowContext(ctx, "SELECT count(*) FROM analysis_runs").Scan(&runs); err != nil {
		return fmt.Errorf("case %s: %w", c.Path, err)
	}
	if runs == 0 {
		return fmt.Errorf("case %s: %w", c.Path, ErrNoAnalysis)
	}
	return nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC().Truncate(time.Second)
	return &u
}

func floatPtr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

func roundTo(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
