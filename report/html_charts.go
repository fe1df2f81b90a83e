package report

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/freezeframe/freezeframe/casefile"
)

// chartSpec is one echarts chart of report.html: the element it draws in
// and its option object, built with go-echarts. The page's script passes the
// option to echarts.setOption as parsed JSON, never as code. Alt says what
// the chart shows in words, beside it and to screen readers (echarts' aria
// label).
type chartSpec struct {
	ID     string         `json:"id"`
	Group  string         `json:"group,omitempty"` // charts of one group zoom together
	Option map[string]any `json:"option"`
	Alt    string         `json:"-"`
	Height int            `json:"-"` // pixels
}

// timelineGroup is the group of the charts on the axis of hours.
const timelineGroup = "timeline"

// hourRow is one hour of the timeline (UTC), from html_hourly.sql.
type hourRow struct {
	hour                             time.Time
	successes, failures, unknown     int64
	inWindow                         bool
	succP05, succP50, succP95        sql.NullFloat64
	failP50, failP95                 sql.NullFloat64
	unknownP50, unknownP95           sql.NullFloat64
	enrolments, enrolmentsToFreezeBy int64
}

// timeline is the hourly series the charts draw, on one axis of hours.
type timeline struct {
	hours     []time.Time // every hour from the first to the last, UTC
	labels    []string    // hours as the page shows them, in the report's zone
	rows      []*hourRow  // parallel to hours; nil where hourly has no row
	campaigns []string    // campaign series, most attempts first
	attempts  map[string][]int64
	otherCamp int                // campaigns folded into "other campaigns"
	outcomes  map[string][]int64 // all campaigns' attempts per hour, by outcomeSeries name
}

// maxCampaignSeries is how many campaigns get a series of their own in the
// campaign activity chart; the rest are summed into one.
const maxCampaignSeries = 12

// otherCampaigns names the series the smaller campaigns are summed into.
const otherCampaigns = "other campaigns"

// outcomeSeries are the series of the campaign attempts by outcome, bottom
// to top, with the outcomes (attempts.outcome) each sums.
var outcomeSeries = []struct {
	name, color string
	outcomes    []string
}{
	{"logged in", "#b03a2e", []string{"success"}},
	{"password right, stopped at the second factor", "#7d3c98", []string{"second_factor_stop"}},
	{"password accepted, no login event", "#e6a0a0", []string{"password_ok"}},
	{"wrong password", "#1f5fbf", []string{"failure"}},
	{"unknown username", "#9db4d6", []string{"unknown_user", "username_corrected"}},
	{"rate-limited or other", "#6b7785", []string{"rate_limited", "other"}},
}

