package analyze_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
)

// A world is a small hand-made incident: accounts with a login history,
// access-log sessions and the snapshot's events that go with them. Tests
// build one in Go, insert it into a fresh case and run the analysis on it.
type world struct {
	rows     map[string][]string // table → SQL value tuples
	line     int64               // last access-log line number
	ids      int                 // last id handed out
	ipSeen   map[string]bool
	attempts int // login attempts the analysis should find: one per POST, one per event without one
}

// user is an account and what its owner's own sessions look like.
type user struct {
	name, id           string
	ip, cc, family, ua string // home address, its country, browser family and user agent
	lang               string // accept-language
}

// The user agents of the worlds.
const (
	uaFirefox  = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
	uaChrome   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaPython   = "python-requests/2.31.0"
	langDE     = "de-DE,de;q=0.9"
	langFR     = "fr-FR,fr;q=0.9"
	langEN     = "en-US,en;q=0.9"
	formType   = "application/x-www-form-urlencoded"
	loginPath  = "/account/login/"
	secondPath = "/account/two-factor/"
)

func newWorld() *world {
	return &world{rows: map[string][]string{}, ipSeen: map[string]bool{}}
}

// at is a time of the worlds: day d of March 2024 (day 0 is the 1st, the
// logs' first day), at hh:mm:ss.
func at(day int, clock string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", "2024-03-01 "+clock)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, 0, day)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func (w *world) uuid(kind int) string {
	w.ids++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, w.ids)
}

// lit writes a Go value as an SQL literal.
func lit(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		if x == "" {
			return "NULL"
		}
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case time.Time:
		return "'" + x.UTC().Format("2006-01-02 15:04:05.999999") + "+00'::TIMESTAMPTZ"
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	panic(fmt.Sprintf("lit %T", v))
}

func (w *world) add(table string, vals ...any) {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = lit(v)
	}
	w.rows[table] = append(w.rows[table], "("+strings.Join(parts, ", ")+")")
}

// columns of the rows add writes, by table.
var columns = map[string]string{
	"accounts":       "id, username, date_joined, last_login, is_active, is_frozen, has_totp, webauthn_keys, recovery_codes_total, recovery_codes_unburned, has_2fa, source_id",
	"ips":            "id, ip, country_code, latitude, longitude, source_id",
	"account_events": "id, time, account, tag, failure_reason, two_factor_method, method, ip, country_code, ua_family, source_id",
	"requests":       "source_id, line_no, time, client, client_hashed, method, path, status, user_agent, accept_language, content_type",
	"projects":       "id, name, normalized_name, source_id",
	"project_events": "id, kind, time, project, tag, submitted_by, ip, source_id",
}

// ip records an address in the snapshot's ips with its country and, when
// given, its coordinates.
func (w *world) ip(addr, cc string, latlon ...float64) {
	if w.ipSeen[addr] {
		return
	}
	w.ipSeen[addr] = true
	var lat, lon any
	if len(latlon) == 2 {
		lat, lon = latlon[0], latlon[1]
	}
	w.add("ips", w.uuid(1), addr, cc, lat, lon, 2)
}

// user adds an account whose owner logs in from ip in country cc with
// Firefox and language lang, with history successful logins every nine days
// up to last (before the logs begin).
func (w *world) user(name, ip, cc, lang string, history int, last time.Time, totp bool) *user {
	u := &user{name: name, id: w.uuid(2), ip: ip, cc: cc, family: "Firefox", ua: uaFirefox, lang: lang}
	w.ip(ip, cc)
	w.add("accounts", u.id, name, at(-800, "00:00:00"), nil, true, false, totp, 0, 0, 0, totp, 2)
	for i := history - 1; i >= 0; i-- {
		w.event(u, "account:login:success", last.AddDate(0, 0, -9*i), ip, cc)
	}
	return u
}

