package baselines

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
)

// attempt is one hand-made row of attempts.
type attempt struct {
	at      time.Time
	outcome string
	user    int // account number; 0: none (an unknown username)
	client  string
	noName  bool // the account has no username (not in the snapshot's accounts)
}

// t0 is a 5-minute boundary: a burst between t0+1m and t0+4m falls in the
// three 15-minute windows starting at t0-10m, t0-5m and t0.
var t0 = time.Date(2024, 3, 30, 14, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func accountID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
func username(n int) string  { return fmt.Sprintf("user%03d", n) }

// newCase writes the attempts into a fresh case, as freezeframe analyze
// would leave them, with an analysis window around them.
func newCase(t *testing.T, rows []attempt) *casefile.Case {
	t.Helper()
	ctx := context.Background()
	c, err := casefile.Open(ctx, filepath.Join(t.TempDir(), "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	exec := func(q string) {
		t.Helper()
		if _, err := c.Conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	exec(`CREATE TABLE attempts (attempt_id BIGINT, time TIMESTAMPTZ, outcome VARCHAR, account UUID, username VARCHAR,
		client VARCHAR, prefix VARCHAR, country_code VARCHAR, user_agent VARCHAR)`)
	exec(`CREATE TABLE analysis_window (window_from TIMESTAMPTZ, window_to TIMESTAMPTZ, source VARCHAR)`)
	exec(fmt.Sprintf("INSERT INTO analysis_window VALUES ('%s', '%s', 'given')",
		t0.Add(-24*time.Hour).Format(time.RFC3339), t0.Add(24*time.Hour).Format(time.RFC3339)))
	if len(rows) == 0 {
		return c
	}
	var values []string
	for i, r := range rows {
		account, name := "NULL", "NULL"
		if r.user != 0 {
			account, name = "'"+accountID(r.user)+"'", "'"+username(r.user)+"'"
		}
		if r.noName {
			name = "NULL"
		}
		values = append(values, fmt.Sprintf("(%d, '%s', '%s', %s, %s, '%s', NULL, 'DE', 'python-requests/2.31.0')",
			i+1, r.at.Format("2006-01-02 15:04:05.000000+00"), r.outcome, account, name, r.client))
	}
	exec("INSERT INTO attempts VALUES " + strings.Join(values, ",\n"))
	return c
}

// run runs every baseline and returns the results by id.
func run(t *testing.T, c *casefile.Case) map[string]Result {
	t.Helper()
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Result{}
	for _, r := range res {
		out[r.ID] = r
	}
	return out
}

const (
	single   = "elastic-stuffing-single-source"
	multi    = "elastic-spray-multi-source"
	crowdsec = "crowdsec-http-bf"
)

// burst spreads failures between t0+1m and t0+4m, from the clients in
// turn: perUser[i] failures on account first+i (0 failures on an account
// still count), then unknown usernames.
func burst(perUser []int, first, unknown int, clients ...string) []attempt {
	var rows []attempt
	n := 0
	for i, k := range perUser {
		for range k {
			rows = append(rows, attempt{outcome: "failure", user: first + i})
		}
	}
	for range unknown {
		rows = append(rows, attempt{outcome: "unknown_user"})
	}
	for i := range rows {
		rows[i].at = at(time.Minute + time.Duration(i)*180*time.Second/time.Duration(len(rows)))
		rows[i].client = clients[n%len(clients)]
		n++
	}
	return rows
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestSingleSourceFiresExactlyAtItsThresholds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rows   []attempt
		alerts int
	}{
		// 10 users twice and 5 unknown usernames: 25 attempts, 15 users, at
		// most 2 each; the burst is in three windows. (With at most 2 per
		// user, every user has at most 2: the 80 % bound cannot bind alone.)
		{"25 attempts on 15 users", burst(repeat(2, 10), 1, 5, "203.0.113.7"), 3},
		{"24 attempts on 15 users", burst(repeat(2, 9), 1, 6, "203.0.113.7"), 0},
		{"14 users", burst(append(repeat(2, 11), 1, 1, 1), 1, 0, "203.0.113.7"), 0},
		{"one user tried 3 times", burst(append([]int{3}, append(repeat(2, 8), repeat(1, 6)...)...), 1, 0, "203.0.113.7"), 0},
		{"25 unknown usernames", burst(nil, 1, 25, "203.0.113.7"), 3},
		{"the same from two addresses", burst(repeat(2, 10), 1, 5, "203.0.113.7", "203.0.113.8"), 0},
		{"successes and rate limits are not failures", append(burst(repeat(2, 9), 1, 6, "203.0.113.7"),
			attempt{at: at(2 * time.Minute), outcome: "success", user: 50, client: "203.0.113.7"},
			attempt{at: at(2 * time.Minute), outcome: "rate_limited", client: "203.0.113.7"}), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, newCase(t, tc.rows))[single]
			if r.Alerts != tc.alerts || len(r.Raised) != tc.alerts {
				t.Fatalf("%d alerts (%d raised), want %d: %+v", r.Alerts, len(r.Raised), tc.alerts, r.Raised)
			}
			if tc.alerts == 0 {
				return
			}
			want := []time.Time{at(5 * time.Minute), at(10 * time.Minute), at(15 * time.Minute)}
			for i, a := range r.Raised {
				if !a.At.Equal(want[i]) || !a.First.Equal(at(time.Minute)) || a.Source != "203.0.113.7" ||
					!reflect.DeepEqual(a.Clients, []string{"203.0.113.7"}) {
					t.Errorf("alert %d: %+v; want it to fire at %s, first failure at %s, from 203.0.113.7", i, a, want[i], at(time.Minute))
				}
			}
			if !strings.HasPrefix(r.Raised[0].Evidence, "25 failed logins from 203.0.113.7 on 25 users") &&
				!strings.HasPrefix(r.Raised[0].Evidence, "25 failed logins from 203.0.113.7 on 15 users (10 existing)") {
				t.Errorf("evidence %q", r.Raised[0].Evidence)
			}
		})
	}
}

