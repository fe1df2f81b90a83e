package analyze_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
)

// The main world: twelve German users who log in every morning, eight
// colleagues behind their office's NAT in France, accounts that only have a
// history, and on day 3 (2024-03-04) from 12:00 to 14:00 a credential list
// replayed from a new address each time (the same tool, so the same
// behavioural fingerprint), plus one address that tries five accounts.
type mainWorld struct {
	*world
	u        map[string]*user
	tomLine  int64     // tom's login POST, answered with the second-factor page
	tomEvent time.Time // his success event, 15 s later
	umaLine  int64     // uma's login POST, logged 1.5 s after her event
	alice    time.Time // the attacker's login on alice (its event)
}

// attackIP is the address of the rotating tool's k-th attempt.
func attackIP(k int) (string, string) {
	return fmt.Sprintf("45.%d.0.10", k+1), []string{"VN", "BR", "ID", "IN"}[k%4]
}

func buildMain() *mainWorld {
	w := &mainWorld{world: newWorld(), u: map[string]*user{}}
	recent := at(-5, "09:00:00") // 2024-02-25, the end of the histories
	for i, n := range []string{"alice", "gerd", "hans", "ivan", "jane", "kim", "olga", "pia", "quinn", "tom", "uma", "vera"} {
		ip := fmt.Sprintf("85.10.%d.20", i+1)
		if n == "ivan" || n == "jane" || n == "kim" {
			w.ip(ip, "DE", 52.52, 13.405) // Berlin
		}
		u := w.user(n, ip, "DE", langDE, 20, recent, n == "tom")
		w.u[n] = u
		first := at(0, "07:00:00").Add(time.Duration(4*i) * time.Minute)
		if n == "jane" {
			first = at(0, "01:00:00")
		}
		for d := 0; d <= 4; d++ {
			w.session(u, first.AddDate(0, 0, d))
		}
	}
	for k := range 8 {
		u := w.user(fmt.Sprintf("nat%d", k+1), "198.51.100.7", "FR", langFR, 20, recent, false)
		w.u[u.name] = u
		for _, d := range []int{0, 1, 2, 4} {
			w.session(u, at(d, "08:00:00").Add(time.Duration(5*k)*time.Minute))
		}
		t := at(3, "10:05:00").Add(time.Duration(40*k) * time.Minute)
		if k < 3 { // a typo first, then the right password in the re-rendered form
			w.post(login{u: u, at: t.Add(-30 * time.Second), form: 5, assets: true, outcome: "failure"})
			w.post(login{u: u, at: t, outcome: "success"})
		} else {
			w.session(u, t)
		}
	}
	for j, n := range []string{"bob", "carol", "dave", "erin", "frank", "lena", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "f1", "f2", "f3", "f4"} {
		last, history := recent, 20
		switch n {
		case "bob":
			last = time.Date(2023, 2, 1, 9, 0, 0, 0, time.UTC)
		case "carol":
			history = 0
		}
		w.u[n] = w.user(n, fmt.Sprintf("85.20.%d.20", j+1), "DE", langDE, history, last, n == "frank")
	}
	u := w.u

	// Ordinary users doing ordinary things.
	w.post(login{u: u["gerd"], at: at(3, "10:30:00"), ip: "73.30.1.20", cc: "US", form: 8, assets: true, outcome: "success"})

	hans := w.session(u["hans"], at(3, "10:20:00"))
	w.event(u["hans"], "account:two_factor:method_added", hans.Add(60*time.Second), u["hans"].ip, "DE")
	w.event(u["hans"], "account:recovery_codes:generated", hans.Add(65*time.Second), u["hans"].ip, "DE")
	w.post(login{u: u["hans"], at: at(3, "12:30:00"), form: 6, assets: true}) // his email address as username
	w.post(login{u: u["hans"], at: at(3, "12:30:20"), outcome: "success"})

	w.session(u["ivan"], at(3, "11:00:00"))
	w.ip("1.120.0.5", "AU", -33.87, 151.21) // Sydney
	w.post(login{u: u["ivan"], at: at(3, "11:40:00"), ip: "1.120.0.5", cc: "AU", form: 5, assets: true, outcome: "success"})
	w.ip("68.100.0.5", "US", 40.71, -74.01) // New York, ten hours after her Berlin login
	w.post(login{u: u["jane"], at: at(3, "11:00:00"), ip: "68.100.0.5", cc: "US", form: 5, assets: true, outcome: "success"})
	w.post(login{u: u["kim"], at: at(3, "11:10:00"), ip: "1.121.0.5", cc: "AU", form: 5, assets: true, outcome: "success"})

	olga := w.session(u["olga"], at(3, "14:00:00"))
	w.event(u["olga"], "account:api_token:added", olga.Add(5*time.Minute), u["olga"].ip, "DE")
	w.event(u["olga"], "account:password:change", olga.Add(10*time.Minute), "85.99.0.1", "DE")

	w.post(login{u: u["pia"], at: at(3, "11:20:00"), form: 1.5, assets: true, outcome: "success"})   // a password manager
	w.post(login{u: u["quinn"], at: at(3, "11:30:00"), form: 0.6, assets: true, outcome: "success"}) // faster still

	w.tomLine, w.tomEvent = w.post(login{u: u["tom"], at: at(2, "15:00:00"), form: 5, assets: true, outcome: "success", second: "totp"})
	w.umaLine, _ = w.post(login{u: u["uma"], at: at(1, "15:00:00"), form: 5, assets: true, outcome: "success", skew: -1.5})
	w.event(u["vera"], "account:login:success", at(2, "16:00:00"), u["vera"].ip, "DE") // no log line
	w.attempts++
	w.post(login{u: u["pia"], at: at(1, "08:30:00"), form: 4, assets: true}) // a mistyped username, days before

	// The attack: a credential list, one address per attempt.
	tool := func(l login) (int64, time.Time) {
		l.family, l.ua, l.lang = "Chrome", uaChrome, langEN
		return w.post(l)
	}
	targets := map[int]string{2: "t1", 6: "t2", 10: "t3", 14: "t4", 18: "t5", 22: "t6", 26: "t7", 30: "t8"}
	for k := range 35 {
		ip, cc := attackIP(k)
		l := login{at: at(3, "12:00:00").Add(time.Duration(150*k) * time.Second), ip: ip, cc: cc}
		switch {
		case targets[k] != "":
			l.u, l.outcome = u[targets[k]], "failure"
		case k == 8: // frank's password worked; his TOTP stopped it
			l.u, l.outcome, l.reason, l.second = u["frank"], "failure", "invalid_totp", "totp"
		case k == 20: // a password that worked, stopped at the second factor, with no event
			l.second = "totp"
		}
		tool(l)
	}
	tool(login{u: u["dave"], at: at(3, "12:10:30"), ip: "45.200.1.10", cc: "BR", outcome: "failure"})
	tool(login{u: u["dave"], at: at(3, "12:50:30"), ip: "45.200.2.10", cc: "ID", outcome: "failure"})
	tool(login{u: u["dave"], at: at(3, "13:30:00"), ip: "45.200.3.10", cc: "VN", outcome: "success"})
	tool(login{u: u["erin"], at: at(3, "12:15:30"), ip: "45.201.0.10", cc: "VN", outcome: "failure"})
	tool(login{u: u["erin"], at: at(3, "13:35:00"), ip: "45.201.0.10", cc: "VN", outcome: "success"})
	_, w.alice = tool(login{u: u["alice"], at: at(3, "12:20:10"), ip: "45.202.0.10", cc: "VN", outcome: "success"})
	w.event(u["alice"], "account:two_factor:method_added", w.alice.Add(8*time.Second), "45.202.0.10", "VN")
	w.event(u["alice"], "account:recovery_codes:generated", w.alice.Add(12*time.Second), "45.202.0.10", "VN")
	w.event(u["alice"], "account:api_token:added", w.alice.Add(5*time.Minute), "45.202.0.10", "VN")
	w.projectEvent(w.project("alice-lib"), "project:release:add", "alice", w.alice.Add(12*time.Minute), "45.202.0.10")
	tool(login{u: u["bob"], at: at(3, "12:40:10"), ip: "45.203.0.10", cc: "BR", outcome: "success"})
	tool(login{u: u["carol"], at: at(3, "13:40:10"), ip: "45.204.0.10", cc: "ID", outcome: "success"})

	// One address that tries four accounts and gets into a fifth.
	for i, n := range []string{"f1", "f2", "f3", "f4", "lena"} {
		l := login{u: u[n], at: at(3, "13:00:00").Add(time.Duration(i) * time.Minute), ip: "185.220.101.5", cc: "NL",
			family: "Python Requests", ua: uaPython, lang: "-", outcome: "failure"}
		if n == "lena" {
			l.at, l.outcome = at(3, "13:05:00"), "success"
		}
		w.post(l)
	}
	return w
}

