package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
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
	"github.com/freezeframe/freezeframe/ingest"
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

// TestHTMLReport builds the committed sample incident into a case once
// (ingest its logs and snapshot, analyze) and checks report.html against it.
func TestHTMLReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample case")
	}
	sample := buildSampleCase(t)
	t.Run("shows the case", func(t *testing.T) { testHTMLShowsTheCase(t, sample) })
	t.Run("caps the account list and says so", func(t *testing.T) { testHTMLCapsAccounts(t, sample) })
	t.Run("methodology shows the recorded parameters", func(t *testing.T) { testHTMLMethodology(t, sample) })
	t.Run("sums the smaller campaigns in the chart", func(t *testing.T) { testHTMLManyCampaigns(t, sample) })
	t.Run("Write writes it", func(t *testing.T) { testHTMLFromWrite(t, sample) })
	t.Run("same case, same bytes", func(t *testing.T) { testHTMLDeterministic(t, sample) })
	t.Run("input stays inert text", func(t *testing.T) { testHTMLEscapes(t, sample) })
	t.Run("in Chromium, offline", func(t *testing.T) { testHTMLInBrowser(t, sample) })
}

// buildSampleCase ingests and analyses samples/pypi-2024-03 into a case in
// a temporary directory and returns its path.
func buildSampleCase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sample.duckdb")
	c, err := casefile.Open(ctx, path, casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	quiet := slog.New(slog.DiscardHandler)
	logs, _ := filepath.Glob("../samples/pypi-2024-03/logs/*")
	if len(logs) == 0 {
		t.Fatal("no sample logs")
	}
	for _, l := range logs {
		if _, err := ingest.Logs(ctx, c, l, ingest.LogOptions{ToolVersion: "test", Logger: quiet}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ingest.Snapshot(ctx, c, "../samples/pypi-2024-03/snapshot", ingest.SnapshotOptions{ToolVersion: "test", Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if _, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return path
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
			if !bytes.Contains(page, []byte(`">`+a.Username+`</td><td class="c-compromised">compromised</td>`)) {
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
	if !bytes.Contains(page, []byte(`id="rate-answer"><strong>No.</strong>`)) {
		t.Error("the sample's attack kept the login rate normal; the page does not answer No")
	}

	// The timeline: four charts on the hours of `hourly`, labelled in the zone.
	specs := pageCharts(t, page)
	var ids []string
	for _, s := range specs {
		ids = append(ids, s.ID)
	}
	if want := []string{chartLogins, chartFailures, chartEnrolments, chartCampaigns}; !slices.Equal(ids, want) {
		t.Fatalf("charts %v, want %v", ids, want)
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
	for _, tc := range []struct {
		spec   chartSpec
		series string
		q      string
	}{
		{specs[0], "successful logins", "SELECT sum(successes) FROM hourly"},
		{specs[1], "failed logins", "SELECT sum(failures) FROM hourly"},
		{specs[3], "C1", "SELECT count(*) FROM campaign_attempts WHERE campaign_id = 'C1'"},
	} {
		if got, want := sumSeries(tc.spec, tc.series), caseInt(t, c, tc.q); got != float64(want) {
			t.Errorf("chart %s series %q sums to %v, the case to %d", tc.spec.ID, tc.series, got, want)
		}
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
	if want := fmt.Sprintf("Showing 20 of %d implicated accounts", total); !bytes.Contains(page, []byte(want)) {
		t.Errorf("the page does not say %q", want)
	}
	rows := regexp.MustCompile(`<tr data-class="([a-z]+)">`).FindAllSubmatch(page, -1)
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
	camp := specs[len(specs)-1]
	if camp.ID != chartCampaigns {
		t.Fatalf("last chart %s", camp.ID)
	}
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
	if !bytes.Contains(page, []byte("shows the 12 largest\ncampaigns; the other 3 are summed into one series")) {
		t.Error("the page does not say that 3 campaigns are summed")
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
	if got := splitReasons(in); !slices.Equal(got, want) {
		t.Errorf("splitReasons:\n%q\nwant\n%q", got, want)
	}
	if got := splitReasons(""); got != nil {
		t.Errorf("no reasons: %q", got)
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
	for _, s := range specs[3].Option["series"].([]any) {
		names = append(names, s.(map[string]any)["name"].(string))
	}
	if !slices.Contains(names, hostileCampaign) {
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
