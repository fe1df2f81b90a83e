package ingest

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"
)

// fieldKind says where a LogFormat directive's value goes in a Record.
type fieldKind uint8

const (
	fExtra fieldKind = iota
	fClient
	fTimeCLF    // %t
	fTimeLayout // %{strftime}t
	fTimeAny    // Fastly %{now}V: RFC 1123, also CLF or ISO 8601
	fTimeEpoch  // %{sec|msec|usec}t
	fTimeFrac   // %{msec_frac|usec_frac}t, added to the time
	fRequest    // %r: "METHOD URL PROTO"
	fMethod
	fURL // path with optional ?query
	fPath
	fQuery
	fProtocol
	fStatus
	fBytes          // %b, %B, Content-Length: "-" or "(null)" is NULL (see Record.Bytes)
	fDurationScaled // number times field.scale = seconds
	fReferrer
	fUserAgent
	fAcceptLanguage
	fContentType
)

// field is one compiled directive.
type field struct {
	kind   fieldKind
	name   string  // key in extra
	layout string  // Go layout, for fTimeLayout
	scale  float64 // for fTimeEpoch, fTimeFrac and fDurationScaled
	spaces int     // times the next literal's first byte occurs in the value (time layouts)
	padded bool    // the layout has a space-padded day (%e), one space longer for days 1-9
	cstr   bool    // Fastly wrote the value with cstr_escape: decode it (cstrUnescape)
}

// item is a literal run of text, or a directive.
type item struct {
	lit []byte
	f   *field
}

// LogFormat parses lines written by an Apache LogFormat string, or a format
// built the same way (nginx combined, gunicorn, Fastly's VCL log lines).
type LogFormat struct {
	spec         string
	items        []item
	hashedClient bool // the client must be a 64-hex hashed IP, or "-" (gunicorn-pypi)
	fastly       bool // a Fastly format (it has a %{variable}V): lines may have a classic header
}

// Named formats. fastly-pypi is PyPI's Fastly S3 log format from pypi/infra.
var namedFormats = map[string]string{
	"common":        `%h %l %u %t "%r" %>s %b`,
	"combined":      `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`,
	"gunicorn-pypi": `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`,
	"fastly-pypi": `%h "%{now}V" %l "%{req.request}V %{req.url}V" %{req.proto}V %>s %{resp.http.Content-Length}V ` +
		`%{resp.http.age}V "%{resp.http.x-cache}V" "%{resp.http.x-cache-hits}V" "%{req.http.content-type}V" ` +
		`"%{req.http.accept-language}V" "%{cstr_escape(req.http.user-agent)}V"`,
}

