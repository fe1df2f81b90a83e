package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/eval"
)

// Hostile strings the escaping test puts into a case: each would run a
// script if the page wrote it as markup or ended a script element with it.
const (
	hostileUsername = `"><script>alert(1)</script>`
	hostileAgent    = `</script><script>alert(2)</script>`
	hostileCampaign = `C1</script><script>alert(3)</script>`
	hostileFile     = `x.whl"><img src=x onerror=alert(4)>`
)

var hostile = []string{hostileUsername, hostileAgent, hostileCampaign, hostileFile}

// TestHTMLReport checks report.html against the committed sample incident's
// analysed case.
func TestHTMLReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample case")
	}
	sample := AnalysedSample(t)
	t.Run("shows the case", func(t *testing.T) { testHTMLShowsTheCase(t, sample) })
	t.Run("caps the account list and says so", func(t *testing.T) { testHTMLCapsAccounts(t, sample) })
	t.Run("methodology shows the recorded parameters", func(t *testing.T) { testHTMLMethodology(t, sample) })
	t.Run("says what was not checked where it matters", func(t *testing.T) { testHTMLNotChecked(t, sample) })
	t.Run("evidence command reproduces the panel", func(t *testing.T) { testHTMLEvidenceQuery(t, sample) })
	t.Run("sums the smaller campaigns in the chart", func(t *testing.T) { testHTMLManyCampaigns(t, sample) })
	t.Run("Write writes it", func(t *testing.T) { testHTMLFromWrite(t, sample) })
	t.Run("same case, same bytes", func(t *testing.T) { testHTMLDeterministic(t, sample) })
	t.Run("input stays inert text", func(t *testing.T) { testHTMLEscapes(t, sample) })
	t.Run("in Chromium, offline", func(t *testing.T) { testHTMLInBrowser(t, sample) })
}

