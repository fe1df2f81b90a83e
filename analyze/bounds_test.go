package analyze_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/investigation"
	"github.com/freezeframe/freezeframe/report"
)

const sampleDir = "../samples/pypi-2024-03"

// boundedRun is what a run on the committed sample decided, the spans its
// coverage says it analysed, and the coverage summary.json shows.
type boundedRun struct {
	res         *analyze.Result
	toFreeze    []string
	hours       int64    // rows of hourly: the hours stage window scanned
	spans       []string // logs_from | logs_to | events_from | events_to of coverage
	outOfBounds []string // each row out_of_bounds lists: table | side | time
	rows        [2]int64 // requests and account_events: the rows the case holds
	cov         report.Coverage
}

// TestTimesFarOutsideTheirSourceAreLeftOut: one log line dated 2400 beside
// a week of logs made analyze grow to 17 GiB, deaf to SIGINT, and one
// dated 9999 failed it for memory (issue 14): stage window scanned one row
// per hour from the earliest attempt to the latest. A user event dated
// 2400 made the snapshot alone inconclusive (one login in its last week),
// and one dated 1970 in the logs would have taken the snapshot's whole
// history as attempts. Each such row stays in the case, is listed in
// out_of_bounds and counted in summary.json's coverage with the bound it
// broke, a day past the sample's week, and the analysis is the sample's
// own, in each mode: the same results digest, freeze list, verdict, hours
// and spans. Before stage window runs, the attempts must span no more than
// the sample's week: a regression fails there, rather than filling memory.
func TestTimesFarOutsideTheirSourceAreLeftOut(t *testing.T) {
	var (
		y2400 = time.Date(2400, 1, 1, 12, 4, 33, 0, time.UTC)
		y9999 = time.Date(9999, 12, 31, 12, 4, 33, 0, time.UTC)
		y1970 = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	)
	clean := map[string]boundedRun{}
	for _, tc := range []struct {
		name           string
		logs, snapshot bool
		request, event time.Time // the row dated far out, if any
	}{
		{name: "logs and snapshot", logs: true, snapshot: true},
		{name: "logs and snapshot, a request dated 2400", logs: true, snapshot: true, request: y2400},
		{name: "logs and snapshot, a request dated 9999", logs: true, snapshot: true, request: y9999},
		{name: "logs and snapshot, a request dated 1970", logs: true, snapshot: true, request: y1970},
		{name: "logs and snapshot, a user event dated 2400", logs: true, snapshot: true, event: y2400},
		{name: "snapshot only", snapshot: true},
		{name: "snapshot only, a user event dated 2400", snapshot: true, event: y2400},
		{name: "logs only", logs: true},
		{name: "logs only, a request dated 2400", logs: true, request: y2400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mode, _, _ := strings.Cut(tc.name, ",")
			dir := t.TempDir()
			var logs []string
			if tc.logs {
				logs, _ = filepath.Glob(filepath.Join(sampleDir, "logs", "*"))
			}
			if !tc.request.IsZero() {
				logs = append(logs, farLog(t, dir, tc.request))
			}
			snapshot := ""
			if tc.snapshot {
				snapshot = filepath.Join(sampleDir, "snapshot")
			}
			if !tc.event.IsZero() {
				snapshot = farSnapshot(t, dir, tc.event)
			}
			got := runBounded(t, ingestSample(t, dir, logs, snapshot))
			want, ok := clean[mode]
			if !ok {
				if len(got.outOfBounds) != 0 || got.cov.RequestsOutOfBounds != 0 || got.cov.EventsOutOfBounds != 0 {
					t.Fatalf("the sample has rows out of bounds: %q, coverage %+v", got.outOfBounds, got.cov)
				}
				clean[mode] = got
				return
			}
			if got.res.ResultsSHA256 != want.res.ResultsSHA256 || got.res.Verdict.Verdict != want.res.Verdict.Verdict ||
				!slices.Equal(got.toFreeze, want.toFreeze) || got.hours != want.hours || !slices.Equal(got.spans, want.spans) {
				t.Errorf("verdict %s, %d hours, spans %q, results %s, to freeze %q\nthe sample: %s, %d hours, spans %q, results %s, to freeze %q",
					got.res.Verdict.Verdict, got.hours, got.spans, got.res.ResultsSHA256, got.toFreeze,
					want.res.Verdict.Verdict, want.hours, want.spans, want.res.ResultsSHA256, want.toFreeze)
			}
			// The row is kept, listed and counted out of bounds, and the
			// bound it broke is a day past the sample's week (the bulk of
			// its source, the snapshot's last event), nowhere near the row.
			table, k, side, far := "requests", 0, "after", tc.request
			var bound *time.Time
			var lo, hi time.Time
			switch {
			case tc.request.IsZero():
				table, k, far = "account_events", 1, tc.event
				bound, lo = got.cov.EventsBoundTo, *want.cov.EventsTo
				hi = lo.Add(25 * time.Hour)
			case tc.request.Year() < 2024:
				side = "before"
				bound, hi = got.cov.RequestsBoundFrom, *want.cov.LogsFrom
				lo = hi.Add(-25 * time.Hour)
			default:
				bound, lo = got.cov.RequestsBoundTo, *want.cov.LogsTo
				hi = lo.Add(25 * time.Hour)
			}
			if row := table + " | " + side + " | " + far.Format(time.RFC3339); !slices.Equal(got.outOfBounds, []string{row}) {
				t.Errorf("out of bounds %q; want %q", got.outOfBounds, row)
			}
			kept, out := want.rows, [2]int64{}
			kept[k]++
			out[k]++
			if got.rows != kept {
				t.Errorf("the case holds %v requests and user events, want %v", got.rows, kept)
			}
			if counted := [2]int64{got.cov.RequestsOutOfBounds, got.cov.EventsOutOfBounds}; counted != out {
				t.Errorf("coverage counts %v requests and snapshot events out of bounds, want %v", counted, out)
			}
			if bound == nil || bound.Before(lo) || bound.After(hi) {
				t.Errorf("%s bounded %s at %v; want %v .. %v", table, side, bound, lo, hi)
			}
			if !slices.ContainsFunc(got.cov.NotChecked, func(s string) bool { return strings.HasSuffix(s, "not analysed") }) {
				t.Errorf("not checked %q: no word of the row out of bounds", got.cov.NotChecked)
			}
		})
	}
}

