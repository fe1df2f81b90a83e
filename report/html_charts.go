package report

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/freezeframe/freezeframe/casefile"
)

// chartSpec is one echarts chart of report.html: the element it draws in
// and its option object, built with go-echarts. The page's script passes the
// option to echarts.setOption as parsed JSON, never as code.
type chartSpec struct {
	ID     string         `json:"id"`
	Option map[string]any `json:"option"`
}

// hourRow is one hour of the timeline (UTC), from html_hourly.sql.
type hourRow struct {
	hour                          time.Time
	successes, failures           int64
	inWindow                      bool
	succP05, succP50, succP95     sql.NullFloat64
	failP50, failP95              sql.NullFloat64
	enrolments, enrolmentsToFreez int64
}

// timeline is the hourly series the charts draw, on one axis of hours.
type timeline struct {
	hours     []time.Time // every hour from the first to the last, UTC
	labels    []string    // hours as the page shows them, in the report's zone
	rows      []*hourRow  // parallel to hours; nil where hourly has no row
	campaigns []string    // campaign series, most attempts first
	attempts  map[string][]int64
	otherCamp int // campaigns folded into "other campaigns"
}

// maxCampaignSeries is how many campaigns get a series of their own in the
// campaign activity chart; the rest are summed into one.
const maxCampaignSeries = 12

// otherCampaigns names the series the smaller campaigns are summed into.
const otherCampaigns = "other campaigns"

