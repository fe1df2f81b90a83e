package report

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
)

// report.html is one self-contained page: the echarts build, the page's
// script and its style are inlined, so that it opens from disk on a machine
// with no network, and its Content-Security-Policy forbids every request
// and every script but those two (by hash). Everything from the case goes
// through html/template, which escapes it for where it lands; the chart data
// is JSON in a non-executable script element.
var (
	//go:embed assets/echarts.min.js
	echartsJS string
	//go:embed assets/report.js
	pageJS string
	//go:embed assets/report.css
	pageCSS string
	//go:embed templates/report.html.tmpl
	pageTemplate string
)

// htmlAccountCap is how many accounts report.html lists at most; the page
// says how many there are and that accounts.csv has them all. At PyPI size
// a campaign implicates tens of thousands, and their reasons would make the
// page tens of MB. A variable, so that tests can lower it.
var htmlAccountCap = 2000

// htmlCampaignCap and htmlTamperCap are how many campaigns and tampering
// events report.html lists at most (campaigns.csv and tampering.csv have
// them all).
const (
	htmlCampaignCap = 500
	htmlTamperCap   = 2000
)

// htmlPage is what the template renders.
type htmlPage struct {
	Sum      Summary
	Zone     string // the zone times are shown in
	From, To string // the window, in Zone
	// VerdictFrom and VerdictTo are the verdict's hours, in Zone; Spans
	// the time each source covers, for "What was checked".
	VerdictFrom, VerdictTo string
	Verdict                htmlVerdict
	Spans                  []htmlSpan
	CSP                    string
	CSS                    template.CSS
	Echarts                template.JS
	Script                 template.JS
	Charts                 []chartSpec

	ChartedCampaigns int // campaigns with a series of their own in the activity chart
	OtherCampaigns   int // campaigns summed into its "other campaigns" series

	// FreezeFile is the freeze list's name (by --freeze-format), and Rows
	// the rows (lines of timeline.jsonl) of each file the report writes.
	FreezeFile string
	Rows       map[string]int64
	Rate       []htmlRate
	// FewestSamples and MostSamples are how many baseline hours the hours
	// of the day have.
	FewestSamples, MostSamples int64
	// NotChecked is what the run could not check (Coverage.NotChecked), by
	// the section of the page it affects.
	NotChecked map[string][]string
	TamperTags []htmlTamperTag

	Campaigns      []htmlCampaign
	CampaignsTotal int
	Fingerprints   []htmlFingerprint
	Accounts       []htmlAccount
	AccountsTotal  int64
	// AccountCampaigns and AccountCountries are the values of those columns
	// among the accounts listed, for their filters.
	AccountCampaigns, AccountCountries []string
	Tampering                          []htmlTamper
	TamperingTotal                     int64
	Run                                htmlRun
	Steps                              []*htmlStep
	Sources                            []htmlSource
}

// htmlTime is a time as the page shows it, and its sort key.
type htmlTime struct {
	Text string // in the report's zone
	Unix int64  // for sorting
}

// clock shows times in the report's zone.
type clock struct{ tz *time.Location }

// at is t as a table cell shows it; the column's header names the zone.
func (k clock) at(t time.Time) htmlTime {
	if t.IsZero() {
		return htmlTime{}
	}
	return htmlTime{Text: t.In(k.tz).Format(time.DateTime), Unix: t.Unix()}
}

// minute is t to the minute, for sentences that name the zone.
func (k clock) minute(t time.Time) string { return t.In(k.tz).Format("2006-01-02 15:04") }

// stamp is t with its offset from UTC, where no header names the zone.
func (k clock) stamp(t time.Time) string {
	if k.tz == time.UTC {
		return t.UTC().Format(time.DateTime + " UTC")
	}
	return t.In(k.tz).Format(time.DateTime + " -07:00")
}