// event adds an account event from ip; with a user agent family for logins.
func (w *world) event(u *user, tag string, t time.Time, ip, cc string, more ...string) {
	var reason, method, twoFactor, family string
	switch tag {
	case "account:login:success":
		family = u.family
		if len(more) > 0 {
			twoFactor = more[0]
		}
	case "account:login:failure":
		family = u.family
		reason = "invalid_password"
		if len(more) > 0 {
			reason = more[0]
		}
	case "account:two_factor:method_added":
		method = "totp"
	}
	if len(more) > 1 {
		family = more[1]
	}
	w.add("account_events", w.uuid(3), t, u.id, tag, reason, twoFactor, method, ip, cc, family, 2)
}

// req adds an access-log line and returns its number.
func (w *world) req(t time.Time, client, method, path string, status int, ua, lang, ctype string) int64 {
	w.line++
	w.add("requests", 1, w.line, t, client, false, method, path, status, ua, lang, ctype)
	return w.line
}

// login is one login as the access log and the snapshot record it.
type login struct {
	u        *user     // the account; nil for a username with no account
	at       time.Time // when the credentials were posted
	ip, cc   string    // the client and its country; the user's home by default
	family   string    // browser family of the event; the user's by default
	ua, lang string    // the user's by default; lang "-": none
	form     float64   // seconds from loading the form to the POST; 0: the form was not loaded
	assets   bool      // CSS and JS fetched after the form
	outcome  string    // success, failure, or "": no event (an unknown username, a stop at the second factor)
	reason   string    // failure reason; invalid_password by default
	second   string    // a second factor: the POST answers 303, the second-factor page follows and the event comes 15 s after the POST
	skew     float64   // seconds the event is recorded after the POST (0.3 by default; negative: before it)
	status   int       // the POST's status when it is not the usual one
}

// post adds a login and returns the POST's line and the event's time.
func (w *world) post(l login) (int64, time.Time) {
	if l.u != nil {
		l.ip = cmp(l.ip, l.u.ip)
		l.cc = cmp(l.cc, l.u.cc)
		l.family = cmp(l.family, l.u.family)
		l.ua = cmp(l.ua, l.u.ua)
		l.lang = cmp(l.lang, l.u.lang)
	}
	if l.lang == "-" {
		l.lang = ""
	}
	w.ip(l.ip, l.cc)
	if l.form > 0 {
		start := l.at.Add(-secs(l.form))
		w.req(start, l.ip, "GET", loginPath, 200, l.ua, l.lang, "")
		if l.assets {
			w.req(start.Add(secs(0.1)), l.ip, "GET", "/static/css/warehouse.css", 200, l.ua, l.lang, "")
			w.req(start.Add(secs(0.2)), l.ip, "GET", "/static/js/warehouse.js", 200, l.ua, l.lang, "")
		}
	}
	status := 200
	if l.outcome == "success" || l.second != "" {
		status = 303
	}
	if l.status != 0 {
		status = l.status
	}
	line := w.req(l.at, l.ip, "POST", loginPath, status, l.ua, l.lang, formType)
	w.attempts++
	skew := 0.3
	if l.skew != 0 {
		skew = l.skew
	}
	evAt := l.at.Add(secs(skew))
	if l.second != "" {
		w.req(l.at.Add(time.Second), l.ip, "GET", secondPath, 200, l.ua, l.lang, "")
		if l.outcome != "" {
			evAt = l.at.Add(15 * time.Second)
			w.req(evAt.Add(-time.Second), l.ip, "POST", secondPath, map[bool]int{true: 303, false: 200}[l.outcome == "success"], l.ua, l.lang, formType)
		}
	}
	switch l.outcome {
	case "success":
		w.event(l.u, "account:login:success", evAt, l.ip, l.cc, l.second, l.family)
	case "failure":
		w.event(l.u, "account:login:failure", evAt, l.ip, l.cc, cmp(l.reason, "invalid_password"), l.family)
	}
	return line, evAt
}