// loadTimeline reads the hourly series and each campaign's attempts per hour.
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
		if err := rows.Scan(&r.hour, &r.successes, &r.failures, &r.inWindow, &r.succP05, &r.succP50, &r.succP95,
			&r.failP50, &r.failP95, &r.enrolments, &r.enrolmentsToFreez); err != nil {
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
		hour     time.Time
		campaign string
		attempts int64
	}
	var ch []campHour
	total := map[string]int64{}
	err = htmlRows(ctx, c, "html_campaign_hourly.sql", nil, func(rows *sql.Rows) error {
		var x campHour
		if err := rows.Scan(&x.hour, &x.campaign, &x.attempts); err != nil {
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
	t := &timeline{attempts: map[string][]int64{}}
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
	for _, x := range ch {
		t.attempts[series[x.campaign]][index[x.hour]] += x.attempts
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
	chartLogins     = "chart-logins"
	chartFailures   = "chart-failures"
	chartEnrolments = "chart-enrolments"
	chartCampaigns  = "chart-campaigns"
)

// charts builds the timeline charts. Their labels and series names are the
// tool's own words, hour labels and campaign ids (C1, C2, ...), never text
// from the inputs.
func (t *timeline) charts(zone string) ([]chartSpec, error) {
	if len(t.hours) == 0 {
		return nil, nil
	}
	value := func(f func(r *hourRow) sql.NullFloat64) []float64 {
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
	count := func(f func(r *hourRow) int64) []float64 {
		out := make([]float64, len(t.rows))
		for i, r := range t.rows {
			out[i] = math.NaN()
			if r != nil {
				out[i] = float64(f(r))
			}
		}
		return out
	}
	axis := "hour starting, " + zone
	var out []chartSpec
	var firstErr error
	add := func(id string, c interface {
		Validate()
		JSON() map[string]any
	}) {
		c.Validate()
		o, err := chartOption(c.JSON())
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("chart %s: %w", id, err)
		}
		out = append(out, chartSpec{ID: id, Option: o})
	}

	logins := t.lineChart(chartLogins, "Successful logins per hour", axis)
	band(logins, "baseline 5th–95th percentile", "baseline 5th percentile", "baseline 95th percentile",
		value(func(r *hourRow) sql.NullFloat64 { return r.succP05 }),
		value(func(r *hourRow) sql.NullFloat64 { return r.succP95 }))
	logins.AddSeries("baseline median", lineData(value(func(r *hourRow) sql.NullFloat64 { return r.succP50 })), dashed("#6b7785"))
	logins.AddSeries("successful logins", lineData(count(func(r *hourRow) int64 { return r.successes })),
		solid("#1f5fbf"), t.windowArea())
	logins.SetGlobalOptions(legend("successful logins", "baseline median", "baseline 5th–95th percentile"))
	add(chartLogins, logins)

	failures := t.lineChart(chartFailures, "Failed logins per hour (wrong password or unknown username)", axis)
	band(failures, "baseline median–95th percentile", "baseline median", "baseline 95th percentile",
		value(func(r *hourRow) sql.NullFloat64 { return r.failP50 }),
		value(func(r *hourRow) sql.NullFloat64 { return r.failP95 }))
	failures.AddSeries("failed logins", lineData(count(func(r *hourRow) int64 { return r.failures })),
		solid("#c0392b"), t.windowArea())
	failures.SetGlobalOptions(legend("failed logins", "baseline median–95th percentile"))
	add(chartFailures, failures)

	const byFreeze, byOthers = "by accounts to freeze, after their suspicious login", "by everyone else"
	enrol := t.barChart(chartEnrolments, "Second factors enrolled per hour", axis)
	enrol.AddSeries(byFreeze, barData(count(func(r *hourRow) int64 { return r.enrolmentsToFreez })), stacked("#c0392b"))
	enrol.AddSeries(byOthers, barData(count(func(r *hourRow) int64 { return r.enrolments - r.enrolmentsToFreez })),
		stacked("#9db4d6"))
	enrol.Overlap(t.windowSeries())
	enrol.SetGlobalOptions(legend(byFreeze, byOthers))
	add(chartEnrolments, enrol)

	if len(t.campaigns) == 0 {
		return out, firstErr
	}
	camp := t.barChart(chartCampaigns, "Campaign attempts per hour", axis)
	for _, name := range t.campaigns {
		vals := make([]float64, len(t.hours))
		for j, n := range t.attempts[name] {
			vals[j] = float64(n)
		}
		camp.AddSeries(name, barData(vals), stacked(""))
	}
	camp.Overlap(t.windowSeries())
	camp.SetGlobalOptions(legend(t.campaigns...))
	add(chartCampaigns, camp)
	return out, firstErr
}

// chartOption turns go-echarts' option into plain JSON values (what the page
// will hold), and hides the series whose id starts with noTooltip from the
// tooltip.
func chartOption(o map[string]any) (map[string]any, error) {
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
	return plain, nil
}

// legend shows the named series in the legend, and no others.
func legend(names ...string) charts.GlobalOpts {
	if names == nil {
		names = []string{}
	}
	return charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "24", Data: names})
}

// global are the options every timeline chart shares: a title, an axis
// tooltip, a legend, and zooming by wheel, drag and slider (the page links
// the charts, so zooming one zooms all).
func global(id, title, axis string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "340px"}),
		charts.WithAnimation(false),
		charts.WithTitleOpts(opts.Title{Title: title, TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "56", Right: "24", Top: "64", Bottom: "88"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside"}, opts.DataZoom{Type: "slider"}),
		charts.WithXAxisOpts(opts.XAxis{Name: axis, NameLocation: "middle", NameGap: 28, Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1}),
	}
}

func (t *timeline) lineChart(id, title, axis string) *charts.Line {
	l := charts.NewLine()
	l.SetGlobalOptions(global(id, title, axis)...)
	l.SetXAxis(t.labels)
	return l
}

func (t *timeline) barChart(id, title, axis string) *charts.Bar {
	b := charts.NewBar()
	b.SetGlobalOptions(global(id, title, axis)...)
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
// bar charts: echarts misplaces a markArea on a bar series of a category axis.
func (t *timeline) windowSeries() *charts.Line {
	l := charts.NewLine()
	l.AddSeries("incident window", []opts.LineData{}, charts.WithSeriesId(noTooltip+"window"), t.windowArea())
	return l
}

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