// The attacker's behavioural fingerprint: a browser's user agent and
// language, but the form never loaded and no assets fetched.
const toolFP = "browser | en-US,en;q=0.9 | form not loaded | no assets | application/x-www-form-urlencoded"

// eq fails the test when got differs from want.
func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// eqRows fails the test when the rows differ from want.
func eqRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// TestAnalysisOfTheMainWorld runs the analysis once on the main world and
// checks each stage: what the window and the attribution make of it, and
// the verdicts. TestRule checks each heuristic.
func TestAnalysisOfTheMainWorld(t *testing.T) {
	w := buildMain()
	c, res := w.analyse(t, analyze.Options{})
	u := w.u

	t.Run("attempts", func(t *testing.T) {
		// One attempt per login POST and per login event without one: an
		// event and its POST make one attempt, the history before the
		// logs none.
		var n, before int
		one(t, c, `SELECT count(*), count(*) FILTER (WHERE time < '2024-03-01') FROM attempts`, nil, &n, &before)
		eq(t, "attempts", n, w.attempts)
		eq(t, "attempts before the logs", before, 0)
		eq(t, "Result.Attempts", res.Attempts, int64(w.attempts))
		// tom's second factor: the POST answers 303, the success event
		// comes 15 s later, after the second-factor page; it is paired
		// with the login POST and leaves no unexplained POST behind.
		eqRows(t, "tom's 2FA login", strs(t, c, `SELECT outcome, two_factor_method, status, line_no, form_gap, static, logged, fingerprint
			FROM attempts WHERE username = 'tom' AND time = ?`, w.tomEvent),
			[]string{fmt.Sprintf("success | totp | 303 | %d | 5 | true | true | browser | de-DE,de;q=0.9 | form loaded | assets fetched | application/x-www-form-urlencoded", w.tomLine)})
		eqRows(t, "attempts of tom's address with no account", strs(t, c, `SELECT outcome FROM attempts WHERE client = ? AND account IS NULL`, u["tom"].ip), nil)
		// uma's event is recorded 1.5 s before her POST is logged (clock skew).
		eqRows(t, "uma's login", strs(t, c, `SELECT time, line_no, logged FROM attempts WHERE username = 'uma' AND time::DATE = '2024-03-02' AND hour(time) = 14`),
			[]string{fmt.Sprintf("2024-03-02 14:59:58.5 | %d | true", w.umaLine)})
		// vera's event has no login POST within the session window.
		eqRows(t, "vera's login without a log line", strs(t, c, `SELECT outcome, logged, fingerprint, line_no FROM attempts WHERE username = 'vera' AND time = '2024-03-03 16:00:00'`),
			[]string{"success | false | NULL | NULL"})
		// hans types his email address, then logs in 20 s later: the
		// first POST is a corrected username, not an unknown one.
		eqRows(t, "hans at 12:30", strs(t, c, `SELECT time, outcome, coalesce(username, '-'), status, form_gap FROM attempts WHERE client = ? AND time >= '2024-03-04 12:30:00' AND time < '2024-03-04 12:31:00' ORDER BY time`, u["hans"].ip),
			[]string{"2024-03-04 12:30:00 | username_corrected | - | 200 | 6", "2024-03-04 12:30:20.3 | success | hans | 303 | 26"})
		// The attack: unknown usernames take their country from ips; a
		// password stopped at the second factor with no event; frank's
		// TOTP failure paired with the POST that answered 303.
		eqRows(t, "attack attempts", strs(t, c, `SELECT time, outcome, coalesce(username, '-'), coalesce(failure_reason, '-'), country_code, status, form_gap, static
			FROM attempts WHERE client IN ('45.1.0.10', '45.9.0.10', '45.21.0.10') ORDER BY time`),
			[]string{
				"2024-03-04 12:00:00 | unknown_user | - | - | VN | 200 | NULL | false",
				"2024-03-04 12:20:15 | failure | frank | invalid_totp | VN | 303 | NULL | false",
				"2024-03-04 12:50:00 | second_factor_stop | - | - | VN | 303 | NULL | false",
			})
	})

	t.Run("window", func(t *testing.T) {
		// Three quiet days, a two-hour burst on the fourth, padded by two
		// hours, found by its signals; the unknown usernames from new
		// addresses and the wrong passwords from new networks rose most.
		eqRows(t, "analysis_window", strs(t, c, `SELECT window_from, window_to, source, scan_from, scan_to FROM analysis_window`),
			[]string{"2024-03-04 10:00:00 | 2024-03-04 16:00:00 | auto | 2024-03-04 12:00:00 | 2024-03-04 14:00:00"})
		eqRows(t, "signals that rose", strs(t, c, `SELECT signal, in_window FROM window_signals WHERE llr >= 40 ORDER BY signal`), []string{
			"unknown usernames | 25", "unknown usernames from new addresses | 25",
			"wrong passwords from new networks | 12", "wrong passwords from new networks and addresses | 11"})
		eq(t, "Result.WindowSource", res.WindowSource, "auto")
		if res.WindowScore < res.MinWindowScore {
			t.Errorf("window score %.1f under its minimum %.0f", res.WindowScore, res.MinWindowScore)
		}
		var inWindow int
		one(t, c, `SELECT count(*) FILTER (WHERE in_window) FROM hourly`, nil, &inWindow)
		eq(t, "hours in the window", inWindow, 6)
	})

	t.Run("attribution", func(t *testing.T) {
		// The tool's own shape, which no owner shows, weighs heavily for
		// the campaign; the owners' usual shape against it.
		var tool, owners float64
		one(t, c, `SELECT points FROM evidence_weights WHERE feature = 'client' AND class = 'success'
			AND value = 'browser | en-US,en;q=0.9 | no assets | application/x-www-form-urlencoded'`, nil, &tool)
		one(t, c, `SELECT points FROM evidence_weights WHERE feature = 'client' AND class = 'success'
			AND value = 'browser | de-DE,de;q=0.9 | assets fetched | application/x-www-form-urlencoded'`, nil, &owners)
		if tool < 4 || owners > -2 {
			t.Errorf("the tool's shape weighs %.1f, the owners' %.1f", tool, owners)
		}
		// The campaign's logins are all but certain; the travellers', the
		// password managers' and the office's are not.
		eqRows(t, "logins the campaign made", strs(t, c, `SELECT DISTINCT a.username FROM attempt_scores s JOIN attempts a USING (attempt_id)
			WHERE s.class = 'success' AND s.posterior >= 0.5 ORDER BY 1`), []string{"alice", "bob", "carol", "dave", "erin", "lena"})
		eqRows(t, "owners' logins with a posterior over 0.1", strs(t, c, `SELECT DISTINCT a.username FROM attempt_scores s JOIN attempts a USING (attempt_id)
			WHERE s.class = 'success' AND s.posterior >= 0.1 AND a.username IN ('gerd', 'ivan', 'jane', 'kim', 'pia', 'quinn', 'hans', 'olga', 'nat1')`), nil)
		// The findings give each piece of evidence's points and why.
		eqRows(t, "alice's findings", strs(t, c, `SELECT f.heuristic, f.points > 0 FROM findings f JOIN attempts a USING (attempt_id)
			WHERE a.username = 'alice' AND a.outcome = 'success' AND f.heuristic IN ('unexpected-2fa', 'takeover-actions', 'bot-speed') ORDER BY 1`),
			[]string{"bot-speed | true", "takeover-actions | true", "unexpected-2fa | true"})
	})

	t.Run("campaigns", func(t *testing.T) {
		eqRows(t, "campaigns", strs(t, c, `SELECT campaign_id, first_seen, last_seen, successes, second_factor_stops FROM campaigns`),
			[]string{"C1 | 2024-03-04 12:00:00 | 2024-03-04 13:40:10.3 | 6 | 1"})
		var tool, inCampaign int
		one(t, c, `SELECT count(*), count(c.attempt_id) FROM attempts a LEFT JOIN campaign_attempts c USING (attempt_id)
			WHERE a.fingerprint = ?`, []any{toolFP}, &tool, &inCampaign)
		eq(t, "the tool's attempts in the campaign", inCampaign, tool)
		eq(t, "Result.Campaigns", res.Campaigns, 1)
	})

	t.Run("classify", func(t *testing.T) {
		eqRows(t, "verdicts", strs(t, c, `SELECT username, classification, coalesce(campaign_id, '-') FROM account_verdicts
			WHERE classification <> 'benign' ORDER BY username`), []string{
			"alice | compromised | C1", "bob | compromised | C1", "carol | compromised | C1", "dave | compromised | C1", "erin | compromised | C1",
			"f1 | targeted | C1", "f2 | targeted | C1", "f3 | targeted | C1", "f4 | targeted | C1",
			"frank | exposed | C1", // password right, TOTP wrong
			// an address that failed on four accounts, then got into a fifth
			"lena | compromised | C1",
			"t1 | targeted | C1", "t2 | targeted | C1", "t3 | targeted | C1", "t4 | targeted | C1",
			"t5 | targeted | C1", "t6 | targeted | C1", "t7 | targeted | C1", "t8 | targeted | C1",
		})
		eqRows(t, "alice", strs(t, c, `SELECT list_has_all(heuristics, ['bot-speed', 'client-shape', 'novel-login', 'takeover-actions', 'unexpected-2fa']),
			suspicious_ips, attacker_2fa_method, attacker_2fa_time, first_suspicious FROM account_verdicts WHERE username = 'alice'`),
			[]string{"true | [45.202.0.10] | totp | 2024-03-04 12:20:18.3 | 2024-03-04 12:20:10.3"})
		_, _, reasons := verdictOf(t, c, "alice")
		if want := "login in campaign C1 at 2024-03-04 12:20:10 UTC from 45.202.0.10, score "; !strings.HasPrefix(reasons, want) {
			t.Errorf("alice's reasons %q, want them to start %q", reasons, want)
		}
		for _, r := range []string{"; novel-login (+", "; unexpected-2fa (+", "totp added 8 s after this login", "; bot-speed (+"} {
			if !strings.Contains(reasons, r) {
				t.Errorf("alice's reasons %q lack %q", reasons, r)
			}
		}
		_, _, reasons = verdictOf(t, c, "dave")
		if !strings.Contains(reasons, "; 2 failed campaign attempts; ") || !strings.Contains(reasons, "success-after-attack (+") {
			t.Errorf("dave's reasons %q", reasons)
		}
		_, _, reasons = verdictOf(t, c, "frank")
		if !strings.HasPrefix(reasons, "password right at 2024-03-04 12:20:15 UTC from 45.9.0.10, stopped at the second factor") {
			t.Errorf("frank's reasons %q", reasons)
		}
		eq(t, "Result counts", fmt.Sprint(res.Compromised, res.Exposed, res.Targeted, res.NewToFreeze), "6 1 12 6")
		// The score is the deciding attempt's points: the sum of its
		// evidence's weights.
		eqRows(t, "scores that are not their evidence's sum", strs(t, c, `SELECT v.username, v.score, sum(w.points) FROM account_verdicts v
			JOIN attempt_scores s ON s.attempt_id = v.decisive_attempt
			JOIN window_evidence e ON e.attempt_id = v.decisive_attempt
			JOIN evidence_weights w ON w.feature = e.feature AND w.value = e.value AND w.class = s.class
			GROUP BY ALL HAVING abs(v.score - sum(w.points)) > 0.06`), nil)
	})

	t.Run("results are saved in the case", func(t *testing.T) {
		steps, err := analyze.Steps()
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range steps {
			for _, table := range st.Results {
				var n int
				one(t, c, `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?`, []any{table}, &n)
				if n != 1 {
					t.Errorf("step %s: result table %s is not in the case", st.ID, table)
				}
			}
		}
	})
}