// session is the owner's ordinary login: the form loaded, assets fetched,
// credentials posted five seconds later.
func (w *world) session(u *user, t time.Time) time.Time {
	_, ev := w.post(login{u: u, at: t, form: 5, assets: true, outcome: "success"})
	return ev
}

// project adds a project and returns its id.
func (w *world) project(name string) string {
	id := w.uuid(4)
	w.add("projects", id, name, name, 2)
	return id
}

func (w *world) projectEvent(project, tag, by string, t time.Time, ip string) {
	w.add("project_events", w.uuid(5), "project", t, project, tag, by, ip, 2)
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// open inserts the world into a fresh case.
func (w *world) open(t *testing.T) *casefile.Case {
	t.Helper()
	ctx := context.Background()
	c, err := casefile.Open(ctx, filepath.Join(t.TempDir(), "c.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for table, rows := range w.rows {
		q := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, columns[table], strings.Join(rows, ",\n"))
		if _, err := c.Conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("inserting %s: %v", table, err)
		}
	}
	return c
}

// analyse inserts the world into a fresh case and runs the analysis.
func (w *world) analyse(t *testing.T, opts analyze.Options) (*casefile.Case, *analyze.Result) {
	t.Helper()
	c := w.open(t)
	opts.ToolVersion = "test"
	res, err := analyze.Run(context.Background(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, res
}

// strs runs a query and returns each row as its columns joined by " | ".
func strs(t *testing.T, c *casefile.Case, q string, args ...any) []string {
	t.Helper()
	rows, err := c.Conn.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format("2006-01-02 15:04:05.999")
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// one runs a query that must return one row into dest.
func one(t *testing.T, c *casefile.Case, q string, args []any, dest ...any) {
	t.Helper()
	if err := c.Conn.QueryRowContext(context.Background(), q, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// finding is a finding about one attempt.
type finding struct {
	points   float64
	evidence string
	time     time.Time // the attempt's
}

// findingsFor returns a heuristic's findings on the attempts in the
// window of an account (by username), in time order.
func findingsFor(t *testing.T, c *casefile.Case, heuristic, username string) []finding {
	t.Helper()
	rows, err := c.Conn.QueryContext(context.Background(), `
		SELECT f.points, f.evidence, a.time FROM findings f JOIN attempts a USING (attempt_id)
		WHERE f.heuristic = ? AND f.scope = 'attempt' AND a.username = ? ORDER BY a.time, a.attempt_id`, heuristic, username)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []finding
	for rows.Next() {
		var f finding
		if err := rows.Scan(&f.points, &f.evidence, &f.time); err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// theFinding is the one finding of a heuristic on an account's attempts.
func theFinding(t *testing.T, c *casefile.Case, heuristic, username string) finding {
	t.Helper()
	fs := findingsFor(t, c, heuristic, username)
	if len(fs) != 1 {
		t.Fatalf("%s on %s: %d findings %+v, want 1", heuristic, username, len(fs), fs)
	}
	return fs[0]
}

// noFinding checks a heuristic found nothing on an account.
func noFinding(t *testing.T, c *casefile.Case, heuristic, username string) {
	t.Helper()
	if fs := findingsFor(t, c, heuristic, username); len(fs) != 0 {
		t.Errorf("%s on %s: %+v, want none", heuristic, username, fs)
	}
}

// verdictOf returns an account's classification, score and reasons; "" when
// it is not implicated.
func verdictOf(t *testing.T, c *casefile.Case, username string) (class string, score float64, reasons string) {
	t.Helper()
	err := c.Conn.QueryRowContext(context.Background(),
		`SELECT classification, score, coalesce(reasons, '') FROM account_verdicts WHERE username = ?`, username).Scan(&class, &score, &reasons)
	if err == sql.ErrNoRows {
		return "", 0, ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return class, score, reasons
}
