package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/eval"
	"github.com/freezeframe/freezeframe/internal/fixture"
	"github.com/freezeframe/freezeframe/internal/testfs"
	"github.com/freezeframe/freezeframe/report"
	"github.com/freezeframe/freezeframe/samples"
)

var ctx = context.Background()

// proseTime is a time as the analysis writes it into reasons and evidence,
// 2024-03-30 07:49:20 UTC, which the files give as 2024-03-30T07:49:20Z.
var proseTime = regexp.MustCompile(`(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?: UTC)?`)

var freezeHeader = []string{"username", "user_id", "score", "classification", "reasons", "campaign_id",
	"first_suspicious_utc", "last_suspicious_utc", "suspicious_ips", "attacker_2fa_method",
	"email_domains", "domain_shared_by", "wave"}

// TestReportOnTheSample ingests and analyses the committed sample once and
// checks every file the report writes against the case, the sample's truth
// and its facts.
func TestReportOnTheSample(t *testing.T) {
	dir := t.TempDir()
	ingested, analysed := fixture.Sample(t, fixture.Ingested), fixture.Sample(t, fixture.Analysed)
	c := openCase(t, analysed, casefile.ReadOnly)
	out := filepath.Join(dir, "report")
	paths, err := report.Write(ctx, c, report.Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"freeze-list.csv", "accounts.csv", "exposed.csv", "campaigns.csv", "block-list.csv", "email-reverify.csv", "tampering.csv",
		"timeline.jsonl", "public/summary.json", "public/timeline_hourly.csv"} {
		if !slices.Contains(paths, filepath.Join(out, want)) {
			t.Errorf("Write did not return %s: %v", want, paths)
		}
	}
	if !slices.IsSorted(paths) {
		t.Errorf("paths not sorted: %v", paths)
	}
	var sum report.Summary
	if err := json.Unmarshal(testfs.Read(t, filepath.Join(out, "public/summary.json")), &sum); err != nil {
		t.Fatalf("public/summary.json: %v", err)
	}

	t.Run("freeze list is the compromised accounts with their domains", func(t *testing.T) { testFreezeList(t, c, out) })
	t.Run("summary", func(t *testing.T) { testSummary(t, c, out, sum) })
	t.Run("accounts, campaigns and emails", func(t *testing.T) { testAccountsCampaignsEmails(t, c, out, sum) })
	t.Run("timeline", func(t *testing.T) { testTimeline(t, c, out, sum) })
	t.Run("one time format, one line a row, the same leading columns", func(t *testing.T) { testFileRules(t, out) })
	t.Run("every timeline entry points at its evidence and names an account of accounts.csv", func(t *testing.T) {
		testTimelineEvidence(t, c, out)
	})
	t.Run("a finding or an action of an account no file lists stays out of the timeline", func(t *testing.T) {
		testTimelineLeavesOutUnlisted(t, analysed)
	})
	t.Run("public holds no personal data", func(t *testing.T) { testPublicHasNoPII(t, c, out) })
	t.Run("rerun is byte-identical", func(t *testing.T) {
		again := filepath.Join(dir, "again")
		if _, err := report.Write(ctx, c, report.Options{Out: again}); err != nil {
			t.Fatal(err)
		}
		compareTrees(t, out, again)
	})
	t.Run("a failed write leaves the earlier report", func(t *testing.T) { testFailedWrite(t, c, out) })
	t.Run("a report replaces the earlier one whole", func(t *testing.T) { testReplace(t, c, out) })
	t.Run("usernames format", func(t *testing.T) { testUsernames(t, c, out) })
	t.Run("usernames that one line cannot hold", func(t *testing.T) { testUsernamesOneALine(t, analysed) })
	t.Run("previous wave round trip", func(t *testing.T) { testPreviousWave(t, analysed, out) })
	t.Run("tampering", func(t *testing.T) { testTampering(t, analysed, sum) })
	t.Run("stops at the second factor on accounts the log does not name", func(t *testing.T) { testUnnamedStops(t, analysed, sum) })
	t.Run("formula injection", func(t *testing.T) { testInjection(t, analysed) })
	t.Run("no window", func(t *testing.T) { testNoWindow(t, analysed) })
	t.Run("no analysis", func(t *testing.T) {
		c := openCase(t, ingested, casefile.ReadOnly)
		_, err := report.Write(ctx, c, report.Options{Out: filepath.Join(dir, "none")})
		if !errors.Is(err, report.ErrNoAnalysis) || !strings.Contains(err.Error(), "run freezeframe analyze first") {
			t.Errorf("report of a case never analysed: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a failed report left its directory: %v", err)
		}
	})
}

// TestMain builds the sample's cases once for every test of the binary,
// the package's own among them.
func TestMain(m *testing.M) {
	report.AnalysedSample = func(tb testing.TB) string { return fixture.Sample(tb, fixture.Analysed) }
	fixture.Main(m)
}