// loadTimeline reads the hourly series and each campaign's attempts per
// hour, by outcome.
func loadTimeline(ctx context.Context, c *casefile.Case, tz *time.Location) (*timeline, error) {
	byHour := map[time.Time]*hourRow{}
	var lo, hi time.Time
	extend := func(h time.Time) {
		if lo.IsZero() || h.Before(lo) {
			lo = h
		}
		if hi.IsZero() || h.After(hi) {
			hi = h
		}
	}
	err := htmlRows(ctx, c, "html_hourly.sql", nil, func(rows *sql.Rows) error {
		r := &hourRow{}
		if err := rows.Scan(&r.hour, &r.successes, &r.failures, &r.unknown, &r.inWindow,
			&r.succP05, &r.succP50, &r.succP95, &r.failP50, &r.failP95, &r.unknownP50, &r.unknownP95,
			&r.enrolments, &r.enrolmentsToFreezeBy); err != nil {
			return err
		}
		r.hour = r.hour.UTC()
		byHour[r.hour] = r
		extend(r.hour)
		return nil
	})
	if err != nil {
		return nil, err
	}
	type campHour struct {
		hour              time.Time
		campaign, outcome string
		attempts          int64
	}
	var ch []campHour
	total := map[string]int64{}
	err = htmlRows(ctx, c, "html_campaign_hourly.sql", nil, func(rows *sql.Rows) error {
		var x campHour
		if err := rows.Scan(&x.hour, &x.campaign, &x.outcome, &x.attempts); err != nil {
			return err
		}
		x.hour = x.hour.UTC()
		ch = append(ch, x)
		total[x.campaign] += x.attempts
		extend(x.hour)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t := &timeline{attempts: map[string][]int64{}, outcomes: map[string][]int64{}}
	if lo.IsZero() {
		return t, nil
	}
	index := map[time.Time]int{}
	for h := lo; !h.After(hi); h = h.Add(time.Hour) {
		index[h] = len(t.hours)
		t.hours = append(t.hours, h)
		t.rows = append(t.rows, byHour[h])
	}
	t.labels = hourLabels(t.hours, tz)

	for id := range total {
		t.campaigns = append(t.campaigns, id)
	}
	sort.Slice(t.campaigns, func(i, j int) bool {
		a, b := t.campaigns[i], t.campaigns[j]
		if total[a] != total[b] {
			return total[a] > total[b]
		}
		return campaignLess(a, b)
	})
	series := map[string]string{}
	for i, id := range t.campaigns {
		if i < maxCampaignSeries || len(t.campaigns) == maxCampaignSeries+1 {
			series[id] = id
		} else {
			series[id] = otherCampaigns
			t.otherCamp++
		}
	}
	if t.otherCamp > 0 {
		t.campaigns = append(t.campaigns[:maxCampaignSeries:maxCampaignSeries], otherCampaigns)
	}
	for _, name := range t.campaigns {
		t.attempts[name] = make([]int64, len(t.hours))
	}
	byOutcome := map[string]string{}
	for _, s := range outcomeSeries {
		t.outcomes[s.name] = make([]int64, len(t.hours))
		for _, o := range s.outcomes {
			byOutcome[o] = s.name
		}
	}
	for _, x := range ch {
		t.attempts[series[x.campaign]][index[x.hour]] += x.attempts
		name, ok := byOutcome[x.outcome]
		if !ok {
			name = outcomeSeries[len(outcomeSeries)-1].name
		}
		t.outcomes[name][index[x.hour]] += x.attempts
	}
	return t, nil
}

// campaignLess orders campaign ids C1, C2, ..., C10 by their number.
func campaignLess(a, b string) bool {
	var na, nb int
	_, ea := fmt.Sscanf(a, "C%d", &na)
	_, eb := fmt.Sscanf(b, "C%d", &nb)
	if ea == nil && eb == nil && na != nb {
		return na < nb
	}
	return a < b
}

// hourLabels formats hours in the zone. Where two hours read the same (the
// hour repeated when daylight saving time ends), both carry the zone's
// abbreviation, so that every label names one hour.
func hourLabels(hours []time.Time, tz *time.Location) []string {
	const layout = "2006-01-02 15:04"
	labels := make([]string, len(hours))
	seen := map[string]int{}
	for i, h := range hours {
		labels[i] = h.In(tz).Format(layout)
		seen[labels[i]]++
	}
	for i, h := range hours {
		if seen[h.In(tz).Format(layout)] > 1 {
			labels[i] = h.In(tz).Format(layout + " MST")
		}
	}
	return labels
}

// Chart element ids: fixed, so the page is the same on every run.
const (
	chartOutcomes   = "chart-outcomes"
	chartUnknown    = "chart-unknown"
	chartFailures   = "chart-failures"
	chartLogins     = "chart-logins"
	chartEnrolments = "chart-enrolments"
	chartCampaigns  = "chart-campaigns"
	chartCountries  = "chart-countries"
)

// Legend names of the series every timeline chart shares.
const (
	windowName   = "incident window (orange)"
	baselineBand = "baseline, median to 95th percentile (grey band)"
)

// charts builds the timeline charts, on one axis of hours, and the chart of
// the campaigns' countries. Their labels and series names are the tool's
// own words, hour labels, country codes and campaign ids (C1, C2, ...),
// never other text from the inputs.
func (t *timeline) charts(zone string, countries *countryMix) ([]chartSpec, error) {
	if len(t.hours) == 0 {
		return nil, nil
	}
	axis := "hour starting, " + zone
	s := &chartSet{}
	if len(t.campaigns) > 0 {
		t.outcomesChart(s, axis, zone)
	}
	t.unknownChart(s, axis)
	t.failuresChart(s, axis)
	t.loginsChart(s, axis)
	t.enrolmentsChart(s, axis, zone)
	// With one campaign its activity is the chart by outcome.
	if len(t.campaigns) > 1 {
		t.campaignsChart(s, axis)
	}
	if countries != nil && len(countries.categories) > 0 {
		c, alt := countries.chart()
		s.add(chartCountries, "", alt, 100+countries.rows()*16, c)
	}
	return s.out, s.err
}

// chartSet collects the page's charts in order, with the first error met.
type chartSet struct {
	out []chartSpec
	err error
}

// chartHeight is the height of a timeline chart, in pixels.
const chartHeight = 320

// add validates chart c and adds it as id, in group, with its text
// alternative alt.
func (s *chartSet) add(id, group, alt string, height int, c interface {
	Validate()
	JSON() map[string]any
}) {
	c.Validate()
	o, err := chartOption(c.JSON(), alt)
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("chart %s: %w", id, err)
	}
	s.out = append(s.out, chartSpec{ID: id, Group: group, Option: o, Alt: alt, Height: height})
}

// value is a baseline figure of each hour, NaN where the hour has none.
func (t *timeline) value(f func(r *hourRow) sql.NullFloat64) []float64 {
	out := make([]float64, len(t.rows))
	for i, r := range t.rows {
		out[i] = math.NaN()
		if r != nil {
			if v := f(r); v.Valid {
				out[i] = v.Float64
			}
		}
	}
	return out
}

// count is a count of each hour, NaN where the logs have no such hour.
func (t *timeline) count(f func(r *hourRow) int64) []float64 {
	out := make([]float64, len(t.rows))
	for i, r := range t.rows {
		out[i] = math.NaN()
		if r != nil {
			out[i] = float64(f(r))
		}
	}
	return out
}

// outcomesChart: the campaigns' attempts per hour, stacked by outcome.
func (t *timeline) outcomesChart(s *chartSet, axis, zone string) {
	c := t.barChart("Campaign attempts per hour, by outcome", axis, "attempts per hour")
	var names []string
	var parts []string
	var all int64
	for _, o := range outcomeSeries {
		vals := t.outcomes[o.name]
		n := sum(vals)
		if n == 0 {
			continue
		}
		all += n
		names = append(names, o.name)
		parts = append(parts, fmt.Sprintf("%s %s", thousands(n), o.name))
		c.AddSeries(o.name, barData(floats(vals)), stacked(o.color))
	}
	c.Overlap(t.windowSeries())
	c.SetGlobalOptions(legend(append(names, windowName)...))
	totals := make([]int64, len(t.hours))
	for _, o := range outcomeSeries {
		for i, n := range t.outcomes[o.name] {
			totals[i] += n
		}
	}
	alt := fmt.Sprintf("%s campaign attempts, %s: %s.%s", thousands(all), t.extent(totals, zone), strings.Join(parts, ", "),
		t.peak(totals, "attempts", nil))
	s.add(chartOutcomes, timelineGroup, alt, chartHeight, c)
}

// unknownChart: logins naming no account per hour, against the baseline.
func (t *timeline) unknownChart(s *chartSet, axis string) {
	unknown := t.lineChart("Unknown usernames per hour", axis, "unknown usernames per hour")
	p95 := t.value(func(r *hourRow) sql.NullFloat64 { return r.unknownP95 })
	band(unknown, baselineBand, "baseline median", "baseline 95th percentile",
		t.value(func(r *hourRow) sql.NullFloat64 { return r.unknownP50 }), p95)
	vals := t.count(func(r *hourRow) int64 { return r.unknown })
	unknown.AddSeries("unknown usernames", lineData(vals), solid("#7d3c98"))
	unknown.AddSeries(windowName, []opts.LineData{}, t.windowOpts())
	unknown.SetGlobalOptions(legend("unknown usernames", baselineBand, windowName))
	s.add(chartUnknown, timelineGroup, t.hourlyAlt("unknown usernames", vals, p95), chartHeight, unknown)
}

// failuresChart: failed logins per hour, against the baseline.
func (t *timeline) failuresChart(s *chartSet, axis string) {
	failures := t.lineChart("Failed logins per hour", axis, "failed logins per hour")
	p95 := t.value(func(r *hourRow) sql.NullFloat64 { return r.failP95 })
	band(failures, baselineBand, "baseline median", "baseline 95th percentile",
		t.value(func(r *hourRow) sql.NullFloat64 { return r.failP50 }), p95)
	vals := t.count(func(r *hourRow) int64 { return r.failures })
	const failed = "failed logins (wrong password or unknown username)"
	failures.AddSeries(failed, lineData(vals), solid("#c0392b"))
	failures.AddSeries(windowName, []opts.LineData{}, t.windowOpts())
	failures.SetGlobalOptions(legend(failed, baselineBand, windowName))
	s.add(chartFailures, timelineGroup, t.hourlyAlt(failed, vals, p95), chartHeight, failures)
}

// loginsChart: successful logins per hour, against the baseline's band
// and median.
func (t *timeline) loginsChart(s *chartSet, axis string) {
	logins := t.lineChart("Successful logins per hour", axis, "logins per hour")
	succBand := "baseline, 5th to 95th percentile (grey band)"
	p95 := t.value(func(r *hourRow) sql.NullFloat64 { return r.succP95 })
	band(logins, succBand, "baseline 5th percentile", "baseline 95th percentile",
		t.value(func(r *hourRow) sql.NullFloat64 { return r.succP05 }), p95)
	logins.AddSeries("baseline median", lineData(t.value(func(r *hourRow) sql.NullFloat64 { return r.succP50 })), dashed("#6b7785"))
	vals := t.count(func(r *hourRow) int64 { return r.successes })
	logins.AddSeries("successful logins", lineData(vals), solid("#1f5fbf"))
	logins.AddSeries(windowName, []opts.LineData{}, t.windowOpts())
	logins.SetGlobalOptions(legend("successful logins", "baseline median", succBand, windowName))
	s.add(chartLogins, timelineGroup, t.hourlyAlt("successful logins", vals, p95), chartHeight, logins)
}

// enrolmentsChart: second factors enrolled per hour, those of accounts to
// freeze after their suspicious login apart from everyone else's.
func (t *timeline) enrolmentsChart(s *chartSet, axis, zone string) {
	const byFreeze, byOthers = "by accounts to freeze, after their suspicious login", "by everyone else"
	enrol := t.barChart("Second factors enrolled per hour", axis, "second factors per hour")
	toFreeze := make([]int64, len(t.rows))
	others := make([]int64, len(t.rows))
	for i, r := range t.rows {
		if r != nil {
			toFreeze[i], others[i] = r.enrolmentsToFreezeBy, r.enrolments-r.enrolmentsToFreezeBy
		}
	}
	enrol.AddSeries(byFreeze, barData(floats(toFreeze)), stacked("#c0392b"))
	enrol.AddSeries(byOthers, barData(floats(others)), stacked("#9db4d6"))
	enrol.Overlap(t.windowSeries())
	enrol.SetGlobalOptions(legend(byFreeze, byOthers, windowName))
	alt := fmt.Sprintf("%s second factors enrolled, %s of them by accounts to freeze after their suspicious login.",
		thousands(sum(toFreeze)+sum(others)), thousands(sum(toFreeze)))
	if sum(toFreeze) > 0 {
		alt += " Those: " + t.extent(toFreeze, zone) + "."
	}
	s.add(chartEnrolments, timelineGroup, alt, chartHeight, enrol)
}

// campaignsChart: each campaign's attempts per hour, stacked.
func (t *timeline) campaignsChart(s *chartSet, axis string) {
	camp := t.barChart("Campaign attempts per hour, by campaign", axis, "attempts per hour")
	var parts []string
	for _, name := range t.campaigns {
		camp.AddSeries(name, barData(floats(t.attempts[name])), stacked(""))
		parts = append(parts, name+" "+thousands(sum(t.attempts[name])))
	}
	camp.Overlap(t.windowSeries())
	camp.SetGlobalOptions(legend(append(slices.Clone(t.campaigns), windowName)...))
	s.add(chartCampaigns, timelineGroup, "Attempts of each campaign: "+strings.Join(parts, ", ")+".", chartHeight, camp)
}

// sum adds up a series.
func sum(vals []int64) int64 {
	var n int64
	for _, v := range vals {
		n += v
	}
	return n
}

// floats is a series of counts as chart values.
func floats(vals []int64) []float64 {
	out := make([]float64, len(vals))
	for i, v := range vals {
		out[i] = float64(v)
	}
	return out
}

// extent says from which hour to which a series has something, in words.
func (t *timeline) extent(vals []int64, zone string) string {
	first, last := -1, -1
	for i, v := range vals {
		if v > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return "none"
	}
	if first == last {
		return fmt.Sprintf("in the hour starting %s (%s)", t.labels[first], zone)
	}
	return fmt.Sprintf("in the hours starting %s to %s (%s)", t.labels[first], t.labels[last], zone)
}

// peak names the busiest hour of a series, with its baseline's 95th
// percentile when there is one.
func (t *timeline) peak(vals []int64, what string, p95 []float64) string {
	best := -1
	for i, v := range vals {
		if v > 0 && (best < 0 || v > vals[best]) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	s := fmt.Sprintf(" The busiest hour, starting %s, had %s %s", t.labels[best], thousands(vals[best]), what)
	if p95 != nil && !math.IsNaN(p95[best]) {
		s += fmt.Sprintf(" (the baseline's 95th percentile for that hour of day: %s)", figure(p95[best], 2))
	}
	return s + "."
}

// hourlyAlt says what an hourly series with a baseline band shows.
func (t *timeline) hourlyAlt(what string, vals, p95 []float64) string {
	counts := make([]int64, len(vals))
	var all, inWindow int64
	above := 0
	for i, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		counts[i] = int64(v)
		all += counts[i]
		if r := t.rows[i]; r != nil && r.inWindow {
			inWindow += counts[i]
			if !math.IsNaN(p95[i]) && v > p95[i] {
				above++
			}
		}
	}
	s := fmt.Sprintf("%s %s in the %s hours charted", thousands(all), what, thousands(int64(len(vals))))
	if w := t.windowHours(); w > 0 {
		s += fmt.Sprintf(", %s of them in the incident window's %s hours, %s of which are above their hour of day's 95th percentile",
			thousands(inWindow), thousands(int64(w)), thousands(int64(above)))
	}
	return s + "." + t.peak(counts, what, p95)
}

// windowHours counts the hours in the incident window.
func (t *timeline) windowHours() int {
	n := 0
	for _, r := range t.rows {
		if r != nil && r.inWindow {
			n++
		}
	}
	return n
}

// chartOption turns go-echarts' option into plain JSON values (what the page
// will hold); hides the series whose id starts with noTooltip from the
// tooltip; lets the mouse wheel zoom only with Ctrl held, so that the wheel
// scrolls the page over a chart; and turns on echarts' aria support, with alt
// as the chart's description.
func chartOption(o map[string]any, alt string) (map[string]any, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var plain map[string]any
	if err := d.Decode(&plain); err != nil {
		return nil, err
	}
	series, _ := plain["series"].([]any)
	for _, s := range series {
		if m, ok := s.(map[string]any); ok {
			if id, _ := m["id"].(string); strings.HasPrefix(id, noTooltip) {
				m["tooltip"] = map[string]any{"show": false}
			}
		}
	}
	zooms, _ := plain["dataZoom"].([]any)
	for _, z := range zooms {
		if m, ok := z.(map[string]any); ok && m["type"] == "inside" {
			m["zoomOnMouseWheel"], m["moveOnMouseWheel"] = "ctrl", false
		}
	}
	plain["aria"] = map[string]any{"enabled": true, "label": map[string]any{"description": alt}}
	return plain, nil
}

// legend shows the named series in the legend, and no others; the
// incident window and the baseline bands as the squares of their colour. A
// legend wider than the chart (on a phone) scrolls rather than runs over it.
func legend(names ...string) charts.GlobalOpts {
	items := []any{}
	for _, n := range names {
		switch {
		case n == windowName:
			items = append(items, map[string]any{"name": n, "icon": "rect", "itemStyle": map[string]any{"color": "rgba(230, 126, 34, 0.45)"}})
		case strings.HasSuffix(n, "(grey band)"):
			items = append(items, map[string]any{"name": n, "icon": "rect", "itemStyle": map[string]any{"color": bandColor}})
		default:
			items = append(items, n)
		}
	}
	return charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "24", Data: items})
}

