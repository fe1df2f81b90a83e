package analyze_test

// Regression tests for behaviour of sql/analyze and analyze/settings.go that
// was wrong when heuristics_test.go was written. They use the world builder
// of world_test.go and heuristics_test.go.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
)

// 10_attempts.sql once paired an event with the latest POST of its client up
// to clock_skew_s AFTER the event, not with its own. A client posting
// once a second (a single-source tool) got each event paired with the
// next POST, and the POSTs left over became phantom unknown usernames.
func TestRapidPostsFromOneAddressPairWithTheirOwnEvents(t *testing.T) {
	w := buildMain()
	for i, n := range []string{"f1", "f2", "f3", "f4"} {
		w.post(login{u: w.u[n], at: at(2, "20:00:00").Add(time.Duration(i) * time.Second), ip: "203.0.113.9", cc: "NL",
			family: "Python Requests", ua: uaPython, lang: "-", outcome: "failure"})
	}
	c, _ := w.analyse(t, analyze.Options{})
	got := strs(t, c, `SELECT outcome, coalesce(username, '-'), line_no FROM attempts WHERE client = '203.0.113.9' ORDER BY time`)
	// got: unknown_user - L1, failure f1 L3, unknown_user - L2, failure f2 L4, failure f3 L4, failure f4 L4
	if len(got) != 4 || strings.Contains(strings.Join(got, "\n"), "unknown_user") {
		t.Errorf("four wrong passwords a second apart: attempts %q, want four failures, each with its own POST", got)
	}
}

// 56_fanout.sql: rate-limited POSTs (429) counted as attempts but not as
// failures, so an address the site throttled looked less hostile.
func TestRateLimitedAttemptsCountAsFailedForFanout(t *testing.T) {
	w := buildMain()
	for i, n := range []string{"f1", "f2", "f3"} {
		w.post(login{u: w.u[n], at: at(3, "12:30:00").Add(time.Duration(i) * time.Minute), ip: "203.0.113.9", cc: "NL",
			family: "Python Requests", ua: uaPython, lang: "-", outcome: "failure"})
	}
	for i := range 4 {
		w.post(login{at: at(3, "12:35:00").Add(time.Duration(i) * time.Minute), ip: "203.0.113.9", cc: "NL", ua: uaPython, lang: "-", status: 429})
	}
	c, _ := w.analyse(t, analyze.Options{})
	if got := strs(t, c, `SELECT subject FROM fanout_sources WHERE subject = '203.0.113.9'`); len(got) != 1 {
		t.Errorf("an address that failed on 3 accounts and was then rate-limited 4 times is not flagged (3 of 7 failed)")
	}
}

// 51_novel_login.sql: a login with no Accept-Language at all, on an
// account whose own sessions always sent one, was not read as a language
// at all; it is one of its own.
func TestMissingAcceptLanguageIsALanguageOfItsOwn(t *testing.T) {
	w := buildMain()
	w.post(login{u: w.u["gerd"], at: at(3, "13:50:00"), ip: "45.210.0.10", cc: "VN", family: "Firefox", ua: uaFirefox, lang: "-", outcome: "success"})
	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "gerd's language at 13:50", strs(t, c, `SELECT e.value FROM window_evidence e JOIN attempts a USING (attempt_id)
		WHERE a.username = 'gerd' AND a.time >= '2024-03-04 13:50' AND e.feature LIKE 'language%'`), []string{"none sent"})
}

// settings.go: Set accepted values the SQL cannot bind; Run then failed
// with a Binder Error instead of Set giving a usage error.
func TestSettingsRefuseValuesTheSQLCannotUse(t *testing.T) {
	steps, _ := analyze.Steps()
	for _, kv := range [][2]string{{"classify.freeze_posterior", "inf"}, {"classify.freeze_posterior", "NaN"}, {"attempts.static_prefix", "1"}} {
		s := analyze.Settings{}
		if err := s.Set(steps, kv[0], kv[1]); err != nil {
			continue // rejected: fine
		}
		c := buildMain().open(t)
		if _, err := analyze.Run(t.Context(), c, analyze.Options{Settings: s, ToolVersion: "test"}); err != nil {
			t.Errorf("Set(%s=%s) accepted, Run: %v", kv[0], kv[1], err)
		}
	}
}

// 10_attempts.sql paired every event of a second with the client's last
// POST of that second. Behind a shared address, one user's wrong password
// and another's login in the same second left the first POST unexplained:
// an "unknown username" from the NAT, and enough of them over a week made
// the address a campaign of its own at PyPI size.
func TestUsersBehindOneAddressInTheSameSecondKeepTheirOwnPosts(t *testing.T) {
	w := buildMain()
	t0 := at(3, "15:00:00")
	typo, _ := w.post(login{u: w.u["nat1"], at: t0, outcome: "failure", skew: 0.2})
	ok, _ := w.post(login{u: w.u["nat2"], at: t0, outcome: "success", skew: 0.6})
	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "attempts of the second", strs(t, c, `SELECT outcome, coalesce(username, '-'), line_no FROM attempts
		WHERE client = '198.51.100.7' AND time >= $1 AND time < $2 ORDER BY line_no`, t0, t0.Add(time.Second)),
		[]string{fmt.Sprintf("failure | nat1 | %d", typo), fmt.Sprintf("success | nat2 | %d", ok)})
}