// CompileLogFormat compiles an Apache LogFormat string.
func CompileLogFormat(spec string) (*LogFormat, error) {
	lf := &LogFormat{spec: spec}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			lf.items = append(lf.items, item{lit: []byte(lit.String())})
			lit.Reset()
		}
	}
	var hosts []*field // %h fields, which become remote_host if %a gives the client
	hasA := false
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c == '\\' && i+1 < len(spec) {
			// Apache config strings escape quotes as \" and allow \t, \n.
			i++
			switch spec[i] {
			case 't':
				lit.WriteByte('\t')
			case 'n':
				lit.WriteByte('\n')
			default:
				lit.WriteByte(spec[i])
			}
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		i++
		if i < len(spec) && spec[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		// Modifiers: status conditions (%400,501{..}i, %!200r) and < > for original/final.
		for i < len(spec) && (spec[i] == '<' || spec[i] == '>' || spec[i] == '!' || spec[i] == ',' || ('0' <= spec[i] && spec[i] <= '9')) {
			i++
		}
		var arg string
		if i < len(spec) && spec[i] == '{' {
			end := strings.IndexByte(spec[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("log format %q: unclosed %%{ at byte %d", spec, i)
			}
			arg = spec[i+1 : i+end]
			i += end + 1
		}
		if i >= len(spec) {
			return nil, fmt.Errorf("log format %q ends inside a directive", spec)
		}
		f, err := directive(spec[i], arg)
		if err != nil {
			return nil, fmt.Errorf("log format %q: %w", spec, err)
		}
		switch {
		case spec[i] == 'h':
			hosts = append(hosts, f)
		case spec[i] == 'a' && f.kind == fClient:
			hasA = true
		case spec[i] == 'V' && arg != "":
			lf.fastly = true
		}
		flush()
		if n := len(lf.items); n > 0 && lf.items[n-1].f != nil {
			if prev := lf.items[n-1].f; prev.kind == fPath && f.kind == fQuery {
				prev.kind = fURL // %U%q: the query starts at the first '?'
				continue
			}
			return nil, fmt.Errorf("log format %q: two directives with nothing between them cannot be told apart", spec)
		}
		lf.items = append(lf.items, item{f: f})
	}
	flush()
	if hasA {
		for _, f := range hosts {
			f.kind, f.name = fExtra, "remote_host"
		}
	}
	for i, it := range lf.items {
		// A strftime time ends at the first occurrence of the next literal's
		// first byte that is not part of the time itself.
		if it.f != nil && it.f.kind == fTimeLayout && i+1 < len(lf.items) {
			it.f.spaces = strings.Count(it.f.layout, string(lf.items[i+1].lit[0]))
		}
	}
	if len(lf.items) == 0 {
		return nil, fmt.Errorf("log format %q has no directives", spec)
	}
	hasTime := false
	for _, it := range lf.items {
		if it.f != nil && (it.f.kind == fTimeCLF || it.f.kind == fTimeLayout || it.f.kind == fTimeAny || it.f.kind == fTimeEpoch) {
			hasTime = true
		}
	}
	if !hasTime {
		return nil, fmt.Errorf("log format %q has no time directive (%%t, %%{format}t or %%{now}V); every request needs a time", spec)
	}
	return lf, nil
}

func directive(c byte, arg string) (*field, error) {
	switch c {
	case 'h':
		return &field{kind: fClient}, nil
	case 'a':
		if arg == "c" {
			return &field{kind: fExtra, name: "peer_ip"}, nil
		}
		return &field{kind: fClient}, nil
	case 'l':
		return &field{kind: fExtra, name: "remote_logname"}, nil
	case 'u':
		return &field{kind: fExtra, name: "remote_user"}, nil
	case 't':
		return timeDirective(arg)
	case 'r':
		return &field{kind: fRequest}, nil
	case 'm':
		return &field{kind: fMethod}, nil
	case 'U':
		return &field{kind: fPath}, nil
	case 'q':
		return &field{kind: fQuery}, nil
	case 'H':
		return &field{kind: fProtocol}, nil
	case 's':
		return &field{kind: fStatus}, nil
	case 'b', 'B':
		return &field{kind: fBytes}, nil
	case 'D':
		return &field{kind: fDurationScaled, scale: 1e-6}, nil
	case 'T':
		switch arg {
		case "", "s":
			return &field{kind: fDurationScaled, scale: 1}, nil
		case "ms":
			return &field{kind: fDurationScaled, scale: 1e-3}, nil
		case "us":
			return &field{kind: fDurationScaled, scale: 1e-6}, nil
		}
		return nil, fmt.Errorf("%%{%s}T: unit must be s, ms or us", arg)
	case 'i':
		if arg == "" {
			return nil, fmt.Errorf("%%i needs a header name, as in %%{User-Agent}i")
		}
		return headerField(arg), nil
	case 'o':
		if arg == "" {
			return nil, fmt.Errorf("%%o needs a header name, as in %%{Content-Length}o")
		}
		if strings.EqualFold(arg, "Content-Length") {
			return &field{kind: fBytes}, nil
		}
		return &field{kind: fExtra, name: "resp.http." + strings.ToLower(arg)}, nil
	case 'V':
		if arg == "" {
			return &field{kind: fExtra, name: "server_name"}, nil
		}
		return fastlyField(arg), nil
	case 'v':
		return &field{kind: fExtra, name: "server_name"}, nil
	case 'p':
		return &field{kind: fExtra, name: withArg("port", arg)}, nil
	case 'P':
		return &field{kind: fExtra, name: withArg("pid", arg)}, nil
	case 'I':
		return &field{kind: fExtra, name: "bytes_received"}, nil
	case 'O':
		return &field{kind: fExtra, name: "bytes_sent"}, nil
	case 'S':
		return &field{kind: fExtra, name: "bytes_transferred"}, nil
	case 'k':
		return &field{kind: fExtra, name: "keepalive_requests"}, nil
	case 'L':
		return &field{kind: fExtra, name: "log_id"}, nil
	case 'f':
		return &field{kind: fExtra, name: "filename"}, nil
	case 'X':
		return &field{kind: fExtra, name: "connection_status"}, nil
	case 'R':
		return &field{kind: fExtra, name: "handler"}, nil
	case 'e', 'n', 'C', 'x', 'c', '^':
		if arg == "" {
			return nil, fmt.Errorf("%%%c needs a name in braces", c)
		}
		return &field{kind: fExtra, name: arg}, nil
	}
	if arg != "" {
		return &field{kind: fExtra, name: arg}, nil
	}
	return nil, fmt.Errorf("directive %%%c is not supported", c)
}

func withArg(name, arg string) string {
	if arg == "" {
		return name
	}
	return name + "." + arg
}

// headerField maps a request header to its canonical column, or to extra.
func headerField(h string) *field {
	switch strings.ToLower(h) {
	case "referer", "referrer":
		return &field{kind: fReferrer}
	case "user-agent":
		return &field{kind: fUserAgent}
	case "accept-language":
		return &field{kind: fAcceptLanguage}
	case "content-type":
		return &field{kind: fContentType}
	}
	return &field{kind: fExtra, name: strings.ToLower(h)}
}

// fastlyField maps a Fastly VCL log variable (%{...}V) to a column. A
// variable wrapped in cstr_escape() fills the same column, decoded.
func fastlyField(v string) *field {
	if strings.HasPrefix(v, "cstr_escape(") && strings.HasSuffix(v, ")") {
		f := fastlyField(v[len("cstr_escape(") : len(v)-1])
		f.cstr = true
		return f
	}
	lv := strings.ToLower(v)
	switch {
	case lv == "now" || lv == "time.start":
		return &field{kind: fTimeAny}
	case lv == "time.start.sec":
		return &field{kind: fTimeEpoch, scale: 1e6}
	case lv == "time.start.msec":
		return &field{kind: fTimeEpoch, scale: 1e3}
	case lv == "time.start.usec":
		return &field{kind: fTimeEpoch, scale: 1}
	case lv == "time.elapsed.usec":
		return &field{kind: fDurationScaled, scale: 1e-6}
	case lv == "time.elapsed.msec":
		return &field{kind: fDurationScaled, scale: 1e-3}
	case lv == "client.ip":
		return &field{kind: fClient}
	case lv == "req.request" || lv == "req.method":
		return &field{kind: fMethod}
	case lv == "req.url":
		return &field{kind: fURL}
	case lv == "req.url.path":
		return &field{kind: fPath}
	case lv == "req.url.qs":
		return &field{kind: fQuery}
	case lv == "req.proto":
		return &field{kind: fProtocol}
	case lv == "resp.status":
		return &field{kind: fStatus}
	case lv == "resp.http.content-length" || lv == "resp.body_bytes_written":
		return &field{kind: fBytes}
	case strings.HasPrefix(lv, "req.http."):
		f := headerField(v[len("req.http."):])
		if f.kind == fExtra {
			f.name = lv
		}
		return f
	}
	return &field{kind: fExtra, name: lv}
}

func timeDirective(arg string) (*field, error) {
	arg = strings.TrimPrefix(strings.TrimPrefix(arg, "begin:"), "end:")
	switch arg {
	case "":
		return &field{kind: fTimeCLF}, nil
	case "sec":
		return &field{kind: fTimeEpoch, scale: 1e6}, nil
	case "msec":
		return &field{kind: fTimeEpoch, scale: 1e3}, nil
	case "usec":
		return &field{kind: fTimeEpoch, scale: 1}, nil
	case "msec_frac":
		return &field{kind: fTimeFrac, scale: 1e3}, nil
	case "usec_frac":
		return &field{kind: fTimeFrac, scale: 1}, nil
	}
	layout, err := strftimeLayout(arg)
	if err != nil {
		return nil, err
	}
	return &field{kind: fTimeLayout, layout: layout, padded: strings.Contains(layout, "_2")}, nil
}

// Spec returns the LogFormat string the parser was compiled from.
func (lf *LogFormat) Spec() string { return lf.spec }

// Parse implements Parser.
func (lf *LogFormat) Parse(line []byte, rec *Record, a *Arena) error {
	pos := 0
	extra := a.scratch[:0]
	defer func() { a.scratch = extra[:0] }() // keep its capacity for the next line
	if lf.fastly {
		if n, host := classicHeader(line); n > 0 {
			line = line[n:]
			extra = appendExtra(extra, "syslog_host", bstr(host))
		}
	}
	timeSet := false
	var frac int64
	var cut *field // the last quoted field, when the line ends inside it
	items := lf.items
	for i := 0; i < len(items); i++ {
		it := items[i]
		if it.f == nil {
			if !bytes.HasPrefix(line[pos:], it.lit) {
				return fmt.Errorf("expected %q at byte %d, found %q", it.lit, pos+1, snippet(line[pos:]))
			}
			pos += len(it.lit)
			continue
		}
		// Find where the value ends: at the next literal, or the end of line.
		var next []byte
		if i+1 < len(items) {
			next = items[i+1].lit
		}
		end := -1
		rest := line[pos:]
		switch {
		case len(next) == 0:
			end = len(bytes.TrimRight(rest, " \t"))
		case it.f.kind == fTimeCLF && len(rest) > 0 && rest[0] == '[':
			if j := bytes.IndexByte(rest, ']'); j >= 0 {
				end = j + 1
			}
		case next[0] == '"':
			if i+2 == len(items) && len(next) == 1 {
				// The last quoted field runs to the line's last quote, so an
				// unescaped quote inside a user agent does not break the line.
				end = bytes.LastIndexByte(rest, '"')
				if lineCut(rest, end) && it.f.isText() {
					end, cut = len(rest), it.f
				}
			} else {
				end = quoteEnd(rest)
			}
		default:
			end = nthIndexByte(rest, next[0], it.f.spaces)
			if it.f.padded && next[0] == ' ' && end >= 0 {
				// " 5" for a day below 10: the time holds one more space.
				if _, err := time.Parse(it.f.layout, string(rest[:end])); err != nil {
					if longer := nthIndexByte(rest, ' ', it.f.spaces+1); longer >= 0 {
						end = longer
					}
				}
			}
		}
		if end < 0 {
			return fmt.Errorf("field %d ends early: expected %q after byte %d", i/2+1, next, pos+1)
		}
		val := rest[:end]
		pos += end
		if err := lf.assign(it.f, val, rec, &extra, &frac, a); err != nil {
			return err
		}
		switch it.f.kind {
		case fTimeCLF, fTimeLayout, fTimeAny, fTimeEpoch:
			timeSet = true
		}
		if cut != nil {
			extra = appendExtra(extra, "truncated", cut.column())
			break // the closing quote is not there
		}
	}
	if pos < len(line) {
		if rest := bytes.TrimRight(line[pos:], " \t"); len(rest) > 0 {
			return fmt.Errorf("unexpected text after the last field at byte %d: %q", pos+1, snippet(rest))
		}
	}
	if !timeSet {
		return fmt.Errorf("no time in line")
	}
	rec.Time += frac
	if !timeInRange(rec.Time) {
		return fmt.Errorf("time is outside the years 1970 to 9999")
	}
	// Warehouse logs "-" for a request without the Warehouse-Hashed-IP
	// header, which Fastly's VCL sets: a health check, anything that did not
	// come through Fastly. The client is then NULL, not a reason to reject.
	if lf.hashedClient && rec.Client != "" && !rec.ClientHashed {
		return fmt.Errorf("client %q is not a 64-hex hashed IP, as gunicorn-pypi logs have", snippet([]byte(rec.Client)))
	}
	if len(extra) > 0 {
		extra = append(extra, '}')
		rec.Extra = a.bytes(extra)
	}
	return nil
}

func (lf *LogFormat) assign(f *field, val []byte, rec *Record, extra *[]byte, frac *int64, a *Arena) error {
	null := len(val) == 0 || (len(val) == 1 && val[0] == '-') || string(val) == "(null)"
	var err error
	switch f.kind {
	case fTimeCLF:
		rec.Time, err = parseCLFTime(val)
	case fTimeAny:
		rec.Time, err = parseAnyTime(val)
	case fTimeLayout:
		var t time.Time
		t, err = time.Parse(f.layout, string(val))
		if err != nil {
			err = fmt.Errorf("time %q does not match the format's time layout %q", snippet(val), f.layout)
		}
		rec.Time = t.UnixMicro()
	case fTimeEpoch:
		n, ok := atoi(val)
		if !ok {
			return fmt.Errorf("epoch time %q is not a whole number", snippet(val))
		}
		if n >= maxMicros/int64(f.scale) {
			return fmt.Errorf("epoch time %q is after the year 9999", snippet(val))
		}
		rec.Time = n * int64(f.scale)
	case fTimeFrac:
		n, ok := atoi(val)
		if !ok || n >= 1e6/int64(f.scale) {
			return fmt.Errorf("time fraction %q is not a number below one second", snippet(val))
		}
		*frac = n * int64(f.scale)
	case fStatus:
		if null {
			return nil
		}
		n, ok := atoi(val)
		if !ok || n < 100 || n > 999 {
			return fmt.Errorf("status %q is not an HTTP status code", snippet(val))
		}
		rec.Status = int32(n)
	case fBytes:
		if null {
			return nil
		}
		n, ok := atoi(val)
		if !ok {
			return fmt.Errorf("response size %q is not a number", snippet(val))
		}
		rec.Bytes = n
	case fDurationScaled:
		if null {
			return nil
		}
		d, ok := parseFloat(val)
		if !ok || !(d >= 0) || math.IsInf(d, 1) {
			return fmt.Errorf("duration %q is not a number", snippet(val))
		}
		rec.Duration = d * f.scale
	}
	if err != nil || null {
		return err
	}
	s := bstr(val)
	if f.cstr && bytes.IndexByte(val, '\\') >= 0 {
		s = a.bytes(cstrUnescape(val))
	}
	switch f.kind {
	case fClient:
		rec.Client = clientAddr(s)
		rec.ClientHashed = isHashedIP(s)
	case fRequest:
		splitRequest(s, rec)
	case fMethod:
		rec.Method = s
	case fURL:
		splitURL(s, rec)
	case fPath:
		rec.Path = s
	case fQuery:
		rec.Query = strings.TrimPrefix(s, "?")
	case fProtocol:
		rec.Protocol = s
	case fReferrer:
		rec.Referrer = s
	case fUserAgent:
		rec.UserAgent = s
	case fAcceptLanguage:
		rec.AcceptLanguage = s
	case fContentType:
		rec.ContentType = s
	case fExtra:
		*extra = appendExtra(*extra, f.name, s)
	}
	return nil
}

// appendExtra adds "key":"value" to the JSON object being built in extra,
// which Parse closes.
func appendExtra(extra []byte, key, value string) []byte {
	if len(extra) == 0 {
		extra = append(extra, '{')
	} else {
		extra = append(extra, ',')
	}
	extra = appendJSONString(extra, key)
	extra = append(extra, ':')
	return appendJSONString(extra, value)
}

// lineCut reports whether rest, the text after the opening quote of a
// format's last quoted field, ends inside that field: it has no quote, or
// its last quote is escaped (\") and followed by more text. Apache escapes
// every quote in a value, so only a line cut short (by a crash, a full
// disk, a syslog size limit) ends like that; a real log had 1 in 10,000.
// last is the index of the last quote in rest, or -1.
func lineCut(rest []byte, last int) bool {
	if last < 0 {
		return true
	}
	if len(bytes.TrimRight(rest[last+1:], " \t")) == 0 {
		return false // a closing quote, escaped or not: loggers that do not escape end "abc\"
	}
	backslashes := 0
	for j := last - 1; j >= 0 && rest[j] == '\\'; j-- {
		backslashes++
	}
	return backslashes%2 == 1
}

// isText reports whether a field is stored as text, which is still worth
// keeping when cut short; a cut number or time would be a wrong value.
func (f *field) isText() bool {
	switch f.kind {
	case fExtra, fRequest, fURL, fPath, fQuery, fReferrer, fUserAgent, fAcceptLanguage, fContentType:
		return true
	}
	return false
}

// column names the request column, or extra key, a text field fills.
func (f *field) column() string {
	switch f.kind {
	case fRequest:
		return "request"
	case fURL:
		return "url"
	case fPath:
		return "path"
	case fQuery:
		return "query"
	case fReferrer:
		return "referrer"
	case fUserAgent:
		return "user_agent"
	case fAcceptLanguage:
		return "accept_language"
	case fContentType:
		return "content_type"
	}
	return f.name
}

func parseAnyTime(b []byte) (int64, error) {
	if us, err := parseRFC1123(b); err == nil {
		return us, nil
	}
	if us, err := parseCLFTime(b); err == nil {
		return us, nil
	}
	if us, err := parseISO8601(string(b)); err == nil {
		return us, nil
	}
	return 0, fmt.Errorf("time %q is not RFC 1123, [dd/Mon/yyyy:HH:MM:SS +zzzz] or ISO 8601", snippet(b))
}

// classicHeader returns the length of the syslog-style header that Fastly's
// "classic" message type (the default of most of its logging endpoints)
// puts before each log line, and the cache server it names; n is 0 when the
// line starts with no such header. The shape, from Fastly's documentation
// ("Changing log line formats"), is RFC 3164's with an RFC 3339 time:
//
//	<134>2024-03-30T20:00:01Z cache-fra-eddf8230055 S3 Logs[418]: MESSAGE
//
// priority, time, cache server, endpoint name (it may hold spaces) and a
// number. The cache server is kept (extra.syslog_host); the header's time,
// when the line was sent, is not: the message has the request's own.
func classicHeader(line []byte) (n int, host []byte) {
	rest, ok := bytes.CutPrefix(line, []byte("<"))
	if !ok {
		return 0, nil
	}
	pri, rest, ok := bytes.Cut(rest, []byte(">"))
	if _, isNum := atoi(pri); !ok || !isNum || len(pri) > 3 {
		return 0, nil
	}
	stamp, rest, ok := bytes.Cut(rest, []byte(" "))
	if _, err := time.Parse(time.RFC3339, bstr(stamp)); !ok || err != nil {
		return 0, nil
	}
	host, rest, ok = bytes.Cut(rest, []byte(" "))
	if !ok || len(host) == 0 {
		return 0, nil
	}
	end := bytes.Index(rest, []byte("]: "))
	if end < 0 {
		return 0, nil
	}
	open := bytes.LastIndexByte(rest[:end], '[')
	if _, isNum := atoi(rest[open+1 : end]); open < 1 || !isNum {
		return 0, nil
	}
	return len(line) - len(rest) + end + len("]: "), host
}

// cstrUnescape decodes what Fastly's cstr_escape wrote: \" \\ \b \t \n \v \r
// and \xHH, so a user agent is stored as the client sent it, as a JSON log
// gives it. Decoded bytes that are not valid UTF-8, and NUL, are written
// back as \xNN (lower-case hex), as the case stores such bytes everywhere;
// the byte 0xff and the text \xff sent by a client then look alike, as in
// rejects.raw. A backslash that starts no such escape (an escape cut short
// at the end of a truncated value) is kept as written.
func cstrUnescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 == len(b) {
			out = append(out, c)
			continue
		}
		switch b[i+1] {
		case '"', '\\':
			out = append(out, b[i+1])
		case 'b':
			out = append(out, '\b')
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'v':
			out = append(out, '\v')
		case 'r':
			out = append(out, '\r')
		case 'x':
			hi, ok1 := unhex(b, i+2)
			lo, ok2 := unhex(b, i+3)
			if !ok1 || !ok2 {
				out = append(out, c)
				continue
			}
			out = append(out, hi<<4|lo)
			i += 2
		default:
			out = append(out, c)
			continue
		}
		i++
	}
	if needsEscape(out) {
		return escapeBytes(nil, out)
	}
	return out
}