func TestSingleSourceWindowIsFifteenMinutes(t *testing.T) {
	// 25 failures on 15 users from t0 to t0+14m30s are all in the window
	// starting at t0 and in no other; stretched to t0+15m they are in none.
	spread := func(last time.Duration) []attempt {
		rows := burst(repeat(2, 10), 1, 5, "198.51.100.9")
		for i := range rows {
			rows[i].at = at(time.Duration(i) * last / 24)
		}
		return rows
	}
	r := run(t, newCase(t, spread(14*time.Minute+30*time.Second)))[single]
	if r.Alerts != 1 || !r.Raised[0].At.Equal(at(15*time.Minute)) || !r.Raised[0].First.Equal(t0) {
		t.Errorf("within 14m30s: %+v; want one alert firing at %s", r.Raised, at(15*time.Minute))
	}
	if r := run(t, newCase(t, spread(15*time.Minute)))[single]; r.Alerts != 0 {
		t.Errorf("over 15m: %d alerts, want none: %+v", r.Alerts, r.Raised)
	}
}

func TestMultiSourceFiresExactlyAtItsThresholds(t *testing.T) {
	five := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"}
	for _, tc := range []struct {
		name    string
		perUser []int
		unknown int
		clients []string
		alerts  int
	}{
		{"5 addresses, 8 users, 25 attempts", []int{4, 3, 3, 3, 3, 3, 3, 3}, 0, five, 3},
		{"4 addresses", []int{4, 3, 3, 3, 3, 3, 3, 3}, 0, five[:4], 0},
		{"7 users", []int{4, 4, 4, 4, 3, 3, 3}, 0, five, 0},
		{"24 attempts", []int{3, 3, 3, 3, 3, 3, 3, 3}, 0, five, 0},
		// the published rule bounds the average per user, not the maximum
		{"5 per user on average, one user 12 times", []int{12, 4, 4, 4, 4, 4, 4, 4}, 0, five, 3},
		{"5.125 per user on average", []int{6, 5, 5, 5, 5, 5, 5, 5}, 0, five, 0},
		{"fewer users than addresses", []int{4, 3, 3, 3, 3, 3, 3, 3}, 0,
			append(five, "192.0.2.6", "192.0.2.7", "192.0.2.8", "192.0.2.9"), 0},
		{"unknown usernames are users", []int{5, 5, 5, 5}, 5, five, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, newCase(t, burst(tc.perUser, 1, tc.unknown, tc.clients...)))
			if r[single].Alerts != 0 {
				t.Errorf("the single-source rule fired: %+v", r[single].Raised)
			}
			m := r[multi]
			if m.Alerts != tc.alerts {
				t.Fatalf("%d alerts, want %d: %+v", m.Alerts, tc.alerts, m.Raised)
			}
			if tc.alerts == 0 {
				return
			}
			a := m.Raised[2]
			if !a.At.Equal(at(15*time.Minute)) || a.Source != "" || !reflect.DeepEqual(a.Clients, tc.clients) || len(a.Accounts) != len(tc.perUser) {
				t.Errorf("last alert %+v; want it at %s, site-wide, from %v, on %d accounts", a, at(15*time.Minute), tc.clients, len(tc.perUser))
			}
		})
	}
}

