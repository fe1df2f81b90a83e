package samples

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (g *gen) run() error {
	g.makeUsers()
	closeFiles, err := g.openStreams()
	if err != nil {
		return err
	}
	g.direct = true
	g.history()
	g.direct = false
	attempts := g.planAttack()
	from := g.facts.LogsFrom
	for h := from; h.Before(g.opt.Snapshot); h = h.Add(time.Hour) {
		g.legitHour(h)
		for len(attempts) > 0 && attempts[0].t.Before(h.Add(time.Hour)) {
			g.attack(attempts[0])
			attempts = attempts[1:]
		}
		if err := g.flush(h.Add(time.Hour)); err != nil {
			return err
		}
	}
	if err := g.flush(g.opt.Snapshot.Add(time.Hour)); err != nil {
		return err
	}
	if err := closeFiles(); err != nil {
		return err
	}
	return g.writeSnapshot()
}

func (g *gen) makeUsers() {
	n := int(2000 * g.opt.Scale)
	g.byName = map[string]int{}
	g.nat = fmt.Sprintf("%d.%d.%d.%d", 128, 32, g.r.IntN(256), 10) // a university's NAT
	for i := 0; i < n; i++ {
		c := g.r.IntN(len(countries) - 2) // attack-heavy countries host few users
		u := &user{id: g.uuid(), username: fmt.Sprintf("%s%d", []string{"dev", "py", "data", "sam", "alex", "kim", "lee", "ml"}[g.r.IntN(8)], i),
			country: countries[c].code, homeIP: g.addrIn(c), mobileIP: g.addrIn(c),
			joined: g.opt.Snapshot.Add(-time.Duration(30+g.r.IntN(6*365)) * 24 * time.Hour)}
		if g.r.IntN(50) == 0 {
			u.homeIP = g.nat // shared NAT: many accounts behind one address
		}
		u.activity = []int{0, 0, 0, 1, 1, 1, 1, 2, 2, 2}[g.r.IntN(10)]
		u.pm = g.r.IntN(4) == 0
		switch x := g.r.IntN(100); {
		case x < 25:
			u.totp, u.codes = true, u.joined.Add(48*time.Hour)
		case x < 32:
			u.webauthn, u.codes = true, u.joined.Add(48*time.Hour)
		}
		u.agents = []int{g.r.IntN(len(browsers))}
		if g.r.IntN(3) == 0 {
			u.agents = append(u.agents, g.r.IntN(len(browsers)))
		}
		u.domain = emailDomains[g.r.IntN(len(emailDomains))]
		u.email = u.username + "@" + u.domain
		u.verified = g.r.IntN(100) < 85
		g.byName[u.username] = len(g.users)
		g.users = append(g.users, u)
		if g.r.IntN(20) == 0 {
			p := &project{id: g.uuid(), name: fmt.Sprintf("%s-tools-%d", u.username, len(g.projs)), owner: i, ci: g.r.IntN(2) == 0}
			u.projects = append(u.projects, len(g.projs))
			g.projs = append(g.projs, p)
		}
	}
	g.facts.Users = n
	g.facts.Emails = n
}

// history writes the events of the years before the logged week: past
// logins, so every account has a usual address, country and browser.
func (g *gen) history() {
	for i, u := range g.users {
		n := []int{14, 5, 2}[u.activity]
		for k := 0; k < n; k++ {
			t := u.joined.Add(time.Duration(g.r.Int64N(int64(g.facts.LogsFrom.Sub(u.joined)))))
			ip := u.homeIP
			if g.r.IntN(5) == 0 {
				ip = u.mobileIP
			}
			g.loginSuccess(i, t, ip, g.browser(u))
		}
	}
}

func (g *gen) browser(u *user) int { return u.agents[g.r.IntN(len(u.agents))] }

func (g *gen) countryOf(addr string) int {
	if row, ok := g.ips[addr]; ok {
		return row.country
	}
	first, _, _ := strings.Cut(addr, ".")
	for c := range countries {
		if strconv.Itoa(countries[c].octet) == first {
			return c
		}
	}
	return 0
}

func (g *gen) emit(e event) {
	g.ip(e.ip, g.countryOf(e.ip))
	if g.direct {
		g.writeEvent(e)
		return
	}
	g.events = append(g.events, e)
}

func browserInfo(b int) agentInfo {
	return agentInfo{installer: "Browser", os: browsers[b].os, family: browsers[b].family}
}

