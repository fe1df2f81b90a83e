package samples

import (
	"fmt"
	"sort"
	"time"
)

// noiseAttempt is one login attempt of the background: a scripted client
// or a burst trying a username it has no password for.
type noiseAttempt struct {
	t      time.Time
	client *noiseClient
}

// noiseClient is a list-testing script: a few addresses, one user agent,
// with or without loading the form first.
type noiseClient struct {
	addrs []string
	ua    string
	lang  string
	form  bool
}

// planBackground draws the week's background: each scripted client at a
// steady rate all week, and the bursts, each a few minutes long. Their
// attempts name usernames that mostly do not exist and never have a right
// password.
func (g *gen) planBackground() []noiseAttempt {
	b, r := g.opt.Scenario.Background, g.bg
	from, span := g.facts.LogsFrom, g.opt.Snapshot.Sub(g.facts.LogsFrom)
	client := func(addrs int) *noiseClient {
		c := &noiseClient{form: r.IntN(3) == 0}
		if r.IntN(3) == 0 { // a browser, or something claiming to be one
			c.ua, c.lang = browsers[browserOf(r)].ua, countries[0].lang
		} else {
			c.ua = toolAgents[r.IntN(len(toolAgents))]
		}
		datacenter := r.IntN(2) == 0
		for k := 0; k < addrs; k++ {
			if datacenter {
				ip := fmt.Sprintf("45.%d.%d.%d", 60+r.IntN(8), r.IntN(256), 1+r.IntN(254))
				g.place(ip, 0)
				c.addrs = append(c.addrs, ip)
			} else {
				country := proxyCountries[r.IntN(len(proxyCountries))]
				ip := addrIn(r, country)
				g.place(ip, country)
				c.addrs = append(c.addrs, ip)
			}
		}
		return c
	}
	var plan []noiseAttempt
	for k := 0; k < b.Scripts; k++ {
		c := client(1 + r.IntN(4))
		n := poisson(r, b.ScriptRate*span.Hours()/24)
		for j := 0; j < n; j++ {
			plan = append(plan, noiseAttempt{t: from.Add(time.Duration(r.Int64N(int64(span)))), client: c})
		}
	}
	for k := 0; k < b.Bursts; k++ {
		c := client(1 + r.IntN(3))
		start := from.Add(time.Duration(r.Int64N(int64(span - time.Hour))))
		length := between(r, 300, 2400)
		n := b.BurstSize[0] + r.IntN(b.BurstSize[1]-b.BurstSize[0]+1)
		for j := 0; j < n; j++ {
			plan = append(plan, noiseAttempt{t: start.Add(time.Duration(r.Int64N(int64(length)))), client: c})
		}
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].t.Before(plan[j].t) })
	g.facts.BackgroundAttempts = len(plan)
	return plan
}

// noise logs one background attempt: mostly a username that does not
// exist; otherwise an existing one with a wrong password.
func (g *gen) noise(x noiseAttempt) {
	r, c := g.bg, x.client
	ip := c.addrs[r.IntN(len(c.addrs))]
	t := x.t
	login := "/account/login/"
	if c.form {
		g.req(r, t, ip, "GET", login, 200, c.ua, c.lang)
		t = t.Add(between(r, 0.2, 2))
	}
	if g.post(r, t, ip, login, 200, c.ua, c.lang) != 200 || r.IntN(10) < 7 {
		return
	}
	i := r.IntN(len(g.users))
	g.emit(event{t: t, user: i, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_password"}, ip: ip, agent: agentOf(c.ua)})
}