// TestGivenWindowAndSettings: a window and parameters given by the user
// replace the ones found and the defaults, and are recorded.
func TestGivenWindowAndSettings(t *testing.T) {
	steps, err := analyze.Steps()
	if err != nil {
		t.Fatal(err)
	}
	set := analyze.Settings{}
	for k, v := range map[string]string{"dormant-wake.dormant_days": "400", "classify.freeze_posterior": "0.999"} {
		if err := set.Set(steps, k, v); err != nil {
			t.Fatal(err)
		}
	}
	w := buildMain()
	c, res := w.analyse(t, analyze.Options{Window: &analyze.Window{From: at(3, "11:00:00"), To: at(3, "14:00:00")}, Settings: set})
	eqRows(t, "analysis_window", strs(t, c, `SELECT window_from, window_to, source FROM analysis_window`),
		[]string{"2024-03-04 11:00:00 | 2024-03-04 14:00:00 | given"})
	// gerd's trip at 10:30 and olga's token at 14:05 are now outside it;
	// bob's 397 days are no longer dormant.
	eqRows(t, "evidence of gerd and olga in the window", strs(t, c, `SELECT DISTINCT a.username FROM window_evidence JOIN attempts a USING (attempt_id)
		WHERE a.username IN ('gerd', 'olga') AND a.time < '2024-03-04 14:00' AND a.time >= '2024-03-04 10:30' AND a.time < '2024-03-04 11:00'`), nil)
	eqRows(t, "bob", strs(t, c, `SELECT e.value FROM window_evidence e JOIN attempts a USING (attempt_id) WHERE a.username = 'bob' AND e.feature = 'last login'`),
		[]string{"quiet"})
	if res.Compromised == 0 || res.Compromised > 6 {
		t.Errorf("%d compromised at a freeze posterior of 0.999", res.Compromised)
	}
	var params string
	one(t, c, `SELECT parameters::VARCHAR FROM analysis_runs WHERE run_id = ?`, []any{res.RunID}, &params)
	for _, p := range []string{`"classify.freeze_posterior":0.999`, `"dormant-wake.dormant_days":400`, `"classify.exposed_posterior":0.9`} {
		if !strings.Contains(params, p) {
			t.Errorf("parameters %s lack %s", params, p)
		}
	}
}