// failuresEvery makes n failures from client on accounts first.., step apart from start.
func failuresEvery(client string, start time.Time, step time.Duration, n, first int) []attempt {
	var rows []attempt
	for i := range n {
		rows = append(rows, attempt{at: start.Add(time.Duration(i) * step), outcome: "failure", user: first + i, client: client})
	}
	return rows
}

func TestCrowdsecBucket(t *testing.T) {
	ip := "198.51.100.20"
	for _, tc := range []struct {
		name   string
		rows   []attempt
		alerts []time.Duration // when each overflows, after t0
	}{
		{"6 failures in 5 s", failuresEvery(ip, t0, time.Second, 6, 1), []time.Duration{5 * time.Second}},
		{"6 failures at once", failuresEvery(ip, t0, 0, 6, 1), []time.Duration{0}},
		{"5 failures in 4 s", failuresEvery(ip, t0, time.Second, 5, 1), nil},
		{"20 failures 11 s apart", failuresEvery(ip, t0, 11*time.Second, 20, 1), nil},
		// 5 s apart the bucket gains 0.5 an event: 1, 1.5, ... 5.0 at the 9th, and the 10th overflows
		{"9 failures 5 s apart", failuresEvery(ip, t0, 5*time.Second, 9, 1), nil},
		{"10 failures 5 s apart", failuresEvery(ip, t0, 5*time.Second, 10, 1), []time.Duration{45 * time.Second}},
		{"6 failures from 6 addresses", func() []attempt {
			var rows []attempt
			for i := range 6 {
				rows = append(rows, failuresEvery(fmt.Sprintf("198.51.100.%d", 30+i), t0, 0, 1, i+1)...)
			}
			return rows
		}(), nil},
		{"banned for 4 h, then again", append(append(append(
			failuresEvery(ip, t0, time.Second, 6, 1),
			failuresEvery(ip, t0.Add(time.Minute), time.Second, 12, 10)...), // banned: not poured
			failuresEvery(ip, t0.Add(4*time.Hour+4*time.Second), time.Second, 6, 30)...), // 1 banned, 5 poured
			failuresEvery(ip, t0.Add(5*time.Hour), time.Second, 6, 40)...),
			[]time.Duration{5 * time.Second, 5*time.Hour + 5*time.Second}},
		{"a failure an hour earlier leaves no credit", append(failuresEvery(ip, t0.Add(-time.Hour), 0, 1, 9),
			failuresEvery(ip, t0, 0, 6, 1)...), []time.Duration{0}},
		{"unknown usernames fill it too", func() []attempt {
			rows := failuresEvery(ip, t0, time.Second, 6, 1)
			for i := range rows {
				rows[i].outcome, rows[i].user = "unknown_user", 0
			}
			return rows
		}(), []time.Duration{5 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, newCase(t, tc.rows))[crowdsec]
			var got []time.Duration
			for _, a := range r.Raised {
				got = append(got, a.At.Sub(t0))
			}
			if r.Alerts != len(tc.alerts) || !reflect.DeepEqual(got, tc.alerts) {
				t.Fatalf("overflows at %v (%d alerts), want at %v", got, r.Alerts, tc.alerts)
			}
		})
	}
}

