package analyze_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
)

// mainCase is the main world, analysed once for every heuristic's test.
type mainCase struct {
	w *mainWorld
	c *casefile.Case
}

// ev returns the values feature took on username's attempts in the
// window, with their outcomes, in time order.
func (m *mainCase) ev(t *testing.T, feature, username string) []string {
	t.Helper()
	return strs(t, m.c, `SELECT a.outcome || ': ' || e.value FROM window_evidence e JOIN attempts a USING (attempt_id)
		WHERE e.feature = ? AND a.username = ? ORDER BY a.time, a.attempt_id`, feature, username)
}

// evRows checks the values each feature took on each user's attempts.
func (m *mainCase) evRows(t *testing.T, want []evWant) {
	t.Helper()
	for _, x := range want {
		eqRows(t, x.feature+" of "+x.user, m.ev(t, x.feature, x.user), x.want)
	}
}

type evWant struct {
	feature, user string
	want          []string
}

// ruleTests holds the test of every heuristic, by its id: what it reads
// on the main world, or on a world of its own where the main one does not
// show it. TestEveryHeuristicHasATest fails when a heuristic has none.
var ruleTests = map[string]func(t *testing.T, m *mainCase){
	"novel-login": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{
			// the attacker: a network and country alice never logged in from, with a browser she never used
			{"network", "alice", []string{"success: new network and country"}},
			{"browser", "alice", []string{"success: new browser family"}},
			{"network", "carol", []string{"success: no other login on record"}},
			// the traveller keeps his browser and language
			{"network", "gerd", []string{"success: new network and country"}},
			{"browser", "gerd", []string{"success: known browser family"}},
			{"language", "gerd", []string{"success: as its other sessions"}},
		})
	},
	"dormant-wake": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{{"last login", "bob", []string{"success: dormant"}}})
	},
	"bot-speed": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{
			{"form", "alice", []string{"success: form not loaded"}},
			{"form", "pia", []string{"success: posted after 1-3 s"}},
			{"form", "quinn", []string{"success: posted within 1 s"}},
		})
	},
	"client-shape": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{
			// the tool's shape, whatever address it comes from; the form is bot-speed's
			{"client", "alice", []string{"success: browser | en-US,en;q=0.9 | no assets | application/x-www-form-urlencoded"}},
			{"client", "gerd", []string{"success: browser | de-DE,de;q=0.9 | assets fetched | application/x-www-form-urlencoded"}},
		})
	},
	"campaign-country": testCampaignCountry,
	"fanout": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{
			{"address fan-out", "lena", []string{"success: other targets, mostly failed (1-9)"}},
			// behind the office NAT, a typo then the right password: the
			// address mostly gets in
			{"address fan-out", "nat1", []string{"failure: other targets, mostly got in", "success: other targets, mostly got in"}},
		})
		eqRows(t, "flagged sources", strs(t, m.c, `SELECT scope, subject, evidence FROM findings WHERE heuristic = 'fanout' AND scope <> 'attempt' ORDER BY scope`),
			[]string{"ip | 185.220.101.5 | 4 of 5 login attempts failed, on 4 accounts or unknown usernames"})
		// The office NAT failed on three accounts in the window, but most
		// of its logins succeeded.
		eqRows(t, "NAT flagged", strs(t, m.c, `SELECT scope, subject FROM fanout_sources WHERE subject IN ('198.51.100.7', '198.51.100.0/24')`), nil)
	},
	"unexpected-2fa": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{
			{"enrolment after login", "alice", []string{"success: within 10 s"}},
			// hans enrols a minute after logging in at home, as the mandate asks
			{"enrolment after login", "hans", []string{"success: after 30-150 s", "success: none"}},
		})
	},
	"success-after-attack": func(t *testing.T, m *mainCase) {
		// dave: two failures from other addresses, then a success
		m.evRows(t, []evWant{{"failures before", "dave", []string{"success: failed from other addresses"}}})
	},
	"takeover-actions": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{
			{"actions after login", "alice", []string{"success: took actions"}},
			{"actions after login", "olga", []string{"success: took actions"}},
		})
	},
	"impossible-travel": func(t *testing.T, m *mainCase) {
		m.evRows(t, []evWant{
			{"travel", "ivan", []string{"success: possible", "success: impossible"}},
			{"travel", "jane", []string{"success: possible"}},
		})
	},
	"failure-rate": func(t *testing.T, m *mainCase) {
		eqRows(t, "hours", strs(t, m.c, `SELECT subject, points, evidence FROM findings WHERE heuristic = 'failure-rate' ORDER BY subject`),
			[]string{
				"2024-03-04T12:00Z | 0 | 26 failed logins (16 on unknown usernames) against a baseline of 0 (95th percentile 0) at this hour; 5 successes against 0",
				"2024-03-04T13:00Z | 0 | 15 failed logins (9 on unknown usernames) against a baseline of 0 (95th percentile 0) at this hour; 5 successes against 0",
			})
	},
}

// heuristicIDs are the ids of the heuristics analyze runs.
func heuristicIDs(t *testing.T) []string {
	t.Helper()
	steps, err := analyze.Steps()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, st := range steps {
		if st.Kind == analyze.KindHeuristic {
			ids = append(ids, st.ID)
		}
	}
	return ids
}

