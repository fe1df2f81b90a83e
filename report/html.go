package report

import (
	"bytes"
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
	"regexp"
	"slices"
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
	Spans                  []htmlSpan
	CSP                    string
	CSS                    template.CSS
	Echarts                template.JS
	Script                 template.JS
	Charts                 []chartSpec

	ChartedCampaigns int // campaigns with a series of their own in the activity chart
	OtherCampaigns   int // campaigns summed into its "other campaigns" series

	Campaigns      []htmlCampaign
	CampaignsTotal int
	Fingerprints   []htmlFingerprint
	Accounts       []htmlAccount
	AccountsTotal  int64
	Tampering      []htmlTamper
	TamperingTotal int64
	Run            htmlRun
	Steps          []*htmlStep
	Sources        []htmlSource
}

// htmlTime is a time as the page shows it, and its sort key.
type htmlTime struct {
	Text string // in the report's zone
	Unix int64  // for sorting
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

// htmlAccount is a row of the accounts table (html_accounts.sql).
type htmlAccount struct {
	Account, Username, Classification string
	Score                             float64
	Campaign, Wave                    string
	First, Last                       htmlTime
	IPs                               int64
	FirstIPs, TwoFactor               string
	Reasons                           []string // one a line: the campaign attempt, then each heuristic's finding
}

// htmlTamper is an event of the tampering check.
type htmlTamper struct {
	Time                                 htmlTime
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
	at := func(t time.Time) htmlTime {
		if t.IsZero() {
			return htmlTime{}
		}
		return htmlTime{Text: t.In(tz).Format("2006-01-02 15:04:05"), Unix: t.Unix()}
	}
	p := &htmlPage{
		Sum: sum, Zone: tz.String(),
		CSS: template.CSS(pageCSS), Echarts: inlineJS(echartsJS), Script: inlineJS(pageJS),
	}
	p.CSP = contentSecurityPolicy(string(p.Echarts), string(p.Script))
	if sum.Window.From != nil && sum.Window.To != nil {
		p.From, p.To = at(*sum.Window.From).Text, at(*sum.Window.To).Text
	}
	if sum.VerdictFrom != nil && sum.VerdictTo != nil {
		p.VerdictFrom, p.VerdictTo = at(*sum.VerdictFrom).Text, at(*sum.VerdictTo).Text
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
			h.From, h.To = at(*sp.from).Text, at(*sp.to).Text
		}
		p.Spans = append(p.Spans, h)
	}

	t, err := loadTimeline(ctx, c, tz)
	if err != nil {
		return nil, err
	}
	if p.Charts, err = t.charts(p.Zone); err != nil {
		return nil, err
	}
	p.ChartedCampaigns, p.OtherCampaigns = len(t.campaigns), t.otherCamp
	if p.OtherCampaigns > 0 {
		p.ChartedCampaigns-- // the "other campaigns" series
	}

	for _, load := range []func() error{
		func() error { return p.loadCampaigns(ctx, c, at) },
		func() error { return p.loadFingerprints(ctx, c, at) },
		func() error { return p.loadAccounts(ctx, c, at) },
		func() error { return p.loadTampering(ctx, c, at) },
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
	defer rows.Close()
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

func (p *htmlPage) loadCampaigns(ctx context.Context, c *casefile.Case, at func(time.Time) htmlTime) error {
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
		x.First, x.Last = at(first), at(last)
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

func (p *htmlPage) loadFingerprints(ctx context.Context, c *casefile.Case, at func(time.Time) htmlTime) error {
	return htmlRows(ctx, c, "html_fingerprints.sql", nil, func(rows *sql.Rows) error {
		var x htmlFingerprint
		var first, last time.Time
		if err := rows.Scan(&x.Fingerprint, &x.Attempts, &x.InCampaigns, &x.Failures, &x.Unknown, &x.Successes,
			&x.Accounts, &x.Clients, &x.FailureShare, &x.UnknownShare, &first, &last); err != nil {
			return err
		}
		x.First, x.Last = at(first), at(last)
		p.Fingerprints = append(p.Fingerprints, x)
		return nil
	})
}

func (p *htmlPage) loadAccounts(ctx context.Context, c *casefile.Case, at func(time.Time) htmlTime) error {
	return htmlRows(ctx, c, "html_accounts.sql", []any{htmlAccountCap}, func(rows *sql.Rows) error {
		var x htmlAccount
		var first, last sql.NullTime
		var reasons string
		if err := rows.Scan(&p.AccountsTotal, &x.Account, &x.Username, &x.Classification, &x.Score, &x.Campaign, &x.Wave,
			&first, &last, &x.IPs, &x.FirstIPs, &x.TwoFactor, &reasons); err != nil {
			return err
		}
		x.First, x.Last, x.Reasons = at(first.Time), at(last.Time), splitReasons(reasons)
		p.Accounts = append(p.Accounts, x)
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

// loadTampering lists the events of the tampering check, which
// LoadSummary left in report_tampering for the report files.
func (p *htmlPage) loadTampering(ctx context.Context, c *casefile.Case, at func(time.Time) htmlTime) error {
	return htmlRows(ctx, c, "html_tampering.sql", []any{htmlTamperCap}, func(rows *sql.Rows) error {
		var x htmlTamper
		var first, t time.Time
		if err := rows.Scan(&p.TamperingTotal, &t, &x.Username, &x.Classification, &x.Table, &x.Tag,
			&x.Project, &x.Version, &x.Filename, &x.IP, &x.FromSuspiciousIP, &first); err != nil {
			return err
		}
		x.Time, x.FirstSuspicious = at(t), at(first)
		p.Tampering = append(p.Tampering, x)
		return nil
	})
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
	"dec": func(f *float64) string {
		if f == nil {
			return "—"
		}
		return strconv.FormatFloat(*f, 'f', 2, 64)
	},
	"fixed": func(f float64, places int) string { return strconv.FormatFloat(f, 'f', places, 64) },
	"pct":   func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" },
	"deref": func(n *int64) int64 { return *n },
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
