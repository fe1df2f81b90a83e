package ingest

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// utc returns microseconds since the epoch for a UTC civil time.
func ptUTC(y int, mo time.Month, d, h, mi, s, us int) int64 {
	return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC).UnixMicro()
}

// ptCase is one line given to a parser: want is the whole expected Record
// when wantErr is empty, else wantErr is a fragment of the reject reason.
type ptCase struct {
	name    string
	line    string
	want    Record
	wantErr string
}

// ptRecordDiff lists the fields in which got differs from want. Durations are
// compared to a relative 1e-12, as they are scaled floats.
func ptRecordDiff(got, want Record) string {
	var d []string
	add := func(field string, g, w any) {
		d = append(d, fmt.Sprintf("%s = %#v, want %#v", field, g, w))
	}
	if got.Time != want.Time {
		add("Time", fmt.Sprintf("%d (%s)", got.Time, time.UnixMicro(got.Time).UTC().Format(time.RFC3339Nano)),
			fmt.Sprintf("%d (%s)", want.Time, time.UnixMicro(want.Time).UTC().Format(time.RFC3339Nano)))
	}
	for _, f := range []struct {
		name      string
		got, want string
	}{
		{"Client", got.Client, want.Client}, {"Method", got.Method, want.Method}, {"Path", got.Path, want.Path},
		{"Query", got.Query, want.Query}, {"Protocol", got.Protocol, want.Protocol},
		{"Referrer", got.Referrer, want.Referrer}, {"UserAgent", got.UserAgent, want.UserAgent},
		{"AcceptLanguage", got.AcceptLanguage, want.AcceptLanguage}, {"ContentType", got.ContentType, want.ContentType},
		{"Extra", got.Extra, want.Extra},
	} {
		if f.got != f.want {
			add(f.name, f.got, f.want)
		}
	}
	if got.ClientHashed != want.ClientHashed {
		add("ClientHashed", got.ClientHashed, want.ClientHashed)
	}
	if got.Status != want.Status {
		add("Status", got.Status, want.Status)
	}
	if got.Bytes != want.Bytes {
		add("Bytes", got.Bytes, want.Bytes)
	}
	if !(got.Duration < 0 && want.Duration < 0) && math.Abs(got.Duration-want.Duration) > 1e-12*math.Abs(want.Duration) {
		add("Duration", got.Duration, want.Duration)
	}
	return strings.Join(d, "\n\t")
}

// ptRun parses each case's line as the pipeline does: into a reset
// Record, after escaping invalid UTF-8 and NUL.
func ptRun(t *testing.T, p Parser, cases []ptCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec Record
			rec.reset()
			var a Arena
			err := p.Parse(escapeIfNeeded([]byte(tc.line)), &rec, &a)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("parsed %q, want a reject mentioning %q; got %+v", tc.line, tc.wantErr, rec)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("reject reason %q does not mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected %q: %v", tc.line, err)
			}
			if d := ptRecordDiff(rec, tc.want); d != "" {
				t.Errorf("line %q:\n\t%s", tc.line, d)
			}
		})
	}
}

func ptFormat(t testing.TB, name string) Parser {
	t.Helper()
	f, err := NewFormat(name, nil)
	if err != nil {
		t.Fatalf("NewFormat(%q): %v", name, err)
	}
	return f.Parser
}

func ptCompile(t testing.TB, spec string) *LogFormat {
	t.Helper()
	lf, err := CompileLogFormat(spec)
	if err != nil {
		t.Fatalf("CompileLogFormat(%q): %v", spec, err)
	}
	return lf
}

const (
	ptUAFirefox = "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"
	ptUAChrome  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36"
	// A hashed client IP as Warehouse logs it: SHA-256 hex.
	ptHashedIP  = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	ptHashedIP2 = "60303AE22B998861BCE3B28F33EEC1BE758A213C86C93C076DBE9F558C11C752"
)