func (g *gen) loginSuccess(i int, t time.Time, ip string, b int) {
	u := g.users[i]
	var method any
	switch {
	case u.totp:
		method = "totp"
	case u.webauthn:
		method = "webauthn"
	}
	g.emit(event{t: t, user: i, tag: "account:login:success", additional: map[string]any{"two_factor_method": method, "two_factor_label": nil}, ip: ip, agent: browserInfo(b)})
	if t.After(u.lastLogin) {
		u.lastLogin = t
	}
}

func (g *gen) req(t time.Time, ip, method, path string, status int, ua, lang string) {
	g.reqs = append(g.reqs, newRequest(t, ip, method, path, status, ua, lang, 2000+g.r.IntN(30000)))
}

// newRequest is an access-log line from pypi.org's pages; a POST is a form
// with no response body.
func newRequest(t time.Time, ip, method, path string, status int, ua, lang string, size int) request {
	r := request{t: t, ip: ip, method: method, path: path, status: status, size: size, referrer: "https://pypi.org/", ua: ua, lang: lang}
	if method == "POST" {
		r.size, r.ctype = 0, "application/x-www-form-urlencoded"
	}
	return r
}

// legitHour simulates an hour of ordinary use: background package traffic,
// logins with typos and second factors, 2FA enrolment pushed by the
// mandate, and uploads from CI.
func (g *gen) legitHour(h time.Time) {
	d := diurnal(h.Hour())
	for k := poisson(g.r, 120*g.opt.Scale*d); k > 0; k-- {
		t := h.Add(time.Duration(g.r.Int64N(int64(time.Hour))))
		ip := g.addrIn(g.r.IntN(len(countries)))
		p := packages[g.r.IntN(len(packages))]
		path := []string{"/simple/" + p + "/", "/pypi/" + p + "/json", "/project/" + p + "/"}[g.r.IntN(3)]
		g.req(t, ip, "GET", path, 200, `pip/24.0 {"ci":null,"python":"3.11.8"}`, "")
	}
	rate := []float64{2, 0.2, 0} // logins a day, by activity class
	for i, u := range g.users {
		if g.r.Float64() < rate[u.activity]/24*d {
			g.session(i, h.Add(time.Duration(g.r.Int64N(int64(time.Hour)))))
		}
	}
	for _, p := range g.projs {
		if p.ci && g.r.IntN(48) == 0 {
			g.upload(p, h.Add(time.Duration(g.r.Int64N(int64(time.Hour)))), fmt.Sprintf("34.%d.%d.%d", 120+g.r.IntN(8), g.r.IntN(256), 1+g.r.IntN(254)), g.users[p.owner].username)
		}
	}
}