// openCopy opens a copy of the case at path, for a test to change or report on.
func openCopy(t *testing.T, path string) *casefile.Case {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "case.duckdb")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := casefile.Open(context.Background(), p, casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// renderPage writes report.html for the case into a new directory and
// returns its path and bytes.
func renderPage(t *testing.T, c *casefile.Case, tz *time.Location) (string, []byte) {
	t.Helper()
	ctx := context.Background()
	sum, err := LoadSummary(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	b, err := renderHTML(ctx, c, sum, Options{TZ: tz})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

// caseInt runs a query returning one number.
func caseInt(t *testing.T, c *casefile.Case, q string) int64 {
	t.Helper()
	var n int64
	if err := c.Conn.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// cardNumber reads the number of the headline card with the id.
func cardNumber(t *testing.T, page []byte, id string) int64 {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `"><span class="n">([0-9,]+)</span>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no headline card %s", id)
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(string(m[1]), ",", ""), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pageCharts parses the chart data block.
func pageCharts(t *testing.T, page []byte) []chartSpec {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="ff-charts">(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no chart data block")
	}
	var specs []chartSpec
	if err := json.Unmarshal(m[1], &specs); err != nil {
		t.Fatalf("chart data is not JSON: %v", err)
	}
	return specs
}

func testHTMLShowsTheCase(t *testing.T, sample string) {
	c := openCopy(t, sample)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	_, page := renderPage(t, c, ny)

	// Every compromised account of the sample's truth, as an account row.
	truth, err := eval.ReadTruth("../samples/pypi-2024-03/truth.csv")
	if err != nil {
		t.Fatal(err)
	}
	var compromised int
	for _, a := range truth.Accounts {
		if a.Label == "compromised" {
			compromised++
			if !bytes.Contains(page, []byte(`">`+a.Username+`</button></td>`+"\n"+`<td class="c-compromised">compromised</td>`)) {
				t.Errorf("no compromised row for %s", a.Username)
			}
		}
	}
	if compromised == 0 {
		t.Fatal("the sample's truth has no compromised account")
	}

	// The headline numbers, counted here from the case's tables.
	for _, tc := range []struct {
		card string
		q    string
	}{
		{"n-freeze", "SELECT count(*) FROM account_verdicts WHERE classification = 'compromised'"},
		{"n-exposed", "SELECT count(*) FROM account_verdicts WHERE classification = 'exposed'"},
		{"n-targeted", "SELECT count(*) FROM account_verdicts WHERE classification = 'targeted'"},
		{"n-campaigns", "SELECT count(*) FROM campaigns"},
		{"n-attempts", "SELECT count(*) FROM campaign_attempts"},
		{"n-ips", "SELECT count(DISTINCT client) FROM attempts WHERE attempt_id IN (SELECT attempt_id FROM campaign_attempts)"},
		{"n-countries", "SELECT count(DISTINCT country_code) FROM attempts WHERE attempt_id IN (SELECT attempt_id FROM campaign_attempts)"},
		{"n-reverify", "SELECT count(*) FROM emails e JOIN accounts a ON a.id = e.account WHERE e.verified AND NOT a.has_2fa"},
	} {
		if got, want := cardNumber(t, page, tc.card), caseInt(t, c, tc.q); got != want {
			t.Errorf("headline %s = %d, the case has %d", tc.card, got, want)
		}
	}
	if got := cardNumber(t, page, "n-freeze"); got != int64(compromised) {
		t.Errorf("%d accounts to freeze, the sample has %d compromised", got, compromised)
	}
	if !bytes.Contains(page, []byte(`id="tampering-verdict"><strong>none found</strong>`)) || !bytes.Contains(page, []byte(`id="tampering-none"`)) {
		t.Error("the sample has no tampering, the page does not say none found")
	}
	// The window against the same hours of the day outside it, counted
	// here from hourly; the logins as the summary counts them.
	sum, err := LoadSummary(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	lr := sum.LoginRate
	for _, row := range []string{
		fmt.Sprintf(`<tr><th scope="row">Login attempts (successes and failures)</th><td class="n">%s</td><td class="n">%s</td><td class="n"><strong>%s×</strong></td><td class="n">%d of %d</td></tr>`,
			thousands(lr.WindowLogins), figure(*lr.SameHoursExpected, 2), figure(*lr.RatioToSameHours, 2), lr.HoursAboveP95, lr.WindowHours),
		fmt.Sprintf(`<tr><th scope="row">Failed logins (wrong password or unknown username)</th><td class="n">%s</td>`,
			thousands(caseInt(t, c, "SELECT sum(failures) FROM hourly WHERE in_window"))),
		fmt.Sprintf(`<tr><th scope="row">Unknown usernames</th><td class="n">%s</td>`,
			thousands(caseInt(t, c, "SELECT sum(unknown_users) FROM hourly WHERE in_window"))),
		fmt.Sprintf(`<strong>%d to %d baseline samples</strong>`,
			caseInt(t, c, "SELECT min(base_hours) FROM hourly"), caseInt(t, c, "SELECT max(base_hours) FROM hourly")),
	} {
		if !bytes.Contains(page, []byte(row)) {
			t.Errorf("the window against normal lacks %s", row)
		}
	}
	if bytes.Contains(page, []byte("Was the login rate higher")) {
		t.Error("the page still asks whether the login rate was higher")
	}
	// The reasons' times are in the zone, with its offset; every time
	// column's header names it.
	if bytes.Contains(page, []byte(" UTC from ")) || !bytes.Contains(page, []byte(" -04:00 from ")) {
		t.Error("the reasons' times are not in America/New_York")
	}
	if n := bytes.Count(page, []byte(`<span class="tz">(America/New_York)</span>`)); n < 8 {
		t.Errorf("%d headers name the zone", n)
	}
	// No previous freeze list, so no waves to count.
	if bytes.Contains(page, []byte("already on the previous list")) {
		t.Error("the page counts accounts on a previous list it was not given")
	}

	// The charts: five on the hours of `hourly`, labelled in the zone, and
	// the campaign's countries.
	specs := pageCharts(t, page)
	var ids []string
	for _, s := range specs {
		ids = append(ids, s.ID)
		if aria, _ := s.Option["aria"].(map[string]any); aria["enabled"] != true {
			t.Errorf("chart %s: aria %v", s.ID, s.Option["aria"])
		}
		zooms, _ := s.Option["dataZoom"].([]any)
		for _, z := range zooms {
			if z := z.(map[string]any); z["type"] == "inside" && (z["zoomOnMouseWheel"] != "ctrl" || z["moveOnMouseWheel"] != false) {
				t.Errorf("chart %s zooms or moves on the wheel alone: %v", s.ID, z)
			}
		}
	}
	if want := []string{chartOutcomes, chartUnknown, chartFailures, chartLogins, chartEnrolments, chartCountries}; !slices.Equal(ids, want) {
		t.Fatalf("charts %v, want %v", ids, want)
	}
	// Each chart in words: echarts' aria description, and beside it.
	for _, s := range specs {
		alt, _ := s.Option["aria"].(map[string]any)["label"].(map[string]any)["description"].(string)
		if alt == "" || !bytes.Contains(page, []byte(`<figcaption aria-hidden="true">`+template.HTMLEscapeString(alt)+`</figcaption>`)) {
			t.Errorf("chart %s has no text alternative beside it: %q", s.ID, alt)
		}
	}
	var first time.Time
	if err := c.Conn.QueryRowContext(context.Background(), "SELECT min(hour) FROM hourly").Scan(&first); err != nil {
		t.Fatal(err)
	}
	xAxis := specs[0].Option["xAxis"].([]any)[0].(map[string]any)
	labels := xAxis["data"].([]any)
	if got, want := labels[0], first.In(ny).Format("2006-01-02 15:04"); got != want {
		t.Errorf("first hour label %v, want %s (America/New_York)", got, want)
	}
	if int64(len(labels)) != caseInt(t, c, "SELECT count(*) FROM hourly") {
		t.Errorf("%d hour labels, hourly has a different number of hours", len(labels))
	}
	if name := xAxis["name"]; name != "hour starting, America/New_York" {
		t.Errorf("time axis named %v", name)
	}
	sumSeries := func(spec chartSpec, name string) (total float64) {
		for _, s := range spec.Option["series"].([]any) {
			m := s.(map[string]any)
			if m["name"] != name {
				continue
			}
			for _, d := range m["data"].([]any) {
				if v, ok := d.(map[string]any)["value"].(float64); ok {
					total += v
				}
			}
			return total
		}
		t.Fatalf("chart %s has no series %q", spec.ID, name)
		return 0
	}
	const campaignOutcome = "SELECT count(*) FROM campaign_attempts JOIN attempts USING (attempt_id) WHERE outcome IN "
	for _, tc := range []struct {
		spec   chartSpec
		series string
		q      string
	}{
		{specs[0], "logged in", campaignOutcome + "('success')"},
		{specs[0], "wrong password", campaignOutcome + "('failure')"},
		{specs[0], "unknown username", campaignOutcome + "('unknown_user', 'username_corrected')"},
		{specs[0], "password right, stopped at the second factor", campaignOutcome + "('second_factor_stop')"},
		{specs[1], "unknown usernames", "SELECT sum(unknown_users) FROM hourly"},
		{specs[2], "failed logins (wrong password or unknown username)", "SELECT sum(failures) FROM hourly"},
		{specs[3], "successful logins", "SELECT sum(successes) FROM hourly"},
	} {
		if got, want := sumSeries(tc.spec, tc.series), caseInt(t, c, tc.q); got != float64(want) {
			t.Errorf("chart %s series %q sums to %v, the case to %d", tc.spec.ID, tc.series, got, want)
		}
	}

	// The countries: the campaign's share of its attempts in each, and the
	// baseline's of the attempts outside the window.
	countries := specs[5].Option["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
	share := func(series, country string) float64 {
		for _, s := range specs[5].Option["series"].([]any) {
			if m := s.(map[string]any); m["name"] == series {
				return m["data"].([]any)[slices.Index(countries, any(country))].(map[string]any)["value"].(float64)
			}
		}
		t.Fatalf("no series %q", series)
		return 0
	}
	var top string
	if err := c.Conn.QueryRowContext(context.Background(), `SELECT a.country_code FROM campaign_attempts JOIN attempts a USING (attempt_id)
		WHERE a.country_code IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&top); err != nil {
		t.Fatal(err)
	}
	if countries[0] != top {
		t.Errorf("the countries chart starts with %v, the campaign's first country is %s", countries[0], top)
	}
	inTop := float64(caseInt(t, c, "SELECT count(*) FROM campaign_attempts JOIN attempts a USING (attempt_id) WHERE a.country_code = '"+top+"'"))
	if got, want := share("campaign C1", top), math.Round(1000*inTop/float64(caseInt(t, c, "SELECT count(*) FROM campaign_attempts")))/10; got != want {
		t.Errorf("C1's share in %s is %v%%, the case says %v%%", top, got, want)
	}

	// Methodology: every step with the parameters the run recorded.
	steps, err := analyze.Steps()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if !bytes.Contains(page, []byte("<td><code>"+s.ID+"</code></td>")) {
			t.Errorf("methodology lacks step %s", s.ID)
		}
	}
	if !bytes.Contains(page, []byte("<code>freeze_posterior = 0.9</code>")) {
		t.Error("methodology lacks classify.freeze_posterior = 0.9")
	}
	// Provenance: every input with its SHA-256, and the run.
	rows, err := c.Conn.QueryContext(context.Background(), "SELECT sha256 FROM sources")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		rows.Scan(&h)
		if !bytes.Contains(page, []byte("<code>"+h+"</code>")) {
			t.Errorf("provenance lacks input %s", h)
		}
	}
	if !bytes.Contains(page, []byte(`id="tool-version">freezeframe test</td>`)) {
		t.Error("provenance lacks the tool version")
	}
	// Nothing outside the page.
	for _, ref := range [][]byte{[]byte("http://"), []byte("https://"), []byte(" src="), []byte("<link")} {
		if i := bytes.Index(page[:bytes.Index(page, []byte(`<script type="application/json"`))], ref); i >= 0 {
			t.Errorf("the page refers to %q: %s", ref, page[max(0, i-80):i+80])
		}
	}
}

func testHTMLCapsAccounts(t *testing.T, sample string) {
	c := openCopy(t, sample)
	defer func(n int) { htmlAccountCap = n }(htmlAccountCap)
	htmlAccountCap = 20
	_, page := renderPage(t, c, nil)
	total := caseInt(t, c, "SELECT count(*) FROM account_verdicts")
	if total <= 20 {
		t.Fatalf("the sample has only %d implicated accounts", total)
	}
	for _, want := range []string{
		fmt.Sprintf("Showing 20 of %d implicated accounts", total),
		fmt.Sprintf("The filters search these 20 only, not the %d left out:\naccounts.csv has all of them", total-20),
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page does not say %q", want)
		}
	}
	rows := regexp.MustCompile(`<tr id="account-[0-9a-f-]+" class="account" data-class="([a-z]+)"`).FindAllSubmatch(page, -1)
	if len(rows) != 20 {
		t.Fatalf("%d account rows, want 20", len(rows))
	}
	// The accounts to freeze come first.
	toFreeze := int(caseInt(t, c, "SELECT count(*) FROM account_verdicts WHERE classification = 'compromised'"))
	for i, r := range rows {
		if (i < toFreeze) != (string(r[1]) == "compromised") {
			t.Errorf("row %d is %s; the %d accounts to freeze should come first", i, r[1], toFreeze)
		}
	}
}

func testHTMLMethodology(t *testing.T, sample string) {
	c := openCopy(t, sample)
	if _, err := c.Conn.ExecContext(context.Background(),
		`UPDATE analysis_runs SET parameters = json_merge_patch(parameters, '{"classify.freeze_posterior": 0.95, "retired-step.weight": 3}')`); err != nil {
		t.Fatal(err)
	}
	_, page := renderPage(t, c, nil)
	for _, want := range []string{
		`<li class="changed"><code>freeze_posterior = 0.95</code> (default 0.9):`,
		`<li><code>min_score = 3</code>:`,
		`<td><code>retired-step</code></td><td>?</td><td>not a step of this build of freezeframe</td>`,
		`<li><code>weight = 3</code></li>`,
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("methodology lacks %s", want)
		}
	}
}

func testHTMLManyCampaigns(t *testing.T, sample string) {
	c := openCopy(t, sample)
	if _, err := c.Conn.ExecContext(context.Background(), `UPDATE campaign_attempts SET campaign_id = 'C' || (attempt_id % 15 + 1)`); err != nil {
		t.Fatal(err)
	}
	_, page := renderPage(t, c, nil)
	specs := pageCharts(t, page)
	at := slices.IndexFunc(specs, func(s chartSpec) bool { return s.ID == chartCampaigns })
	if at < 0 {
		t.Fatal("no chart by campaign")
	}
	camp := specs[at]
	var names []string
	var total float64
	for _, s := range camp.Option["series"].([]any) {
		m := s.(map[string]any)
		if m["type"] != "bar" {
			continue // the incident window
		}
		names = append(names, m["name"].(string))
		for _, d := range m["data"].([]any) {
			total += d.(map[string]any)["value"].(float64)
		}
	}
	if len(names) != maxCampaignSeries+1 || names[maxCampaignSeries] != otherCampaigns {
		t.Errorf("campaign series %q: want the %d largest and %q", names, maxCampaignSeries, otherCampaigns)
	}
	if want := caseInt(t, c, "SELECT count(*) FROM campaign_attempts"); total != float64(want) {
		t.Errorf("the campaign series sum to %v attempts, the case has %d", total, want)
	}
	if !bytes.Contains(page, []byte("The chart by campaign shows the 12 largest campaigns; the other 3 are summed into one series")) {
		t.Error("the page does not say that 3 campaigns are summed")
	}
	// The countries chart: the four largest campaigns, the others summed, and the baseline.
	var countrySeries []string
	for _, s := range specs[len(specs)-1].Option["series"].([]any) {
		countrySeries = append(countrySeries, s.(map[string]any)["name"].(string))
	}
	if len(countrySeries) != maxCountryCampaigns+2 || countrySeries[maxCountryCampaigns] != otherCampaigns || countrySeries[maxCountryCampaigns+1] != baselineMix {
		t.Errorf("country series %q", countrySeries)
	}
}

func TestSplitReasons(t *testing.T) {
	in := "success login in campaign C1 at 2024-03-31 07:08:11 UTC from 1.2.3.4; 2 failed campaign attempts; " +
		"novel-login (+17.2): 2 earlier logins; first login from US; bot-speed (+4): posted without the form; " +
		"novel-login (+0.6): new network; client-shape (-1.5): usual browser"
	want := []string{
		"success login in campaign C1 at 2024-03-31 07:08:11 UTC from 1.2.3.4",
		"2 failed campaign attempts",
		"novel-login (+17.2): 2 earlier logins; first login from US",
		"bot-speed (+4): posted without the form",
		"novel-login (+0.6): new network",
		"client-shape (-1.5): usual browser",
	}
	got := splitReasons(in)
	if !slices.Equal(got, want) {
		t.Errorf("splitReasons:\n%q\nwant\n%q", got, want)
	}
	if got := splitReasons(""); got != nil {
		t.Errorf("no reasons: %q", got)
	}
	// As tags: the failed attempts, then each heuristic's points summed and
	// rounded, most first.
	wantTags := []htmlTag{{Name: "failed", Points: "×2"}, {Name: "novel-login", Points: "+18"}, {Name: "bot-speed", Points: "+4"},
		{Name: "client-shape", Points: "−2", Against: true}}
	if tags := reasonTags(got); !slices.Equal(tags, wantTags) {
		t.Errorf("reasonTags: %v, want %v", tags, wantTags)
	}
}

// The campaigns as the verdict's sentence names them.
func TestVerdictNames(t *testing.T) {
	for _, tc := range []struct {
		v    htmlVerdict
		want string
	}{
		{htmlVerdict{}, ""},
		{htmlVerdict{Campaigns: []string{"C1"}}, "campaign C1"},
		{htmlVerdict{Campaigns: []string{"C1", "C2"}}, "campaigns C1 and C2"},
		{htmlVerdict{Campaigns: []string{"C1", "C2", "C3"}}, "campaigns C1, C2 and C3"},
		{htmlVerdict{Campaigns: []string{"C1", "C2", "C3"}, MoreCampaigns: 1200}, "1,203 campaigns (C1, C2, C3 and 1,200 more)"},
	} {
		if got := tc.v.Names(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.v.Campaigns, got, tc.want)
		}
	}
}

// The reasons' UTC times, in the report's zone with its offset.
func TestLocalTimes(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	in := "login at 2024-03-31 07:08:11 UTC from 1.2.3.4; window 2024-11-03 05:30 UTC; born 2021-05-05"
	want := "login at 2024-03-31 03:08:11 -04:00 from 1.2.3.4; window 2024-11-03 01:30 -04:00; born 2021-05-05"
	if got := (clock{ny}).local(in); got != want {
		t.Errorf("local:\n%s\nwant\n%s", got, want)
	}
	if got := (clock{time.UTC}).local(in); got != in {
		t.Errorf("in UTC the reasons change: %s", got)
	}
}

// Numbers for people: thousands separated, decimals only where there are
// any.
func TestFigure(t *testing.T) {
	for _, tc := range []struct {
		f      float64
		places int
		want   string
	}{
		{46770, 2, "46,770"}, {65.5, 2, "65.5"}, {2671.254, 2, "2,671.25"}, {1.078, 2, "1.08"}, {-0.001, 2, "0"},
		{-1234.5, 1, "-1,234.5"}, {0.999, 2, "1"},
	} {
		if got := figure(tc.f, tc.places); got != tc.want {
			t.Errorf("figure(%v, %d) = %q, want %q", tc.f, tc.places, got, tc.want)
		}
	}
}

func testHTMLFromWrite(t *testing.T, sample string) {
	c := openCopy(t, sample)
	out := t.TempDir()
	paths, err := Write(context.Background(), c, Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, "report.html")
	if !slices.Contains(paths, path) {
		t.Fatalf("Write returned %v, not %s", paths, path)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, want := renderPage(t, c, nil); !bytes.Equal(got, want) {
		t.Error("Write's report.html differs from renderHTML's")
	}
	// The checklist links each file Write wrote, with its rows.
	items := regexp.MustCompile(`<strong>([0-9,]+) [^<]*</strong>[^<]*:</label>\n<a href="([^"]+)" data-file="([^"]+)">`).FindAllSubmatch(got, -1)
	if len(items) != 6 {
		t.Fatalf("%d files in the checklist, want 6", len(items))
	}
	for _, it := range items {
		name := string(it[2])
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Errorf("the checklist links %s: %v", name, err)
			continue
		}
		var rows int
		if strings.HasSuffix(name, ".csv") {
			recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			rows = len(recs) - 1
		} else {
			rows = bytes.Count(b, []byte("\n"))
		}
		if want := thousands(int64(rows)); string(it[1]) != want {
			t.Errorf("the checklist gives %s %s rows; it has %s", name, it[1], want)
		}
	}
}

// testHTMLNotChecked: a snapshot without file_events, as coverage records
// it, says so beside the tampering check, whose file:* tags it could not
// look for, and a sentence of coverage the page does not place goes with
// the verdict.
func testHTMLNotChecked(t *testing.T, sample string) {
	c := openCopy(t, sample)
	const fileEvents = "file events: uploads by taken-over accounts are not checked"
	const other = "a check this page does not know"
	if _, err := c.Conn.ExecContext(context.Background(), `UPDATE coverage SET missing_tables = ['file_events'], not_checked = [$1, $2]`,
		fileEvents, other); err != nil {
		t.Fatal(err)
	}
	_, page := renderPage(t, c, nil)
	section := func(id string) []byte {
		at := bytes.Index(page, []byte(`<section id="`+id+`"`))
		if at < 0 {
			t.Fatalf("no section %s", id)
		}
		end := bytes.Index(page[at:], []byte("</section>"))
		return page[at : at+end]
	}
	tampering := section("tampering")
	for _, want := range []string{
		`<li><code>file:*</code>: the snapshot has no file_events</li>`,
		"<li>" + fileEvents + "</li>",
		"<strong>None found in what could be checked.</strong>",
	} {
		if !bytes.Contains(tampering, []byte(want)) {
			t.Errorf("the tampering section lacks %s", want)
		}
	}
	if bytes.Contains(tampering, []byte("<code>file:*</code>,")) {
		t.Error("the tampering section says file:* was checked")
	}
	if !bytes.Contains(page, []byte(`id="tampering-verdict"><strong>none found</strong> in what could be checked`)) {
		t.Error("the headline's tampering verdict does not say it is of what could be checked")
	}
	if v := section("verdict"); !bytes.Contains(v, []byte("<li>"+other+"</li>")) || !bytes.Contains(v, []byte("2 things could not be checked")) {
		t.Error("the verdict does not say what else was not checked")
	}
	if bytes.Contains(section("accounts"), []byte(fileEvents)) {
		t.Error("the accounts section says file events were not checked")
	}
}

// testHTMLEvidenceQuery: the command of each evidence panel, run on the
// case, gives the file and line the panel shows.
func testHTMLEvidenceQuery(t *testing.T, sample string) {
	c := openCopy(t, sample)
	_, page := renderPage(t, c, nil)
	panels := regexp.MustCompile(`(?s)<dd class="loc"><code>([^<]*):([0-9]+)</code>.*?<pre><code>freezeframe query &#34;(.*?)&#34;</code></pre>`).FindAllSubmatch(page, -1)
	if n := caseInt(t, c, "SELECT count(*) FROM account_verdicts v JOIN attempts a ON a.attempt_id = v.decisive_attempt WHERE a.line_no IS NOT NULL"); int64(len(panels)) != n {
		t.Fatalf("%d panels with a log line and a command; %d accounts' deciding attempts have a line", len(panels), n)
	}
	for _, m := range panels[:5] {
		q := html.UnescapeString(string(m[3]))
		var file string
		var line int64
		if err := c.Conn.QueryRowContext(context.Background(), "SELECT file, line FROM ("+q+")").Scan(&file, &line); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if file != string(m[1]) || strconv.FormatInt(line, 10) != string(m[2]) {
			t.Errorf("the command gives %s:%d, the panel %s:%s", file, line, m[1], m[2])
		}
	}
}

func testHTMLDeterministic(t *testing.T, sample string) {
	c := openCopy(t, sample)
	_, a := renderPage(t, c, nil)
	_, b := renderPage(t, openCopy(t, sample), nil)
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Fatalf("two renderings differ at byte %d: %q vs %q", i, a[i:min(len(a), i+80)], b[i:min(len(b), i+80)])
	}
	_, ny := renderPage(t, c, time.FixedZone("UTC-4", -4*3600))
	if bytes.Equal(a, ny) {
		t.Error("another zone gives the same page")
	}
}

// hostileCase is a copy of the sample with hostile strings where inputs
// reach the page: a username, a user agent and a fingerprint of the
// campaign, the campaign's id in the charts, and a tampering event's file.
func hostileCase(t *testing.T, sample string) *casefile.Case {
	t.Helper()
	c := openCopy(t, sample)
	ctx := context.Background()
	u, a, cid, f := hostileUsername, hostileAgent, hostileCampaign, hostileFile
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`UPDATE account_verdicts SET username = $1, reasons = $1 || '; ' || reasons
		  WHERE account = (SELECT min(account) FROM account_verdicts WHERE classification = 'compromised')`, []any{u}},
		{`UPDATE campaigns SET user_agents = list_prepend($1 || ' (1)', user_agents), fingerprints = list_prepend($1, fingerprints)`, []any{a}},
		{`UPDATE fingerprints SET fingerprint = $1 || fingerprint WHERE hostile`, []any{a}},
		{`UPDATE campaign_attempts SET campaign_id = $1`, []any{cid}},
		{`UPDATE campaigns SET campaign_id = $1`, []any{cid}},
		{`UPDATE account_verdicts SET campaign_id = $1 WHERE campaign_id IS NOT NULL`, []any{cid}},
		{`UPDATE sources SET path = $1 || path WHERE id = 1`, []any{u}},
		// A release file uploaded by the hostile account after its suspicious login.
		{`INSERT INTO project_events (id, kind, time, project, tag, submitted_by, canonical_version, filename, ip, source_id)
		  SELECT uuid(), 'file', v.first_suspicious + INTERVAL 5 MINUTE, NULL, 'file:add', $1, $2, $3, v.suspicious_ips[1], 1
		  FROM account_verdicts v WHERE v.username = $1`, []any{u, a, f}},
	} {
		if _, err := c.Conn.ExecContext(ctx, st.q, st.args...); err != nil {
			t.Fatalf("%s: %v", st.q, err)
		}
	}
	return c
}

// scriptTags are the page's own: the chart data, echarts and its script.
const scriptTags = 3

func testHTMLEscapes(t *testing.T, sample string) {
	c := hostileCase(t, sample)
	_, page := renderPage(t, c, nil)
	lower := bytes.ToLower(page)
	if n := bytes.Count(lower, []byte("<script")); n != scriptTags {
		t.Errorf("%d <script tags, want the page's own %d", n, scriptTags)
	}
	if n := bytes.Count(lower, []byte("</script")); n != scriptTags {
		t.Errorf("%d </script, want the page's own %d", n, scriptTags)
	}
	for _, h := range hostile {
		if bytes.Contains(page, []byte(h)) {
			t.Errorf("the page holds %q unescaped", h)
		}
	}
	// echarts itself builds an <img> in its save-as-image feature.
	if bytes.Contains(bytes.Replace(lower, bytes.ToLower([]byte(inlineJS(echartsJS))), nil, 1), []byte("<img")) {
		t.Error("the page holds an <img element")
	}
	// The strings are there, escaped: as text in the tables, as JSON
	// escapes in the chart data.
	for _, want := range []string{
		`&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;`,
		`&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;`,
		`C1&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;`,
		`x.whl&#34;&gt;&lt;img src=x onerror=alert(4)&gt;`,
		`C1\u003c/script\u003e\u003cscript\u003ealert(3)\u003c/script\u003e`,
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks the escaped form %s", want)
		}
	}
	specs := pageCharts(t, page)
	var names []string
	for _, s := range specs[len(specs)-1].Option["series"].([]any) {
		names = append(names, s.(map[string]any)["name"].(string))
	}
	if !slices.Contains(names, "campaign "+hostileCampaign) {
		t.Errorf("campaign series %q; the chart data does not give back the campaign id", names)
	}
	if !bytes.Contains(page, []byte(`<strong>found</strong>`)) {
		t.Error("the hostile upload is not found as tampering")
	}
}

// inlineJS must keep a script element from ending early whatever the
// script holds.
func TestInlineJS(t *testing.T) {
	for in, want := range map[string]string{
		`a = "</script><b>"`: `a = "<\/script><b>"`,
		`a = "</SCRIPT >"`:   `a = "<\/SCRIPT >"`,
		`if (x <!-- y) {}`:   `if (x <\!-- y) {}`,
		`a = "<script></x>"`: `a = "<script></x>"`,
		"no markup at all; ": "no markup at all; ",
	} {
		if got := string(inlineJS(in)); got != want {
			t.Errorf("inlineJS(%q) = %q, want %q", in, got, want)
		}
	}
	if strings.Contains(strings.ToLower(string(inlineJS(echartsJS))), "</script") {
		t.Error("echarts inlined still holds </script")
	}
}

// artifactDir is where the browser test keeps its screenshot and page:
// $FF_ARTIFACTS (CI sets it), else the test's temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("FF_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