// TestNoWindowNoIncident: when the signals' best stretch stays under the
// window's scores there is no window, so no campaign and no verdict, and
// what was examined is on record.
func TestNoWindowNoIncident(t *testing.T) {
	steps, _ := analyze.Steps()
	set := analyze.Settings{}
	for k, v := range map[string]string{"window.min_score": "100000", "window.candidate_score": "100000"} {
		if err := set.Set(steps, k, v); err != nil {
			t.Fatal(err)
		}
	}
	c, res := buildMain().analyse(t, analyze.Options{Settings: set})
	eqRows(t, "analysis_window", strs(t, c, `SELECT window_from, source, scan_from, score > 100 FROM analysis_window`),
		[]string{"NULL | none | 2024-03-04 12:00:00 | true"})
	eq(t, "result", fmt.Sprintf("%s %d %d %d %d", res.WindowSource, res.Campaigns, res.Compromised, res.Targeted, res.Benign), "none 0 0 0 0")
	eqRows(t, "verdicts", strs(t, c, `SELECT username FROM account_verdicts`), nil)
}

// TestAStretchUnderTheWindowScoreNeedsATakeover: a stretch of hours that
// scores between the candidate and the window score stands as the window
// only when the attribution in it names an account taken over; without
// one, the run withdraws it.
func TestAStretchUnderTheWindowScoreNeedsATakeover(t *testing.T) {
	steps, _ := analyze.Steps()
	for _, x := range []struct {
		freeze, exposed, source string
	}{{"0.9", "0.9", "confirmed"}, {"1.01", "1.01", "none"}} {
		set := analyze.Settings{}
		for k, v := range map[string]string{"window.min_score": "100000", "window.candidate_score": "10",
			"classify.freeze_posterior": x.freeze, "classify.exposed_posterior": x.exposed} {
			if err := set.Set(steps, k, v); err != nil {
				t.Fatal(err)
			}
		}
		c, res := buildMain().analyse(t, analyze.Options{Settings: set})
		eq(t, "window source, freeze at "+x.freeze, res.WindowSource, x.source)
		var verdicts int
		one(t, c, `SELECT count(*) FROM account_verdicts`, nil, &verdicts)
		if (verdicts > 0) != (x.source == "confirmed") {
			t.Errorf("freeze at %s: %d verdicts with window %s", x.freeze, verdicts, x.source)
		}
	}
}

