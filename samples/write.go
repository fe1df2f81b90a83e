package samples

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// csvJSON renders v as JSON text in a CSV field, as psql exports JSONB.
func csvJSON(v any) string {
	b, _ := json.Marshal(v)
	return `"` + strings.ReplaceAll(string(b), `"`, `""`) + `"`
}

// openStreams opens the files written while simulating: the access log
// (gzip), user_events, project_events and file_events.
func (g *gen) openStreams() (func() error, error) {
	var closers []func() error
	create := func(path, header string) (*bufio.Writer, error) {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if header != "" {
			fmt.Fprintln(w, header)
		}
		closers = append(closers, func() error {
			if err := w.Flush(); err != nil {
				return err
			}
			return f.Close()
		})
		return w, nil
	}
	snap := filepath.Join(g.opt.Out, "snapshot")
	var err error
	head := "id,source_id,tag,time,additional,ip_address_id"
	if g.evW, err = create(filepath.Join(snap, "user_events.csv"), head); err != nil {
		return nil, err
	}
	if g.projW, err = create(filepath.Join(snap, "project_events.csv"), head); err != nil {
		return nil, err
	}
	if g.fileW, err = create(filepath.Join(snap, "file_events.csv"), head); err != nil {
		return nil, err
	}
	ext := ".log.gz"
	if g.opt.LogFormat == "jsonl" {
		ext = ".jsonl.gz"
	}
	lf, err := os.Create(filepath.Join(g.opt.Out, "logs", "access-"+g.opt.LogFormat+ext))
	if err != nil {
		return nil, err
	}
	zw := gzip.NewWriter(lf)
	g.logW = bufio.NewWriterSize(zw, 1<<20)
	closers = append(closers, func() error {
		if err := g.logW.Flush(); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		return lf.Close()
	})
	return func() error {
		for _, c := range closers {
			if err := c(); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func (g *gen) writeEvent(e event) {
	add := map[string]any{}
	for k, v := range e.additional {
		add[k] = v
	}
	row := g.ips[e.ip]
	add["geoip_info"] = map[string]any{"country_code": countries[row.country].code}
	if e.agent.installer != "" {
		add["user_agent_info"] = map[string]any{"installer": e.agent.installer, "device": "Other", "os": e.agent.os, "user_agent": e.agent.family}
	}
	fmt.Fprintf(g.evW, "%s,%s,%s,%s,%s,%s\n", g.uuid(), g.users[e.user].id, e.tag, ts(e.t), csvJSON(add), row.id)
	g.facts.Events++
}

func null(s string) string {
	if s == "" {
		return "(null)"
	}
	return s
}

// cstrEscape is Fastly's cstr_escape: \" and \\, C escapes for backspace,
// tab, newline, vertical tab and carriage return, \xHH for any other byte
// below 0x20 or from 0x7f.
func cstrEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\v':
			b.WriteString(`\v`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02X`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// target is the request's path with its query, as a request line or
// Fastly's req.url carries it.
func (r request) target() string {
	if r.query == "" {
		return r.path
	}
	return r.path + "?" + r.query
}

var logWriters = map[string]func(*bufio.Writer, request, map[string]*ipRow){
	"combined": func(w *bufio.Writer, r request, _ map[string]*ipRow) {
		fmt.Fprintf(w, "%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", r.ip, r.t.Format("02/Jan/2006:15:04:05 -0700"),
			r.method, r.target(), r.status, r.size, dash(r.referrer), dash(r.ua))
	},
	"gunicorn-pypi": func(w *bufio.Writer, r request, ips map[string]*ipRow) {
		fmt.Fprintf(w, "%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", hashedOf(r.ip, ips), r.t.Format("02/Jan/2006:15:04:05 -0700"),
			r.method, r.target(), r.status, r.size, dash(r.referrer), dash(r.ua))
	},
	// pypi/infra's format: %{now}V renders in GMT, the user agent through
	// cstr_escape.
	"fastly-pypi": func(w *bufio.Writer, r request, _ map[string]*ipRow) {
		fmt.Fprintf(w, "%s \"%s\" - \"%s %s\" HTTP/2 %d %d 0 \"MISS, MISS\" \"0, 0\" \"%s\" \"%s\" \"%s\"\n", r.ip,
			r.t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), r.method, r.target(), r.status, r.size, null(r.ctype), null(r.lang), null(cstrEscape(r.ua)))
	},
	"jsonl": func(w *bufio.Writer, r request, ips map[string]*ipRow) {
		rec := map[string]any{
			"timestamp": r.t.Format(time.RFC3339Nano), "remote_addr": hashedOf(r.ip, ips), "method": r.method, "path": r.path,
			"status": r.status, "size": r.size, "referrer": r.referrer, "user_agent": r.ua, "accept_language": r.lang,
		}
		if r.query != "" {
			rec["query"] = r.query
		}
		b, _ := json.Marshal(rec)
		w.Write(append(b, '\n'))
	},
}

// hashedOf is the hashed address Warehouse logs carry: the ips row's, or
// the same hash for an address with no row.
func hashedOf(ip string, ips map[string]*ipRow) string {
	if row, ok := ips[ip]; ok {
		return row.hashed
	}
	return hashIP(ip)
}

// writeSnapshot writes the tables as they stand at the end of the week,
// one row at a time, and truth.csv.
func (g *gen) writeSnapshot() error {
	dir := filepath.Join(g.opt.Out, "snapshot")
	tables := map[string]*csvFile{}
	for name, header := range map[string][]string{
		"users":               {"id", "username", "name", "password", "is_active", "is_frozen", "date_joined", "last_login", "totp_secret", "last_totp_value"},
		"user_emails":         {"id", "user_id", "email", "primary", "verified", "public", "unverify_reason", "transient_bounces"},
		"user_security_keys":  {"id", "user_id", "label", "credential_id", "public_key", "sign_count"},
		"user_recovery_codes": {"id", "user_id", "code", "generated", "burned"},
		"projects":            {"id", "name", "normalized_name", "created"},
		"roles":               {"id", "role_name", "user_id", "project_id"},
		"ip_addresses":        {"id", "ip_address", "hashed_ip_address", "geoip_info", "is_banned", "ban_reason", "ban_date"},
	} {
		f, err := createCSV(filepath.Join(dir, name+".csv"), header)
		if err != nil {
			return err
		}
		tables[name] = f
	}
	add := func(table string, row ...string) { tables[table].w.Write(row) }
	for i, u := range g.users {
		totp, last := "", ""
		if u.totp {
			totp, last = fmt.Sprintf(`\x%040x`, g.r.Uint64()), fmt.Sprintf("%06d", g.r.IntN(1000000))
		}
		lastLogin := ""
		if !u.lastLogin.IsZero() {
			lastLogin = ts(u.lastLogin)
		}
		add("users", u.id, u.username, "", fmt.Sprintf("$argon2id$v=19$m=65536,t=3,p=4$%016x", g.r.Uint64()), "t", "f", ts(u.joined), lastLogin, totp, last)
		add("user_emails", fmt.Sprint(i+1), u.id, u.email, "t", map[bool]string{true: "t", false: "f"}[u.verified], "f", "", "0")
		if u.webauthn {
			add("user_security_keys", g.uuid(), u.id, "key", fmt.Sprintf("%x", g.r.Uint64()), fmt.Sprintf("%x", g.r.Uint64()), "3")
		}
		if !u.codes.IsZero() {
			for k := 0; k < 8; k++ {
				add("user_recovery_codes", g.uuid(), u.id, fmt.Sprintf("$argon2id$%016x", g.r.Uint64()), ts(u.codes), "")
			}
		}
		if !u.totp && !u.webauthn {
			g.facts.AccountsWithout2FA++
			if u.verified {
				g.facts.VerifiedEmailsWithout2FA++
			}
		}
	}
	for _, p := range g.projs {
		add("projects", p.id, p.name, p.name, ts(g.users[p.owner].joined.Add(24*time.Hour)))
		add("roles", g.uuid(), "Owner", g.users[p.owner].id, p.id)
	}
	for _, ip := range g.ipSeq {
		row := g.ips[ip]
		c := countries[row.country]
		geo, _ := json.Marshal(map[string]any{"continent_code": c.continent, "country_code": c.code, "country_name": c.name, "region": c.region, "city": c.city})
		add("ip_addresses", row.id, ip, row.hashed, string(geo), "f", "", "")
	}
	for _, f := range tables {
		if err := f.close(); err != nil {
			return err
		}
	}
	var labelled []*user
	for _, u := range g.users {
		if u.label != "" {
			labelled = append(labelled, u)
		}
	}
	sort.Slice(labelled, func(a, b int) bool { return labelled[a].username < labelled[b].username })
	truth, err := createCSV(filepath.Join(g.opt.Out, "truth.csv"), []string{"user_id", "username", "label", "evidence"})
	if err != nil {
		return err
	}
	for _, u := range labelled {
		truth.w.Write([]string{u.id, u.username, u.label, u.evidence})
	}
	return truth.close()
}

// csvFile is a CSV file written as psql's CSV export does: an empty field
// is NULL.
type csvFile struct {
	f *os.File
	b *bufio.Writer
	w *csv.Writer
}

func createCSV(path string, header []string) (*csvFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriterSize(f, 1<<20)
	c := &csvFile{f: f, b: b, w: csv.NewWriter(b)}
	c.w.Write(header)
	return c, nil
}

func (c *csvFile) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		_ = c.f.Close() // the write error is the one to report
		return err
	}
	if err := c.b.Flush(); err != nil {
		_ = c.f.Close() // the write error is the one to report
		return err
	}
	return c.f.Close()
}