// copyCase copies a closed case file into a new temporary directory.
func copyCase(t testing.TB, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(dst, testfs.Read(t, path), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func openCase(t testing.TB, path string, mode casefile.Mode) *casefile.Case {
	t.Helper()
	c, err := casefile.Open(ctx, path, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readCSV returns a CSV file's header and its rows as maps by column.
func readCSV(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(testfs.Read(t, path))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v (%d records)", path, err, len(recs))
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}

// listItems splits a list cell of a report CSV into its items: a CSV
// record whose delimiter is ;.
func listItems(t *testing.T, cell string) []string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(cell))
	r.Comma = ';'
	items, err := r.Read()
	if err != nil {
		t.Fatalf("list cell %q: %v", cell, err)
	}
	return items
}

// queryStrings returns the rows of a query, every value as text ("" for
// NULL; times as database/sql renders them, RFC 3339).
func queryStrings(t *testing.T, c *casefile.Case, q string, args ...any) [][]string {
	t.Helper()
	rows, err := c.Conn.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]*string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v != nil {
				row[i] = *v
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, c *casefile.Case, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := c.Conn.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func testFreezeList(t *testing.T, c *casefile.Case, out string) {
	header, rows := readCSV(t, filepath.Join(out, "freeze-list.csv"))
	if !slices.Equal(header, freezeHeader) {
		t.Fatalf("header %v\nwant   %v", header, freezeHeader)
	}
	// The rows are the truth's compromised accounts, in a stable order.
	want := truthIDs(t, eval.Compromised)
	var got []string
	for _, r := range rows {
		got = append(got, r["user_id"])
	}
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	slices.Sort(want)
	if !slices.Equal(sorted, want) {
		t.Errorf("freeze list user ids %v\nwant truth's compromised %v", sorted, want)
	}
	if !slices.IsSortedFunc(rows, func(a, b map[string]string) int {
		return strings.Compare(strings.ToLower(a["username"]), strings.ToLower(b["username"]))
	}) {
		t.Error("freeze list not sorted by username")
	}

	// Each row says what account_verdicts says.
	verdicts := map[string][]string{}
	for _, r := range queryStrings(t, c, `SELECT account::VARCHAR, username, score::VARCHAR, classification, campaign_id,
		strftime(first_suspicious, '%Y-%m-%dT%H:%M:%SZ'), strftime(last_suspicious, '%Y-%m-%dT%H:%M:%SZ'),
		array_to_string(suspicious_ips, ';'), attacker_2fa_method, wave, reasons
		FROM account_verdicts`) {
		r[len(r)-1] = proseTime.ReplaceAllString(r[len(r)-1], "${1}T${2}Z")
		verdicts[r[0]] = r[1:]
	}
	for _, r := range rows {
		v, ok := verdicts[r["user_id"]]
		if !ok {
			t.Errorf("freeze list row %s is no verdict", r["user_id"])
			continue
		}
		if g, err := strconv.ParseFloat(r["score"], 64); err != nil || strconv.FormatFloat(g, 'f', 1, 64) != v[1] {
			t.Errorf("freeze list row %s: score %q, want %s", r["user_id"], r["score"], v[1])
		}
		v[1] = r["score"]
		gotRow := []string{r["username"], r["score"], r["classification"], r["campaign_id"], r["first_suspicious_utc"],
			r["last_suspicious_utc"], r["suspicious_ips"], r["attacker_2fa_method"], r["wave"], r["reasons"]}
		if !slices.Equal(gotRow, v) {
			t.Errorf("freeze list row %s:\n%q\nwant %q", r["user_id"], gotRow, v)
		}
		for _, col := range []string{"first_suspicious_utc", "last_suspicious_utc"} {
			if at, err := time.Parse(time.RFC3339Nano, r[col]); err != nil || at.Location() != time.UTC {
				t.Errorf("%s %q is not RFC 3339 UTC: %v", col, r[col], err)
			}
		}
	}

	// domain_shared_by, worked out here from the email addresses themselves.
	owners := map[string]map[string]bool{} // domain → accounts with a verified email there
	domainsOf := map[string]map[string]bool{}
	for _, r := range queryStrings(t, c, "SELECT account::VARCHAR, email FROM emails WHERE verified") {
		d := strings.ToLower(r[1][strings.LastIndex(r[1], "@")+1:])
		if owners[d] == nil {
			owners[d] = map[string]bool{}
		}
		owners[d][r[0]] = true
		if domainsOf[r[0]] == nil {
			domainsOf[r[0]] = map[string]bool{}
		}
		domainsOf[r[0]][d] = true
	}
	shared := 0
	for _, r := range rows {
		var ds, ns []string
		for d := range domainsOf[r["user_id"]] {
			ds = append(ds, d)
		}
		sort.Strings(ds)
		for _, d := range ds {
			ns = append(ns, strconv.Itoa(len(owners[d])-1))
			if len(owners[d]) > 1 {
				shared++
			}
		}
		if r["email_domains"] != strings.Join(ds, ";") || r["domain_shared_by"] != strings.Join(ns, ";") {
			t.Errorf("%s: email_domains %q domain_shared_by %q, want %q %q", r["username"], r["email_domains"], r["domain_shared_by"],
				strings.Join(ds, ";"), strings.Join(ns, ";"))
		}
	}
	if shared == 0 {
		t.Error("no account to freeze shares a domain with another: the sample should have some (gmail.com, ...)")
	}

	// The admin tooling and eval read it back.
	list, err := eval.ReadFreezeList(filepath.Join(out, "freeze-list.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if list.Format != eval.ReportCSV || len(list.Entries) != len(rows) {
		t.Fatalf("eval reads %s with %d entries, want report-csv with %d", list.Format, len(list.Entries), len(rows))
	}
	for i, e := range list.Entries {
		if e.Username != rows[i]["username"] || e.UserID != rows[i]["user_id"] || e.Classification != "compromised" {
			t.Errorf("eval entry %d: %+v, want %s %s", i, e, rows[i]["username"], rows[i]["user_id"])
		}
	}
}

func testSummary(t *testing.T, c *casefile.Case, out string, sum report.Summary) {
	loaded, err := report.LoadSummary(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(loaded)
	b, _ := json.Marshal(sum)
	if !bytes.Equal(a, b) {
		t.Errorf("summary.json differs from LoadSummary:\n%s\n%s", b, a)
	}
	var facts samples.Facts
	if err := json.Unmarshal(testfs.Read(t, filepath.Join(fixture.SampleDir(), "facts.json")), &facts); err != nil {
		t.Fatal(err)
	}
	if sum.ToFreeze.Total != int64(facts.Compromised) || sum.ToFreeze.New != sum.ToFreeze.Total || sum.ToFreeze.Listed != 0 {
		t.Errorf("accounts to freeze %+v, facts say %d compromised", sum.ToFreeze, facts.Compromised)
	}
	// The campaign is attributed attempt by attempt from evidence: it holds
	// nearly all of the attacker's attempts and may take in scripted
	// background clients active in the window, never more.
	if sum.Campaigns != 1 || float64(sum.CampaignAttempts) < 0.95*float64(facts.Attempts) ||
		sum.CampaignAttempts > int64(facts.Attempts+facts.BackgroundAttempts) ||
		float64(sum.DistinctIPs) < 0.95*float64(facts.AttackerIPs) {
		t.Errorf("campaigns %d, attempts %d, IPs %d; facts say one campaign of %d attempts from %d IPs, and %d background attempts",
			sum.Campaigns, sum.CampaignAttempts, sum.DistinctIPs, facts.Attempts, facts.AttackerIPs, facts.BackgroundAttempts)
	}
	// The attacker never fails a second factor here: every exposed account
	// is a password that worked and stopped at the second-factor page, and
	// its two-factor token names the account.
	if sum.Exposed != int64(facts.Exposed) || sum.SecondFactorStops != int64(facts.Exposed) || sum.SecondFactorStopsUnnamed != 0 {
		t.Errorf("exposed %d named, %d stopped at the second factor, %d of them unnamed; facts say %d exposed, all named",
			sum.Exposed, sum.SecondFactorStops, sum.SecondFactorStopsUnnamed, facts.Exposed)
	}
	// summary.json gives the stops beside the exposed accounts they name.
	if data := testfs.Read(t, filepath.Join(out, "public/summary.json")); !bytes.Contains(data, []byte(fmt.Sprintf(
		"\"exposed\": %d,\n  \"second_factor_stops\": %d,\n  \"second_factor_stops_unnamed\": 0,\n", sum.Exposed, sum.SecondFactorStops))) {
		t.Errorf("summary.json does not give second_factor_stops and second_factor_stops_unnamed right after exposed:\n%s", data)
	}
	if sum.Emails.Reverify != int64(facts.VerifiedEmailsWithout2FA) || sum.Emails.All != int64(facts.Emails) ||
		math.Abs(sum.Emails.Share-float64(facts.VerifiedEmailsWithout2FA)/float64(facts.Emails)) > 1e-4 {
		t.Errorf("emails %+v, facts say %d of %d", sum.Emails, facts.VerifiedEmailsWithout2FA, facts.Emails)
	}
	run := queryStrings(t, c, `SELECT run_id::VARCHAR, results_sha256, window_source, strftime(window_from, '%Y-%m-%dT%H:%M:%SZ'),
		strftime(window_to, '%Y-%m-%dT%H:%M:%SZ') FROM analysis_runs`)[0]
	if sum.RunID != 1 || sum.ResultsSHA256 != run[1] || sum.Window.Source != run[2] || sum.Window.From == nil ||
		sum.Window.From.Format(time.RFC3339) != run[3] || sum.Window.To.Format(time.RFC3339) != run[4] {
		t.Errorf("summary run %d %s window %+v; analysis_runs says %v", sum.RunID, sum.ResultsSHA256, sum.Window, run)
	}
	// The window holds the attack the facts describe.
	if sum.Window.From.After(facts.AttackStart) || sum.Window.To.Before(facts.AttackEnd) {
		t.Errorf("window %v..%v does not hold the attack %v..%v", sum.Window.From, sum.Window.To, facts.AttackStart, facts.AttackEnd)
	}
	if want := count(t, c, "SELECT count(*) FROM account_verdicts WHERE classification IN ('compromised', 'exposed')"); sum.Tampering.AccountsChecked != want {
		t.Errorf("tampering checked %d accounts, %d are compromised or exposed", sum.Tampering.AccountsChecked, want)
	}
	if sum.Tampering.Verdict != report.VerdictNoneFound || sum.Tampering.Events != 0 || len(sum.Tampering.Checked) == 0 {
		t.Errorf("the sample has no tampering (facts: %d projects): %+v", facts.TamperedProjects, sum.Tampering)
	}

	// The login rate, worked out again from the public hourly CSV.
	_, hours := readCSV(t, filepath.Join(out, "public/timeline_hourly.csv"))
	var in, base []float64
	var inLogins float64
	for _, h := range hours {
		n := atof(t, h["successes"]) + atof(t, h["failures"])
		if h["in_window"] == "true" {
			in = append(in, n)
			inLogins += n
		} else {
			base = append(base, n)
		}
	}
	r := sum.LoginRate
	if r.WindowHours != int64(len(in)) || r.BaselineHours != int64(len(base)) || r.WindowLogins != int64(inLogins) {
		t.Errorf("login rate hours %d/%d logins %d; hourly CSV has %d in the window, %d outside, %.0f logins",
			r.WindowHours, r.BaselineHours, r.WindowLogins, len(in), len(base), inLogins)
	}
	perHour := inLogins / float64(len(in))
	if !near(r.WindowPerHour, perHour, 0.01) || !near(r.BaselineMedianPerHour, quantile(base, 0.5), 0.01) ||
		!near(r.BaselineP95PerHour, quantile(base, 0.95), 0.01) ||
		!near(r.RatioToMedian, perHour/quantile(base, 0.5), 0.001) || r.Higher != (perHour > quantile(base, 0.95)) {
		t.Errorf("login rate %s; from the hourly CSV: %.2f per hour in the window, baseline median %.2f, p95 %.2f",
			mustJSON(r), perHour, quantile(base, 0.5), quantile(base, 0.95))
	}
	// As in PyPI's incident, the attack hides in the normal login rate.
	if r.Higher || *r.RatioToMedian > 1.5 {
		t.Errorf("the sample's attack hides in the login rate, but the summary says %s", mustJSON(r))
	}
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func near(p *float64, want, tol float64) bool { return p != nil && math.Abs(*p-want) <= tol }

// quantile interpolates linearly between closest ranks, as DuckDB's quantile_cont.
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := math.Floor(pos)
	if int(lo)+1 >= len(s) {
		return s[int(lo)]
	}
	return s[int(lo)] + (pos-lo)*(s[int(lo)+1]-s[int(lo)])
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func testAccountsCampaignsEmails(t *testing.T, c *casefile.Case, out string, sum report.Summary) {
	_, accounts := readCSV(t, filepath.Join(out, "accounts.csv"))
	byClass := map[string]int64{}
	ids := map[string]bool{}
	for _, a := range accounts {
		byClass[a["classification"]]++
		ids[a["user_id"]] = true
		if a["reasons"] == "" || a["score"] == "" {
			t.Errorf("account %s without score or reasons: %v", a["username"], a)
		}
	}
	if n := count(t, c, "SELECT count(*) FROM account_verdicts"); int64(len(ids)) != n || int64(len(accounts)) != n {
		t.Errorf("accounts.csv has %d rows (%d accounts), account_verdicts %d", len(accounts), len(ids), n)
	}
	if byClass["compromised"] != sum.ToFreeze.Total || byClass["exposed"] != sum.Exposed || byClass["targeted"] != sum.Targeted ||
		byClass["review"] != sum.Review || byClass["benign"] != sum.Benign {
		t.Errorf("accounts.csv by classification %v, summary %+v", byClass, sum)
	}
	if accounts[0]["classification"] != "compromised" || accounts[len(accounts)-1]["classification"] == "compromised" {
		t.Error("accounts.csv does not list the accounts to freeze first")
	}

	// exposed.csv: the sample's exposed accounts, every one named by the
	// two-factor token of the campaign's stop at the second factor
	wantExposed := truthIDs(t, eval.Exposed)
	var gotExposed []string
	header, exposed := readCSV(t, filepath.Join(out, "exposed.csv"))
	for _, e := range exposed {
		gotExposed = append(gotExposed, e["user_id"])
		if e["named_by"] != "token" || e["proved_utc"] == "" || e["proved_from"] == "" {
			t.Errorf("exposed.csv row %v", e)
		}
	}
	slices.Sort(wantExposed)
	slices.Sort(gotExposed)
	if len(wantExposed) == 0 || !slices.Equal(gotExposed, wantExposed) || int64(len(exposed)) != sum.Exposed || header[0] != "username" {
		t.Errorf("exposed.csv names %v, the truth %v (summary %d)", gotExposed, wantExposed, sum.Exposed)
	}

	_, campaigns := readCSV(t, filepath.Join(out, "campaigns.csv"))
	if int64(len(campaigns)) != sum.Campaigns || campaigns[0]["attempts"] != strconv.FormatInt(sum.CampaignAttempts, 10) {
		t.Errorf("campaigns.csv %v, summary %d campaigns of %d attempts", campaigns, sum.Campaigns, sum.CampaignAttempts)
	}
	if uas := listItems(t, campaigns[0]["user_agents"]); len(uas) < 2 || !strings.HasPrefix(uas[0], "Mozilla/5.0 (") ||
		!strings.Contains(uas[0], "; ") || !strings.HasSuffix(uas[0], ")") {
		t.Errorf("campaign user agents, as ;-separated items with their semicolons: %q", campaigns[0]["user_agents"])
	}

	header, emails := readCSV(t, filepath.Join(out, "email-reverify.csv"))
	if !slices.Equal(header, []string{"username", "user_id", "email"}) || int64(len(emails)) != sum.Emails.Reverify {
		t.Fatalf("email-reverify.csv: header %v, %d rows; summary says %d", header, len(emails), sum.Emails.Reverify)
	}
	without2FA := map[string]bool{}
	for _, r := range queryStrings(t, c, "SELECT id::VARCHAR FROM accounts WHERE NOT has_2fa") {
		without2FA[r[0]] = true
	}
	seen := map[string]bool{}
	for _, e := range emails {
		if !without2FA[e["user_id"]] || !strings.Contains(e["email"], "@") || seen[e["email"]] {
			t.Errorf("email-reverify row %v: account has 2FA, not an email, or repeated", e)
		}
		seen[e["email"]] = true
	}
}

func testTimeline(t *testing.T, c *casefile.Case, out string, sum report.Summary) {
	data := testfs.Read(t, filepath.Join(out, "timeline.jsonl"))
	kinds := map[string]int64{}
	var prev time.Time
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("timeline line %d: %v", i+1, err)
		}
		msg, _ := ev["message"].(string)
		desc, _ := ev["timestamp_desc"].(string)
		dt, _ := ev["datetime"].(string)
		at, err := time.Parse(time.RFC3339Nano, dt)
		if msg == "" || desc == "" || err != nil || !strings.HasSuffix(dt, "Z") {
			t.Fatalf("timeline line %d lacks Timesketch's message, timestamp_desc or a UTC datetime: %s", i+1, line)
		}
		if at.Before(prev) {
			t.Fatalf("timeline line %d at %s comes before %s", i+1, dt, prev)
		}
		prev = at
		kinds[ev["event_kind"].(string)]++
	}
	want := map[string]int64{
		"campaign_attempt": sum.CampaignAttempts,
		// the findings that count against a campaign attempt or a login of an implicated account
		"finding": count(t, c, `SELECT count(*) FROM findings f JOIN attempts a USING (attempt_id)
			WHERE f.points > 0 AND (attempt_id IN (SELECT attempt_id FROM campaign_attempts) OR a.account IN (SELECT account FROM account_verdicts))`),
		"attacker_2fa": count(t, c, "SELECT count(*) FROM account_verdicts WHERE attacker_2fa_time IS NOT NULL"),
	}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("timeline has %d %s events, want %d (all kinds: %v)", kinds[k], k, n, kinds)
		}
	}
	if want["attacker_2fa"] == 0 {
		t.Error("the sample's attacker enrolled TOTP, but no compromised account has an attacker_2fa_time")
	}
}

// capped returns an Errorf that reports the first ten failures, and a
// function to call at the end that says how many there were in all.
func capped(t *testing.T) (errorf func(format string, args ...any), done func()) {
	n := 0
	return func(format string, args ...any) {
			t.Helper()
			if n++; n <= 10 {
				t.Errorf(format, args...)
			}
		}, func() {
			t.Helper()
			if n > 10 {
				t.Errorf("... %d failures in all", n)
			}
		}
}

// fileTime is the one form of a time in the report's files.
var fileTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// anyTime finds what looks like a time of day after a date, in any form:
// 2024-03-30T07:49:20.613351Z, 2024-03-30 07:49:20 UTC, 2024-03-29T20:00Z.
var anyTime = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?( ?UTC|Z)?`)

// testFileRules checks the rules every CSV and JSON file of the report
// keeps: a time column (_utc, datetime) holds fileTime or nothing, and any
// time anywhere else (in reasons, messages, subjects) has the same form; no
// CSV cell holds a line break; the account CSVs begin with username and
// user_id, and the columns they share with freeze-list.csv come in its
// order.
func testFileRules(t *testing.T, out string) {
	errorf, done := capped(t)
	defer done()
	type cell struct{ file, col, val string }
	var cells []cell
	headers := map[string][]string{}
	for _, name := range []string{"freeze-list.csv", "accounts.csv", "exposed.csv", "campaigns.csv", "block-list.csv",
		"email-reverify.csv", "tampering.csv", "public/timeline_hourly.csv"} {
		recs, err := csv.NewReader(bytes.NewReader(testfs.Read(t, filepath.Join(out, name)))).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		headers[name] = recs[0]
		for _, rec := range recs[1:] {
			for i, v := range rec {
				cells = append(cells, cell{name, recs[0][i], v})
			}
		}
	}
	var walk func(file, key string, v any)
	walk = func(file, key string, v any) {
		switch x := v.(type) {
		case string:
			cells = append(cells, cell{file, key, x})
		case []any:
			for _, it := range x {
				walk(file, key, it)
			}
		case map[string]any:
			for k, it := range x {
				walk(file, k, it)
			}
		}
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(testfs.Read(t, filepath.Join(out, "timeline.jsonl")), []byte("\n")), []byte("\n")) {
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("timeline.jsonl line %d: %v", i+1, err)
		}
		walk("timeline.jsonl", "", v)
	}
	var sum any
	if err := json.Unmarshal(testfs.Read(t, filepath.Join(out, "public/summary.json")), &sum); err != nil {
		t.Fatal(err)
	}
	walk("public/summary.json", "", sum)

	timeCells, prose := map[string]int{}, 0
	for _, c := range cells {
		if strings.HasSuffix(c.col, "_utc") || c.col == "datetime" {
			timeCells[c.file]++
			if c.val != "" && !fileTime.MatchString(c.val) {
				errorf("%s %s: %q is not %s", c.file, c.col, c.val, fileTime)
			}
			continue
		}
		for _, m := range anyTime.FindAllString(c.val, -1) {
			prose++
			if !fileTime.MatchString(m) {
				errorf("%s %s: a time written %q in %.120q", c.file, c.col, m, c.val)
			}
		}
		if strings.ContainsAny(c.val, "\r\n") && !strings.HasSuffix(c.file, ".json") && !strings.HasSuffix(c.file, ".jsonl") {
			errorf("%s %s: a line break in the cell %.120q", c.file, c.col, c.val)
		}
	}
	for _, f := range []string{"freeze-list.csv", "accounts.csv", "exposed.csv", "campaigns.csv", "block-list.csv",
		"public/timeline_hourly.csv", "timeline.jsonl", "public/summary.json"} {
		if timeCells[f] == 0 {
			t.Errorf("%s: no time checked", f)
		}
	}
	if prose < 100 {
		t.Errorf("only %d times found in reasons and messages; the sample's reasons each name their login's time", prose)
	}

	for _, name := range []string{"freeze-list.csv", "accounts.csv", "exposed.csv", "email-reverify.csv"} {
		h := headers[name]
		if len(h) < 2 || h[0] != "username" || h[1] != "user_id" {
			t.Errorf("%s begins %q, want username, user_id", name, h[:min(len(h), 2)])
		}
		var shared []string
		for _, col := range h {
			if slices.Contains(freezeHeader, col) {
				shared = append(shared, col)
			}
		}
		if !slices.IsSortedFunc(shared, func(a, b string) int {
			return slices.Index(freezeHeader, a) - slices.Index(freezeHeader, b)
		}) {
			t.Errorf("%s has freeze-list.csv's columns in another order: %q", name, shared)
		}
	}
}

// testTimelineEvidence checks that every entry of timeline.jsonl points at
// its evidence, a log line (log_file, log_line) or a snapshot event
// (event_table, event_id) that the case holds, and that every account it
// names is in accounts.csv.
func testTimelineEvidence(t *testing.T, c *casefile.Case, out string) {
	_, accounts := readCSV(t, filepath.Join(out, "accounts.csv"))
	listed := map[string]bool{}
	for _, a := range accounts {
		listed[a["user_id"]] = true
	}
	lines := map[string]bool{} // path:line of the requests the case holds
	for _, r := range queryStrings(t, c, "SELECT s.path || ':' || r.line_no FROM requests r JOIN sources s ON s.id = r.source_id") {
		lines[r[0]] = true
	}
	events := map[string]bool{} // table:id of the snapshot's events
	for _, r := range queryStrings(t, c, `SELECT 'account_events:' || id FROM account_events
		UNION ALL SELECT CASE kind WHEN 'file' THEN 'file_events:' ELSE 'project_events:' END || id FROM project_events`) {
		events[r[0]] = true
	}
	errorf, done := capped(t)
	defer done()
	named, byLine, byEvent := 0, 0, 0
	for i, line := range bytes.Split(bytes.TrimSuffix(testfs.Read(t, filepath.Join(out, "timeline.jsonl")), []byte("\n")), []byte("\n")) {
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("timeline line %d: %v", i+1, err)
		}
		file, _ := ev["log_file"].(string)
		n, _ := ev["log_line"].(float64)
		table, _ := ev["event_table"].(string)
		id, _ := ev["event_id"].(string)
		at := fmt.Sprintf("%s:%.0f", file, n)
		switch {
		case file == "" && id == "":
			errorf("timeline line %d points at no log line and no event: %s", i+1, line)
		case file != "" && !lines[at]:
			errorf("timeline line %d points at %s, which the case does not hold", i+1, at)
		case id != "" && !events[table+":"+id]:
			errorf("timeline line %d points at %s %s, which the case does not hold", i+1, table, id)
		}
		if file != "" {
			byLine++
		}
		if id != "" {
			byEvent++
		}
		user, _ := ev["user_id"].(string)
		if _, ok := ev["username"]; ok && user == "" {
			errorf("timeline line %d names a username without its user_id: %s", i+1, line)
		}
		if user != "" {
			named++
			if !listed[user] {
				errorf("timeline line %d names user %s, which accounts.csv does not list", i+1, user)
			}
		}
	}
	if named == 0 || byLine == 0 || byEvent == 0 {
		t.Errorf("%d timeline entries name an account, %d point at a log line, %d at an event; the sample has all three", named, byLine, byEvent)
	}
}

// testTimelineLeavesOutUnlisted gives an account that no file lists (not in
// account_verdicts) a scored finding and a takeover action, as a login in
// the window with a little evidence gets, and checks that the timeline
// names it nowhere while it still holds every account it did.
func testTimelineLeavesOutUnlisted(t *testing.T, analysed string) {
	c := openCase(t, copyCase(t, analysed), casefile.ReadWrite)
	var attempt int64
	var account string
	if err := c.Conn.QueryRowContext(ctx, `SELECT attempt_id, account::VARCHAR FROM attempts
		WHERE outcome = 'success' AND ip IS NOT NULL AND account NOT IN (SELECT account FROM account_verdicts)
		ORDER BY attempt_id DESC LIMIT 1`).Scan(&attempt, &account); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO findings SELECT 'novel-login', 'attempt', attempt_id, account, client, time, 0.4, 'from a network it never logged in from'
		 FROM attempts WHERE attempt_id = ?`,
		`INSERT INTO takeover_actions SELECT attempt_id, account, client, time, time + INTERVAL 5 MINUTE, 'account:password:change'
		 FROM attempts WHERE attempt_id = ?`,
	} {
		if _, err := c.Conn.ExecContext(ctx, q, attempt); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	if _, err := report.Write(ctx, c, report.Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	data := testfs.Read(t, filepath.Join(out, "timeline.jsonl"))
	if bytes.Contains(data, []byte(account)) {
		t.Errorf("timeline.jsonl names %s, which accounts.csv does not list", account)
	}
	testTimelineEvidence(t, c, out)
}

// testUnnamedStops takes the account off three of the campaign's stops at
// the second factor, as a log without Warehouse's two-factor token gives
// them: the summary still counts every stop, and says how many name no
// account.
func testUnnamedStops(t *testing.T, analysed string, named report.Summary) {
	c := openCase(t, copyCase(t, analysed), casefile.ReadWrite)
	if _, err := c.Conn.ExecContext(ctx, `UPDATE attempts SET account = NULL, username = NULL WHERE attempt_id IN (
		SELECT attempt_id FROM attempts WHERE outcome = 'second_factor_stop'
		AND attempt_id IN (SELECT attempt_id FROM campaign_attempts) ORDER BY attempt_id LIMIT 3)`); err != nil {
		t.Fatal(err)
	}
	sum, err := report.LoadSummary(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if sum.SecondFactorStops != named.SecondFactorStops || sum.SecondFactorStopsUnnamed != 3 {
		t.Errorf("%d stops, %d unnamed; want %d, 3", sum.SecondFactorStops, sum.SecondFactorStopsUnnamed, named.SecondFactorStops)
	}
}

// testPublicHasNoPII collects every username, user id, email, address and
// hashed address of the implicated accounts and their attempts, and every
// campaign attempt's, and the projects of the implicated accounts' roles,
// then looks for each in every byte of public/.
func testPublicHasNoPII(t *testing.T, c *casefile.Case, out string) {
	rows := queryStrings(t, c, `
		WITH implicated AS (SELECT account FROM account_verdicts),
		     atts AS (SELECT * FROM attempts WHERE account IN (SELECT account FROM implicated)
		              OR attempt_id IN (SELECT attempt_id FROM campaign_attempts))
		SELECT username FROM accounts WHERE id IN (SELECT account FROM implicated)
		UNION SELECT id::VARCHAR FROM accounts WHERE id IN (SELECT account FROM implicated)
		UNION SELECT email FROM emails WHERE account IN (SELECT account FROM implicated)
		UNION SELECT ip FROM atts UNION SELECT hashed_ip FROM atts UNION SELECT client FROM atts
		UNION SELECT i.hashed_ip FROM ips i JOIN atts a ON a.ip = i.ip
		UNION SELECT p.name FROM roles r JOIN projects p ON p.id = r.project WHERE r.account IN (SELECT account FROM implicated)
		UNION SELECT p.normalized_name FROM roles r JOIN projects p ON p.id = r.project WHERE r.account IN (SELECT account FROM implicated)`)
	var values []string
	for _, r := range rows {
		if r[0] != "" {
			values = append(values, r[0])
		}
	}
	if len(values) < 500 {
		t.Fatalf("only %d values collected; the sample's 140 implicated accounts and 251 attack addresses give more", len(values))
	}
	public := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(out, "public"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			public[p] = testfs.Read(t, p)
		}
		return err
	})
	if err != nil || len(public) < 2 {
		t.Fatalf("public/: %v, %d files", err, len(public))
	}
	for p, data := range public {
		for _, v := range leaks(data, values) {
			t.Errorf("%s contains %q", p, v)
		}
	}
	// The same values do occur in the private files: the scan finds them.
	if got := leaks(testfs.Read(t, filepath.Join(out, "timeline.jsonl")), values); len(got) < len(values)/4 {
		t.Errorf("the scan finds only %d of %d values in timeline.jsonl; is it looking for the right thing?", len(got), len(values))
	}
}

// leaks returns the values found in data. Values of six characters or more
// are looked for anywhere in the bytes. Shorter ones (some generated
// usernames, such as py353) would match inside numbers and timestamps by
// chance, so they are looked for as whole tokens between the separators of
// CSV and JSON instead.
func leaks(data []byte, values []string) []string {
	tokens := map[string]bool{}
	for _, tok := range strings.FieldsFunc(string(data), func(r rune) bool {
		return strings.ContainsRune(",\"{}[]:\n\r\t ", r)
	}) {
		tokens[strings.ToLower(tok)] = true
	}
	lower := bytes.ToLower(data)
	var found []string
	for _, v := range values {
		if len(v) >= 6 && bytes.Contains(lower, []byte(strings.ToLower(v))) || tokens[strings.ToLower(v)] {
			found = append(found, v)
		}
	}
	return found
}

// compareTrees fails unless directories a and b hold the same files with
// the same bytes.
func compareTrees(t *testing.T, a, b string) {
	t.Helper()
	files := func(root string) map[string][]byte {
		m := map[string][]byte{}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && d.Name() == ".freezeframe-report" {
				return filepath.SkipDir // the generations the files lead to
			}
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				m[rel] = testfs.Read(t, p)
			}
			return err
		})
		return m
	}
	fa, fb := files(a), files(b)
	if len(fa) != len(fb) || len(fa) == 0 {
		t.Fatalf("%d files, then %d", len(fa), len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between two reports of the same case", name)
		}
	}
}

