package samples

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/twofactor"
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
	noise := g.planBackground()
	from := g.facts.LogsFrom
	for h := from; h.Before(g.opt.Snapshot); h = h.Add(time.Hour) {
		g.legitHour(h)
		for len(attempts) > 0 && attempts[0].t.Before(h.Add(time.Hour)) {
			g.attack(attempts[0])
			attempts = attempts[1:]
		}
		for len(noise) > 0 && noise[0].t.Before(h.Add(time.Hour)) {
			g.noise(noise[0])
			noise = noise[1:]
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
	g.nat = fmt.Sprintf("%d.%d.%d.%d", 128, 32, g.r.IntN(256), 10) // a university's NAT
	g.ip(g.nat, 0)
	for i := 0; i < n; i++ {
		c := userCountry(g.r)
		u := &user{id: g.uuid(), username: fmt.Sprintf("%s%d", []string{"dev", "py", "data", "sam", "alex", "kim", "lee", "ml"}[g.r.IntN(8)], i),
			country: c, homeIP: addrIn(g.r, c), mobileIP: addrIn(g.r, c),
			joined: g.opt.Snapshot.Add(-time.Duration(30+g.r.IntN(6*365)) * 24 * time.Hour)}
		// most send their country's language, some keep their browser in English
		u.lang = countries[c].lang
		if c != 0 && g.r.IntN(4) == 0 {
			u.lang = countries[0].lang
		}
		if g.r.Float64() < g.opt.Scenario.Population.NATShare {
			u.homeIP = g.nat // shared NAT: many accounts behind one address
		}
		u.dynamic = g.r.IntN(10) == 0
		u.activity = []int{0, 0, 0, 1, 1, 1, 1, 2, 2, 2}[g.r.IntN(10)]
		u.pm = g.r.IntN(4) == 0
		switch x := g.r.IntN(100); {
		case x < 25:
			u.totp, u.codes = true, u.joined.Add(48*time.Hour)
		case x < 32:
			u.webauthn, u.codes = true, u.joined.Add(48*time.Hour)
		}
		u.agents = []int{browserOf(g.r)}
		if g.r.IntN(3) == 0 {
			u.agents = append(u.agents, browserOf(g.r))
		}
		u.domain = emailDomains[g.r.IntN(len(emailDomains))]
		u.email = u.username + "@" + u.domain
		u.verified = g.r.IntN(100) < 85
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
// logins, so every account has a usual address, country and browser, and
// the typos that went with them; and, for the accounts in use, the logins
// of the weeks just before, as often as they log in during the logged one.
func (g *gen) history() {
	for i, u := range g.users {
		login := func(t time.Time) {
			ip := u.homeIP
			if g.r.IntN(5) == 0 {
				ip = u.mobileIP
			}
			b := g.browser(u)
			if g.r.IntN(20) == 0 {
				g.emit(event{t: t.Add(-between(g.r, 5, 20)), user: i, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_password"}, ip: ip, agent: browserInfo(b)})
			}
			g.loginSuccess(i, t, ip, b)
		}
		for k := []int{14, 5, 2}[u.activity]; k > 0; k-- {
			login(u.joined.Add(time.Duration(g.r.Int64N(int64(g.facts.LogsFrom.Sub(u.joined))))))
		}
		if u.activity == 2 {
			continue
		}
		// the latest login before the logs, as long ago as the account's
		// rate makes likely, and a few more in the weeks before
		days := []float64{0.5, 5}[u.activity]
		if last := time.Duration(g.r.ExpFloat64() * days * 24 * float64(time.Hour)); last < g.facts.LogsFrom.Sub(u.joined) {
			login(g.facts.LogsFrom.Add(-last))
		}
		recent := []struct {
			mean float64
			days int
		}{{8, 14}, {1.5, 30}}[u.activity]
		for k := poisson(g.r, recent.mean); k > 0; k-- {
			since := min(time.Duration(recent.days)*24*time.Hour, g.facts.LogsFrom.Sub(u.joined))
			login(g.facts.LogsFrom.Add(-time.Duration(g.r.Int64N(int64(since)))))
		}
	}
}

func (g *gen) browser(u *user) int { return u.agents[g.r.IntN(len(u.agents))] }

func (g *gen) countryOf(addr string) int {
	if row, ok := g.ips[addr]; ok {
		return row.country
	}
	if c, ok := g.places[addr]; ok {
		return c
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
	g.success(i, t, ip, browserInfo(b))
}

func (g *gen) success(i int, t time.Time, ip string, agent agentInfo) {
	u := g.users[i]
	var method any
	switch {
	case u.totp:
		method = "totp"
	case u.webauthn:
		method = "webauthn"
	}
	g.emit(event{t: t, user: i, tag: "account:login:success", additional: map[string]any{"two_factor_method": method, "two_factor_label": nil}, ip: ip, agent: agent})
	if t.After(u.lastLogin) {
		u.lastLogin = t
	}
}

// req logs a request to a page of pypi.org with a response body of a size
// drawn from r; a POST is a form with no response body.
func (g *gen) req(r *rand.Rand, t time.Time, ip, method, target string, status int, ua, lang string) {
	path, query, _ := strings.Cut(target, "?")
	g.reqs = append(g.reqs, newRequest(t, ip, method, path, query, status, ua, lang, 2000+r.IntN(30000)))
}

// newRequest is an access-log line from pypi.org's pages; a POST is a form
// with no response body.
func newRequest(t time.Time, ip, method, path, query string, status int, ua, lang string, size int) request {
	r := request{t: t, ip: ip, method: method, path: path, query: query, status: status, size: size, referrer: "https://pypi.org/", ua: ua, lang: lang}
	if method == "POST" {
		r.size, r.ctype = 0, "application/x-www-form-urlencoded"
	}
	return r
}

// legitHour simulates an hour of ordinary use: background package traffic,
// logins with typos, give-ups and second factors, 2FA enrolment pushed by
// the mandate, and uploads from CI.
func (g *gen) legitHour(h time.Time) {
	d := diurnal(h.Hour())
	for k := poisson(g.r, 120*g.opt.Scale*d); k > 0; k-- {
		t := h.Add(time.Duration(g.r.Int64N(int64(time.Hour))))
		ip := addrIn(g.r, g.r.IntN(len(countries)))
		p := packages[g.r.IntN(len(packages))]
		path := []string{"/simple/" + p + "/", "/pypi/" + p + "/json", "/project/" + p + "/"}[g.r.IntN(3)]
		g.req(g.r, t, ip, "GET", path, 200, `pip/24.0 {"ci":null,"python":"3.11.8"}`, "")
	}
	rate := []float64{2, 0.2, 0.004} // logins a day, by activity class: active, occasional, dormant (a few come back)
	act := g.opt.Scenario.Population.Activity
	for i, u := range g.users {
		if g.r.Float64() < act*rate[u.activity]/24*d {
			g.session(i, h.Add(time.Duration(g.r.Int64N(int64(time.Hour)))))
		}
	}
	for _, p := range g.projs {
		if p.ci && g.r.IntN(48) == 0 {
			g.upload(g.r, p, h.Add(time.Duration(g.r.Int64N(int64(time.Hour)))), fmt.Sprintf("34.%d.%d.%d", 120+g.r.IntN(8), g.r.IntN(256), 1+g.r.IntN(254)), g.users[p.owner].username)
		}
	}
}

// sessionAddress is where the owner logs in from this time: home (which a
// dynamic ISP moves to another network now and then), the phone, or
// somewhere on a trip.
func (g *gen) sessionAddress(u *user) string {
	if u.dynamic && u.homeIP != g.nat && g.r.IntN(10) == 0 {
		parts := strings.Split(u.homeIP, ".")
		u.homeIP = fmt.Sprintf("%s.%s.%d.%d", parts[0], parts[1], g.r.IntN(256), 1+g.r.IntN(254))
	}
	switch x := g.r.IntN(100); {
	case x < 6:
		return u.mobileIP
	case x < 9: // travel
		return addrIn(g.r, userCountry(g.r))
	}
	return u.homeIP
}

// pause is how long a person takes to type, or a password manager to fill
// the form in.
func (g *gen) pause(u *user) time.Duration {
	if u.pm {
		return between(g.r, 0.8, 2.5)
	}
	return between(g.r, 4, 30)
}

func (g *gen) session(i int, t time.Time) {
	u := g.users[i]
	ip := g.sessionAddress(u)
	b := g.browser(u)
	if g.r.IntN(50) == 0 { // a new device
		b = browserOf(g.r)
		u.agents = append(u.agents, b)
	}
	ua, lang := browsers[b].ua, u.lang
	login := "/account/login/"
	next := ""
	if g.r.IntN(10) < 3 { // sent to the login page by a page that needs it
		next = []string{"/manage/projects/", "/manage/account/", "/manage/account/token/"}[g.r.IntN(3)]
		login += "?next=" + url.QueryEscape(next)
	}
	g.req(g.r, t, ip, "GET", login, 200, ua, lang)
	if g.r.IntN(10) < 3 { // the rest come from the browser's cache
		g.req(g.r, t.Add(200*time.Millisecond), ip, "GET", "/static/css/warehouse-ltr.css", 200, ua, lang)
		g.req(g.r, t.Add(300*time.Millisecond), ip, "GET", "/static/js/warehouse.js", 200, ua, lang)
	}
	t = t.Add(g.pause(u))
	giveUp := ""
	if g.r.Float64() < g.opt.Scenario.Background.GiveUp {
		giveUp = []string{"username", "username", "password", "password", "second factor"}[g.r.IntN(5)]
		if giveUp == "second factor" && !u.totp && !u.webauthn {
			giveUp = "password"
		}
	}
	if g.r.IntN(40) == 0 || giveUp == "username" { // the email address typed as the username: no such account, no event
		g.post(g.r, t, ip, login, 200, ua, lang)
		if giveUp == "username" {
			return
		}
		t = t.Add(between(g.r, 3, 10))
	}
	if g.r.IntN(20) == 0 || giveUp == "password" { // a typo, or a forgotten password
		g.post(g.r, t, ip, login, 200, ua, lang)
		g.emit(event{t: t, user: i, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_password"}, ip: ip, agent: browserInfo(b)})
		t = t.Add(between(g.r, 3, 10))
		if giveUp == "password" {
			if g.r.IntN(2) == 0 {
				g.post(g.r, t, ip, login, 200, ua, lang)
				g.emit(event{t: t, user: i, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_password"}, ip: ip, agent: browserInfo(b)})
				t = t.Add(between(g.r, 5, 30))
			}
			if g.r.IntN(2) == 0 {
				g.resetRequest(i, t, ip, b)
			}
			return
		}
	}
	if g.post(g.r, t, ip, login, 303, ua, lang) == 429 {
		return
	}
	if u.totp || u.webauthn {
		token := "?" + twofactor.Encode(u.id, next, t, g.secret)
		g.req(g.r, t.Add(300*time.Millisecond), ip, "GET", "/account/two-factor/"+token, 200, ua, lang)
		if giveUp == "second factor" { // a lost phone
			return
		}
		t = t.Add(g.pause(u) + between(g.r, 2, 8))
		if u.webauthn {
			g.req(g.r, t.Add(-time.Second), ip, "GET", "/account/webauthn-authenticate/options"+token, 200, ua, lang)
			g.post(g.r, t, ip, "/account/webauthn-authenticate/validate"+token, 200, ua, lang)
		} else {
			if g.r.IntN(40) == 0 {
				g.post(g.r, t, ip, "/account/two-factor/"+token, 200, ua, lang)
				g.emit(event{t: t, user: i, tag: "account:login:failure", additional: map[string]any{"reason": "invalid_totp"}, ip: ip, agent: browserInfo(b)})
				t = t.Add(between(g.r, 5, 15))
			}
			g.post(g.r, t, ip, "/account/two-factor/"+token, 303, ua, lang)
		}
	}
	g.loginSuccess(i, t, ip, b)
	g.browse(g.r, t, ip, ua, lang, 1+g.r.IntN(5), u)
	// The 2FA mandate, three months old: users still without a second
	// factor enrol right after logging in, now and then.
	if !u.totp && !u.webauthn && g.r.IntN(30) == 0 {
		delay := between(g.r, 30, 150)
		if u.pm {
			delay = between(g.r, 10, 25)
		}
		g.enrol(g.r, i, t.Add(delay), ip, ua, lang, between(g.r, 1, 20))
	}
}

// browse logs n page views after a login, each a few seconds after the last.
func (g *gen) browse(r *rand.Rand, t time.Time, ip, ua, lang string, n int, u *user) {
	pages := []string{"/manage/projects/", "/manage/account/", "/project/" + packages[r.IntN(len(packages))] + "/", "/manage/account/token/"}
	if len(u.projects) > 0 {
		pages = append(pages, "/manage/project/"+g.projs[u.projects[0]].name+"/releases/")
	}
	for k := 0; k < n; k++ {
		t = t.Add(between(r, 0.4, 40))
		g.req(r, t, ip, "GET", pages[r.IntN(len(pages))], 200, ua, lang)
	}
}

// post logs a form POST and returns its status: Warehouse answers 429 to
// an address with ten failed logins in the last five minutes, and records
// no event.
func (g *gen) post(r *rand.Rand, t time.Time, ip, target string, status int, ua, lang string) int {
	if strings.HasPrefix(target, "/account/login/") {
		recent := g.failures[ip]
		n := 0
		for _, f := range recent {
			if !f.After(t) && t.Sub(f) < 5*time.Minute {
				n++
			}
		}
		if n >= 10 {
			status = 429
		} else if status == 200 {
			g.failures[ip] = append(recent, t)
		}
	}
	g.req(r, t, ip, "POST", target, status, ua, lang)
	return status
}

// resetRequest is a user asking for a password reset link.
func (g *gen) resetRequest(i int, t time.Time, ip string, b int) {
	u := g.users[i]
	ua := browsers[b].ua
	g.req(g.r, t, ip, "GET", "/account/reset-password/", 200, ua, u.lang)
	t = t.Add(between(g.r, 3, 15))
	g.post(g.r, t, ip, "/account/reset-password/", 303, ua, u.lang)
	g.emit(event{t: t, user: i, tag: "account:password:reset:request", additional: map[string]any{}, ip: ip, agent: browserInfo(b)})
	g.emit(event{t: t.Add(time.Second), user: i, tag: "account:email:sent", additional: map[string]any{
		"from_": "noreply@pypi.org", "to": u.email, "subject": "Password reset", "redact_ip": false}, ip: ip, agent: browserInfo(b)})
}

// enrol adds TOTP to an account as Warehouse records it: the provisioning
// page, the method, the notification email and, codesAfter later, the
// recovery codes.
func (g *gen) enrol(r *rand.Rand, i int, t time.Time, ip, ua, lang string, codesAfter time.Duration) {
	u := g.users[i]
	agent := agentOf(ua)
	g.req(r, t.Add(-2*time.Second), ip, "GET", "/manage/account/totp-provision/", 200, ua, lang)
	g.post(r, t, ip, "/manage/account/totp-provision/", 303, ua, lang)
	g.emit(event{t: t, user: i, tag: "account:two_factor:method_added", additional: map[string]any{"method": "totp"}, ip: ip, agent: agent})
	g.emit(event{t: t.Add(time.Second), user: i, tag: "account:email:sent", additional: map[string]any{
		"from_": "noreply@pypi.org", "to": u.email, "subject": "Two-factor method added", "redact_ip": false}, ip: ip, agent: agent})
	ct := t.Add(codesAfter)
	g.req(r, ct, ip, "GET", "/manage/account/recovery-codes/", 200, ua, lang)
	g.emit(event{t: ct, user: i, tag: "account:recovery_codes:generated", additional: map[string]any{}, ip: ip, agent: agent})
	u.totp, u.codes = true, ct
}

func (g *gen) upload(r *rand.Rand, p *project, t time.Time, ip, by string) {
	g.req(r, t, ip, "POST", "/legacy/", 200, "twine/5.0.0 CPython/3.12.2", "")
	version := fmt.Sprintf("1.%d.%d", r.IntN(20), r.IntN(10))
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
	// failures older than the rate limit's window no longer count
	for ip, fs := range g.failures {
		k := 0
		for k < len(fs) && t.Sub(fs[k]) > 10*time.Minute {
			k++
		}
		if k == len(fs) {
			delete(g.failures, ip)
		} else {
			g.failures[ip] = fs[k:]
		}
	}
	return g.logW.Flush()
}