// global are the options every timeline chart shares: a title, an axis
// tooltip, a legend, the unit of the y axis, and zooming by Ctrl and the
// wheel, by dragging and by the slider (the page links the charts, so
// zooming one zooms all).
func global(title, axis, unit string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Width: "100%", Height: "320px"}),
		charts.WithAnimation(false),
		charts.WithTitleOpts(opts.Title{Title: title, TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "24", Top: "64", Bottom: "88"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside"}, opts.DataZoom{Type: "slider"}),
		charts.WithXAxisOpts(opts.XAxis{Name: axis, NameLocation: "middle", NameGap: 28, Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1, Name: unit, NameLocation: "middle", NameGap: 44}),
	}
}

func (t *timeline) lineChart(title, axis, unit string) *charts.Line {
	l := charts.NewLine()
	l.SetGlobalOptions(global(title, axis, unit)...)
	l.SetXAxis(t.labels)
	return l
}

func (t *timeline) barChart(title, axis, unit string) *charts.Bar {
	b := charts.NewBar()
	b.SetGlobalOptions(global(title, axis, unit)...)
	b.SetXAxis(t.labels)
	return b
}

// band draws the shaded range between lo and hi, named name in the legend:
// an invisible series at lo with the difference stacked on it, both left
// out of the tooltip, and the two edges as invisible series the tooltip
// shows with their own values.
func band(l *charts.Line, name, loName, hiName string, lo, hi []float64) {
	diff := make([]float64, len(lo))
	for i := range lo {
		diff[i] = hi[i] - lo[i] // NaN where either is missing
	}
	invisible := func(s *charts.SingleSeries) {
		charts.WithLineChartOpts(opts.LineChart{Stack: name, ShowSymbol: opts.Bool(false)})(s)
		charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)})(s)
		charts.WithItemStyleOpts(opts.ItemStyle{Color: bandColor})(s)
	}
	l.AddSeries(name+" (base)", lineData(lo), invisible, charts.WithSeriesId(noTooltip+"base"))
	l.AddSeries(name, lineData(diff), invisible, charts.WithSeriesId(noTooltip+"range"),
		charts.WithAreaStyleOpts(opts.AreaStyle{Color: bandColor, Opacity: opts.Float(0.35)}))
	edge := func(s *charts.SingleSeries) {
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)})(s)
		charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)})(s)
		charts.WithItemStyleOpts(opts.ItemStyle{Color: bandColor})(s)
	}
	l.AddSeries(loName, lineData(lo), edge)
	l.AddSeries(hiName, lineData(hi), edge)
}