// ingestSample ingests the logs and the snapshot directory (none if "")
// into a new case under dir.
func ingestSample(t *testing.T, dir string, logs []string, snapshot string) *casefile.Case {
	t.Helper()
	ctx := t.Context()
	c, err := casefile.Open(ctx, filepath.Join(dir, "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := investigation.Steps(ctx, c, investigation.Options{Logs: logs, Snapshot: snapshot, IngestOnly: true, ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return c
}

// farLog writes a log of one login POST dated at, in the sample's format.
func farLog(t *testing.T, dir string, at time.Time) string {
	t.Helper()
	p := filepath.Join(dir, "far.log")
	line := `99.228.203.127 "` + at.Format(http.TimeFormat) + `" - "POST /account/login/" HTTP/2 303 0 0 "MISS, MISS" "0, 0" ` +
		`"application/x-www-form-urlencoded" "en-CA,en;q=0.9" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15"` + "\n"
	if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// farSnapshot copies the sample's snapshot under dir with one more user
// event: a copy of its first, under a new id and dated at.
func farSnapshot(t *testing.T, dir string, at time.Time) string {
	t.Helper()
	src, dst := filepath.Join(sampleDir, "snapshot"), filepath.Join(dir, "snapshot")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dst, "user_events.csv.gz")
	in, err := os.Open(filepath.Join(src, "user_events.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	var first string
	for n := 0; sc.Scan(); n++ {
		if n == 1 {
			first = sc.Text()
		}
		fmt.Fprintln(zw, sc.Text())
	}
	// id, source_id (the account), tag, time, additional, ip_address_id
	f := strings.SplitN(first, ",", 5)
	f[0], f[3] = "00000000-0000-4000-8000-00000000fa12", at.Format("2006-01-02 15:04:05")
	fmt.Fprintln(zw, strings.Join(f, ","))
	for _, err := range []error{sc.Err(), zw.Close(), out.Close()} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// runBounded analyses c, failing the run before stage window if the
// attempts it would scan span more than the sample's week, and reads what
// the run decided and its coverage.
func runBounded(t *testing.T, c *casefile.Case) boundedRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var span string
	res, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "test", Progress: func(step string, _, _ int) {
		if step != "window" {
			return
		}
		var ok bool
		if err := c.DB.QueryRow(`SELECT coalesce(max(time) - min(time) <= INTERVAL 10 DAY, true),
			coalesce(min(time)::VARCHAR || ' .. ' || max(time)::VARCHAR, 'nothing') FROM ff_work.attempts`).Scan(&ok, &span); err != nil {
			span = err.Error()
		}
		if !ok {
			cancel()
		}
	}})
	if err != nil {
		t.Fatalf("analyze: %v (the attempts span %s)", err, span)
	}
	r := boundedRun{res: res}
	r.toFreeze = strs(t, c, `SELECT username FROM account_verdicts WHERE classification = 'compromised' ORDER BY username`)
	r.spans = strs(t, c, `SELECT logs_from, logs_to, events_from, events_to FROM coverage`)
	r.outOfBounds = strs(t, c, `SELECT table_name, outside, strftime(time, '%Y-%m-%dT%H:%M:%SZ') FROM out_of_bounds ORDER BY ALL`)
	if err := c.DB.QueryRow(`SELECT (SELECT count(*) FROM hourly), (SELECT count(*) FROM requests), (SELECT count(*) FROM account_events)`).
		Scan(&r.hours, &r.rows[0], &r.rows[1]); err != nil {
		t.Fatal(err)
	}
	sum, err := report.LoadSummary(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	r.cov = sum.Coverage
	return r
}

// TestLogsOfALaterPeriodThanTheSnapshotAreInconclusive: requests more than
// a day past the snapshot's last event are out of bounds, so logs of a
// later period than the snapshot leave no request to analyse. The verdict
// says so; it was a reason of NULL (the logs' span, formatted), which
// failed the run.
func TestLogsOfALaterPeriodThanTheSnapshotAreInconclusive(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(sampleDir, "logs", "*"))
	c := ingestSample(t, t.TempDir(), logs, filepath.Join(sampleDir, "snapshot"))
	if err := c.Exec(t.Context(), "UPDATE requests SET time = time + INTERVAL 400 DAY"); err != nil {
		t.Fatal(err)
	}
	res, err := analyze.Run(t.Context(), c, analyze.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var requests, out int64
	if err := c.DB.QueryRow(`SELECT requests, requests_out_of_bounds FROM coverage`).Scan(&requests, &out); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("all %d requests of the access logs are dated after 2024-04-01 ", requests)
	if res.Verdict.Verdict != analyze.VerdictInconclusive || !strings.HasPrefix(res.Verdict.Reason, want) || out != requests {
		t.Errorf("verdict %s: %s; %d of %d requests out of bounds\nwant inconclusive: %s...", res.Verdict.Verdict, res.Verdict.Reason, out, requests, want)
	}
	// and the line under not checked says the same, not a span from the
	// logs' bulk back to the snapshot's time
	want = fmt.Sprintf("%d requests dated after 2024-04-01 ", requests)
	if !slices.ContainsFunc(res.Coverage.NotChecked, func(s string) bool { return strings.HasPrefix(s, want) }) {
		t.Errorf("not checked %q; want %s...", res.Coverage.NotChecked, want)
	}
}

// TestLogsBesideASnapshotWithoutLoginsAreInconclusive: with no login event
// in the snapshot (or none in bounds), the 'no overlap' reason was
// formatted from their span, NULL, and reading the verdict failed the run.
func TestLogsBesideASnapshotWithoutLoginsAreInconclusive(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(sampleDir, "logs", "*"))
	c := ingestSample(t, t.TempDir(), logs, filepath.Join(sampleDir, "snapshot"))
	if err := c.Exec(t.Context(), "DELETE FROM account_events WHERE tag IN ('account:login:success', 'account:login:failure')"); err != nil {
		t.Fatal(err)
	}
	res, err := analyze.Run(t.Context(), c, analyze.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict.Verdict != analyze.VerdictInconclusive || !strings.HasSuffix(res.Verdict.Reason, "and the snapshot's login events (none) do not overlap in time") {
		t.Errorf("verdict %s: %s", res.Verdict.Verdict, res.Verdict.Reason)
	}
}

// TestSmallSourcesFarRowsAreLeftOut: in a source of fewer than a thousand
// rows the 0.1 % and 99.9 % quantiles are its first and last row, however
// far out. In a log, a line dated 2400 or 1970 is then out for lying more
// than max_days_from_median from the median line (and the one dated 2400
// for being dated after the log was ingested); in a snapshot, whose
// history has no such bound, an event dated 2400 is out for being dated
// after the snapshot was ingested, and the snapshot's time is its real
// last event. Stage window then scans no more hours than the source's.
func TestSmallSourcesFarRowsAreLeftOut(t *testing.T) {
	y1970, y2400 := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2400, 1, 1, 12, 4, 33, 0, time.UTC)
	t.Run("a log of 500 lines", func(t *testing.T) {
		dir := t.TempDir()
		logs, _ := filepath.Glob(filepath.Join(sampleDir, "logs", "*"))
		in, err := os.Open(logs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		zr, err := gzip.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for sc := bufio.NewScanner(zr); len(lines) < 500 && sc.Scan(); {
			lines = append(lines, sc.Text())
		}
		small := filepath.Join(dir, "small.log")
		if err := os.WriteFile(small, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runBounded(t, ingestSample(t, dir, []string{small, farLog(t, t.TempDir(), y1970), farLog(t, t.TempDir(), y2400)}, ""))
		if want := []string{"requests | after | 2400-01-01T12:04:33Z", "requests | before | 1970-01-01T00:00:00Z"}; !slices.Equal(r.outOfBounds, want) {
			t.Errorf("out of bounds %q; want %q", r.outOfBounds, want)
		}
		if r.hours > 2 {
			t.Errorf("%d hours scanned for 500 lines of an hour", r.hours)
		}
	})
	t.Run("a snapshot of 500 user events", func(t *testing.T) {
		c := ingestSample(t, t.TempDir(), nil, filepath.Join(sampleDir, "snapshot"))
		for _, q := range []string{
			"DELETE FROM account_events WHERE id NOT IN (SELECT id FROM account_events ORDER BY time DESC, id LIMIT 500)",
			"INSERT INTO account_events SELECT * REPLACE ('00000000-0000-4000-8000-00000000fa12'::UUID AS id, '" + y2400.Format(time.RFC3339) + "'::TIMESTAMPTZ AS time) FROM account_events ORDER BY id LIMIT 1",
		} {
			if err := c.Exec(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		r := runBounded(t, c)
		var last, snapshot string
		if err := c.DB.QueryRow(`SELECT (SELECT max(time) FROM account_events WHERE time < '2400-01-01')::VARCHAR, snapshot_time::VARCHAR FROM time_bounds`).
			Scan(&last, &snapshot); err != nil {
			t.Fatal(err)
		}
		if want := []string{"account_events | after | 2400-01-01T12:04:33Z"}; !slices.Equal(r.outOfBounds, want) || snapshot != last {
			t.Errorf("out of bounds %q, the snapshot's time %s; want %q, %s", r.outOfBounds, snapshot, want, last)
		}
	})
}