func TestParseCombined(t *testing.T) {
	ptRun(t, ptFormat(t, "combined"), []ptCase{
		{
			name: "nginx login POST",
			line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 0 "https://pypi.org/account/login/" "` + ptUAFirefox + `"`,
			want: Record{Time: 1711828801000000, Client: "203.0.113.9", Method: "POST", Path: "/account/login/",
				Protocol: "HTTP/1.1", Status: 303, Bytes: 0, Referrer: "https://pypi.org/account/login/",
				UserAgent: ptUAFirefox, Duration: -1},
		},
		{
			name: "apache docs example with user and -0700",
			line: `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
			want: Record{Time: ptUTC(2000, 10, 10, 20, 55, 36, 0), Client: "127.0.0.1", Method: "GET", Path: "/apache_pb.gif",
				Protocol: "HTTP/1.0", Status: 200, Bytes: 2326, Referrer: "http://www.example.com/start.html",
				UserAgent: "Mozilla/4.08 [en] (Win98; I ;Nav)", Duration: -1, Extra: `{"remote_user":"frank"}`},
		},
		{
			name: "identd logname and user go to extra",
			line: `192.0.2.10 ident42 bob [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "-"`,
			want: Record{Time: 1711828801000000, Client: "192.0.2.10", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 5, Duration: -1, Extra: `{"remote_logname":"ident42","remote_user":"bob"}`},
		},
		{
			name: "+0200 crosses back to the previous UTC day",
			line: `203.0.113.9 - - [31/Mar/2024:01:30:00 +0200] "GET /simple/ HTTP/1.1" 200 1024 "-" "pip/24.0"`,
			want: Record{Time: ptUTC(2024, 3, 30, 23, 30, 0, 0), Client: "203.0.113.9", Method: "GET", Path: "/simple/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 1024, UserAgent: "pip/24.0", Duration: -1},
		},
		{
			name: "+0530 half-hour zone",
			line: `203.0.113.9 - - [31/Mar/2024:05:50:00 +0530] "GET / HTTP/1.1" 200 1 "-" "-"`,
			want: Record{Time: ptUTC(2024, 3, 31, 0, 20, 0, 0), Client: "203.0.113.9", Method: "GET", Path: "/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 1, Duration: -1},
		},
		{
			name: "query string split from path",
			line: `198.51.100.4 - - [30/Mar/2024:20:00:02 +0000] "GET /search/?q=requests&page=2&c=Framework+%3A%3A+Django HTTP/2.0" 200 48211 "https://pypi.org/" "` + ptUAChrome + `"`,
			want: Record{Time: 1711828802000000, Client: "198.51.100.4", Method: "GET", Path: "/search/",
				Query: "q=requests&page=2&c=Framework+%3A%3A+Django", Protocol: "HTTP/2.0", Status: 200, Bytes: 48211,
				Referrer: "https://pypi.org/", UserAgent: ptUAChrome, Duration: -1},
		},
		{
			name: "empty query after ?",
			line: `198.51.100.4 - - [30/Mar/2024:20:00:02 +0000] "GET /simple/? HTTP/1.1" 200 7 "-" "-"`,
			want: Record{Time: 1711828802000000, Client: "198.51.100.4", Method: "GET", Path: "/simple/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 7, Duration: -1},
		},
		{
			name: `user agent with escaped quotes (Apache \")`,
			line: `198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET /simple/requests/ HTTP/1.1" 200 9182 "-" "pip/24.0 {\"ci\":null,\"python\":\"3.11.8\"}"`,
			want: Record{Time: 1711828803000000, Client: "198.51.100.4", Method: "GET", Path: "/simple/requests/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 9182, UserAgent: `pip/24.0 {\"ci\":null,\"python\":\"3.11.8\"}`, Duration: -1},
		},
		{
			name: `referrer with escaped quote before the user agent`,
			line: `198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET / HTTP/1.1" 200 1 "https://evil.example/\"><script>" "curl/8.5.0"`,
			want: Record{Time: 1711828803000000, Client: "198.51.100.4", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 1, Referrer: `https://evil.example/\"><script>`, UserAgent: "curl/8.5.0", Duration: -1},
		},
		{
			name: `request with escaped quote and backslash`,
			line: `198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET /a\"b\\ HTTP/1.1" 404 0 "-" "-"`,
			want: Record{Time: 1711828803000000, Client: "198.51.100.4", Method: "GET", Path: `/a\"b\\`, Protocol: "HTTP/1.1",
				Status: 404, Bytes: 0, Duration: -1},
		},
		{
			name: "nginx escapes quotes as \\x22",
			line: `198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET / HTTP/1.1" 200 1 "-" "sqlmap \x22test\x22"`,
			want: Record{Time: 1711828803000000, Client: "198.51.100.4", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 1, UserAgent: `sqlmap \x22test\x22`, Duration: -1},
		},
		{
			name: "unescaped quotes inside the last field",
			line: `198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 "compatible" Bot"`,
			want: Record{Time: 1711828803000000, Client: "198.51.100.4", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 1, UserAgent: `Mozilla/5.0 "compatible" Bot`, Duration: -1},
		},
		{
			name: "unescaped quote in last position of the user agent",
			line: `198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8.5.0""`,
			want: Record{Time: 1711828803000000, Client: "198.51.100.4", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 1, UserAgent: `curl/8.5.0"`, Duration: -1},
		},
		{
			name: "dash referrer, user agent and size are NULL",
			line: `203.0.113.200 - - [30/Mar/2024:20:00:04 +0000] "GET /simple/django/ HTTP/1.1" 304 - "-" "-"`,
			want: Record{Time: 1711828804000000, Client: "203.0.113.200", Method: "GET", Path: "/simple/django/",
				Protocol: "HTTP/1.1", Status: 304, Bytes: -1, Duration: -1},
		},
		{
			name: "empty quoted fields are NULL",
			line: `203.0.113.200 - - [30/Mar/2024:20:00:04 +0000] "GET / HTTP/1.1" 200 3 "" ""`,
			want: Record{Time: 1711828804000000, Client: "203.0.113.200", Method: "GET", Path: "/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 3, Duration: -1},
		},
		{
			name: "nginx TLS handshake on the plain-HTTP port",
			line: `45.148.10.81 - - [30/Mar/2024:20:00:05 +0000] "\x16\x03\x01\x00\xEE\x01\x00\x00\xEA\x03\x03" 400 157 "-" "-"`,
			want: Record{Time: 1711828805000000, Client: "45.148.10.81", Path: `\x16\x03\x01\x00\xEE\x01\x00\x00\xEA\x03\x03`,
				Status: 400, Bytes: 157, Duration: -1},
		},
		{
			name: "nginx empty request line",
			line: `45.148.10.81 - - [30/Mar/2024:20:00:05 +0000] "-" 400 0 "-" "-"`,
			want: Record{Time: 1711828805000000, Client: "45.148.10.81", Status: 400, Bytes: 0, Duration: -1},
		},
		{
			name: "HTTP/0.9 request without protocol",
			line: `45.148.10.81 - - [30/Mar/2024:20:00:05 +0000] "GET /" 200 12 "-" "-"`,
			want: Record{Time: 1711828805000000, Client: "45.148.10.81", Method: "GET", Path: "/", Status: 200, Bytes: 12, Duration: -1},
		},
		{
			name: "space inside the URL",
			line: `45.148.10.81 - - [30/Mar/2024:20:00:05 +0000] "GET /simple/my package/?x=a b HTTP/1.1" 404 0 "-" "-"`,
			want: Record{Time: 1711828805000000, Client: "45.148.10.81", Method: "GET", Path: "/simple/my package/",
				Query: "x=a b", Protocol: "HTTP/1.1", Status: 404, Bytes: 0, Duration: -1},
		},
		{
			name: "garbage request line of one word",
			line: `45.148.10.81 - - [30/Mar/2024:20:00:05 +0000] "SSH-2.0-Go" 400 0 "-" "-"`,
			want: Record{Time: 1711828805000000, Client: "45.148.10.81", Path: "SSH-2.0-Go", Status: 400, Bytes: 0, Duration: -1},
		},
		{
			name: "IPv6 client and nginx 499",
			line: `2001:db8:85a3::8a2e:370:7334 - - [30/Mar/2024:20:00:06 +0000] "GET /pypi/requests/json HTTP/1.1" 499 0 "-" "python-requests/2.31.0"`,
			want: Record{Time: 1711828806000000, Client: "2001:db8:85a3::8a2e:370:7334", Method: "GET", Path: "/pypi/requests/json",
				Protocol: "HTTP/1.1", Status: 499, Bytes: 0, UserAgent: "python-requests/2.31.0", Duration: -1},
		},
		{
			name: "IPv4-mapped IPv6 client is stored as the IPv4 address",
			line: `::ffff:10.0.0.1 - - [30/Mar/2024:20:00:06 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`,
			want: Record{Time: 1711828806000000, Client: "10.0.0.1", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 0, Duration: -1},
		},
		{
			name: "IPv4-mapped in capitals and hex",
			line: `::FFFF:A00:1 - - [30/Mar/2024:20:00:06 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`,
			want: Record{Time: 1711828806000000, Client: "10.0.0.1", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 0, Duration: -1},
		},
		{
			name: "other IPv6 forms are kept as written",
			line: `::1 - - [30/Mar/2024:20:00:06 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`,
			want: Record{Time: 1711828806000000, Client: "::1", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 0, Duration: -1},
		},
		{
			name: "a zoned IPv4-mapped address is kept as written",
			line: `::ffff:10.0.0.1%eth0 - - [30/Mar/2024:20:00:06 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`,
			want: Record{Time: 1711828806000000, Client: "::ffff:10.0.0.1%eth0", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 0, Duration: -1},
		},
		{
			name: "non-ASCII UTF-8 in referrer",
			line: `203.0.113.9 - - [30/Mar/2024:20:00:07 +0000] "GET /search/?q=%C3%BC HTTP/1.1" 200 10 "https://example.org/süß?q=ünï" "` + ptUAFirefox + `"`,
			want: Record{Time: 1711828807000000, Client: "203.0.113.9", Method: "GET", Path: "/search/", Query: "q=%C3%BC",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 10, Referrer: "https://example.org/süß?q=ünï", UserAgent: ptUAFirefox, Duration: -1},
		},
		{
			name: "invalid UTF-8 and NUL arrive escaped as \\xNN",
			line: "203.0.113.9 - - [30/Mar/2024:20:00:07 +0000] \"GET /\xff\xfe HTTP/1.1\" 200 10 \"-\" \"bad\x00agent\"",
			want: Record{Time: 1711828807000000, Client: "203.0.113.9", Method: "GET", Path: `/\xff\xfe`,
				Protocol: "HTTP/1.1", Status: 200, Bytes: 10, UserAgent: `bad\x00agent`, Duration: -1},
		},
		{
			name: "hashed client is flagged in combined too",
			line: ptHashedIP + ` - - [30/Mar/2024:20:00:07 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`,
			want: Record{Time: 1711828807000000, Client: ptHashedIP, ClientHashed: true, Method: "GET", Path: "/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 10, Duration: -1},
		},
		{
			name: "trailing blanks after the last quote",
			line: `203.0.113.9 - - [30/Mar/2024:20:00:07 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8.5.0" ` + "\t",
			want: Record{Time: 1711828807000000, Client: "203.0.113.9", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 10, UserAgent: "curl/8.5.0", Duration: -1},
		},
		{
			name: "leap year day",
			line: `203.0.113.9 - - [29/Feb/2024:23:59:59 -0000] "GET / HTTP/1.1" 200 10 "-" "-"`,
			want: Record{Time: ptUTC(2024, 2, 29, 23, 59, 59, 0), Client: "203.0.113.9", Method: "GET", Path: "/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 10, Duration: -1},
		},
		{
			name: "the epoch itself",
			line: `203.0.113.9 - - [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`,
			want: Record{Time: 0, Client: "203.0.113.9", Method: "GET", Path: "/",
				Protocol: "HTTP/1.1", Status: 200, Bytes: 10, Duration: -1},
		},
		{
			// The line ends inside its last quoted field: the field is kept
			// as far as it goes and marked.
			name: "line cut inside the user agent",
			line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 0 "https://pypi.org/account/login/" "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/2010`,
			want: Record{Time: 1711828801000000, Client: "203.0.113.9", Method: "POST", Path: "/account/login/",
				Protocol: "HTTP/1.1", Status: 303, Bytes: 0, Referrer: "https://pypi.org/account/login/",
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/2010", Duration: -1, Extra: `{"truncated":"user_agent"}`},
		},
		{
			// Apache writes a quote in a value as \": one followed by more
			// text is not the closing quote.
			name: "line cut after an escaped quote in the user agent",
			line: `127.0.0.1 - frank [30/Mar/2024:20:00:01 +0000] "GET /simple/requests/ HTTP/1.1" 200 9182 "-" "pip/24.0 {\"ci\":null,\"cpu\":\"x86`,
			want: Record{Time: 1711828801000000, Client: "127.0.0.1", Method: "GET", Path: "/simple/requests/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 9182, UserAgent: `pip/24.0 {\"ci\":null,\"cpu\":\"x86`, Duration: -1,
				Extra: `{"remote_user":"frank","truncated":"user_agent"}`},
		},
		{
			name: "line cut just after the user agent's opening quote",
			line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 10 "-" "`,
			want: Record{Time: 1711828801000000, Client: "203.0.113.9", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 10, Duration: -1, Extra: `{"truncated":"user_agent"}`},
		},
		{
			// A logger that does not escape (gunicorn) ends a user agent
			// ending in a backslash with \": that is its closing quote.
			name: "backslash at the end of the user agent",
			line: ptHashedIP + ` - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 10 "-" "agent\"`,
			want: Record{Time: 1711828801000000, Client: ptHashedIP, ClientHashed: true, Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 10, UserAgent: `agent\`, Duration: -1},
		},

		// Rejects.
		{name: "line cut inside the referrer", line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 10 "https://pypi.org/acc`, wantErr: "ends early"},
		{name: "line cut before the user agent", line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 10 "-"`, wantErr: "expected"},
		{name: "unescaped quote and text after it", line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 10 "-" "a "b" c`, wantErr: "unexpected text after the last field"},
		{name: "31 February", line: `203.0.113.9 - - [31/Feb/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "out of range"},
		{name: "29 February in a common year", line: `203.0.113.9 - - [29/Feb/2023:10:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "out of range"},
		{name: "hour 25", line: `203.0.113.9 - - [30/Mar/2024:25:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "out of range"},
		{name: "before 1970", line: `203.0.113.9 - - [31/Dec/1969:23:59:59 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "out of range"},
		{name: "before 1970 once in UTC", line: `203.0.113.9 - - [01/Jan/1970:00:30:00 +0100] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "out of range"},
		{name: "month in lower case", line: `203.0.113.9 - - [30/mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "dd/Mon/yyyy"},
		{name: "no zone", line: `203.0.113.9 - - [30/Mar/2024:20:00:00] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "dd/Mon/yyyy"},
		{name: "zone beyond +14", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +1500] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "dd/Mon/yyyy"},
		{name: "ISO time", line: `203.0.113.9 - - [2024-03-30T20:00:00+00:00] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "time"},
		{name: "unclosed time bracket", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000 "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "ends early"},
		{name: "status abc", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" abc 10 "-" "-"`, wantErr: `status "abc"`},
		{name: "status 99", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 99 10 "-" "-"`, wantErr: "status"},
		{name: "status 1000", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 1000 10 "-" "-"`, wantErr: "status"},
		{name: "negative size", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 200 -10 "-" "-"`, wantErr: "response size"},
		{name: "size with unit", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 200 12k "-" "-"`, wantErr: "response size"},
		{name: "trailing garbage", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8.5.0" extra-field`, wantErr: "unexpected text after the last field"},
		{name: "common line lacks referrer and agent", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 200 10`, wantErr: "expected"},
		{name: "unterminated request", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1 200 10`, wantErr: "ends early"},
		{name: "python traceback", line: `Traceback (most recent call last):`, wantErr: `time "call" is not`},
		{name: "empty line", line: ``, wantErr: "expected"},
		{name: "Fastly's classic header is for Fastly formats", line: `<134>2024-03-30T20:00:02Z cache-fra-eddf8230055 S3 Logs[418]: 203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "is not [dd/Mon/yyyy"},
		{name: "CR left on the line", line: `203.0.113.9 - - [30/Mar/2024:20:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "-"` + "\r", wantErr: "unexpected text"},
	})
}

func TestParseCommon(t *testing.T) {
	ptRun(t, ptFormat(t, "common"), []ptCase{
		{
			name: "apache docs example",
			line: `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
			want: Record{Time: ptUTC(2000, 10, 10, 20, 55, 36, 0), Client: "127.0.0.1", Method: "GET", Path: "/apache_pb.gif",
				Protocol: "HTTP/1.0", Status: 200, Bytes: 2326, Duration: -1, Extra: `{"remote_user":"frank"}`},
		},
		{
			name: "size dash is NULL",
			line: `10.20.30.40 - - [30/Mar/2024:20:00:01 +0000] "HEAD /simple/ HTTP/1.1" 304 -`,
			want: Record{Time: 1711828801000000, Client: "10.20.30.40", Method: "HEAD", Path: "/simple/", Protocol: "HTTP/1.1",
				Status: 304, Bytes: -1, Duration: -1},
		},
		{
			name: "status dash is NULL",
			line: `10.20.30.40 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" - -`,
			want: Record{Time: 1711828801000000, Client: "10.20.30.40", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "trailing blank after the size",
			line: `10.20.30.40 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 512 `,
			want: Record{Time: 1711828801000000, Client: "10.20.30.40", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 512, Duration: -1},
		},
		{name: "combined line", line: `10.20.30.40 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.5.0"`, wantErr: "response size"},
		{name: "status abc", line: `10.20.30.40 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" abc 512`, wantErr: "status"},
		{name: "31 Apr", line: `10.20.30.40 - - [31/Apr/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 512`, wantErr: "out of range"},
	})
}

func TestParseGunicornPyPI(t *testing.T) {
	ptRun(t, ptFormat(t, "gunicorn-pypi"), []ptCase{
		{
			name: "hashed client",
			line: ptHashedIP + ` - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 0 "https://pypi.org/account/login/?next=/manage/projects/" "` + ptUAChrome + `"`,
			want: Record{Time: 1711828801000000, Client: ptHashedIP, ClientHashed: true, Method: "POST", Path: "/account/login/",
				Protocol: "HTTP/1.1", Status: 303, Bytes: 0, Referrer: "https://pypi.org/account/login/?next=/manage/projects/",
				UserAgent: ptUAChrome, Duration: -1},
		},
		{
			name: "upper-case hex hash",
			line: ptHashedIP2 + ` - - [31/Mar/2024:02:15:00 +0200] "GET /manage/account/two-factor/ HTTP/1.1" 200 8731 "-" "` + ptUAFirefox + `"`,
			want: Record{Time: ptUTC(2024, 3, 31, 0, 15, 0, 0), Client: ptHashedIP2, ClientHashed: true, Method: "GET",
				Path: "/manage/account/two-factor/", Protocol: "HTTP/1.1", Status: 200, Bytes: 8731, UserAgent: ptUAFirefox, Duration: -1},
		},
		{
			// gunicorn's %(b)s is "-" when it does not know the size.
			name: "size dash is NULL, not 0",
			line: ptHashedIP + ` - - [30/Mar/2024:20:00:02 +0000] "GET /simple/requests/ HTTP/1.1" 304 - "-" "pip/24.0"`,
			want: Record{Time: 1711828802000000, Client: ptHashedIP, ClientHashed: true, Method: "GET", Path: "/simple/requests/",
				Protocol: "HTTP/1.1", Status: 304, Bytes: -1, UserAgent: "pip/24.0", Duration: -1},
		},
		{
			// gunicorn logs "-" when the Warehouse-Hashed-IP header is absent,
			// as on a request that did not come through Fastly's VCL.
			name: "dash client: no hashed-IP header",
			line: `- - - [30/Mar/2024:20:00:01 +0000] "GET /_health/ HTTP/1.1" 200 2 "-" "-"`,
			want: Record{Time: 1711828801000000, Method: "GET", Path: "/_health/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 2, Duration: -1},
		},
		{name: "raw IPv4 client", line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 0 "-" "-"`, wantErr: `client "203.0.113.9" is not a 64-hex hashed IP`},
		{name: "raw IPv6 client", line: `2001:db8::1 - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 0 "-" "-"`, wantErr: "not a 64-hex hashed IP"},
		{name: "63 hex digits", line: ptHashedIP[1:] + ` - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`, wantErr: "not a 64-hex hashed IP"},
		{name: "64 chars with a non-hex one", line: "g" + ptHashedIP[1:] + ` - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`, wantErr: "not a 64-hex hashed IP"},
	})
}

// ptFastlyExample is the example line from the notes, verbatim.
const ptFastlyExample = `203.0.113.9 "Sat, 30 Mar 2024 20:00:01 GMT" - "POST /account/login/" HTTP/2 303 0 0 "MISS, MISS" "0, 0" "application/x-www-form-urlencoded" "en-US,en;q=0.9" "Mozilla/5.0 (…)"`

func TestParseFastlyPyPI(t *testing.T) {
	ptRun(t, ptFormat(t, "fastly-pypi"), []ptCase{
		{
			name: "example from the notes",
			line: ptFastlyExample,
			want: Record{Time: 1711828801000000, Client: "203.0.113.9", Method: "POST", Path: "/account/login/",
				Protocol: "HTTP/2", Status: 303, Bytes: 0, ContentType: "application/x-www-form-urlencoded",
				AcceptLanguage: "en-US,en;q=0.9", UserAgent: "Mozilla/5.0 (…)", Duration: -1,
				Extra: `{"resp.http.age":"0","resp.http.x-cache":"MISS, MISS","resp.http.x-cache-hits":"0, 0"}`},
		},
		{
			name: "(null) headers and length are NULL",
			line: `2001:db8::5 "Sat, 30 Mar 2024 20:00:02 GMT" - "GET /simple/requests/?format=json" HTTP/1.1 200 (null) 143 "HIT, HIT" "0, 12" "(null)" "(null)" "pip/24.0 {\"ci\":null,\"cpu\":\"x86_64\"}"`,
			want: Record{Time: 1711828802000000, Client: "2001:db8::5", Method: "GET", Path: "/simple/requests/", Query: "format=json",
				Protocol: "HTTP/1.1", Status: 200, Bytes: -1, UserAgent: `pip/24.0 {"ci":null,"cpu":"x86_64"}`, Duration: -1,
				Extra: `{"resp.http.age":"143","resp.http.x-cache":"HIT, HIT","resp.http.x-cache-hits":"0, 12"}`},
		},
		{
			name: "all optional fields (null)",
			line: `198.51.100.77 "Sun, 31 Mar 2024 00:00:00 GMT" - "GET /" HTTP/1.1 503 (null) (null) "(null)" "(null)" "(null)" "(null)" "(null)"`,
			want: Record{Time: ptUTC(2024, 3, 31, 0, 0, 0, 0), Client: "198.51.100.77", Method: "GET", Path: "/",
				Protocol: "HTTP/1.1", Status: 503, Bytes: -1, Duration: -1},
		},
		{
			name: "numeric zone variant",
			line: `198.51.100.77 "Sat, 30 Mar 2024 22:00:01 +0200" - "GET /" HTTP/1.1 200 10 0 "MISS" "0" "(null)" "(null)" "curl/8.5.0"`,
			want: Record{Time: 1711828801000000, Client: "198.51.100.77", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 10, UserAgent: "curl/8.5.0", Duration: -1,
				Extra: `{"resp.http.age":"0","resp.http.x-cache":"MISS","resp.http.x-cache-hits":"0"}`},
		},
		{
			name: "CLF time is accepted too",
			line: `198.51.100.77 "30/Mar/2024:20:00:01 +0000" - "GET /" HTTP/1.1 200 10 (null) "(null)" "(null)" "(null)" "(null)" "curl/8.5.0"`,
			want: Record{Time: 1711828801000000, Client: "198.51.100.77", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 10, UserAgent: "curl/8.5.0", Duration: -1},
		},
		{
			name: "unescaped quote at the end of the user agent",
			line: `198.51.100.77 "Sat, 30 Mar 2024 20:00:01 GMT" - "GET /" HTTP/1.1 200 10 0 "MISS" "0" "(null)" "(null)" "evil""`,
			want: Record{Time: 1711828801000000, Client: "198.51.100.77", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 200, Bytes: 10, UserAgent: `evil"`, Duration: -1,
				Extra: `{"resp.http.age":"0","resp.http.x-cache":"MISS","resp.http.x-cache-hits":"0"}`},
		},
		{
			// pip's user agent is JSON; cstr_escape writes its quotes as \".
			name: "cstr_escape'd quotes are decoded",
			line: `203.0.113.9 "Sat, 30 Mar 2024 20:00:03 GMT" - "GET /simple/requests/" HTTP/2 200 9182 0 "MISS, MISS" "0, 0" "(null)" "(null)" ` +
				`"pip/24.0 {\"ci\":null,\"cpu\":\"x86_64\",\"implementation\":{\"name\":\"CPython\",\"version\":\"3.11.8\"},\"installer\":{\"name\":\"pip\",\"version\":\"24.0\"},\"python\":\"3.11.8\"}"`,
			want: Record{Time: ptUTC(2024, 3, 30, 20, 0, 3, 0), Client: "203.0.113.9", Method: "GET", Path: "/simple/requests/",
				Protocol: "HTTP/2", Status: 200, Bytes: 9182, Duration: -1,
				UserAgent: `pip/24.0 {"ci":null,"cpu":"x86_64","implementation":{"name":"CPython","version":"3.11.8"},"installer":{"name":"pip","version":"24.0"},"python":"3.11.8"}`,
				Extra:     `{"resp.http.age":"0","resp.http.x-cache":"MISS, MISS","resp.http.x-cache-hits":"0, 0"}`},
		},
		{
			// Bytes above 0x7e come as \xHH: UTF-8 is decoded to its text,
			// a byte that is not UTF-8 (Latin-1 é) stays \xNN, as the case
			// stores invalid UTF-8; \\ is one backslash, \t a tab.
			name: "cstr_escape'd bytes and backslashes are decoded",
			line: `203.0.113.9 "Sat, 30 Mar 2024 20:00:04 GMT" - "POST /account/login/" HTTP/2 200 5120 0 "MISS, MISS" "0, 0" "application/x-www-form-urlencoded" "fr-FR,fr;q=0.9" ` +
				`"Mozilla/5.0 (compatible; Caf\xC3\xA9Bot/1.0; caf\xE9; C:\\bots\\\t\x00)"`,
			want: Record{Time: ptUTC(2024, 3, 30, 20, 0, 4, 0), Client: "203.0.113.9", Method: "POST", Path: "/account/login/",
				Protocol: "HTTP/2", Status: 200, Bytes: 5120, ContentType: "application/x-www-form-urlencoded",
				AcceptLanguage: "fr-FR,fr;q=0.9", Duration: -1,
				UserAgent: "Mozilla/5.0 (compatible; CaféBot/1.0; caf\\xe9; C:\\bots\\\t\\x00)",
				Extra:     `{"resp.http.age":"0","resp.http.x-cache":"MISS, MISS","resp.http.x-cache-hits":"0, 0"}`},
		},
		{
			// Fastly's default "classic" message type puts a syslog-style
			// header before the line; the endpoint in pypi/infra is "S3 Logs".
			name: "classic syslog header",
			line: `<134>2024-03-30T20:00:02Z cache-fra-eddf8230055 S3 Logs[418]: ` + ptFastlyExample,
			want: Record{Time: 1711828801000000, Client: "203.0.113.9", Method: "POST", Path: "/account/login/",
				Protocol: "HTTP/2", Status: 303, Bytes: 0, ContentType: "application/x-www-form-urlencoded",
				AcceptLanguage: "en-US,en;q=0.9", UserAgent: "Mozilla/5.0 (…)", Duration: -1,
				Extra: `{"syslog_host":"cache-fra-eddf8230055","resp.http.age":"0","resp.http.x-cache":"MISS, MISS","resp.http.x-cache-hits":"0, 0"}`},
		},
		{
			name: "classic syslog header, one-word endpoint, fractional time",
			line: `<134>2024-03-30T20:00:02.118Z cache-iad-kiad7000123 S3Logs[12345]: 2001:db8::5 "Sat, 30 Mar 2024 20:00:02 GMT" - "GET /" HTTP/1.1 503 (null) (null) "(null)" "(null)" "(null)" "(null)" "(null)"`,
			want: Record{Time: 1711828802000000, Client: "2001:db8::5", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
				Status: 503, Bytes: -1, Duration: -1, Extra: `{"syslog_host":"cache-iad-kiad7000123"}`},
		},
		{name: "classic header with a time that is not RFC 3339", line: `<134>30/Mar/2024:20:00:02 cache-fra-eddf8230055 S3 Logs[418]: ` + ptFastlyExample, wantErr: "expected"},
		{name: "classic header without the endpoint's number", line: `<134>2024-03-30T20:00:02Z cache-fra-eddf8230055 S3 Logs: ` + ptFastlyExample, wantErr: "expected"},
		{
			name: "line cut inside the cstr_escape'd user agent",
			line: `203.0.113.9 "Sat, 30 Mar 2024 20:00:03 GMT" - "GET /simple/requests/" HTTP/2 200 9182 0 "MISS, MISS" "0, 0" "(null)" "(null)" "pip/24.0 {\"ci\":null,\"cpu\":\"x86_64\",\"distro\":{\"name\":\"Ubuntu\",\"version\":\"22.04\"},\"implementation\":{\"na`,
			want: Record{Time: ptUTC(2024, 3, 30, 20, 0, 3, 0), Client: "203.0.113.9", Method: "GET", Path: "/simple/requests/",
				Protocol: "HTTP/2", Status: 200, Bytes: 9182, Duration: -1,
				UserAgent: `pip/24.0 {"ci":null,"cpu":"x86_64","distro":{"name":"Ubuntu","version":"22.04"},"implementation":{"na`,
				Extra:     `{"resp.http.age":"0","resp.http.x-cache":"MISS, MISS","resp.http.x-cache-hits":"0, 0","truncated":"user_agent"}`},
		},
		{
			name: "line cut inside an escape",
			line: `203.0.113.9 "Sat, 30 Mar 2024 20:00:03 GMT" - "GET /" HTTP/2 200 10 0 "MISS" "0" "(null)" "(null)" "Caf\xC3\xA9Bot \xC`,
			want: Record{Time: ptUTC(2024, 3, 30, 20, 0, 3, 0), Client: "203.0.113.9", Method: "GET", Path: "/",
				Protocol: "HTTP/2", Status: 200, Bytes: 10, Duration: -1, UserAgent: `CaféBot \xC`,
				Extra: `{"resp.http.age":"0","resp.http.x-cache":"MISS","resp.http.x-cache-hits":"0","truncated":"user_agent"}`},
		},
		{name: "31 February", line: `203.0.113.9 "Sat, 31 Feb 2024 20:00:01 GMT" - "GET /" HTTP/2 200 0 0 "MISS" "0" "(null)" "(null)" "curl"`, wantErr: "not RFC 1123"},
		{name: "unparseable time", line: `203.0.113.9 "yesterday" - "GET /" HTTP/2 200 0 0 "MISS" "0" "(null)" "(null)" "curl"`, wantErr: "not RFC 1123"},
		{name: "status abc", line: `203.0.113.9 "Sat, 30 Mar 2024 20:00:01 GMT" - "GET /" HTTP/2 abc 0 0 "MISS" "0" "(null)" "(null)" "curl"`, wantErr: "status"},
		{name: "combined line", line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 10 "-" "-"`, wantErr: "expected"},
		{name: "trailing garbage", line: ptFastlyExample + ` junk`, wantErr: "unexpected text"},
	})
}

func TestParseCustomLogFormat(t *testing.T) {
	const xffSpec = `%a %{%Y-%m-%d %H:%M:%S}t "%m %U%q %H" %s %B %{ms}T "%{Referer}i" "%{User-Agent}i" "%{Accept-Language}i" "%{X-Forwarded-For}i"`
	tests := []struct {
		spec  string
		cases []ptCase
	}{
		{`%h %l %u %t "%r" %>s %b %D`, []ptCase{
			{
				name: "microseconds duration",
				line: `10.0.0.5 - - [30/Mar/2024:20:00:01 +0000] "GET /pypi/requests/json HTTP/1.1" 200 5120 1534`,
				want: Record{Time: 1711828801000000, Client: "10.0.0.5", Method: "GET", Path: "/pypi/requests/json",
					Protocol: "HTTP/1.1", Status: 200, Bytes: 5120, Duration: 0.001534},
			},
			{
				name: "dash size and duration are NULL",
				line: `10.0.0.5 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 - -`,
				want: Record{Time: 1711828801000000, Client: "10.0.0.5", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
					Status: 200, Bytes: -1, Duration: -1},
			},
			{name: "negative duration", line: `10.0.0.5 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1 -5`, wantErr: "duration"},
			{name: "NaN duration", line: `10.0.0.5 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1 NaN`, wantErr: "duration"},
			{name: "Inf duration", line: `10.0.0.5 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1 Inf`, wantErr: "duration"},
			{name: "missing duration", line: `10.0.0.5 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1`, wantErr: "expected"},
		}},
		{xffSpec, []ptCase{
			{
				name: "strftime time, %U%q, ms, forwarded-for",
				line: `198.51.100.23 2024-03-31 10:20:00 "GET /simple/numpy/?format=json HTTP/1.1" 200 48213 87 "-" "pip/24.0" "en-GB,en;q=0.8" "203.0.113.50, 10.0.0.1"`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 0, 0), Client: "198.51.100.23", Method: "GET", Path: "/simple/numpy/",
					Query: "format=json", Protocol: "HTTP/1.1", Status: 200, Bytes: 48213, Duration: 0.087, UserAgent: "pip/24.0",
					AcceptLanguage: "en-GB,en;q=0.8", Extra: `{"x-forwarded-for":"203.0.113.50, 10.0.0.1"}`},
			},
			{
				name: "no query, %B dash is NULL, forwarded-for dash",
				line: `198.51.100.23 2024-03-31 10:20:01 "HEAD /simple/ HTTP/1.1" 304 - 0 "https://pypi.org/" "curl/8.5.0" "-" "-"`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 1, 0), Client: "198.51.100.23", Method: "HEAD", Path: "/simple/",
					Protocol: "HTTP/1.1", Status: 304, Bytes: -1, Duration: 0, Referrer: "https://pypi.org/", UserAgent: "curl/8.5.0"},
			},
			{name: "CLF time", line: `198.51.100.23 [31/Mar/2024:10:20:01 +0000] "GET / HTTP/1.1" 200 1 1 "-" "-" "-" "-"`, wantErr: "time"},
			{name: "30 February", line: `198.51.100.23 2024-02-30 10:20:01 "GET / HTTP/1.1" 200 1 1 "-" "-" "-" "-"`, wantErr: "time"},
			{name: "two-digit year", line: `198.51.100.23 24-03-31 10:20:01 "GET / HTTP/1.1" 200 1 1 "-" "-" "-" "-"`, wantErr: "time"},
		}},
		{`%h %{sec}t "%r" %>s %b`, []ptCase{
			{
				name: "epoch seconds",
				line: `10.1.2.3 1711828801 "GET / HTTP/1.1" 200 512`,
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
					Status: 200, Bytes: 512, Duration: -1},
			},
			{name: "fractional epoch", line: `10.1.2.3 1711828801.5 "GET / HTTP/1.1" 200 512`, wantErr: "whole number"},
			{name: "negative epoch", line: `10.1.2.3 -1 "GET / HTTP/1.1" 200 512`, wantErr: "whole number"},
			{name: "epoch past 9999", line: `10.1.2.3 253402300800 "GET / HTTP/1.1" 200 512`, wantErr: "after the year 9999"},
			{name: "epoch that overflows µs", line: `10.1.2.3 999999999999999999 "GET / HTTP/1.1" 200 512`, wantErr: "after the year 9999"},
		}},
		{`%h %{msec}t %>s`, []ptCase{
			{
				name: "epoch milliseconds",
				line: `10.1.2.3 1711828801123 200`,
				want: Record{Time: 1711828801123000, Client: "10.1.2.3", Status: 200, Bytes: -1, Duration: -1},
			},
		}},
		{`%h %{begin:usec}t %>s`, []ptCase{
			{
				name: "epoch microseconds, begin: prefix",
				line: `10.1.2.3 1711828801123456 200`,
				want: Record{Time: 1711828801123456, Client: "10.1.2.3", Status: 200, Bytes: -1, Duration: -1},
			},
		}},
		{`%h %{%Y-%m-%dT%H:%M:%S}t.%{msec_frac}t "%r" %>s %b`, []ptCase{
			{
				name: "milliseconds fraction",
				line: `10.1.2.3 2024-03-31T10:20:00.123 "GET / HTTP/1.1" 200 1`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 0, 123000), Client: "10.1.2.3", Method: "GET", Path: "/",
					Protocol: "HTTP/1.1", Status: 200, Bytes: 1, Duration: -1},
			},
			{
				name: "leading zeros in fraction",
				line: `10.1.2.3 2024-03-31T10:20:00.007 "GET / HTTP/1.1" 200 1`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 0, 7000), Client: "10.1.2.3", Method: "GET", Path: "/",
					Protocol: "HTTP/1.1", Status: 200, Bytes: 1, Duration: -1},
			},
			{name: "fraction of a second or more", line: `10.1.2.3 2024-03-31T10:20:00.1000 "GET / HTTP/1.1" 200 1`, wantErr: "below one second"},
			{name: "fraction not a number", line: `10.1.2.3 2024-03-31T10:20:00.12a "GET / HTTP/1.1" 200 1`, wantErr: "time fraction"},
		}},
		{`%h [%{%d/%b/%Y:%H:%M:%S}t.%{usec_frac}t] "%r" %>s`, []ptCase{
			{
				name: "microseconds fraction",
				line: `10.1.2.3 [31/Mar/2024:10:20:00.000042] "GET / HTTP/1.1" 200`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 0, 42), Client: "10.1.2.3", Method: "GET", Path: "/",
					Protocol: "HTTP/1.1", Status: 200, Bytes: -1, Duration: -1},
			},
		}},
		{`%h [%{%d/%b/%Y:%H:%M:%S %z}t] "%r" %>s %b`, []ptCase{
			{
				name: "strftime time with zone, followed by ]",
				line: `10.1.2.3 [31/Mar/2024:12:20:00 +0200] "GET / HTTP/1.1" 200 1`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 0, 0), Client: "10.1.2.3", Method: "GET", Path: "/",
					Protocol: "HTTP/1.1", Status: 200, Bytes: 1, Duration: -1},
			},
		}},
		{`%h %{%a, %d %b %Y %H:%M:%S}t "%r" %>s %b`, []ptCase{
			{
				name: "%a weekday inside the time keeps %h the client",
				line: `10.1.2.3 Sun, 31 Mar 2024 10:20:00 "GET / HTTP/1.1" 200 1`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 0, 0), Client: "10.1.2.3", Method: "GET", Path: "/",
					Protocol: "HTTP/1.1", Status: 200, Bytes: 1, Duration: -1},
			},
		}},
		{`%a %h %{c}a %t "%r" %>s %b`, []ptCase{
			{
				name: "%a is the client, %h and %{c}a go to extra",
				line: `203.0.113.9 client.example.net 10.0.0.2 [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1`,
				want: Record{Time: 1711828801000000, Client: "203.0.113.9", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
					Status: 200, Bytes: 1, Duration: -1, Extra: `{"remote_host":"client.example.net","peer_ip":"10.0.0.2"}`},
			},
		}},
		{`%h %t "%r" %>s %{Content-Length}o %{Location}o`, []ptCase{
			{
				name: "Content-Length header is bytes, Location to extra",
				line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 1234 /manage/projects/`,
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Method: "POST", Path: "/account/login/",
					Protocol: "HTTP/1.1", Status: 303, Bytes: 1234, Duration: -1, Extra: `{"resp.http.location":"/manage/projects/"}`},
			},
			{
				name: "Content-Length dash is NULL, not 0",
				line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 - -`,
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Method: "GET", Path: "/",
					Protocol: "HTTP/1.1", Status: 200, Bytes: -1, Duration: -1},
			},
		}},
		{`%h %t "%r" %>s %b cache=100%% %T`, []ptCase{
			{
				name: "%% is a literal percent",
				line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1 cache=100% 2`,
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Method: "GET", Path: "/",
					Protocol: "HTTP/1.1", Status: 200, Bytes: 1, Duration: 2},
			},
			{name: "literal without percent", line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1 cache=100 2`, wantErr: `expected " cache=100% "`},
		}},
		{`%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"`, []ptCase{
			{
				name: "vhost_combined with escaped quotes in the config string",
				line: `pypi.org:443 203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 5120 "-" "curl/8.5.0"`,
				want: Record{Time: 1711828801000000, Client: "203.0.113.9", Method: "GET", Path: "/", Protocol: "HTTP/1.1",
					Status: 200, UserAgent: "curl/8.5.0", Bytes: -1, Duration: -1,
					Extra: `{"server_name":"pypi.org","port":"443","bytes_sent":"5120"}`},
			},
		}},
		{`%h\t%t\t%r\t%>s\t%{us}T`, []ptCase{
			{
				name: "tab separated, unquoted request",
				line: "10.1.2.3\t[30/Mar/2024:20:00:01 +0000]\tGET /a b HTTP/1.1\t200\t2500000",
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Method: "GET", Path: "/a b", Protocol: "HTTP/1.1",
					Status: 200, Bytes: -1, Duration: 2.5},
			},
		}},
		{`%{X-Request-Id}i %{now}V %{client.ip}V %{req.method}V %{req.url.path}V?%{req.url.qs}V %{resp.status}V %{time.elapsed.usec}V`, []ptCase{
			{
				name: "Fastly variables, ISO time",
				line: `req-7f3a 2024-03-31T10:20:00Z 203.0.113.9 GET /simple/?a=1 200 1500`,
				want: Record{Time: ptUTC(2024, 3, 31, 10, 20, 0, 0), Client: "203.0.113.9", Method: "GET", Path: "/simple/",
					Query: "a=1", Status: 200, Bytes: -1, Duration: 0.0015, Extra: `{"x-request-id":"req-7f3a"}`},
			},
		}},
		{`%{client.ip}V "%{now}V" "%{cstr_escape(req.http.referer)}V" "%{req.http.user-agent}V"`, []ptCase{
			{
				name: "only cstr_escape()d variables are decoded",
				line: `203.0.113.9 "Sat, 30 Mar 2024 20:00:01 GMT" "https://example.org/\"x\"?q=\xC3\xBC" "agent \"as logged\""`,
				want: Record{Time: 1711828801000000, Client: "203.0.113.9", Status: -1, Bytes: -1, Duration: -1,
					Referrer: `https://example.org/"x"?q=ü`, UserAgent: `agent \"as logged\"`},
			},
		}},
		{`%h %t "%r" %>s "%{Host}i"`, []ptCase{
			{
				name: "cut header last: marked with its extra key",
				line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] "GET /a HTTP/1.1" 200 "pypi.o`,
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Method: "GET", Path: "/a", Protocol: "HTTP/1.1", Status: 200,
					Bytes: -1, Duration: -1, Extra: `{"host":"pypi.o","truncated":"host"}`},
			},
		}},
		{`%h %t "%r" %>s "%D"`, []ptCase{
			{name: "a cut number is rejected, not kept short", line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 "150`, wantErr: "ends early"},
		}},
		{`%h %t "%r"`, []ptCase{
			{
				name: "cut request line",
				line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] "GET /account/login/?next=%2Fman`,
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Method: "GET", Path: "/account/login/", Query: "next=%2Fman",
					Status: -1, Bytes: -1, Duration: -1, Extra: `{"truncated":"request"}`},
			},
		}},
		{`%h %t %>s "%{X-Json}i"`, []ptCase{
			{
				name: "extra values are JSON-escaped",
				line: `10.1.2.3 [30/Mar/2024:20:00:01 +0000] 200 "{\"a\":\"b\\c` + "\t" + `d\"}"`,
				want: Record{Time: 1711828801000000, Client: "10.1.2.3", Status: 200, Bytes: -1, Duration: -1,
					Extra: `{"x-json":"{\\\"a\\\":\\\"b\\\\c\u0009d\\\"}"}`},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			lf := ptCompile(t, tt.spec)
			if lf.Spec() != tt.spec {
				t.Errorf("Spec() = %q", lf.Spec())
			}
			ptRun(t, lf, tt.cases)
		})
	}
}

func TestCstrUnescape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`plain`, `plain`},
		{`a\"b\\c`, `a"b\c`},
		{`\b\t\n\v\r`, "\b\t\n\v\r"},
		{`\xe2\x80\x99 \xE2\x80\x99`, "’ ’"},
		{`\xff\x00`, `\xff\x00`},     // not UTF-8, and NUL: stored escaped
		{`\\xff`, `\xff`},            // the text \xff sent by the client
		{`\q \x4g \x`, `\q \x4g \x`}, // not an escape: kept
		{`cut \x4`, `cut \x4`},       // cut short at the end of a value
		{`cut \`, `cut \`},           // likewise
		{`\xc3`, `\xc3`},             // half a character
		{`\xc3\xa9\xc3`, "é\\xc3"},   // a whole one and half of another
	} {
		if got := string(cstrUnescape([]byte(tc.in))); got != tc.want {
			t.Errorf("cstrUnescape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompileLogFormatErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{`%h %l %u "%r" %>s %b`, "has no time directive"},
		{`%h %D %>s`, "has no time directive"},
		{`%h %t %r%>s`, "two directives with nothing between them"},
		{`%h%l %t`, "two directives with nothing between them"},
		{`%h %{Referer i %t`, "unclosed %{"},
		{`%h %t %Z`, "directive %Z is not supported"},
		{`%h %t %{xx}T`, "unit must be s, ms or us"},
		{`%h %t %i`, "%i needs a header name"},
		{`%h %t %o`, "%o needs a header name"},
		{`%h %t %e`, "%e needs a name in braces"},
		{`%h %t %`, "ends inside a directive"},
		{`%h %t %>`, "ends inside a directive"},
		{`%h %{%Y-%Q}t`, "%Q is not supported"},
		{`%h %{%Y%}t`, "ends with a lone %"},
		{`just text`, "has no time directive"},
		{``, "has no directives"},
	} {
		_, err := CompileLogFormat(tc.spec)
		if err == nil {
			t.Errorf("CompileLogFormat(%q) succeeded, want an error mentioning %q", tc.spec, tc.want)
		} else if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CompileLogFormat(%q) = %q, want it to mention %q", tc.spec, err, tc.want)
		}
	}
}

func TestNewFormat(t *testing.T) {
	for _, name := range []string{"combined", "common", "gunicorn-pypi", "fastly-pypi", `%h %t "%r" %>s %b`} {
		f, err := NewFormat(name, nil)
		if err != nil {
			t.Errorf("NewFormat(%q): %v", name, err)
			continue
		}
		if f.Name != name {
			t.Errorf("NewFormat(%q).Name = %q", name, f.Name)
		}
		if _, ok := f.Parser.(*LogFormat); !ok {
			t.Errorf("NewFormat(%q).Parser is %T, want *LogFormat", name, f.Parser)
		}
	}
	if got, want := strings.Join(FormatNames(), ","), "combined,common,fastly-pypi,gunicorn-pypi,jsonl"; got != want {
		t.Errorf("FormatNames() = %s, want %s", got, want)
	}
	for _, tc := range []struct {
		name   string
		fields JSONFields
		want   string
	}{
		{"nginx", nil, `unknown log format "nginx": use one of combined, common, fastly-pypi, gunicorn-pypi, jsonl`},
		{"combined", JSONFields{"method": "verb"}, "--field applies to --log-format jsonl only"},
		{`%h %r`, nil, "no time directive"},
		{"jsonl", JSONFields{"ip": "remote"}, `"ip" is not a canonical field`},
	} {
		_, err := NewFormat(tc.name, tc.fields)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewFormat(%q, %v) = %v, want an error mentioning %q", tc.name, tc.fields, err, tc.want)
		}
	}
	// Only the named gunicorn-pypi format insists on hashed clients.
	custom := ptFormat(t, namedFormats["gunicorn-pypi"])
	var rec Record
	rec.reset()
	if err := custom.Parse([]byte(`203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`), &rec, &Arena{}); err != nil {
		t.Errorf("gunicorn-pypi's LogFormat given as a string rejects raw IPs: %v", err)
	}
}

// TestParseReusesRecordAndArena parses many lines into one arena, as a batch
// does, and checks earlier records are not overwritten by later lines.
func TestParseReusesRecordAndArena(t *testing.T) {
	p := ptFormat(t, "fastly-pypi")
	var a Arena
	recs := make([]Record, 3)
	lines := []string{
		ptFastlyExample,
		`203.0.113.10 "Sat, 30 Mar 2024 20:00:02 GMT" - "GET /a" HTTP/2 200 1 5 "HIT" "1" "(null)" "(null)" "ua-two"`,
		`203.0.113.11 "Sat, 30 Mar 2024 20:00:03 GMT" - "GET /b" HTTP/2 200 2 6 "HIT" "2" "(null)" "(null)" "ua-three"`,
	}
	for i, l := range lines {
		recs[i].reset()
		if err := p.Parse([]byte(l), &recs[i], &a); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{
		`{"resp.http.age":"0","resp.http.x-cache":"MISS, MISS","resp.http.x-cache-hits":"0, 0"}`,
		`{"resp.http.age":"5","resp.http.x-cache":"HIT","resp.http.x-cache-hits":"1"}`,
		`{"resp.http.age":"6","resp.http.x-cache":"HIT","resp.http.x-cache-hits":"2"}`,
	} {
		if recs[i].Extra != want {
			t.Errorf("record %d Extra = %s, want %s", i, recs[i].Extra, want)
		}
	}
}

// TestSpacePaddedDay: %e renders days 1-9 with a leading space, so such a
// time holds one more space than the layout's own.
func TestSpacePaddedDay(t *testing.T) {
	lf := ptCompile(t, `%h %{%b %e %H:%M:%S %Y}t "%r" %>s`)
	for line, want := range map[string]int64{
		`203.0.113.9 Mar  5 10:00:00 2024 "GET / HTTP/1.1" 200`: ptUTC(2024, 3, 5, 10, 0, 0, 0),
		`203.0.113.9 Mar 15 10:00:00 2024 "GET / HTTP/1.1" 200`: ptUTC(2024, 3, 15, 10, 0, 0, 0),
	} {
		var rec Record
		var a Arena
		rec.reset()
		if err := lf.Parse([]byte(line), &rec, &a); err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if rec.Time != want || rec.Client != "203.0.113.9" || rec.Path != "/" || rec.Status != 200 {
			t.Errorf("%q: time %d client %q path %q status %d; want time %d", line, rec.Time, rec.Client, rec.Path, rec.Status, want)
		}
	}
}