const bandColor = "#9aa5b1"

// noTooltip starts the id of a series the tooltip leaves out (go-echarts
// has no series tooltip.show, so chartOption sets it).
const noTooltip = "no-tooltip-"

// windowSeries is an empty line series that shades the incident window, for
// bar charts: echarts misplaces a markArea on a bar series of a category
// axis.
func (t *timeline) windowSeries() *charts.Line {
	l := charts.NewLine()
	l.AddSeries(windowName, []opts.LineData{}, t.windowOpts())
	return l
}

// windowOpts make an empty series the incident window: out of the tooltip,
// orange in the legend, and shading the window's hours.
func (t *timeline) windowOpts() charts.SeriesOpts {
	return func(s *charts.SingleSeries) {
		charts.WithSeriesId(noTooltip + "window")(s)
		charts.WithItemStyleOpts(opts.ItemStyle{Color: windowColor})(s)
		charts.WithLineStyleOpts(opts.LineStyle{Color: windowColor, Width: 6})(s)
		t.windowArea()(s)
	}
}

const windowColor = "#e67e22"

// windowArea shades the incident window on a series.
func (t *timeline) windowArea() charts.SeriesOpts {
	first, last := -1, -1
	for i, r := range t.rows {
		if r != nil && r.inWindow {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return func(*charts.SingleSeries) {}
	}
	return charts.WithMarkAreaData([]opts.MarkAreaData{
		{Name: "incident window", XAxis: first, MarkAreaStyle: opts.MarkAreaStyle{
			ItemStyle: &opts.ItemStyle{Color: "rgba(230, 126, 34, 0.12)"},
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideTop", Color: "#a04000"},
		}},
		{XAxis: last},
	})
}

func solid(color string) charts.SeriesOpts {
	return func(s *charts.SingleSeries) {
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)})(s)
		charts.WithLineStyleOpts(opts.LineStyle{Color: color, Width: 2})(s)
		charts.WithItemStyleOpts(opts.ItemStyle{Color: color})(s)
	}
}