func (g *gen) session(i int, t time.Time) {
	u := g.users[i]
	ip := u.homeIP
	switch x := g.r.IntN(100); {
	case x < 6:
		ip = u.mobileIP
	case x < 9: // travel
		ip = g.addrIn(g.r.IntN(len(countries) - 2))
	}
	b := g.browser(u)
	ua, lang := browsers[b].ua, countries[g.countryOf(u.homeIP)].lang
	g.req(t, ip, "GET", "/account/login/", 200, ua, lang)
	if g.r.IntN(10) < 3 { // the rest come from the browser's cache
		g.req(t.Add(200*time.Millisecond), ip, "GET", "/static/css/warehouse-ltr.css", 200, ua, lang)
		g.req(t.Add(300*time.Millisecond), ip, "GET", "/static/js/warehouse.js", 200, ua, lang)
	}
	think := func() time.Duration {
		if u.pm {
			return g.between(0.8, 2.5)
		}
		return g.between(4, 30)
	}
	t = t.Add(think())
	if g.typos.IntN(40) == 0 { // the email address typed as the username: no such account, no event
		// not through req, which would draw a body size from g.r
		g.reqs = append(g.reqs, newRequest(t, ip, "POST", "/account/login/", 200, ua, lang, 0))
		t = t.Add(time.Duration((3 + 7*g.typos.Float64()) * float64(time.Second)))
	}
	if g.r.IntN(20) == 0 { // a typo
		g.req(t, ip, "POST", "/account/login/", 200, ua, lang)
		g.emit(event{t: t, user: i, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_password"}, ip: ip, agent: browserInfo(b)})
		t = t.Add(g.between(3, 10))
	}
	g.req(t, ip, "POST", "/account/login/", 303, ua, lang)
	if u.totp || u.webauthn {
		page := "/account/two-factor/"
		if u.webauthn {
			page = "/account/webauthn-authenticate/"
		}
		g.req(t.Add(300*time.Millisecond), ip, "GET", page, 200, ua, lang)
		t = t.Add(think() + g.between(2, 8))
		if g.r.IntN(40) == 0 {
			g.req(t, ip, "POST", page, 200, ua, lang)
			g.emit(event{t: t, user: i, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_totp"}, ip: ip, agent: browserInfo(b)})
			t = t.Add(g.between(5, 15))
		}
		g.req(t, ip, "POST", page, 303, ua, lang)
	}
	g.loginSuccess(i, t, ip, b)
	g.req(t.Add(400*time.Millisecond), ip, "GET", "/manage/projects/", 200, ua, lang)
	// The 2FA mandate: many users enrol right after logging in.
	if !u.totp && !u.webauthn && g.r.IntN(8) == 0 {
		delay := g.between(30, 150)
		if u.pm {
			delay = g.between(10, 25)
		}
		g.enrol(i, t.Add(delay), ip, b)
	}
}

// enrol adds TOTP to an account as Warehouse records it: the provisioning
// page, the method, recovery codes and the notification email.
func (g *gen) enrol(i int, t time.Time, ip string, b int) {
	u := g.users[i]
	ua := browsers[b].ua
	lang := countries[g.countryOf(ip)].lang
	g.req(t.Add(-2*time.Second), ip, "GET", "/manage/account/totp-provision/", 200, ua, lang)
	g.req(t, ip, "POST", "/manage/account/totp-provision/", 303, ua, lang)
	g.emit(event{t: t, user: i, tag: "account:two_factor:method_added", additional: map[string]any{"method": "totp"}, ip: ip, agent: browserInfo(b)})
	g.emit(event{t: t.Add(time.Second), user: i, tag: "account:email:sent", additional: map[string]any{
		"from_": "noreply@pypi.org", "to": u.email, "subject": "Two-factor method added", "redact_ip": false}, ip: ip, agent: browserInfo(b)})
	ct := t.Add(g.between(1, 20))
	g.req(ct, ip, "GET", "/manage/account/recovery-codes/", 200, ua, lang)
	g.emit(event{t: ct, user: i, tag: "account:recovery_codes:generated", additional: map[string]any{}, ip: ip, agent: browserInfo(b)})
	u.totp, u.codes = true, ct
}

func (g *gen) upload(p *project, t time.Time, ip, by string) {
	g.req(t, ip, "POST", "/legacy/", 200, "twine/5.0.0 CPython/3.12.2", "")
	version := fmt.Sprintf("1.%d.%d", g.r.IntN(20), g.r.IntN(10))
	g.ip(ip, 0)
	fmt.Fprintf(g.projW, "%s,%s,project:release:add,%s,%s,%s\n", g.uuid(), p.id, ts(t), csvJSON(map[string]any{
		"submitted_by": by, "canonical_version": version, "publisher_url": nil, "uploaded_via_trusted_publisher": false}), g.ips[ip].id)
	fmt.Fprintf(g.fileW, "%s,%s,file:add,%s,%s,%s\n", g.uuid(), g.uuid(), ts(t.Add(time.Second)), csvJSON(map[string]any{
		"submitted_by": by, "canonical_version": version, "filename": fmt.Sprintf("%s-%s.tar.gz", p.name, version), "project_id": p.id}), g.ips[ip].id)
}

// flush writes the requests and events before t, in time order.
func (g *gen) flush(t time.Time) error {
	sort.SliceStable(g.reqs, func(a, b int) bool { return g.reqs[a].t.Before(g.reqs[b].t) })
	n := sort.Search(len(g.reqs), func(i int) bool { return !g.reqs[i].t.Before(t) })
	write := logWriters[g.opt.LogFormat]
	for _, r := range g.reqs[:n] {
		write(g.logW, r, g.ips)
		g.facts.LogLines++
	}
	g.reqs = append(g.reqs[:0], g.reqs[n:]...)
	sort.SliceStable(g.events, func(a, b int) bool { return g.events[a].t.Before(g.events[b].t) })
	n = sort.Search(len(g.events), func(i int) bool { return !g.events[i].t.Before(t) })
	for _, e := range g.events[:n] {
		g.writeEvent(e)
	}
	g.events = append(g.events[:0], g.events[n:]...)
	return g.logW.Flush()
}