// sameFiles reports the paths where two views of a directory differ.
func sameFiles(t *testing.T, got, want map[string]string, what string) {
	t.Helper()
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s: %s is missing", what, p)
		} else if g != w {
			t.Errorf("%s: %s holds %.60q, want %.60q", what, p, g, w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: %s should not be there", what, p)
		}
	}
}

// stateHoldsOneReport checks that the report's state directory in dir
// holds current and the one generation it leads to: nothing a run left.
func stateHoldsOneReport(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ".freezeframe-report"))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := os.Readlink(filepath.Join(dir, ".freezeframe-report", "current"))
	if err != nil || len(entries) != 2 || !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == cur }) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("state directory holds %q, current leads to %q (%v); want current and its generation", names, cur, err)
	}
}

// testFailedWrite fails a write half-way, as a full disk does, over an
// earlier report written as plain files (as freezeframe wrote it before
// its files were links) and then over one written through links: each
// time the earlier report stays byte for byte, with nothing left over.
func testFailedWrite(t *testing.T, c *casefile.Case, fresh string) {
	dir := filepath.Join(t.TempDir(), "report")
	for _, name := range []string{"report.html", "freeze-list.csv", "accounts.csv", "exposed.csv", "campaigns.csv", "block-list.csv",
		"email-reverify.csv", "tampering.csv", "timeline.jsonl", "public/summary.json", "public/timeline_hourly.csv",
		"notes.txt", "public/README", "case.duckdb"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("earlier "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := testfs.Visible(t, dir)
	restore := report.FailWrites("timeline.jsonl", 4096)
	_, err := report.Write(ctx, c, report.Options{Out: dir})
	restore()
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), filepath.Join(dir, "timeline.jsonl")) {
		t.Fatalf("report on a full disk: %v; want ENOSPC naming timeline.jsonl", err)
	}
	sameFiles(t, testfs.Visible(t, dir), before, "after a failed report over plain files")
	if _, err := os.Lstat(filepath.Join(dir, ".freezeframe-report")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed first report left its state directory: %v", err)
	}

	// A report that succeeds replaces every file of the earlier one and
	// leaves the others.
	if _, err := report.Write(ctx, c, report.Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	want := testfs.Visible(t, fresh)
	for _, other := range []string{"notes.txt", "public/README", "case.duckdb"} {
		want[filepath.FromSlash(other)] = before[filepath.FromSlash(other)]
	}
	sameFiles(t, testfs.Visible(t, dir), want, "after a report over plain files")
	stateHoldsOneReport(t, dir)

	before = testfs.Visible(t, dir)
	restore = report.FailWrites("report.html", 64<<10)
	_, err = report.Write(ctx, c, report.Options{Out: dir, FreezeFormat: report.FreezeUsernames, TZ: time.FixedZone("UTC-4", -4*3600)})
	restore()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("report on a full disk: %v; want ENOSPC", err)
	}
	sameFiles(t, testfs.Visible(t, dir), before, "after a failed report over a report")
	stateHoldsOneReport(t, dir)
}