func dashed(color string) charts.SeriesOpts {
	return func(s *charts.SingleSeries) {
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)})(s)
		charts.WithLineStyleOpts(opts.LineStyle{Color: color, Type: "dashed", Width: 1})(s)
		charts.WithItemStyleOpts(opts.ItemStyle{Color: color})(s)
	}
}

func stacked(color string) charts.SeriesOpts {
	return func(s *charts.SingleSeries) {
		charts.WithBarChartOpts(opts.BarChart{Stack: "all", BarCategoryGap: "10%"})(s)
		if color != "" {
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color})(s)
		}
	}
}

// missing is how echarts reads a value that is not there: a gap.
const missing = "-"

func lineData(vals []float64) []opts.LineData {
	out := make([]opts.LineData, len(vals))
	for i, v := range vals {
		out[i] = opts.LineData{Value: chartValue(v)}
	}
	return out
}

func barData(vals []float64) []opts.BarData {
	out := make([]opts.BarData, len(vals))
	for i, v := range vals {
		out[i] = opts.BarData{Value: chartValue(v)}
	}
	return out
}

// chartValue is v, or a gap for NaN (no row, or no baseline for that hour).
func chartValue(v float64) any {
	if math.IsNaN(v) {
		return missing
	}
	return v
}

// countryMix is where the campaigns' attempts came from against the
// baseline's (html_countries.sql): the share of each in a few countries.
type countryMix struct {
	categories []string             // country codes, then "other" and "unknown" where they have attempts
	series     []string             // campaign series, then the baseline
	shares     map[string][]float64 // by series, parallel to categories, in percent
}