// unhex returns the value of the hex digit b[i], if there is one.
func unhex(b []byte, i int) (byte, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// splitRequest splits "GET /path?q HTTP/1.1". A request line that does not
// have that shape (a TLS handshake sent to a plain-HTTP port, say) is kept
// whole in path, with no method.
func splitRequest(s string, rec *Record) {
	sp1 := strings.IndexByte(s, ' ')
	sp2 := strings.LastIndexByte(s, ' ')
	switch {
	case sp1 > 0 && sp2 > sp1:
		rec.Method = s[:sp1]
		splitURL(s[sp1+1:sp2], rec)
		rec.Protocol = s[sp2+1:]
	case sp1 > 0:
		rec.Method = s[:sp1]
		splitURL(s[sp1+1:], rec)
	default:
		rec.Path = s
	}
}

func splitURL(s string, rec *Record) {
	if q := strings.IndexByte(s, '?'); q >= 0 {
		rec.Path = s[:q]
		rec.Query = s[q+1:]
		return
	}
	rec.Path = s
}

// quoteEnd returns the index of the first '"' in b not escaped by a backslash.
func quoteEnd(b []byte) int {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// nthIndexByte returns the index of the (skip+1)-th c in b.
func nthIndexByte(b []byte, c byte, skip int) int {
	off := 0
	for {
		j := bytes.IndexByte(b[off:], c)
		if j < 0 {
			return -1
		}
		if skip == 0 {
			return off + j
		}
		skip--
		off += j + 1
	}
}

// snippet shortens text quoted in a reject reason.
func snippet(b []byte) string {
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