// testReplace writes reports of both freeze list formats over each other
// beside files that are not the report's, and beside what a run killed
// before it switched would leave: each report is whole, the other
// format's list goes, the rest stays, and the leftovers are removed.
func testReplace(t *testing.T, c *casefile.Case, fresh string) {
	dir := filepath.Join(t.TempDir(), "report")
	if _, err := report.Write(ctx, c, report.Options{Out: dir, FreezeFormat: report.FreezeUsernames}); err != nil {
		t.Fatal(err)
	}
	others := map[string]string{"notes.txt": "mine", filepath.Join("public", "README"): "mine too"}
	for p, data := range others {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(dir, ".freezeframe-report")
	if err := os.MkdirAll(filepath.Join(state, "gen-killed"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "gen-killed", "accounts.csv"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("gen-killed", filepath.Join(state, "next")); err != nil {
		t.Fatal(err)
	}
	paths, err := report.Write(ctx, c, report.Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := testfs.Visible(t, fresh)
	maps.Copy(want, others)
	sameFiles(t, testfs.Visible(t, dir), want, "csv report over a usernames report")
	stateHoldsOneReport(t, dir)
	for _, p := range paths {
		if real, err := filepath.EvalSymlinks(p); err != nil || !strings.HasPrefix(real, state) {
			t.Errorf("%s leads to %s (%v), not into the current generation", p, real, err)
		}
	}

	// A directory where the report writes a file is not the report's to remove.
	dir = filepath.Join(t.TempDir(), "report")
	if err := os.MkdirAll(filepath.Join(dir, "accounts.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = report.Write(ctx, c, report.Options{Out: dir})
	if err == nil || !strings.Contains(err.Error(), "accounts.csv is a directory; move it away") {
		t.Errorf("report over a directory named accounts.csv: %v", err)
	}
}

func testUsernames(t *testing.T, c *casefile.Case, out string) {
	_, rows := readCSV(t, filepath.Join(out, "freeze-list.csv"))
	dir := filepath.Join(t.TempDir(), "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A freeze-list.csv of an earlier report must not stay next to the new list.
	if err := os.WriteFile(filepath.Join(dir, "freeze-list.csv"), []byte("username\nstale\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := report.Write(ctx, c, report.Options{Out: dir, FreezeFormat: report.FreezeUsernames})
	if err != nil {
		t.Fatal(err)
	}
	txt := filepath.Join(dir, "freeze-list.txt")
	if !slices.Contains(paths, txt) || slices.Contains(paths, filepath.Join(dir, "freeze-list.csv")) {
		t.Errorf("paths %v", paths)
	}
	if _, err := os.Stat(filepath.Join(dir, "freeze-list.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the earlier freeze-list.csv is still there: %v", err)
	}
	var want string
	for _, r := range rows {
		want += r["username"] + "\n"
	}
	if got := string(testfs.Read(t, txt)); got != want {
		t.Errorf("freeze-list.txt:\n%s\nwant\n%s", got, want)
	}
	list, err := eval.ReadFreezeList(txt)
	if err != nil || list.Format != eval.Usernames || len(list.Entries) != len(rows) {
		t.Errorf("eval reads freeze-list.txt as %v: %+v", err, list)
	}
	if _, err := report.Write(ctx, c, report.Options{Out: dir, FreezeFormat: "xml"}); err == nil {
		t.Error("freeze format xml accepted")
	}
}

// testUsernamesOneALine gives one account to freeze a username with a line
// break and takes another's away (its users row was rejected): the
// usernames format then fails naming both, and leaves the earlier report;
// the csv format lists both, by user id.
func testUsernamesOneALine(t *testing.T, analysed string) {
	c := openCase(t, copyCase(t, analysed), casefile.ReadWrite)
	dir := filepath.Join(t.TempDir(), "report")
	if _, err := report.Write(ctx, c, report.Options{Out: dir, FreezeFormat: report.FreezeUsernames}); err != nil {
		t.Fatal(err)
	}
	before := testfs.Visible(t, dir)
	ids := queryStrings(t, c, "SELECT account::VARCHAR FROM account_verdicts WHERE classification = 'compromised' ORDER BY account LIMIT 2")
	newline, missing := ids[0][0], ids[1][0]
	for _, q := range []string{
		"UPDATE account_verdicts SET username = 'evil' || chr(10) || 'newline' WHERE account = '" + newline + "'",
		"UPDATE account_verdicts SET username = NULL WHERE account = '" + missing + "'",
	} {
		if _, err := c.Conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	_, err := report.Write(ctx, c, report.Options{Out: dir, FreezeFormat: report.FreezeUsernames})
	if err == nil || !strings.Contains(err.Error(), newline) || !strings.Contains(err.Error(), missing) ||
		!strings.Contains(err.Error(), "2 of the") || !strings.Contains(err.Error(), "use --freeze-format csv") {
		t.Fatalf("usernames format with a username holding a line break and one missing: %v; want an error naming both user ids and the csv format", err)
	}
	sameFiles(t, testfs.Visible(t, dir), before, "after the refused usernames list")

	if _, err := report.Write(ctx, c, report.Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSV(t, filepath.Join(dir, "freeze-list.csv"))
	names := map[string]string{}
	for _, r := range rows {
		names[r["user_id"]] = r["username"]
	}
	if n, ok := names[newline]; !ok || n != "evil\nnewline" {
		t.Errorf("freeze-list.csv: %s has username %q (listed %v), want the line break kept in one cell", newline, n, ok)
	}
	if n, ok := names[missing]; !ok || n != "" {
		t.Errorf("freeze-list.csv: %s has username %q (listed %v), want listed by user id alone", missing, n, ok)
	}
}

// testPreviousWave feeds the freeze list back to analyze as --previous: every
// account to freeze is then listed, none new, and the report says so.
func testPreviousWave(t *testing.T, analysed, out string) {
	list, err := eval.ReadFreezeList(filepath.Join(out, "freeze-list.csv"))
	if err != nil {
		t.Fatal(err)
	}
	prev := &analyze.Previous{Path: "freeze-list.csv"}
	for _, e := range list.Entries {
		prev.Usernames = append(prev.Usernames, e.Username)
		prev.UserIDs = append(prev.UserIDs, e.UserID)
	}
	c := openCase(t, copyCase(t, analysed), casefile.ReadWrite)
	res, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test", Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	if res.NewToFreeze != 0 || res.Dropped != 0 || res.Compromised != len(list.Entries) {
		t.Fatalf("analyze with the report's own freeze list as previous: %+v", res)
	}
	dir := t.TempDir()
	if _, err := report.Write(ctx, c, report.Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	var sum report.Summary
	json.Unmarshal(testfs.Read(t, filepath.Join(dir, "public/summary.json")), &sum)
	if sum.RunID != 2 || sum.ToFreeze.Listed != int64(len(list.Entries)) || sum.ToFreeze.New != 0 {
		t.Errorf("summary of the second wave: run %d, %+v", sum.RunID, sum.ToFreeze)
	}
	_, rows := readCSV(t, filepath.Join(dir, "freeze-list.csv"))
	for _, r := range rows {
		if r["wave"] != "listed" {
			t.Errorf("%s: wave %q, want listed", r["username"], r["wave"])
		}
	}
}

// testTampering adds events to a copy of the case: a release and an API
// token by a compromised account after its first suspicious login, one of
// them from its suspicious address; a release by it before; and a release by
// a targeted account, which is not implicated. Only the first two count.
func testTampering(t *testing.T, analysed string, clean report.Summary) {
	c := openCase(t, copyCase(t, analysed), casefile.ReadWrite)
	v := queryStrings(t, c, `SELECT account::VARCHAR, upper(username), strftime(first_suspicious, '%Y-%m-%d %H:%M:%S.%f+00'), suspicious_ips[1]
		FROM account_verdicts WHERE classification = 'compromised' ORDER BY username LIMIT 1`)[0]
	other := queryStrings(t, c, "SELECT username FROM account_verdicts WHERE classification = 'targeted' ORDER BY username LIMIT 1")[0][0]
	project := queryStrings(t, c, "SELECT id::VARCHAR, name FROM projects ORDER BY name LIMIT 1")[0]
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := c.Conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	insert := `INSERT INTO project_events (id, kind, time, project, tag, submitted_by, canonical_version, ip, source_id)
		VALUES (uuid(), 'project', ?::TIMESTAMPTZ + to_seconds(?), ?::UUID, 'project:release:add', ?, ?, ?, 0)`
	exec(insert, v[2], -600, project[0], v[1], "6.6.5", "192.0.2.1") // before the first suspicious login
	exec(insert, v[2], 600, project[0], other, "6.6.4", "192.0.2.1") // by an account that is only targeted
	exec(`INSERT INTO account_events (id, time, account, tag, ip, source_id)
		VALUES (uuid(), ?::TIMESTAMPTZ + INTERVAL 1 HOUR, ?::UUID, 'account:api_token:added', '192.0.2.7', 0)`, v[2], v[0])
	exec(`INSERT INTO account_events (id, time, account, tag, ip, source_id)
		VALUES (uuid(), ?::TIMESTAMPTZ + INTERVAL 1 HOUR, ?::UUID, 'account:email:sent', '192.0.2.7', 0)`, v[2], v[0]) // not a kind checked

	// A token added after the attack, but not from the attacker's address
	// (the owner's CI, as often): events to review, not tampering found.
	sum, err := report.LoadSummary(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tampering.Verdict != report.VerdictToReview || sum.Tampering.Events != 1 || sum.Tampering.FromSuspiciousIPs != 0 {
		t.Errorf("tampering %+v; want %q, 1 event, none from a suspicious address", sum.Tampering, report.VerdictToReview)
	}

	exec(insert, v[2], 600, project[0], v[1], "6.6.6", v[3]) // after, from the suspicious address, username in other case
	if sum, err = report.LoadSummary(ctx, c); err != nil {
		t.Fatal(err)
	}
	if sum.Tampering.Verdict != report.VerdictFound || sum.Tampering.Events != 2 || sum.Tampering.FromSuspiciousIPs != 1 ||
		sum.Tampering.AccountsChecked != clean.Tampering.AccountsChecked {
		t.Errorf("tampering %+v; want found, 2 events, 1 from a suspicious address", sum.Tampering)
	}
	dir := t.TempDir()
	if _, err := report.Write(ctx, c, report.Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSV(t, filepath.Join(dir, "tampering.csv"))
	if len(rows) != 2 {
		t.Fatalf("tampering.csv: %v", rows)
	}
	if r := rows[0]; r["tag"] != "project:release:add" || r["version"] != "6.6.6" || r["project"] != project[1] ||
		r["user_id"] != v[0] || r["from_suspicious_ip"] != "true" || r["event_table"] != "project_events" {
		t.Errorf("first tampering row %v", r)
	}
	if r := rows[1]; r["tag"] != "account:api_token:added" || r["from_suspicious_ip"] != "false" || r["event_table"] != "account_events" {
		t.Errorf("second tampering row %v", r)
	}
	timeline := testfs.Read(t, filepath.Join(dir, "timeline.jsonl"))
	if n := bytes.Count(timeline, []byte(`"event_kind":"tampering"`)); n != 2 {
		t.Errorf("timeline has %d tampering events, want 2", n)
	}
	// Timesketch keeps the field tag for its own labels.
	if bytes.Count(timeline, []byte(`"event_tag":"project:release:add"`)) != 1 || bytes.Contains(timeline, []byte(`"tag":`)) {
		t.Error("timeline tampering events do not carry their tag as event_tag")
	}
}

// testInjection gives accounts to freeze usernames and reasons that a
// spreadsheet would run as formulas, and checks each cell is neutralised and
// eval still reads the original values.
func testInjection(t *testing.T, analysed string) {
	c := openCase(t, copyCase(t, analysed), casefile.ReadWrite)
	evil := []string{"=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3", "@SUM(A1)", "\tx=1", "\rx=1"}
	ids := queryStrings(t, c, "SELECT account::VARCHAR FROM account_verdicts WHERE classification = 'compromised' ORDER BY account LIMIT ?", len(evil))
	for i, id := range ids {
		if _, err := c.Conn.ExecContext(ctx, "UPDATE account_verdicts SET username = ?, reasons = ? WHERE account = ?::UUID", evil[i], evil[i], id[0]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Conn.ExecContext(ctx, "UPDATE campaigns SET countries = ['=HYPERLINK(\"http://x\")'], user_agents = ['@evil', 'ok', '=cmd']"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := report.Write(ctx, c, report.Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSV(t, filepath.Join(dir, "freeze-list.csv"))
	byID := map[string]map[string]string{}
	for _, r := range rows {
		byID[r["user_id"]] = r
	}
	for i, id := range ids {
		r := byID[id[0]]
		if r["username"] != "'"+evil[i] || r["reasons"] != "'"+evil[i] {
			t.Errorf("username %q reasons %q; want %q behind an apostrophe", r["username"], r["reasons"], evil[i])
		}
	}
	for _, r := range rows {
		if strings.HasPrefix(r["username"], "'") != slices.Contains(evil, strings.TrimPrefix(r["username"], "'")) {
			t.Errorf("username %q neutralised or not, wrongly", r["username"])
		}
	}
	_, camps := readCSV(t, filepath.Join(dir, "campaigns.csv"))
	if countries := listItems(t, camps[0]["countries"]); !slices.Equal(countries, []string{`'=HYPERLINK("http://x")`}) ||
		camps[0]["user_agents"] != "'@evil;ok;'=cmd" {
		t.Errorf("campaign cells %q %q", camps[0]["countries"], camps[0]["user_agents"])
	}
	list, err := eval.ReadFreezeList(filepath.Join(dir, "freeze-list.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list.Entries {
		names = append(names, e.Username)
	}
	for _, e := range evil[:4] { // eval trims the whitespace of the last two
		if !slices.Contains(names, e) {
			t.Errorf("eval does not read back username %q: %q", e, names)
		}
	}
}

// testNoWindow reports on a case whose run found no incident window: the
// window and the in-window rates are null, not zero.
func testNoWindow(t *testing.T, analysed string) {
	c := openCase(t, copyCase(t, analysed), casefile.ReadWrite)
	for _, q := range []string{
		"UPDATE analysis_runs SET window_from = NULL, window_to = NULL, window_source = 'none'",
		"UPDATE hourly SET in_window = false",
	} {
		if _, err := c.Conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if _, err := report.Write(ctx, c, report.Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	data := testfs.Read(t, filepath.Join(dir, "public/summary.json"))
	var sum struct {
		Window    map[string]any `json:"window"`
		LoginRate map[string]any `json:"login_rate"`
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	w, r := sum.Window, sum.LoginRate
	if w["from_utc"] != nil || w["source"] != "none" || r["window_per_hour"] != nil || r["ratio_to_median"] != nil ||
		r["higher_than_normal"] != false || r["window_hours"] != float64(0) || r["baseline_median_per_hour"] == nil {
		t.Errorf("summary without a window:\n%s", data)
	}
}

// truthIDs is the user ids of the sample's accounts labelled label in its
// truth, in the truth's order.
func truthIDs(t *testing.T, label eval.Label) []string {
	t.Helper()
	truth, err := eval.ReadTruth(filepath.Join(fixture.SampleDir(), "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range truth.Accounts {
		if a.Label == label {
			ids = append(ids, a.UserID)
		}
	}
	return ids
}

// TestRemove removes a report of plain files (as freezeframe wrote them
// before links) with its other-format freeze list, beside files that are
// not the report's, which stay.
func TestRemove(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"report.html", "freeze-list.csv", "freeze-list.txt", "accounts.csv", "public/summary.json", "notes.txt", "public/README"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if found, err := report.Remove(dir); !found || err != nil {
		t.Fatalf("Remove: %v, %v; want a report found and removed", found, err)
	}
	sameFiles(t, testfs.Visible(t, dir), map[string]string{".": "dir", "notes.txt": "notes.txt", "public": "dir", filepath.Join("public", "README"): "public/README"}, "after Remove")
	if _, err := os.Lstat(filepath.Join(dir, ".freezeframe-report")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Remove left the state directory: %v", err)
	}
	if found, err := report.Remove(dir); found || err != nil {
		t.Errorf("Remove of no report: %v, %v", found, err)
	}
}

// TestGroupLocksItsDirectory: while a report is being written into a
// directory, another report or a removal there is refused, not mixed in.
func TestGroupLocksItsDirectory(t *testing.T) {
	dir := t.TempDir()
	g, err := report.NewGroup(dir, "report", []string{"freeze-list.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.NewGroup(dir, "report", []string{"freeze-list.csv"}); err == nil || !strings.Contains(err.Error(), "another freezeframe is writing its report there") {
		t.Errorf("a second report while one is written: %v", err)
	}
	if _, err := report.Remove(dir); err == nil || !strings.Contains(err.Error(), "another freezeframe is writing") {
		t.Errorf("removing the report while one is written: %v", err)
	}
	g.Close()
	g, err = report.NewGroup(dir, "report", []string{"freeze-list.csv"})
	if err != nil {
		t.Fatalf("a report after the first one ended: %v", err)
	}
	g.Close()
}