// TestAnEmptyCaseIsRefused: a case with neither logs nor a snapshot has
// nothing to analyse, and says what to ingest.
func TestAnEmptyCaseIsRefused(t *testing.T) {
	c := newWorld().open(t)
	if _, err := analyze.Run(t.Context(), c, analyze.Options{ToolVersion: "test"}); !errors.Is(err, analyze.ErrEmptyCase) {
		t.Fatalf("Run on an empty case: %v, want ErrEmptyCase", err)
	}
}

// TestAnAttackInTheOwnersShape: an attacker that loads the form and its
// assets like the real users, with their language and browser, from a
// fresh address each time, has no shape of its own: its shape weighs
// nothing, and what it cannot copy decides (networks and countries its
// victims never used, an enrolment seconds after the login).
func TestAnAttackInTheOwnersShape(t *testing.T) {
	w := newWorld()
	recent := at(-5, "09:00:00")
	m := map[string]*user{}
	for i := range 10 {
		u := w.user(fmt.Sprintf("m%d", i), fmt.Sprintf("85.30.%d.20", i+1), "DE", langDE, 20, recent, false)
		m[u.name] = u
		for d := range 5 {
			w.session(u, at(d, "07:00:00").Add(time.Duration(4*i)*time.Minute))
		}
	}
	for _, n := range []string{"mt1", "mt2", "mt3", "mt4", "mt5", "mv", "mw"} {
		m[n] = w.user(n, "85.40."+n[1:]+".20", "DE", langDE, 20, recent, false)
	}
	w.session(m["m0"], at(3, "12:10:00"))
	w.session(m["m1"], at(3, "12:50:00"))
	w.post(login{u: m["m2"], at: at(3, "13:30:00"), ip: "91.20.1.5", cc: "DE", form: 5, assets: true, outcome: "success"}) // a new network at home
	w.post(login{u: m["m3"], at: at(3, "13:10:00"), form: 5, assets: true, outcome: "failure"})
	w.post(login{u: m["m3"], at: at(3, "13:10:30"), outcome: "success"})
	mimic := func(k int, u *user, outcome string, t time.Time) time.Time {
		ip, cc := attackIP(k)
		_, ev := w.post(login{u: u, at: t, ip: ip, cc: cc, family: "Firefox", ua: uaFirefox, lang: langDE, form: 4, assets: true, outcome: outcome})
		return ev
	}
	for k := range 30 {
		mimic(k, nil, "", at(3, "12:00:00").Add(time.Duration(200*k)*time.Second))
	}
	for i, n := range []string{"mt1", "mt2", "mt3", "mt4", "mt5"} {
		mimic(40+i, m[n], "failure", at(3, "12:05:10").Add(time.Duration(15*i)*time.Minute))
	}
	mv := mimic(50, m["mv"], "success", at(3, "13:45:00"))
	w.event(m["mv"], "account:two_factor:method_added", mv.Add(4*time.Second), "45.51.0.10", "BR")
	mimic(51, m["mw"], "success", at(3, "12:40:00"))
	const shape = "browser | de-DE,de;q=0.9 | assets fetched | application/x-www-form-urlencoded"

	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "window", strs(t, c, `SELECT window_from, window_to, source FROM analysis_window`), []string{"2024-03-04 10:00:00 | 2024-03-04 16:00:00 | auto"})
	var points float64
	one(t, c, `SELECT points FROM evidence_weights WHERE feature = 'client' AND value = ? AND class = 'success'`, []any{shape}, &points)
	if points < -1 || points > 1 {
		t.Errorf("the shape every owner shares weighs %.1f", points)
	}
	eqRows(t, "verdicts", strs(t, c, `SELECT username, classification FROM account_verdicts WHERE classification <> 'benign' ORDER BY username`), []string{
		"mt1 | targeted", "mt2 | targeted", "mt3 | targeted", "mt4 | targeted", "mt5 | targeted",
		"mv | compromised", "mw | compromised",
	})
	for _, n := range []string{"m0", "m1", "m2", "m3"} {
		if class, _, _ := verdictOf(t, c, n); class != "" && class != "benign" {
			t.Errorf("%s: %s", n, class)
		}
	}
}

// TestSecondFactorWindow: a second-factor page counts as a login POST's
// within attempts.second_factor_s of it (30 by default). In the main world
// it comes a second after the POST: at 0 s, the attacker's password
// stopped at the second factor at 12:50 is no longer read as one.
func TestSecondFactorWindow(t *testing.T) {
	steps, err := analyze.Steps()
	if err != nil {
		t.Fatal(err)
	}
	set := analyze.Settings{}
	if err := set.Set(steps, "attempts.second_factor_s", "0"); err != nil {
		t.Fatal(err)
	}
	c, _ := buildMain().analyse(t, analyze.Options{Settings: set})
	// As TestAnalysisOfTheMainWorld/attempts reads them at 30 s, but for
	// the last: its password was accepted, and no second factor followed.
	eqRows(t, "attack attempts", strs(t, c, `SELECT time, outcome, coalesce(username, '-'), status
		FROM attempts WHERE client IN ('45.1.0.10', '45.9.0.10', '45.21.0.10') ORDER BY time`),
		[]string{
			"2024-03-04 12:00:00 | unknown_user | - | 200",
			"2024-03-04 12:20:15 | failure | frank | 303",
			"2024-03-04 12:50:00 | password_ok | - | 303",
		})
}