// Country chart sizes: the countries named (the rest are "other") and the
// campaigns with a series of their own.
const (
	maxCountries        = 12
	maxCountryCampaigns = 4
	baselineMix         = "baseline: login attempts outside the incident window"
)

// loadCountries reads the attempts by country of each campaign and of the
// baseline and keeps the countries that matter most to the campaigns, then
// to the baseline; nil without a campaign.
func loadCountries(ctx context.Context, c *casefile.Case) (*countryMix, error) {
	cc, err := readCountryCounts(ctx, c)
	if err != nil || len(cc.campaigns) == 0 {
		return nil, err
	}
	m := &countryMix{shares: map[string][]float64{}}
	m.pickSeries(cc)
	m.pickCategories(cc)
	rest := cc.rest(m.categories)
	for _, name := range m.series {
		shares := make([]float64, len(m.categories))
		for i, code := range m.categories {
			var n int64
			switch code {
			case "other":
				for c := range rest {
					n += cc.counts[name][c]
				}
			default:
				n = cc.counts[name][code]
			}
			if cc.totals[name] > 0 {
				shares[i] = math.Round(1000*float64(n)/float64(cc.totals[name])) / 10
			}
		}
		m.shares[name] = shares
	}
	return m, nil
}

// countryCounts are the logins' countries: attempts by series (each
// campaign, the baseline) and country, and the campaigns' and baseline's
// totals by country.
type countryCounts struct {
	counts    map[string]map[string]int64 // series → country → attempts
	totals    map[string]int64            // series → attempts
	campTotal map[string]int64            // country → all campaigns' attempts
	baseTotal map[string]int64            // country → the baseline's attempts
	campaigns []string                    // in the query's order
}