// utcStamp matches a time the analysis wrote in UTC into a reason.
var utcStamp = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?) UTC\b`)

// local rewrites the UTC times of a text the analysis wrote (the reasons)
// in the report's zone, with their offset.
func (k clock) local(s string) string {
	if k.tz == time.UTC {
		return s
	}
	return utcStamp.ReplaceAllStringFunc(s, func(m string) string {
		v := utcStamp.FindStringSubmatch(m)[1]
		layout := "2006-01-02 15:04"
		if len(v) > len(layout) {
			layout = time.DateTime
		}
		t, err := time.Parse(layout, v)
		if err != nil {
			return m
		}
		return t.In(k.tz).Format(layout + " -07:00")
	})
}

// htmlVerdict is what the verdict's sentence says of an attack: which
// campaigns, when they really ran (their first and last attempt, not the
// padded window) and whether they seem to have stopped: the silence from
// their last attempt to the end of the logs is longer than any pause they
// took.
type htmlVerdict struct {
	Campaigns     []string // the first campaigns, by first attempt
	MoreCampaigns int      // the campaigns not named
	From, To      string   // first and last attempt, in the zone
	End, EndOf    string   // the end of the logs (EndOf names what ended), in the zone; "" if unknown
	Silence       string   // from the last attempt to End
	LongestPause  string   // between two attempts in a row
	Stopped       bool
	TakenOver     int64 // compromised: to freeze, already handled or without a username
	UnnamedStops  int64 // campaign stops at the second factor on accounts the log does not name
}

// verdictCampaigns is how many campaigns the verdict's sentence names.
const verdictCampaigns = 3

// htmlRate is a row of the headline's measured facts: a count in the
// window's hours against what those hours of the day have outside it.
type htmlRate struct {
	What          string
	Count         int64
	Expected      *float64 // at each hour of day's baseline median
	Ratio         *float64 // Count over Expected
	AboveP95      int64    // window hours above their hour of day's 95th percentile
	WindowHours   int64
	MeasuredHours bool // false: no window to measure
}

// htmlTamperTag is an event tag the tampering check looks for, and why it
// could not be checked, if it could not.
type htmlTamperTag struct {
	Tag, Unchecked string
}

// htmlCampaign is a row of the campaigns table (html_campaigns.sql).
type htmlCampaign struct {
	ID                                        string
	First, Last                               htmlTime
	Attempts, Failures, UnknownUsers, Stopped int64
	Successes, Accounts, Clients, Networks    int64
	Countries, UserAgents                     int64
	FingerprintList, CountryList, AgentList   []string
}

// htmlFingerprint is a row of the hostile fingerprints table.
type htmlFingerprint struct {
	Fingerprint                              string
	Attempts, InCampaigns, Failures, Unknown int64
	Successes, Accounts, Clients             int64
	FailureShare, UnknownShare               float64
	First, Last                              htmlTime
}

// htmlAccount is a row of the accounts table and its evidence panel
// (html_accounts.sql, html_account_events.sql).
type htmlAccount struct {
	Account, Username, Classification string
	Score                             float64
	Campaign, Wave                    string
	First, Last                       htmlTime
	IPs                               []string
	TwoFactor                         string
	Reasons                           []string // one a line: the campaign attempt, then each heuristic's finding
	Tags                              []htmlTag
	Decisive                          htmlAttempt
	Events                            []htmlEvent // second-factor and recovery-code events, the latest
	EventsTotal                       int64
}

// htmlTag is a heuristic's points on an account's deciding attempt, summed
// over its findings, or the count of failed campaign attempts.
type htmlTag struct {
	Name, Points string
	Against      bool // the points speak against the campaign
}

// htmlAttempt is the attempt that decided an account's classification:
// where the case has it from (a log line, a login event or both) and what
// the client sent.
type htmlAttempt struct {
	Outcome                              string
	Time                                 string // with its offset
	File                                 string // the access log, "" if no line
	Line                                 int64
	LineTime                             string
	Client, Country, UserAgent, Language string
	Status                               int64 // 0: none
	EventID, EventTag, EventFile         string
}

// htmlEvent is a second-factor or recovery-code event of an account.
type htmlEvent struct {
	Time                               htmlTime
	Tag, Detail, IP, Country, ID, File string
}

// evidenceQuery reproduces an account's evidence panel from the case: its
// verdict, the deciding attempt and the log line it came from.
const evidenceQuery = `SELECT v.username, v.classification, v.score, a.outcome, s.path AS file, a.line_no AS line, ` +
	`r.time, r.client, r.method, r.path, r.status, r.user_agent, r.accept_language, a.event_id ` +
	`FROM account_verdicts v JOIN attempts a ON a.attempt_id = v.decisive_attempt ` +
	`LEFT JOIN sources s ON s.id = a.source_id ` +
	`LEFT JOIN requests r ON r.source_id = a.source_id AND r.line_no = a.line_no ` +
	`WHERE v.account = '%s'`

// Query is the freezeframe command that shows the account's deciding
// attempt from the case.
func (a htmlAccount) Query() string {
	return `freezeframe query "` + fmt.Sprintf(evidenceQuery, a.Account) + `"`
}

// htmlTamper is an event of the tampering check.
type htmlTamper struct {
	Time                                 htmlTime
	Account                              string // the user id, if the page lists the account
	Username, Classification, Table, Tag string
	Project, Version, Filename, IP       string
	FromSuspiciousIP                     bool
	FirstSuspicious                      htmlTime
}

// htmlRun is how the reported analysis run found its window and waves.
type htmlRun struct {
	WindowSource, PreviousList, PreviousSHA256 string
	Score, MinScore, CandidateScore            float64
}

// htmlSpan is the time one source covers, in the page's zone.
type htmlSpan struct {
	What, From, To string // From empty: the source covers nothing
}

// htmlStep is a step of the analysis with the parameters the run recorded.
type htmlStep struct {
	ID, Kind, Title string
	Params          []htmlParam
}

// htmlParam is a recorded parameter; Changed when it is not the default.
type htmlParam struct {
	Name, Value, Default, Doc string
	Changed                   bool
}

// htmlSource is an input of the case (sources).
type htmlSource struct {
	ID                                      int64
	Kind, Path, SHA256, Format, Compression string
	Size, Lines, Parsed, Rejected           int64
	ToolVersion                             string
	InRun                                   bool
}

// renderHTML renders report.html. The same case and options give the same
// bytes: nothing reads the clock, and every list has a total order.
func renderHTML(ctx context.Context, c *casefile.Case, sum Summary, opts Options) ([]byte, error) {
	tz := opts.TZ
	if tz == nil {
		tz = time.UTC
	}
	k := clock{tz}
	p := &htmlPage{
		Sum: sum, Zone: tz.String(),
		CSS: template.CSS(pageCSS), Echarts: inlineJS(echartsJS), Script: inlineJS(pageJS),
		FreezeFile: "freeze-list.csv",
	}
	if opts.FreezeFormat == FreezeUsernames {
		p.FreezeFile = "freeze-list.txt"
	}
	p.CSP = contentSecurityPolicy(string(p.Echarts), string(p.Script))
	if sum.Window.From != nil && sum.Window.To != nil {
		p.From, p.To = k.at(*sum.Window.From).Text, k.at(*sum.Window.To).Text
	}
	if sum.VerdictFrom != nil && sum.VerdictTo != nil {
		p.VerdictFrom, p.VerdictTo = k.at(*sum.VerdictFrom).Text, k.at(*sum.VerdictTo).Text
	}
	cv := sum.Coverage
	for _, sp := range []struct {
		what     string
		from, to *time.Time
	}{
		{"Access logs", cv.LogsFrom, cv.LogsTo},
		{"Snapshot's login events", cv.EventsFrom, cv.EventsTo},
		{"Their overlap", cv.OverlapFrom, cv.OverlapTo},
		{"Hours analysed", cv.SpanFrom, cv.SpanTo},
	} {
		h := htmlSpan{What: sp.what}
		if sp.from != nil && sp.to != nil {
			h.From, h.To = k.at(*sp.from).Text, k.at(*sp.to).Text
		}
		p.Spans = append(p.Spans, h)
	}
	p.NotChecked = notCheckedBySection(cv.NotChecked)
	p.TamperTags = tamperTags(sum.Tampering.Checked, cv)

	t, err := loadTimeline(ctx, c, tz)
	if err != nil {
		return nil, err
	}
	countries, err := loadCountries(ctx, c)
	if err != nil {
		return nil, err
	}
	if p.Charts, err = t.charts(p.Zone, countries); err != nil {
		return nil, err
	}
	p.ChartedCampaigns, p.OtherCampaigns = len(t.campaigns), t.otherCamp
	if p.OtherCampaigns > 0 {
		p.ChartedCampaigns-- // the "other campaigns" series
	}

	for _, load := range []func() error{
		func() error { return p.loadCampaigns(ctx, c, k) },
		func() error { return p.loadVerdict(ctx, c, k) },
		func() error { return p.loadRate(ctx, c) },
		func() error { return p.loadRows(ctx, c) },
		func() error { return p.loadFingerprints(ctx, c, k) },
		func() error { return p.loadAccounts(ctx, c, k) },
		func() error { return p.loadTampering(ctx, c, k) },
		func() error { return p.loadRun(ctx, c, sum.RunID) },
		func() error { return p.loadSources(ctx, c, sum.RunID) },
	} {
		if err := load(); err != nil {
			return nil, err
		}
	}

	tpl, err := template.New("report.html").Funcs(htmlFuncs).Parse(pageTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("report.html: %w", err)
	}
	return buf.Bytes(), nil
}

// scriptEnd matches what would end an inline script element early or
// start an HTML comment in it.
var scriptEnd = regexp.MustCompile(`(?i)</(script)|<!--`)

// inlineJS makes a trusted script safe to put inside a script element: an
// HTML parser ends the element at the first "</script", whatever the
// JavaScript around it means, so it becomes "<\/script" (the same string
// or pattern to JavaScript), and "<!--" becomes "<\!--".
func inlineJS(src string) template.JS {
	return template.JS(scriptEnd.ReplaceAllStringFunc(src, func(m string) string {
		if m == "<!--" {
			return `<\!--`
		}
		return `<\/` + m[2:]
	}))
}

// contentSecurityPolicy allows the page's own inline scripts, by hash, and
// inline styles, and nothing else: no request can leave the page, and a
// script that got into it would not run.
func contentSecurityPolicy(scripts ...string) string {
	var hashes []string
	for _, s := range scripts {
		h := sha256.Sum256([]byte(s))
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(h[:])+"'")
	}
	return "default-src 'none'; script-src " + strings.Join(hashes, " ") +
		"; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
}

// htmlRows runs the report query name and calls each for every row.
func htmlRows(ctx context.Context, c *casefile.Case, name string, args []any, each func(*sql.Rows) error) error {
	q, err := query(name)
	if err != nil {
		return err
	}
	rows, err := c.Conn.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("case %s: %s: %w", c.Path, name, err)
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	for rows.Next() {
		if err := each(rows); err != nil {
			return fmt.Errorf("case %s: %s: %w", c.Path, name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("case %s: %s: %w", c.Path, name, err)
	}
	return nil
}

func (p *htmlPage) loadCampaigns(ctx context.Context, c *casefile.Case, k clock) error {
	return htmlRows(ctx, c, "html_campaigns.sql", nil, func(rows *sql.Rows) error {
		var x htmlCampaign
		var first, last time.Time
		var fps, countries, agents string
		if err := rows.Scan(&x.ID, &first, &last, &x.Attempts, &x.Failures, &x.UnknownUsers, &x.Stopped, &x.Successes,
			&x.Accounts, &x.Clients, &x.Networks, &x.Countries, &x.UserAgents, &fps, &countries, &agents); err != nil {
			return err
		}
		p.CampaignsTotal++
		if len(p.Campaigns) >= htmlCampaignCap {
			return nil
		}
		x.First, x.Last = k.at(first), k.at(last)
		for _, l := range []struct {
			js  string
			dst *[]string
		}{{fps, &x.FingerprintList}, {countries, &x.CountryList}, {agents, &x.AgentList}} {
			if err := json.Unmarshal([]byte(l.js), l.dst); err != nil {
				return err
			}
		}
		p.Campaigns = append(p.Campaigns, x)
		return nil
	})
}

// loadVerdict reads when the campaigns ran and how long they paused
// (html_verdict.sql), for the verdict's sentence; the campaigns are loaded.
func (p *htmlPage) loadVerdict(ctx context.Context, c *casefile.Case, k clock) error {
	v := &p.Verdict
	cv := p.Sum.Coverage
	v.TakenOver = p.Sum.ToFreeze.Total + p.Sum.ToFreeze.AlreadyHandled + p.Sum.ToFreeze.WithoutUsername
	for _, x := range p.Campaigns[:min(len(p.Campaigns), verdictCampaigns)] {
		v.Campaigns = append(v.Campaigns, x.ID)
	}
	v.MoreCampaigns = p.CampaignsTotal - len(v.Campaigns)
	return htmlRows(ctx, c, "html_verdict.sql", nil, func(rows *sql.Rows) error {
		var first, last sql.NullTime
		var pause float64
		if err := rows.Scan(&first, &last, &pause, &v.UnnamedStops); err != nil {
			return err
		}
		if !first.Valid {
			return nil
		}
		v.From, v.To = k.minute(first.Time), k.minute(last.Time)
		end := cv.LogsTo
		v.EndOf = "the logs"
		if end == nil {
			end, v.EndOf = cv.EventsTo, "the snapshot's login events"
		}
		if end == nil {
			return nil
		}
		silence := max(end.Sub(last.Time), 0)
		longest := time.Duration(pause * float64(time.Second))
		v.End, v.Silence, v.LongestPause = k.minute(*end), spell(silence), spell(longest)
		v.Stopped = silence > longest
		return nil
	})
}

// Names names the campaigns as the verdict's sentence does: "campaign C1",
// "campaigns C1, C2 and C3", "5 campaigns (C1, C2, C3 and 2 more)".
func (v htmlVerdict) Names() string {
	switch n := len(v.Campaigns); {
	case n == 0:
		return ""
	case v.MoreCampaigns > 0:
		return fmt.Sprintf("%s campaigns (%s and %s more)", thousands(int64(n+v.MoreCampaigns)),
			strings.Join(v.Campaigns, ", "), thousands(int64(v.MoreCampaigns)))
	case n == 1:
		return "campaign " + v.Campaigns[0]
	default:
		return "campaigns " + strings.Join(v.Campaigns[:n-1], ", ") + " and " + v.Campaigns[n-1]
	}
}

// TamperUnchecked are the tags the tampering check could not look for.
func (p *htmlPage) TamperUnchecked() []htmlTamperTag {
	var out []htmlTamperTag
	for _, t := range p.TamperTags {
		if t.Unchecked != "" {
			out = append(out, t)
		}
	}
	return out
}

// spell writes a duration as people say it, to the minute: "2 h 33 min".
func spell(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	var parts []string
	if days > 0 {
		parts = append(parts, thousands(days)+" d")
	}
	if hours > 0 {
		parts = append(parts, strconv.FormatInt(hours, 10)+" h")
	}
	if mins > 0 || len(parts) == 0 {
		parts = append(parts, strconv.FormatInt(mins, 10)+" min")
	}
	return strings.Join(parts, " ")
}

// loadRate measures the window's logins, failures and unknown usernames
// against the same hours of the day outside it: the logins from the
// summary, the others from html_rate.sql, which counts them the same way.
func (p *htmlPage) loadRate(ctx context.Context, c *casefile.Case) error {
	lr := p.Sum.LoginRate
	measured := lr.WindowHours > 0 && lr.BaselineHours > 0
	p.Rate = []htmlRate{{What: "Login attempts (successes and failures)", Count: lr.WindowLogins,
		Expected: lr.SameHoursExpected, Ratio: lr.RatioToSameHours, AboveP95: lr.HoursAboveP95}}
	err := htmlRows(ctx, c, "html_rate.sql", nil, func(rows *sql.Rows) error {
		f := htmlRate{What: "Failed logins (wrong password or unknown username)"}
		u := htmlRate{What: "Unknown usernames"}
		var fExp, uExp sql.NullFloat64
		if err := rows.Scan(&f.Count, &fExp, &f.AboveP95, &u.Count, &uExp, &u.AboveP95, &p.FewestSamples, &p.MostSamples); err != nil {
			return err
		}
		f.Expected, u.Expected = floatPtr(fExp), floatPtr(uExp)
		p.Rate = append(p.Rate, f, u)
		return nil
	})
	for i := range p.Rate {
		r := &p.Rate[i]
		r.WindowHours, r.MeasuredHours = lr.WindowHours, measured
		if r.Ratio == nil && r.Expected != nil && *r.Expected > 0 {
			ratio := roundTo(float64(r.Count) / *r.Expected, 3)
			r.Ratio = &ratio
		}
	}
	return err
}

// rowFiles are the report files the page's checklist counts, and the query
// each is written from.
var rowFiles = []struct{ file, query string }{
	{"freeze list", "freeze_list.sql"},
	{"exposed.csv", "exposed.sql"},
	{"email-reverify.csv", "email_reverify.sql"},
	{"tampering.csv", "tampering_list.sql"},
	{"block-list.csv", "block_list.sql"},
	{"timeline.jsonl", "timeline.sql"},
	{"accounts.csv", "accounts.sql"},
	{"campaigns.csv", "campaigns.sql"},
}

// loadRows counts the rows of the files the checklist links to, by
// counting what their own queries return.
func (p *htmlPage) loadRows(ctx context.Context, c *casefile.Case) error {
	p.Rows = map[string]int64{}
	for _, f := range rowFiles {
		q, err := query(f.query)
		if err != nil {
			return err
		}
		var n int64
		q = "SELECT count(*) FROM (" + strings.TrimSuffix(q, ";") + ")"
		if err := c.Conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("case %s: counting the rows of %s: %w", c.Path, f.query, err)
		}
		p.Rows[f.file] = n
	}
	return nil
}

func (p *htmlPage) loadFingerprints(ctx context.Context, c *casefile.Case, k clock) error {
	return htmlRows(ctx, c, "html_fingerprints.sql", nil, func(rows *sql.Rows) error {
		var x htmlFingerprint
		var first, last time.Time
		if err := rows.Scan(&x.Fingerprint, &x.Attempts, &x.InCampaigns, &x.Failures, &x.Unknown, &x.Successes,
			&x.Accounts, &x.Clients, &x.FailureShare, &x.UnknownShare, &first, &last); err != nil {
			return err
		}
		x.First, x.Last = k.at(first), k.at(last)
		p.Fingerprints = append(p.Fingerprints, x)
		return nil
	})
}

// htmlEventCap is how many second-factor and recovery-code events an
// account's evidence panel shows at most, the latest.
const htmlEventCap = 10

// loadAccounts reads the accounts listed, each with its deciding attempt,
// then their second-factor and recovery-code events.
func (p *htmlPage) loadAccounts(ctx context.Context, c *casefile.Case, k clock) error {
	byID := map[string]*htmlAccount{}
	campaigns, countries := map[string]bool{}, map[string]bool{}
	err := htmlRows(ctx, c, "html_accounts.sql", []any{htmlAccountCap}, func(rows *sql.Rows) error {
		var x htmlAccount
		d := &x.Decisive
		var first, last, at, lineAt sql.NullTime
		var ips []any
		var reasons string
		var status, line sql.NullInt64
		if err := rows.Scan(&p.AccountsTotal, &x.Account, &x.Username, &x.Classification, &x.Score, &x.Campaign, &x.Wave,
			&first, &last, &ips, &x.TwoFactor, &reasons,
			&at, &d.Outcome, &d.Client, &d.Country, &d.UserAgent, &d.Language, &status,
			&d.File, &line, &lineAt, &d.EventID, &d.EventTag, &d.EventFile); err != nil {
			return err
		}
		x.First, x.Last = k.at(first.Time), k.at(last.Time)
		x.IPs = stringList(ips)
		x.Reasons = splitReasons(k.local(reasons))
		x.Tags = reasonTags(x.Reasons)
		if at.Valid {
			d.Time = k.stamp(at.Time)
		}
		if lineAt.Valid {
			d.LineTime = k.stamp(lineAt.Time)
		}
		d.Status, d.Line = status.Int64, line.Int64
		if !line.Valid {
			d.File = ""
		}
		campaigns[x.Campaign], countries[d.Country] = true, true
		p.Accounts = append(p.Accounts, x)
		return nil
	})
	if err != nil {
		return err
	}
	ids := make([]string, len(p.Accounts))
	for i := range p.Accounts {
		ids[i] = p.Accounts[i].Account
		byID[ids[i]] = &p.Accounts[i]
	}
	p.AccountCampaigns = slices.SortedFunc(maps.Keys(campaigns), func(a, b string) int {
		switch {
		case a == b:
			return 0
		case campaignLess(a, b):
			return -1
		}
		return 1
	})
	p.AccountCountries = slices.Sorted(maps.Keys(countries))
	if len(ids) == 0 {
		return nil
	}
	return htmlRows(ctx, c, "html_account_events.sql", []any{ids, htmlEventCap}, func(rows *sql.Rows) error {
		var id string
		var e htmlEvent
		var total int64
		var t time.Time
		if err := rows.Scan(&id, &total, &t, &e.Tag, &e.Detail, &e.IP, &e.Country, &e.ID, &e.File); err != nil {
			return err
		}
		e.Time = k.at(t)
		if a := byID[id]; a != nil {
			a.EventsTotal = total
			a.Events = append(a.Events, e)
		}
		return nil
	})
}

// reasonStart matches where classify joined two reasons with "; ": before
// a heuristic's finding ("novel-login (+17.2): ...") or the count of failed
// campaign attempts. Findings' evidence has semicolons of its own.
var reasonStart = regexp.MustCompile(`; ([a-z0-9-]+ \([+-][0-9.]+\): |[0-9]+ failed campaign attempts)`)

// splitReasons splits an account's reasons into one line each.
func splitReasons(s string) []string {
	var out []string
	for {
		loc := reasonStart.FindStringIndex(s)
		if loc == nil {
			break
		}
		out = append(out, s[:loc[0]])
		s = s[loc[0]+2:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// reasonPoints reads a reason line: a heuristic's finding and its points,
// or the count of failed campaign attempts.
var reasonPoints = regexp.MustCompile(`^(?:([a-z0-9-]+) \(([+-][0-9.]+)\): |([0-9]+) failed campaign attempts$)`)

// reasonTags sums the points of each heuristic over the reason lines, most
// first, as tags: "novel-login +17". The count of failed campaign attempts
// comes first.
func reasonTags(lines []string) []htmlTag {
	var tags []htmlTag
	sums := map[string]float64{}
	var order []string
	for _, l := range lines {
		m := reasonPoints.FindStringSubmatch(l)
		switch {
		case m == nil:
		case m[3] != "":
			tags = append(tags, htmlTag{Name: "failed", Points: "×" + m[3]})
		default:
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				continue
			}
			if _, ok := sums[m[1]]; !ok {
				order = append(order, m[1])
			}
			sums[m[1]] += v
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return sums[order[i]] > sums[order[j]] })
	for _, h := range order {
		v := math.Round(sums[h])
		sign := "+"
		if v < 0 {
			sign = "−"
		}
		tags = append(tags, htmlTag{Name: h, Points: sign + thousands(int64(math.Abs(v))), Against: v < 0})
	}
	return tags
}

// loadTampering lists the events of the tampering check, which
// LoadSummary left in report_tampering for the report files; an account
// the page lists links to its row.
func (p *htmlPage) loadTampering(ctx context.Context, c *casefile.Case, k clock) error {
	listed := map[string]bool{}
	for _, a := range p.Accounts {
		listed[a.Account] = true
	}
	return htmlRows(ctx, c, "html_tampering.sql", []any{htmlTamperCap}, func(rows *sql.Rows) error {
		var x htmlTamper
		var first, t time.Time
		if err := rows.Scan(&p.TamperingTotal, &t, &x.Account, &x.Username, &x.Classification, &x.Table, &x.Tag,
			&x.Project, &x.Version, &x.Filename, &x.IP, &x.FromSuspiciousIP, &first); err != nil {
			return err
		}
		if !listed[x.Account] {
			x.Account = ""
		}
		x.Time, x.FirstSuspicious = k.at(t), k.at(first)
		p.Tampering = append(p.Tampering, x)
		return nil
	})
}

// notCheckedSections says which sections of the page each thing the run
// could not check affects, by the start of its sentence in
// coverage.not_checked (stage coverage). A sentence none of them starts is
// shown with the verdict.
var notCheckedSections = []struct {
	start    string
	sections []string
}{
	{"unknown usernames", []string{"timeline", "campaigns"}},
	{"login form and static asset behaviour", []string{"campaigns"}},
	{"exposed accounts named by two-factor tokens", []string{"accounts"}},
	{"wrong passwords told from unknown usernames", []string{"timeline", "campaigns"}},
	{"account histories", []string{"accounts", "timeline"}},
	{"usernames and successful logins", []string{"verdict", "accounts"}},
	{"WebAuthn keys", []string{"accounts", "next"}},
	{"recovery codes", []string{"accounts"}},
	{"emails", []string{"next"}},
	{"projects", []string{"tampering"}},
	{"roles", []string{"tampering"}},
	{"project events", []string{"tampering"}},
	{"file events", []string{"tampering"}},
}

// notCheckedBySection files each thing not checked under the sections it
// affects; the rows dated out of bounds affect the timeline.
func notCheckedBySection(notChecked []string) map[string][]string {
	out := map[string][]string{}
	for _, s := range notChecked {
		var sections []string
		for _, x := range notCheckedSections {
			if strings.HasPrefix(s, x.start+":") || strings.HasPrefix(s, x.start+" ") {
				sections = x.sections
				break
			}
		}
		if sections == nil && strings.Contains(s, "out_of_bounds") {
			sections = []string{"timeline"}
		}
		if sections == nil {
			sections = []string{"verdict"}
		}
		for _, sec := range sections {
			out[sec] = append(out[sec], s)
		}
	}
	return out
}

// tamperTags says of each tag the tampering check looks for whether the
// case let it be checked: account events are the snapshot's user_events,
// project and file events its project_events and file_events.
func tamperTags(checked []string, cv Coverage) []htmlTamperTag {
	out := make([]htmlTamperTag, len(checked))
	for i, tag := range checked {
		table := "user_events"
		switch {
		case strings.HasPrefix(tag, "file:"):
			table = "file_events"
		case strings.HasPrefix(tag, "project:"):
			table = "project_events"
		}
		out[i].Tag = tag
		switch {
		case cv.Sources == "logs only" || cv.Sources == "nothing":
			out[i].Unchecked = "no snapshot"
		case slices.Contains(cv.MissingTables, table):
			out[i].Unchecked = "the snapshot has no " + table
		}
	}
	return out
}

// loadRun reads how the reported run found its window and the parameters
// it recorded, and puts them beside the steps of this build: the title and
// default of each, and steps it no longer has marked as such.
func (p *htmlPage) loadRun(ctx context.Context, c *casefile.Case, runID int64) error {
	var params string
	err := htmlRows(ctx, c, "html_run.sql", []any{runID}, func(rows *sql.Rows) error {
		return rows.Scan(&params, &p.Run.WindowSource, &p.Run.PreviousList, &p.Run.PreviousSHA256,
			&p.Run.Score, &p.Run.MinScore, &p.Run.CandidateScore)
	})
	if err != nil {
		return err
	}
	recorded := map[string]json.RawMessage{}
	if params != "" {
		if err := json.Unmarshal([]byte(params), &recorded); err != nil {
			return fmt.Errorf("analysis run %d: parameters: %w", runID, err)
		}
	}
	steps, err := analyze.Steps()
	if err != nil {
		return err
	}
	byID := map[string]*htmlStep{}
	defaults := map[string]analyze.Param{}
	for _, st := range steps {
		hs := &htmlStep{ID: st.ID, Kind: st.Kind, Title: st.Title}
		byID[st.ID] = hs
		p.Steps = append(p.Steps, hs)
		for _, prm := range st.Params {
			defaults[st.ID+"."+prm.Name] = prm
		}
	}
	for _, k := range slices.Sorted(maps.Keys(recorded)) {
		id, name, _ := strings.Cut(k, ".")
		hs := byID[id]
		if hs == nil {
			hs = &htmlStep{ID: id, Kind: "?", Title: "not a step of this build of freezeframe"}
			byID[id] = hs
			p.Steps = append(p.Steps, hs)
		}
		hp := htmlParam{Name: name, Value: jsonText(recorded[k])}
		if def, ok := defaults[k]; ok {
			hp.Default, hp.Doc, hp.Changed = def.Default, def.Doc, !sameValue(hp.Value, def.Default)
		}
		hs.Params = append(hs.Params, hp)
	}
	return nil
}

// jsonText shows a recorded JSON value: strings without their quotes,
// numbers as recorded.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// sameValue says whether a recorded value is a parameter's default, as
// numbers when both are.
func sameValue(value, def string) bool {
	a, errA := strconv.ParseFloat(value, 64)
	b, errB := strconv.ParseFloat(def, 64)
	if errA == nil && errB == nil {
		return a == b
	}
	return value == def
}

func (p *htmlPage) loadSources(ctx context.Context, c *casefile.Case, runID int64) error {
	return htmlRows(ctx, c, "html_provenance.sql", []any{runID}, func(rows *sql.Rows) error {
		var x htmlSource
		if err := rows.Scan(&x.ID, &x.Kind, &x.Path, &x.Size, &x.SHA256, &x.Format, &x.Compression,
			&x.Lines, &x.Parsed, &x.Rejected, &x.ToolVersion, &x.InRun); err != nil {
			return err
		}
		p.Sources = append(p.Sources, x)
		return nil
	})
}

// htmlFuncs format numbers for people, the same way on every machine.
var htmlFuncs = template.FuncMap{
	"num": func(n int64) string { return thousands(n) },
	"int": func(n int) string { return thousands(int64(n)) },
	// dec is a measure to two decimals at most: 65.5, 103, 2,671.25.
	"dec": func(f *float64) string {
		if f == nil {
			return "—"
		}
		return figure(*f, 2)
	},
	// times is a ratio: 1.14×.
	"times": func(f *float64) string {
		if f == nil {
			return "—"
		}
		return figure(*f, 2) + "×"
	},
	"fixed": func(f float64, places int) string { return strconv.FormatFloat(f, 'f', places, 64) },
	"pct":   func(f float64) string { return figure(100*f, 1) + "%" },
	// plural is n and the word for n of it: "1 event", "2 events".
	"plural": func(n any, one, many string) (string, error) {
		i, err := integer(n)
		if i == 1 {
			return "1 " + one, err
		}
		return thousands(i) + " " + many, err
	},
	"minus": func(a, b any) (int64, error) {
		x, errA := integer(a)
		y, errB := integer(b)
		return x - y, cmp.Or(errA, errB)
	},
	// sentence capitalises the first letter of a clause that opens a sentence.
	"sentence": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	// verdictClass is the verdict as a CSS class name: "no anomaly" → no-anomaly.
	"verdictClass": func(v string) string { return strings.ReplaceAll(v, " ", "-") },
}

// integer is a count the template has, an int (len) or an int64 (the
// case's).
func integer(n any) (int64, error) {
	switch x := n.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	}
	return 0, fmt.Errorf("not a count: %T", n)
}

// figure writes f with at most places decimals, none when it is whole, and
// commas between groups of three digits: 2,671.25, 103.
func figure(f float64, places int) string {
	s := strconv.FormatFloat(f, 'f', places, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	sign := ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = "-", rest
	}
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	if frac != "" {
		frac = "." + frac
	}
	if sign != "" && n == 0 && frac == "" {
		sign = "" // -0
	}
	return sign + thousands(n) + frac
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// html writes report.html for Write, unless an earlier file failed.
func (w *writer) html(sum Summary, opts Options) {
	if w.err != nil {
		return
	}
	b, err := renderHTML(w.ctx, w.c, sum, opts)
	if err != nil {
		w.err = err
		return
	}
	w.file("report.html", func(out io.Writer) error {
		_, err := out.Write(b)
		return err
	})
}