// 80_campaigns.sql kept any component of ten linked attempts on five
// accounts, logins included. Dormant accounts behind one shared address
// waking on the same day, with a browser family they never used, share the
// address: with no failed attempt among them they are no campaign's.
func TestLoginsAloneMakeNoCampaign(t *testing.T) {
	w := buildMain()
	for k := range 10 {
		u := w.user(fmt.Sprintf("dorm%d", k), "198.51.100.50", "DE", langDE, 5, time.Date(2023, 6, 1, 9, 0, 0, 0, time.UTC), false)
		// a browser family the account never used, from its own address
		w.post(login{u: u, at: at(3, "12:03:00").Add(time.Duration(9*k) * time.Minute), family: "Chrome", ua: uaChrome, form: 6, assets: true, outcome: "success"})
	}
	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "198.51.100.50 in campaigns", strs(t, c, `SELECT DISTINCT campaign_id FROM campaign_attempts JOIN attempts USING (attempt_id) WHERE client = '198.51.100.50'`), nil)
	eqRows(t, "their verdicts", strs(t, c, `SELECT DISTINCT classification FROM account_verdicts WHERE username LIKE 'dorm%' AND classification NOT IN ('benign', 'review')`), nil)
	eqRows(t, "campaigns", strs(t, c, `SELECT campaign_id FROM campaigns`), []string{"C1"})
}

// 10_attempts.sql took every failed POST that no event explains for a
// username with no account. People type their email address as the
// username and correct it seconds later: behind a shared address, a week of
// that made a campaign of its own, and everywhere it inflated the
// campaign-like attempts the window is found from. A POST corrected by an
// accepted one from the same client and browser is a corrected username;
// one followed by another browser's login, or only after typo_window_s,
// still names an unknown user.
func TestCorrectedUsernamesAreNotUnknownUsers(t *testing.T) {
	w := buildMain()
	nat := w.u["nat1"]
	t0 := at(3, "16:00:00")
	typo, _ := w.post(login{at: t0, ip: nat.ip, cc: nat.cc, ua: nat.ua, lang: nat.lang, form: 5, assets: true})
	w.post(login{u: nat, at: t0.Add(6 * time.Second), outcome: "failure"}) // and a wrong password in between
	w.post(login{u: nat, at: t0.Add(14 * time.Second), outcome: "success"})
	t1 := at(3, "17:00:00")
	other, _ := w.post(login{at: t1, ip: nat.ip, cc: nat.cc, ua: uaChrome, lang: langEN})
	w.post(login{u: w.u["nat2"], at: t1.Add(4 * time.Second), outcome: "success"})
	t2 := at(3, "18:00:00")
	late, _ := w.post(login{at: t2, ip: nat.ip, cc: nat.cc, ua: nat.ua, lang: nat.lang})
	w.post(login{u: w.u["nat3"], at: t2.Add(2 * time.Minute), outcome: "success"})
	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "lone POSTs from the NAT", strs(t, c, `SELECT line_no, outcome FROM attempts WHERE client = $1 AND event_id IS NULL ORDER BY line_no`, nat.ip),
		[]string{fmt.Sprintf("%d | username_corrected", typo), fmt.Sprintf("%d | unknown_user", other), fmt.Sprintf("%d | unknown_user", late)})
}

// 10_attempts.sql let several events take the same POST in one pass: two
// users behind the NAT completing their second factors within seconds of
// each other both took the later password POST, and the earlier one read
// as a password stopped at the second factor. Now a POST goes to one
// account, and an event prefers a POST from a browser of its own family.
func TestSecondFactorsBehindOneAddressTakeOnePostEach(t *testing.T) {
	w := buildMain()
	t0 := at(3, "19:00:00")
	first, _ := w.post(login{u: w.u["nat4"], at: t0, form: 5, outcome: "success", second: "totp"})
	second, _ := w.post(login{u: w.u["nat5"], at: t0.Add(5 * time.Second), form: 5, outcome: "success", second: "totp",
		family: "Chrome", ua: uaChrome})
	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "the two logins", strs(t, c, `SELECT coalesce(username, '-'), outcome, line_no FROM attempts
		WHERE client = '198.51.100.7' AND time >= $1 AND time < $2 ORDER BY line_no, username`, t0, t0.Add(time.Minute)),
		[]string{fmt.Sprintf("nat4 | success | %d", first), fmt.Sprintf("nat5 | success | %d", second)})
}

// A failed POST the server answered with an error is not a mistyped
// username, however soon a login follows it.
func TestServerErrorsAreNotCorrectedUsernames(t *testing.T) {
	w := buildMain()
	nat := w.u["nat6"]
	t0 := at(3, "20:00:00")
	failed, _ := w.post(login{at: t0, ip: nat.ip, cc: nat.cc, ua: nat.ua, lang: nat.lang, form: 5, status: 500})
	w.post(login{u: nat, at: t0.Add(8 * time.Second), outcome: "success"})
	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "the POST answered 500", strs(t, c, `SELECT outcome FROM attempts WHERE client = $1 AND line_no = $2`, nat.ip, failed),
		[]string{"other"})
}