func readCountryCounts(ctx context.Context, c *casefile.Case) (*countryCounts, error) {
	cc := &countryCounts{counts: map[string]map[string]int64{}, totals: map[string]int64{},
		campTotal: map[string]int64{}, baseTotal: map[string]int64{}}
	err := htmlRows(ctx, c, "html_countries.sql", nil, func(rows *sql.Rows) error {
		var campaign, country sql.NullString
		var n int64
		if err := rows.Scan(&campaign, &country, &n); err != nil {
			return err
		}
		name := baselineMix
		if campaign.Valid {
			name = "campaign " + campaign.String
		}
		if cc.counts[name] == nil {
			cc.counts[name] = map[string]int64{}
			if campaign.Valid {
				cc.campaigns = append(cc.campaigns, campaign.String)
			}
		}
		code := "unknown"
		if country.Valid {
			code = country.String
		}
		cc.counts[name][code] += n
		cc.totals[name] += n
		if campaign.Valid {
			cc.campTotal[code] += n
		} else {
			cc.baseTotal[code] += n
		}
		return nil
	})
	return cc, err
}

// pickSeries names the chart's series: the largest campaigns, the others
// summed into one, and the baseline.
func (m *countryMix) pickSeries(cc *countryCounts) {
	campaigns := cc.campaigns
	sort.SliceStable(campaigns, func(i, j int) bool {
		a, b := cc.totals["campaign "+campaigns[i]], cc.totals["campaign "+campaigns[j]]
		if a != b {
			return a > b
		}
		return campaignLess(campaigns[i], campaigns[j])
	})
	if len(campaigns) > maxCountryCampaigns+1 {
		other := map[string]int64{}
		for _, id := range campaigns[maxCountryCampaigns:] {
			for code, n := range cc.counts["campaign "+id] {
				other[code] += n
				cc.totals[otherCampaigns] += n
			}
		}
		cc.counts[otherCampaigns] = other
		campaigns = campaigns[:maxCountryCampaigns]
	}
	for _, id := range campaigns {
		m.series = append(m.series, "campaign "+id)
	}
	if cc.counts[otherCampaigns] != nil {
		m.series = append(m.series, otherCampaigns)
	}
	m.series = append(m.series, baselineMix)
}