func TestCrowdsecAlertCarriesItsEvents(t *testing.T) {
	rows := failuresEvery("198.51.100.20", t0, time.Second, 6, 1)
	rows[5].user, rows[5].outcome = 0, "unknown_user"
	// a failure a minute earlier has leaked away: not part of the alert
	rows = append(rows, failuresEvery("198.51.100.20", t0.Add(-time.Minute), 0, 1, 9)...)
	r := run(t, newCase(t, rows))[crowdsec]
	if r.Alerts != 1 {
		t.Fatalf("%d alerts, want 1", r.Alerts)
	}
	a := r.Raised[0]
	want := []string{accountID(1), accountID(2), accountID(3), accountID(4), accountID(5)}
	if !reflect.DeepEqual(a.Accounts, want) || !a.First.Equal(t0) || !a.At.Equal(at(5*time.Second)) {
		t.Errorf("alert %+v; want accounts %v, first %s, at %s", a, want, t0, at(5*time.Second))
	}
	for _, s := range []string{"6 failed logins from 198.51.100.20 in 5s", "5 existing users and 1 unknown", "banned until 2024-03-30 18:00:05"} {
		if !strings.Contains(a.Evidence, s) {
			t.Errorf("evidence %q does not say %q", a.Evidence, s)
		}
	}
}

func usernames(accounts []Account) []string {
	var out []string
	for _, a := range accounts {
		out = append(out, a.Username)
	}
	return out
}

func success(d time.Duration, user int, client string) attempt {
	return attempt{at: at(d), outcome: "success", user: user, client: client}
}

func TestElasticAlertsPairWithSuccessesWithinSixHours(t *testing.T) {
	// Users 1-10 twice and 5 unknown usernames from A between 14:01 and
	// 14:04: the single-source rule fires at 14:05, 14:10 and 14:15, so a
	// success pairs from 14:01 to 20:15.
	a, b := "203.0.113.7", "198.51.100.99"
	rows := burst(repeat(2, 10), 1, 5, a)
	rows = append(rows,
		success(-30*time.Minute, 3, b),             // user003: before the attack
		success(4*time.Hour, 1, b),                 // user001: attacked, from elsewhere, 4 h later
		success(6*time.Hour+15*time.Minute, 5, b),  // user005: attacked, 6 h after the last alert
		success(7*time.Hour+15*time.Minute, 2, b),  // user002: attacked, 7 h after the last alert
		success(3*time.Minute, 20, a),              // user020: not attacked, from the alerted address, during the attack
		success(time.Hour, 21, b),                  // user021: neither
		success(7*time.Hour+15*time.Minute, 22, a), // user022: from the alerted address, 7 h after
	)
	r := run(t, newCase(t, rows))[single]
	if r.Alerts != 3 {
		t.Fatalf("%d alerts, want 3", r.Alerts)
	}
	if got, want := usernames(r.Accounts), []string{"user001", "user005", "user020"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("freeze %v, want %v", got, want)
	}
	for i, want := range []string{
		"successful login at 2024-03-30 18:00:00 UTC from 198.51.100.99, 3h55m00s after the alert fired at 14:05:00 (an attacked user of the alert); alert: 25 failed logins from 203.0.113.7 on 15 users (10 existing) in 2024-03-30 13:50 .. 14:05 UTC",
		"successful login at 2024-03-30 20:15:00 UTC from 198.51.100.99, 6h00m00s after the alert fired at 14:15:00 (an attacked user of the alert); alert: 25 failed logins",
		"successful login at 2024-03-30 14:03:00 UTC from 203.0.113.7, 2m00s before the alert fired at 14:05:00, after its first failed login (from an alerted address); alert: 25 failed logins from 203.0.113.7",
	} {
		if acc := r.Accounts[i]; !strings.HasPrefix(acc.Reason, want) || acc.UserID != accountID([]int{1, 5, 20}[i]) {
			t.Errorf("%s (%s): reason\n%s\nwant it to start\n%s", acc.Username, acc.UserID, acc.Reason, want)
		}
	}
	if !strings.HasSuffix(r.Accounts[0].Reason, "(3 alerts and 1 successful logins pair in all)") {
		t.Errorf("reason %q does not say that three alerts pair", r.Accounts[0].Reason)
	}
}

