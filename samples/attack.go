package samples

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/freezeframe/freezeframe/twofactor"
)

// attempt is one try of one credential pair.
type attempt struct {
	t       time.Time
	user    int // index of an existing account, or -1 for a username that does not exist
	valid   bool
	country int // for a username that does not exist: where its owner would live
}

// planAttack draws the campaign: which usernames, when, with which outcome.
// Each username is tried once, some wrong ones twice; the attempts are
// spread over the campaign at a flat rate or along the users' daily curve.
func (g *gen) planAttack() []attempt {
	a := g.opt.Scenario.Attacker
	if a == nil {
		return nil
	}
	r := g.atk
	end := g.opt.Snapshot.Add(-time.Duration(a.EndBefore * float64(time.Hour)))
	length := time.Duration(a.Hours * float64(time.Hour))
	start := end.Add(-length)
	if earliest := g.facts.LogsFrom.Add(24 * time.Hour); start.Before(earliest) {
		start, length = earliest, end.Sub(earliest)
	}
	g.facts.AttackStart, g.facts.AttackEnd = start, end
	at := func() time.Time {
		for {
			t := start.Add(time.Duration(r.Int64N(int64(length))))
			if !a.Diurnal || r.Float64()*1.5 < diurnal(t.Hour()) {
				return t
			}
		}
	}
	targets := r.Perm(len(g.users))[:max(1, int(math.Round(a.TargetShare*float64(len(g.users)))))]
	owners := map[int]bool{}
	if a.Tamper {
		// The list holds working passwords of a few project owners without
		// 2FA: the accounts whose takeover lets the attacker publish.
		for _, p := range g.projs {
			if u := g.users[p.owner]; !u.totp && !u.webauthn && len(owners) < 3 {
				owners[p.owner] = true
			}
		}
		for i := range owners {
			if !slices.Contains(targets, i) {
				targets = append(targets, i)
			}
		}
		sort.Ints(targets)
	}
	var plan []attempt
	for _, i := range targets {
		x := attempt{t: at(), user: i, valid: owners[i] || r.Float64() < a.ValidShare}
		plan = append(plan, x)
		if !x.valid && r.Float64() < a.Retry { // a second password for the same username
			plan = append(plan, attempt{t: at(), user: i})
		}
	}
	unknown := 0
	if a.UnknownShare > 0 {
		unknown = int(math.Round(a.UnknownShare / (1 - a.UnknownShare) * float64(len(plan))))
	}
	for k := 0; k < unknown; k++ {
		plan = append(plan, attempt{t: at(), user: -1, country: userCountry(r)})
		g.facts.UnknownUsernames++
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].t.Before(plan[j].t) })
	g.facts.Attempts = len(plan)
	g.attackIPs = map[string]bool{}
	for k := 0; k < a.Pool; k++ {
		g.dcPool = append(g.dcPool, fmt.Sprintf("185.220.%d.%d", 100+r.IntN(4), 1+r.IntN(254)))
	}
	return plan
}

// attackClient returns the bot's address, user agent and language for one
// attempt on a user (nil for a username that does not exist, whose owner
// would live in country).
func (g *gen) attackClient(u *user, country int) (ip, ua, lang string) {
	a, r := g.opt.Scenario.Attacker, g.atk
	if u != nil {
		country = u.country
	}
	switch a.Addresses {
	case "datacenter":
		ip = g.dcPool[r.IntN(len(g.dcPool))]
		g.place(ip, 9)
	case "victim-country":
		ip = addrIn(r, country)
		g.place(ip, country)
	default: // residential: a fresh address per attempt, mostly where proxy pools exit
		c := proxyCountries[r.IntN(len(proxyCountries))]
		ip = addrIn(r, c)
		g.place(ip, c)
	}
	if !g.attackIPs[ip] {
		g.attackIPs[ip] = true
		g.facts.AttackerIPs++
	}
	ua = a.Tool
	if a.Agents == "browsers" {
		ua = browsers[browserOf(r)].ua
	}
	switch a.Language {
	case "common":
		lang = countries[0].lang
	case "victim":
		lang = countries[country].lang
	default:
		lang = a.Language
	}
	return ip, ua, lang
}