// TestRule runs the test of every heuristic, as a subtest named after its
// id (go test -run TestRule/novel-login).
func TestRule(t *testing.T) {
	w := buildMain()
	c, _ := w.analyse(t, analyze.Options{})
	m := &mainCase{w, c}
	for _, id := range heuristicIDs(t) {
		if test, ok := ruleTests[id]; ok {
			t.Run(id, func(t *testing.T) { test(t, m) })
		}
	}
}

// TestEveryHeuristicHasATest: a heuristic added without a test in
// ruleTests, or a test left behind by a heuristic renamed or removed,
// fails here.
func TestEveryHeuristicHasATest(t *testing.T) {
	ids := heuristicIDs(t)
	for _, id := range ids {
		if _, ok := ruleTests[id]; !ok {
			t.Errorf("heuristic %s has no test: add one to ruleTests", id)
		}
	}
	for id := range ruleTests {
		if !slices.Contains(ids, id) {
			t.Errorf("ruleTests tests %s, which is no heuristic", id)
		}
	}
}

// testCampaignCountry: on a world of its own, where the site's users log in
// from Germany and a few from France, and a credential list is replayed
// from Vietnam and, a third of the time, from fresh French addresses. Every
// attempt's country is read, with the address in the window; the campaign's
// own country weighs for it, and France, which holds a share of both the
// users' logins and the campaign's, weighs far less.
func testCampaignCountry(t *testing.T, _ *mainCase) {
	w := newWorld()
	recent := at(-5, "09:00:00")
	var owners, targets []*user
	for i := range 10 {
		cc, ip, lang := "DE", fmt.Sprintf("85.30.%d.20", i+1), langDE
		if i >= 8 {
			cc, ip, lang = "FR", fmt.Sprintf("90.10.%d.20", i+1), "fr-FR,fr;q=0.9"
		}
		owners = append(owners, w.user(fmt.Sprintf("m%d", i), ip, cc, lang, 20, recent, false))
		for d := range 5 {
			w.session(owners[i], at(d, "07:00:00").Add(time.Duration(4*i)*time.Minute))
		}
	}
	// users who give up after a wrong password, on every day
	for d := range 5 {
		w.post(login{u: owners[d], at: at(d, "18:00:00"), form: 5, assets: true, outcome: "failure"})
		w.post(login{u: owners[8+d%2], at: at(d, "19:00:00"), form: 5, assets: true, outcome: "failure"})
	}
	for i := range 8 {
		targets = append(targets, w.user(fmt.Sprintf("t%d", i), fmt.Sprintf("85.40.%d.20", i+1), "DE", langDE, 20, recent, false))
	}
	country := func(k int) (string, string) {
		if k%3 == 2 {
			return fmt.Sprintf("91.%d.0.10", k+1), "FR"
		}
		return fmt.Sprintf("45.%d.0.10", k+1), "VN"
	}
	for k := range 30 {
		ip, cc := country(k)
		w.post(login{at: at(3, "12:00:00").Add(time.Duration(200*k) * time.Second), ip: ip, cc: cc, ua: uaFirefox, lang: langDE})
	}
	for i, u := range targets {
		ip, cc := country(40 + i)
		w.post(login{u: u, at: at(3, "12:05:10").Add(time.Duration(10*i) * time.Minute), ip: ip, cc: cc, outcome: "failure"})
	}
	c, _ := w.analyse(t, analyze.Options{})
	eqRows(t, "window", strs(t, c, `SELECT window_from, window_to, source FROM analysis_window`), []string{"2024-03-04 10:00:00 | 2024-03-04 16:00:00 | auto"})
	// Every attempt in the window has its country read, with the address.
	eqRows(t, "attempts in the window without a country", strs(t, c, `SELECT s.attempt_id FROM attempt_scores s
		ANTI JOIN window_evidence e ON e.attempt_id = s.attempt_id AND e.heuristic = 'campaign-country' AND e.feature = 'country'`), nil)
	eqRows(t, "the campaign's failures on t0 and t1", strs(t, c, `SELECT a.username, e.value, e.detail FROM window_evidence e JOIN attempts a USING (attempt_id)
		WHERE e.feature = 'country' AND a.username IN ('t0', 't1') ORDER BY a.username`),
		[]string{"t0 | VN | from VN (45.41.0.10)", "t1 | FR | from FR (91.42.0.10)"})
	// What the attribution makes of it, for the campaign's failed logins
	// against the users' give-ups: Vietnam, the campaign's alone, weighs
	// for it; France, which both show, about nothing; Germany, the users'
	// own, against it.
	weight := map[string]float64{}
	for _, cc := range []string{"VN", "FR", "DE"} {
		var p float64
		one(t, c, `SELECT points FROM evidence_weights WHERE feature = 'country' AND class = 'failure' AND value = ?`, []any{cc}, &p)
		weight[cc] = p
	}
	if weight["VN"] < 3 || weight["FR"] < -1 || weight["FR"] > 1 || weight["DE"] > -2 {
		t.Errorf("country weights for failed logins %v: want VN over 3, FR within 1 of 0, DE under -2", weight)
	}
}