func TestMultiSourcePairsOnEveryAddressOfTheWindow(t *testing.T) {
	five := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"}
	rows := burst([]int{4, 3, 3, 3, 3, 3, 3, 3}, 1, 0, five...)
	rows = append(rows,
		success(time.Hour, 30, "192.0.2.4"),                 // from an address of the window
		success(time.Hour, 31, "192.0.2.200"),               // from elsewhere
		success(2*time.Hour, 8, "192.0.2.200"),              // an attacked user
		success(7*time.Hour, 32, "192.0.2.1"),               // too late
		success(-time.Minute, 33, "192.0.2.1"),              // too early
		success(6*time.Hour, 34, "192.0.2.5"),               // in time for the last alert
		success(6*time.Hour, 35, "192.0.2.250"),             // from elsewhere
		success(6*time.Hour+16*time.Minute, 7, "192.0.2.1"), // too late
	)
	r := run(t, newCase(t, rows))[multi]
	if got, want := usernames(r.Accounts), []string{"user008", "user030", "user034"}; !reflect.DeepEqual(got, want) {
		t.Errorf("freeze %v, want %v", got, want)
	}
}

func TestCrowdsecBanPairsWithSuccessesWithinSixHours(t *testing.T) {
	c, d := "198.51.100.20", "198.51.100.21"
	rows := failuresEvery(c, t0, time.Second, 6, 1) // overflow at 14:00:05, banned until 18:00:05
	rows = append(rows,
		success(30*time.Minute, 1, d),                      // user001: attacked, from elsewhere
		success(5*time.Hour, 40, c),                        // user040: from the banned address, after the ban, within 6 h
		success(6*time.Hour+5*time.Second, 41, c),          // user041: exactly 6 h after the overflow
		success(7*time.Hour, 42, c),                        // user042: 7 h after
		success(-time.Hour, 43, c),                         // user043: before
		success(time.Hour, 44, d),                          // user044: neither
		success(6*time.Hour+6*time.Second, 6, d),           // user006: attacked, 1 s too late
		success(6*time.Hour+6*time.Second, 2, c),           // user002: attacked and banned address, 1 s too late
		success(5*time.Hour+59*time.Minute, 3, "10.9.9.9"), // user003: attacked, in time
	)
	// accounts without a username come first, by user id
	for _, u := range []int{93, 91, 92} {
		rows = append(rows, attempt{at: at(time.Hour), outcome: "success", user: u, client: c, noName: true})
	}
	r := run(t, newCase(t, rows))[crowdsec]
	if r.Alerts != 1 {
		t.Fatalf("%d alerts, want 1", r.Alerts)
	}
	if got, want := usernames(r.Accounts), []string{"", "", "", "user001", "user003", "user040", "user041"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("freeze %q, want %q", got, want)
	}
	for i, u := range []int{91, 92, 93} {
		if r.Accounts[i].UserID != accountID(u) {
			t.Errorf("account %d is %s, want %s", i, r.Accounts[i].UserID, accountID(u))
		}
	}
	for _, acc := range r.Accounts {
		if !strings.Contains(acc.Reason, "overflowed the bucket") {
			t.Errorf("%s: reason %q lacks the alert's evidence", acc.Username, acc.Reason)
		}
	}
}