// formPause is how long after loading the form the bot posts it.
func (g *gen) formPause() time.Duration {
	switch g.opt.Scenario.Attacker.Form {
	case "fast":
		return between(g.atk, 0.3, 1.5)
	case "typical":
		return between(g.atk, 2, 12)
	case "human":
		return between(g.atk, 4, 30)
	}
	return 0
}

func (g *gen) attack(x attempt) {
	a, r := g.opt.Scenario.Attacker, g.atk
	var u *user
	if x.user >= 0 {
		u = g.users[x.user]
	}
	ip, ua, lang := g.attackClient(u, x.country)
	agent := agentOf(ua)
	t := x.t
	login := "/account/login/"
	if a.Form != "none" {
		g.req(r, t, ip, "GET", login, 200, ua, lang)
		if a.Assets == "always" || (a.Assets == "sometimes" && r.IntN(2) == 0) {
			g.req(r, t.Add(150*time.Millisecond), ip, "GET", "/static/css/warehouse-ltr.css", 200, ua, lang)
			g.req(r, t.Add(250*time.Millisecond), ip, "GET", "/static/js/warehouse.js", 200, ua, lang)
		}
		t = t.Add(g.formPause())
	}
	if u == nil {
		g.post(r, t, ip, login, 200, ua, lang)
		return
	}
	if !x.valid {
		if g.post(r, t, ip, login, 200, ua, lang) != 200 {
			return // rate limited: no event, the password was not even checked
		}
		g.emit(event{t: t, user: x.user, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_password"}, ip: ip, agent: agent})
		if u.label == "" {
			u.label, u.evidence = "targeted", fmt.Sprintf("failed password at %s from %s", ts(t), ip)
			g.facts.Targeted++
		}
		return
	}
	if g.post(r, t, ip, login, 303, ua, lang) == 429 {
		return
	}
	if u.label == "targeted" {
		g.facts.Targeted--
	}
	if u.totp || u.webauthn {
		token := "?" + twofactor.Encode(u.id, "", t, g.secret)
		g.req(r, t.Add(300*time.Millisecond), ip, "GET", "/account/two-factor/"+token, 200, ua, lang)
		u.label, u.evidence = "exposed", fmt.Sprintf("right password at %s from %s, stopped at the second factor", ts(t), ip)
		if a.SecondFactor == "guess" && u.totp {
			gt := t.Add(between(r, 2, 20))
			g.post(r, gt, ip, "/account/two-factor/"+token, 200, ua, lang)
			g.emit(event{t: gt, user: x.user, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_totp"}, ip: ip, agent: agent})
			u.evidence += ", one wrong code"
		}
		g.facts.Exposed++
		return
	}
	g.success(x.user, t, ip, agent)
	g.browse(r, t, ip, ua, lang, r.IntN(a.Browse+1), u)
	u.label = "compromised"
	u.evidence = fmt.Sprintf("attacker logged in at %s from %s", ts(t), ip)
	g.facts.Compromised++
	if a.After != "nothing" && r.Float64() < a.EnrolShare {
		et := t.Add(between(r, a.EnrolDelay[0], a.EnrolDelay[1]))
		codes := between(r, 0.5, 3)
		if a.After == "pause-enrol" {
			codes = between(r, 1, 20)
		}
		g.enrol(r, x.user, et, ip, ua, lang, codes)
		u.evidence += fmt.Sprintf(", TOTP enrolled %.0f s later", et.Sub(t).Seconds())
	}
	if a.Tamper && len(u.projects) > 0 {
		tt := t.Add(between(r, 60, 600))
		g.emit(event{t: tt, user: x.user, tag: "account:api_token:added", additional: map[string]any{"description": "upload", "caveats": []any{}}, ip: ip, agent: agent})
		for _, p := range u.projects {
			g.upload(r, g.projs[p], tt.Add(between(r, 10, 60)), ip, u.username)
			g.facts.TamperedProjects++
		}
		u.evidence += ", uploaded to owned projects"
	}
}
