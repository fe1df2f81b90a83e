package samples

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// attempt is one try of one credential pair.
type attempt struct {
	t       time.Time
	user    int    // index of an existing account, or -1
	unknown string // a username that does not exist
	valid   bool
}

// planAttack draws the campaign: which usernames, when, with which outcome.
// Attempts are spread evenly over the campaign, so that the hourly login
// rate stays within its usual range; each username is tried once or twice.
func (g *gen) planAttack() []attempt {
	s := g.opt.Scenario
	if !s.Attack {
		return nil
	}
	end := g.opt.Snapshot.Add(-4 * time.Hour)
	start := end.Add(-s.AttackLength)
	g.facts.AttackStart, g.facts.AttackEnd = start, end
	targets := g.r.Perm(len(g.users))[:int(math.Round(s.Targets*float64(len(g.users))))]
	var plan []attempt
	at := func() time.Time { return start.Add(time.Duration(g.r.Int64N(int64(s.AttackLength)))) }
	owners := map[int]bool{}
	if s.Tamper {
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
	for _, i := range targets {
		a := attempt{t: at(), user: i, valid: owners[i] || g.r.Float64() < s.ValidShare}
		plan = append(plan, a)
		if !a.valid && g.r.IntN(10) == 0 { // a second password for the same username
			plan = append(plan, attempt{t: at(), user: i})
		}
	}
	for k := 0; k < int(math.Round(s.Unknown*float64(len(targets)))); k++ {
		plan = append(plan, attempt{t: at(), user: -1, unknown: fmt.Sprintf("%s%d", []string{"john", "admin", "test", "maria", "dev", "py"}[g.r.IntN(6)], 100000+g.r.IntN(900000))})
		g.facts.UnknownUsernames++
	}
	sort.Slice(plan, func(a, b int) bool { return plan[a].t.Before(plan[b].t) })
	g.facts.Attempts = len(plan)
	g.attackIPs = map[string]bool{}
	if s.Proxies == "datacenter" {
		for k := 0; k < 5; k++ {
			g.dcPool = append(g.dcPool, fmt.Sprintf("185.220.%d.%d", 100+g.r.IntN(4), 1+g.r.IntN(254)))
		}
	}
	return plan
}

// attackAgent returns the bot's client for one attempt.
func (g *gen) attackAgent() (ua, lang string, info agentInfo) {
	if g.opt.Scenario.Agents == "headless" {
		h := headless[g.r.IntN(len(headless))]
		return h.ua, "", agentInfo{installer: "Browser", os: h.os, family: h.family}
	}
	b := g.r.IntN(len(browsers))
	return browsers[b].ua, "en-US,en;q=0.9", browserInfo(b)
}

func (g *gen) attackIP() string {
	var ip string
	if g.opt.Scenario.Proxies == "datacenter" {
		ip = g.dcPool[g.r.IntN(len(g.dcPool))]
	} else {
		// Residential proxies: a fresh address per attempt, mostly from
		// countries where few of the accounts live.
		c := []int{10, 11, 6, 3, 4, 0, 1}[g.r.IntN(7)]
		ip = g.addrIn(c)
		g.ip(ip, c)
	}
	if !g.attackIPs[ip] {
		g.attackIPs[ip] = true
		g.facts.AttackerIPs++
	}
	return ip
}

func (g *gen) attack(a attempt) {
	s := g.opt.Scenario
	ip := g.attackIP()
	if s.Proxies == "datacenter" {
		g.ip(ip, 9)
	}
	ua, lang, info := g.attackAgent()
	t := a.t
	if s.Static {
		g.req(t, ip, "GET", "/account/login/", 200, ua, lang)
		g.req(t.Add(150*time.Millisecond), ip, "GET", "/static/css/warehouse-ltr.css", 200, ua, lang)
		g.req(t.Add(250*time.Millisecond), ip, "GET", "/static/js/warehouse.js", 200, ua, lang)
		t = t.Add(g.between(3, 12))
	} else {
		t = t.Add(g.between(0.2, 1.5))
	}
	if a.user < 0 {
		g.req(t, ip, "POST", "/account/login/", 200, ua, lang)
		return
	}
	u := g.users[a.user]
	if !a.valid {
		g.req(t, ip, "POST", "/account/login/", 200, ua, lang)
		g.emit(event{t: t, user: a.user, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_password"}, ip: ip, agent: info})
		if u.label == "" {
			u.label, u.evidence = "targeted", fmt.Sprintf("failed password at %s from %s", ts(t), ip)
			g.facts.Targeted++
		}
		return
	}
	g.req(t, ip, "POST", "/account/login/", 303, ua, lang)
	if u.totp || u.webauthn {
		g.req(t.Add(300*time.Millisecond), ip, "GET", "/account/two-factor/", 200, ua, lang)
		if u.label == "targeted" {
			g.facts.Targeted--
		}
		u.label, u.evidence = "exposed", fmt.Sprintf("right password at %s from %s, stopped at the second factor", ts(t), ip)
		g.facts.Exposed++
		return
	}
	if u.label == "targeted" {
		g.facts.Targeted--
	}
	g.emit(event{t: t, user: a.user, tag: "account:login:success", additional: map[string]any{"two_factor_method": nil, "two_factor_label": nil}, ip: ip, agent: info})
	g.req(t.Add(300*time.Millisecond), ip, "GET", "/manage/projects/", 200, ua, lang)
	u.label = "compromised"
	u.evidence = fmt.Sprintf("attacker logged in at %s from %s", ts(t), ip)
	g.facts.Compromised++
	if g.r.Float64() < s.EnrolShare {
		et := t.Add(g.between(s.EnrolDelay[0], s.EnrolDelay[1]))
		g.req(et.Add(-time.Second), ip, "GET", "/manage/account/totp-provision/", 200, ua, lang)
		g.req(et, ip, "POST", "/manage/account/totp-provision/", 303, ua, lang)
		g.emit(event{t: et, user: a.user, tag: "account:two_factor:method_added", additional: map[string]any{"method": "totp"}, ip: ip, agent: info})
		g.emit(event{t: et.Add(time.Second), user: a.user, tag: "account:email:sent", additional: map[string]any{
			"from_": "noreply@pypi.org", "to": u.email, "subject": "Two-factor method added", "redact_ip": false}, ip: ip, agent: info})
		ct := et.Add(g.between(0.5, 3))
		g.req(ct, ip, "GET", "/manage/account/recovery-codes/", 200, ua, lang)
		g.emit(event{t: ct, user: a.user, tag: "account:recovery_codes:generated", additional: map[string]any{}, ip: ip, agent: info})
		u.totp, u.codes = true, ct
		u.evidence += fmt.Sprintf(", TOTP enrolled %.0f s later", et.Sub(t).Seconds())
	}
	if s.Tamper && len(u.projects) > 0 {
		tt := t.Add(g.between(60, 600))
		g.emit(event{t: tt, user: a.user, tag: "account:api_token:added", additional: map[string]any{"description": "upload", "caveats": []any{}}, ip: ip, agent: info})
		for _, p := range u.projects {
			g.upload(g.projs[p], tt.Add(g.between(10, 60)), ip, u.username)
			g.facts.TamperedProjects++
		}
		u.evidence += ", uploaded to owned projects"
	}
}