func TestRunWithoutAttemptsAsksForAnalyze(t *testing.T) {
	ctx := context.Background()
	c, err := casefile.Open(ctx, filepath.Join(t.TempDir(), "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = Run(ctx, c)
	if !errors.Is(err, ErrNoAttempts) || !strings.Contains(err.Error(), "run freezeframe analyze first") {
		t.Errorf("error %v, want ErrNoAttempts telling to run analyze", err)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	rows := burst(repeat(2, 10), 1, 5, "203.0.113.7")
	rows = append(rows, failuresEvery("198.51.100.20", t0, time.Second, 6, 60)...)
	for i := range 30 {
		rows = append(rows, success(time.Duration(i)*time.Minute, 1+i%12, []string{"203.0.113.7", "198.51.100.20", "10.0.0.1"}[i%3]))
	}
	c := newCase(t, rows)
	first := run(t, c)
	for range 3 {
		if again := run(t, c); !reflect.DeepEqual(again, first) {
			t.Fatalf("a second run differs:\n%+v\n%+v", again, first)
		}
	}
	if len(first[single].Accounts) == 0 || len(first[crowdsec].Accounts) == 0 {
		t.Errorf("the case should freeze something: %+v", first)
	}
}

func TestListDescribesEveryBaseline(t *testing.T) {
	list, err := List()
	if err != nil {
		t.Fatal(err)
	}
	// The tables a baseline reads are the analysis's results: it runs on a
	// case freezeframe analyze has left them in.
	steps, err := analyze.Steps()
	if err != nil {
		t.Fatal(err)
	}
	saved := map[string]bool{}
	for _, st := range steps {
		for _, r := range st.Results {
			saved[r] = true
		}
	}
	var ids []string
	for _, b := range list {
		ids = append(ids, b.ID)
		for _, r := range b.Reads {
			if !saved[r] {
				t.Errorf("%s reads %s, which no analysis step saves", b.ID, r)
			}
			if b.SQL != "" && !strings.Contains(b.SQL, "FROM "+r+"\n") {
				t.Errorf("%s lists %s under reads: but its SQL does not read it", b.ID, r)
			}
		}
		if b.Title == "" || b.Description == "" || b.Adaptation == "" || b.References == "" || b.File == "" {
			t.Errorf("%s: incomplete description %+v", b.ID, b)
		}
		if (b.SQL == "") == (b.simulate == nil) {
			t.Errorf("%s: want either SQL or a simulation", b.ID)
		}
	}
	if want := []string{single, multi, crowdsec}; !reflect.DeepEqual(ids, want) {
		t.Errorf("baselines %v, want %v", ids, want)
	}
	if _, err := parseBaseline("x.sql", "-- id: x\n-- title: X\nSELECT 1;\n"); err == nil {
		t.Error("a header without a description and references was accepted")
	}
	if _, err := parseBaseline("x.sql", "-- id: x\n-- title: X\n-- level: low\n-- status: test\n-- tags: attack.t1110.004\n-- reads: attempts\n-- description: l\n-- references: r\nSELECT 1;\nSELECT 2;\n"); err == nil {
		t.Error("two statements were accepted")
	}
	if _, err := parseBaseline("x.sql", "-- id: x\n-- title: X\n-- level: severe\n-- status: test\n-- tags: attack.t1110.004\n-- reads: attempts\n-- description: l\n-- references: r\nSELECT 1;\n"); err == nil ||
		err.Error() != `x.sql: level "severe"; want one of informational, low, medium, high, critical` {
		t.Errorf("a level Sigma has not: %v", err)
	}
}

func TestBucketLeaksContinuously(t *testing.T) {
	var b bucket
	pour := func(d time.Duration) bool {
		_, over := b.pour(failure{time: at(d), client: "x"})
		return over
	}
	// five at once fill it to the brim; 10 s later one has leaked and a
	// sixth fits; a seventh at the same instant overflows
	for i := range 5 {
		if pour(0) {
			t.Fatalf("overflow at event %d", i+1)
		}
	}
	if pour(10 * time.Second) {
		t.Fatal("overflow at level 4 + 1")
	}
	if !pour(10 * time.Second) {
		t.Fatalf("no overflow at level 5 + 1 (level %v)", b.level)
	}
	if pour(11*time.Second) || pour(4*time.Hour+10*time.Second-time.Nanosecond) {
		t.Error("a banned address's failures were poured")
	}
	if b.level != 0 || len(b.poured) != 0 {
		t.Errorf("the bucket holds %v (%d events) after its overflow", b.level, len(b.poured))
	}
}