// pickCategories names the chart's countries: the campaigns' largest, then
// the baseline's, up to maxCountries, then "other" and "unknown" where
// some logins are theirs.
func (m *countryMix) pickCategories(cc *countryCounts) {
	ranked := func(by map[string]int64) []string {
		var codes []string
		for code := range by {
			if code != "unknown" {
				codes = append(codes, code)
			}
		}
		sort.Slice(codes, func(i, j int) bool {
			if by[codes[i]] != by[codes[j]] {
				return by[codes[i]] > by[codes[j]]
			}
			return codes[i] < codes[j]
		})
		return codes
	}
	named := map[string]bool{}
	for _, code := range append(ranked(cc.campTotal), ranked(cc.baseTotal)...) {
		if len(m.categories) < maxCountries && !named[code] {
			named[code] = true
			m.categories = append(m.categories, code)
		}
	}
	if len(cc.rest(m.categories)) > 0 {
		m.categories = append(m.categories, "other")
	}
	if cc.campTotal["unknown"]+cc.baseTotal["unknown"] > 0 {
		m.categories = append(m.categories, "unknown")
	}
}

// rest is the known countries that are not among the named categories.
func (cc *countryCounts) rest(categories []string) map[string]bool {
	rest := map[string]bool{}
	for _, by := range cc.counts {
		for code := range by {
			if code != "unknown" && !slices.Contains(categories, code) {
				rest[code] = true
			}
		}
	}
	return rest
}

// rows is how many bars the country chart stacks vertically.
func (m *countryMix) rows() int { return len(m.categories) * len(m.series) }

// countryColors are the campaign series' colours; the baseline is grey.
var countryColors = []string{"#c0392b", "#1f5fbf", "#7d3c98", "#117a65", "#6b7785"}

// chart draws the shares side by side, one row of bars per country, the
// largest share of the campaigns first, with what it shows in words.
func (m *countryMix) chart() (*charts.Bar, string) {
	b := charts.NewBar()
	b.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "100%"}),
		charts.WithAnimation(false),
		charts.WithTitleOpts(opts.Title{Title: "Countries: the campaigns against the baseline", TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "24", Top: "64", Bottom: "48"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "% of the attempts", NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: "country", Inverse: opts.Bool(true)}),
		legend(m.series...),
	)
	b.SetXAxis(m.categories) // on the y axis: XYReversal
	for i, name := range m.series {
		color := bandColor
		if name != baselineMix {
			color = countryColors[min(i, len(countryColors)-1)]
		}
		b.AddSeries(name, barData(m.shares[name]), charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
	}
	b.XYReversal()
	base := m.shares[baselineMix]
	var parts []string
	for i, code := range m.categories[:min(len(m.categories), 6)] {
		var camp []string
		for _, name := range m.series[:len(m.series)-1] {
			camp = append(camp, figure(m.shares[name][i], 1)+"%")
		}
		parts = append(parts, fmt.Sprintf("%s %s (baseline %s%%)", code, strings.Join(camp, " / "), figure(base[i], 1)))
	}
	alt := fmt.Sprintf("Share of the attempts of %s by country, against the baseline (%s): %s.",
		strings.Join(m.series[:len(m.series)-1], ", "), baselineMix[len("baseline: "):], strings.Join(parts, "; "))
	return b, alt
}
