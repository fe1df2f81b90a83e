package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// ptFuzzParse parses line as the pipeline does (escaped first, into a reset
// Record) and checks the invariants every parser keeps. checkUTF8 is false
// when the field names in extra come from an arbitrary LogFormat string.
func ptFuzzParse(t *testing.T, p Parser, line []byte, checkUTF8 bool) (Record, error) {
	t.Helper()
	text := escapeIfNeeded(line)
	if !utf8.Valid(text) || bytes.IndexByte(text, 0) >= 0 {
		t.Fatalf("escapeIfNeeded(%q) = %q still holds invalid UTF-8 or NUL", line, text)
	}
	var rec Record
	rec.reset()
	var a Arena
	err := p.Parse(text, &rec, &a)
	if err != nil {
		// Reject reasons are stored as VARCHAR: they must be clean text.
		if msg := err.Error(); msg == "" || (checkUTF8 && !utf8.ValidString(msg)) {
			t.Fatalf("reject reason %q for %q is empty or not UTF-8", msg, line)
		}
		return rec, err
	}
	ptCheckRecord(t, line, &rec, checkUTF8)
	return rec, nil
}

func ptCheckRecord(t *testing.T, line []byte, rec *Record, checkUTF8 bool) {
	t.Helper()
	for _, f := range []struct{ name, s string }{
		{"Client", rec.Client}, {"Method", rec.Method}, {"Path", rec.Path}, {"Query", rec.Query},
		{"Protocol", rec.Protocol}, {"Referrer", rec.Referrer}, {"UserAgent", rec.UserAgent},
		{"AcceptLanguage", rec.AcceptLanguage}, {"ContentType", rec.ContentType}, {"Extra", rec.Extra},
	} {
		if checkUTF8 && !utf8.ValidString(f.s) {
			t.Errorf("%s = %q is not valid UTF-8 (line %q)", f.name, f.s, line)
		}
		if strings.IndexByte(f.s, 0) >= 0 {
			t.Errorf("%s = %q holds a NUL (line %q)", f.name, f.s, line)
		}
	}
	if rec.Status != -1 && (rec.Status < 100 || rec.Status > 999) {
		t.Errorf("Status = %d (line %q)", rec.Status, line)
	}
	if y := time.UnixMicro(rec.Time).UTC().Year(); rec.Time < 0 || y < 1970 || y > 9999 {
		t.Errorf("Time = %d, year %d (line %q)", rec.Time, y, line)
	}
	if rec.Bytes < -1 {
		t.Errorf("Bytes = %d (line %q)", rec.Bytes, line)
	}
	if d := rec.Duration; d != -1 && (d < 0 || math.IsNaN(d) || math.IsInf(d, 0)) {
		t.Errorf("Duration = %v (line %q)", d, line)
	}
	if rec.Extra != "" && (rec.Extra[0] != '{' || (checkUTF8 && !json.Valid([]byte(rec.Extra)))) {
		t.Errorf("Extra = %q is not a JSON object (line %q)", rec.Extra, line)
	}
	if rec.ClientHashed != isHashedIP(rec.Client) {
		t.Errorf("ClientHashed = %v for client %q", rec.ClientHashed, rec.Client)
	}
}

// ptSeedLines are awkward but realistic lines shared by the fuzz targets.
var ptSeedLines = []string{
	`203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 0 "https://pypi.org/account/login/" "` + ptUAFirefox + `"`,
	`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
	`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
	ptHashedIP + ` - - [31/Mar/2024:01:30:00 +0200] "GET /manage/account/two-factor/ HTTP/1.1" 200 8731 "-" "pip/24.0 {\"ci\":null}"`,
	`45.148.10.81 - - [30/Mar/2024:20:00:05 +0000] "\x16\x03\x01\x00\xEE\x01\x00\x00\xEA\x03\x03" 400 157 "-" "-"`,
	`45.148.10.81 - - [30/Mar/2024:20:00:05 +0000] "-" 400 0 "-" "-"`,
	`198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 "compatible" Bot""`,
	`198.51.100.4 - - [30/Mar/2024:20:00:03 +0000] "GET /a\"b\\ HTTP/1.1" 304 - "https://evil.example/\"><script>" "curl/8.5.0"`,
	"203.0.113.9 - - [30/Mar/2024:20:00:07 +0000] \"GET /\xff\xfe HTTP/1.1\" 200 10 \"-\" \"bad\x00agent\"",
	`203.0.113.9 - - [31/Feb/2024:10:00:00 +0000] "GET / HTTP/1.1" abc 10 "-" "-" trailing`,
	ptFastlyExample,
	`<134>2024-03-30T20:00:02Z cache-fra-eddf8230055 S3 Logs[418]: ` + ptFastlyExample,
	`2001:db8::5 "Sat, 30 Mar 2024 20:00:02 GMT" - "GET /simple/requests/?format=json" HTTP/1.1 200 (null) 143 "HIT, HIT" "0, 12" "(null)" "(null)" "pip/24.0 {\"ci\":null,\"cpu\":\"x86_64\"}"`,
	`198.51.100.77 "Sat, 30 Mar 2024 22:00:01 +0200" - "GET /" HTTP/1.1 200 10 0 "MISS" "0" "(null)" "(null)" "evil""`,
	`198.51.100.77 "30/Mar/2024:20:00:01 +0000" - "GET /" HTTP/1.1 200 10 (null) "(null)" "(null)" "(null)" "(null)" "curl/8.5.0"`,
	ptWarehouseJSON,
	`{"@timestamp":"2025-02-14T09:31:07.412Z","source":{"ip":"203.0.113.9"},"http":{"request":{"method":"GET"},"response":{"status_code":404,"body":{"bytes":153}}},"url":{"path":"/x","query":"a=1"}}`,
	`{"ts":1739525467.25,"status":"404","size":"-","user_agent":"a\u0000b","we\"ird":[1,{"x":null}]}`,
	`Traceback (most recent call last):`,
	``,
}

func FuzzCombined(f *testing.F) {
	for _, l := range ptSeedLines {
		f.Add(l)
	}
	for _, l := range ptSample("combined", 5) {
		f.Add(l)
	}
	for _, l := range ptSample("common", 3) {
		f.Add(l)
	}
	for _, l := range ptSample("gunicorn-pypi", 3) {
		f.Add(l)
	}
	combined, common, gunicorn := ptFormat(f, "combined"), ptFormat(f, "common"), ptFormat(f, "gunicorn-pypi")
	f.Fuzz(func(t *testing.T, line string) {
		crec, cerr := ptFuzzParse(t, combined, []byte(line), true)
		ptFuzzParse(t, common, []byte(line), true)
		grec, gerr := ptFuzzParse(t, gunicorn, []byte(line), true)
		// gunicorn-pypi is combined that insists on a hashed client or none.
		switch {
		case gerr == nil && grec.Client != "" && !grec.ClientHashed:
			t.Errorf("gunicorn-pypi accepted unhashed client %q", grec.Client)
		case gerr == nil && (cerr != nil || crec != grec):
			t.Errorf("gunicorn-pypi parsed %q as %+v but combined gave %+v, %v", line, grec, crec, cerr)
		case cerr == nil && crec.ClientHashed && gerr != nil:
			t.Errorf("combined parsed %q with a hashed client but gunicorn-pypi rejected it: %v", line, gerr)
		}
	})
}

func FuzzFastly(f *testing.F) {
	for _, l := range ptSeedLines {
		f.Add(l)
	}
	for _, l := range ptSample("fastly-pypi", 8) {
		f.Add(l)
	}
	p := ptFormat(f, "fastly-pypi")
	f.Fuzz(func(t *testing.T, line string) {
		ptFuzzParse(t, p, []byte(line), true)
	})
}

func FuzzCustomLogFormat(f *testing.F) {
	specs := []string{
		`%h %l %u %t "%r" %>s %b %D`,
		`%a %{%Y-%m-%d %H:%M:%S}t "%m %U%q %H" %s %B %{ms}T "%{Referer}i" "%{User-Agent}i" "%{Accept-Language}i" "%{X-Forwarded-For}i"`,
		`%h %{sec}t "%r" %>s %b`,
		`%h [%{%d/%b/%Y:%H:%M:%S}t.%{usec_frac}t %{%z}t] "%r" %>s`,
		`%h %{%Y-%m-%dT%H:%M:%S}t.%{msec_frac}t "%r" %>s %b`,
		`%h %t "%r" %>s %{Content-Length}o %{Location}o`,
		`%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"`,
		`%h\t%t\t%r\t%>s\t%{us}T`,
		`%{X-Request-Id}i %{now}V %{client.ip}V %{req.method}V %{req.url.path}V?%{req.url.qs}V %{resp.status}V %{time.elapsed.usec}V`,
		`%h %t "%r" %>s %b cache=100%% %T`,
		`%h %{%a, %e %b %Y %I:%M:%S %p}t %>s`,
		`%h %t %r%>s`,
		`%h %{Referer i %t`,
	}
	lines := []string{
		`10.0.0.5 - - [30/Mar/2024:20:00:01 +0000] "GET /pypi/requests/json HTTP/1.1" 200 5120 1534`,
		`198.51.100.23 2024-03-31 10:20:00 "GET /simple/numpy/?format=json HTTP/1.1" 200 48213 87 "-" "pip/24.0" "en-GB,en;q=0.8" "203.0.113.50, 10.0.0.1"`,
		`10.1.2.3 1711828801 "GET / HTTP/1.1" 200 512`,
		`10.1.2.3 [31/Mar/2024:10:20:00.000042 +0000] "GET / HTTP/1.1" 200`,
		`10.1.2.3 2024-03-31T10:20:00.123 "GET / HTTP/1.1" 200 1`,
		`pypi.org:443 203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 5120 "-" "curl/8.5.0"`,
		"10.1.2.3\t[30/Mar/2024:20:00:01 +0000]\tGET /a b HTTP/1.1\t200\t2500000",
		`req-7f3a 2024-03-31T10:20:00Z 203.0.113.9 GET /simple/?a=1 200 1500`,
		`10.1.2.3 Sun,  3 Mar 2024 09:20:00 PM 200`,
	}
	for i, s := range specs {
		f.Add(s, lines[i%len(lines)])
	}
	f.Fuzz(func(t *testing.T, spec, line string) {
		lf, err := CompileLogFormat(spec)
		if err != nil {
			// A spec that is not UTF-8 may be echoed back as it was given.
			if !strings.Contains(err.Error(), "log format") || (utf8.ValidString(spec) && !utf8.ValidString(err.Error())) {
				t.Errorf("compile error %q does not name the log format, or is not UTF-8", err)
			}
			return
		}
		if lf.Spec() != spec {
			t.Errorf("Spec() = %q, want %q", lf.Spec(), spec)
		}
		ptFuzzParse(t, lf, []byte(line), utf8.ValidString(spec))
	})
}

func FuzzJSONLines(f *testing.F) {
	for _, l := range ptSeedLines {
		f.Add(l)
	}
	for _, l := range ptSample("jsonl", 5) {
		f.Add(l)
	}
	for _, l := range []string{
		`{"time":"2025-02-14T10:31:07+01:00","remote_addr":"203.0.113.9","status":200.0,"size":1e3,"duration_ms":"2.5"}`,
		`{"timestamp":1739525467412345678,"event":{"created":"2025-02-14T09:31:07Z","duration_ms":-1}}`,
		`{"timestamp":"0001-01-01T00:00:00Z"}`,
		`{"timestamp":null,"ts":"1739525467","query":"?q=1","size":12.5}`,
		` {"ts":1e25} `,
		`["not","an","object"]`,
		`{"ts":1739525467,"method":{"verb":"GET"}}`,
	} {
		f.Add(l)
	}
	plain := ptJSONLines(f, nil)
	remapped := ptJSONLines(f, JSONFields{
		"time": "event.created", "client": "source.ip", "method": "http.request.method", "path": "url.path",
		"status": "http.response.status_code", "bytes": "http.response.body.bytes", "duration_ms": "event.duration_ms",
		"query": "request.id",
	})
	f.Fuzz(func(t *testing.T, line string) {
		for _, p := range []*JSONLines{plain, remapped} {
			if rec, err := ptFuzzParse(t, p, []byte(line), true); err == nil && json.Valid([]byte(line)) {
				// A parsed line is a JSON object: whatever it held besides the
				// fields taken is in extra.
				var obj map[string]json.RawMessage
				if err := json.Unmarshal(bytes.TrimSpace(escapeIfNeeded([]byte(line))), &obj); err != nil {
					t.Fatalf("parsed a line that is not a JSON object: %q", line)
				}
				var extra map[string]json.RawMessage
				if rec.Extra != "" {
					if err := json.Unmarshal([]byte(rec.Extra), &extra); err != nil {
						t.Fatalf("Extra %q: %v", rec.Extra, err)
					}
				}
				used := "" // the key the time came from
				for _, k := range p.timeKeys {
					if v, ok := lookup(obj, k); ok && !isJSONNull(v) {
						used = k
						break
					}
				}
				for k := range obj {
					if _, ok := extra[k]; !ok && !p.mapped[k] && k != used {
						t.Errorf("key %q of %q is neither a field nor in extra %s", k, line, rec.Extra)
					}
				}
			}
		}
	})
}

func FuzzDetect(f *testing.F) {
	for _, format := range []string{"jsonl", "fastly-pypi", "gunicorn-pypi", "combined", "common"} {
		f.Add([]byte(strings.Join(ptBreak(ptSample(format, 12)), "\n")))
	}
	f.Add([]byte(strings.Join(ptSeedLines, "\n")))
	f.Add([]byte("timestamp,remote_addr,method\n2024-03-30T20:00:01Z,203.0.113.9,POST\n"))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xed\xbd\x07`\x1cI\x96%&/m\xca{\x7fJ\n\xf5J\xd7\xe0t\xa1\x08\x80`\x13$"))
	f.Add([]byte("Incident notes\n\nWe froze about 120 accounts.\r\n"))
	f.Add([]byte("\n \n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Split(data, []byte("\n"))
		const first = 7
		format, err := Detect(context.Background(), lines, first)
		var sample [][]byte
		var nums []int64
		for i, l := range lines {
			l = bytes.TrimRight(l, "\r")
			if len(bytes.TrimSpace(l)) > 0 && len(sample) < detectSample {
				sample = append(sample, l)
				nums = append(nums, first+int64(i))
			}
		}
		fits := func(p Parser, l []byte) bool {
			var rec Record
			rec.reset()
			return p.Parse(escapeIfNeeded(l), &rec, &Arena{}) == nil
		}
		if len(sample) == 0 {
			if err == nil || !strings.Contains(err.Error(), "no non-blank line") {
				t.Fatalf("Detect of blank input = %v, %v", format, err)
			}
			return
		}
		if err == nil {
			n := 0
			for _, l := range sample {
				if fits(format.Parser, l) {
					n++
				}
			}
			if 2*n <= len(sample) {
				t.Fatalf("detected %s, which parses only %d of %d lines", format.Name, n, len(sample))
			}
			return
		}
		de, ok := err.(*DetectError)
		if !ok {
			t.Fatalf("Detect error %T %v, want a *DetectError", err, err)
		}
		if msg := err.Error(); !utf8.ValidString(msg) || !strings.Contains(msg, "--log-format") {
			t.Errorf("message %q", msg)
		}
		i := slices.Index(nums, de.LineNo)
		if i < 0 {
			t.Fatalf("DetectError names line %d, not a sampled line (%v)", de.LineNo, nums)
		}
		if de.Line != snippet(sample[i]) {
			t.Errorf("DetectError quotes %q for line %d, want %q", de.Line, de.LineNo, snippet(sample[i]))
		}
		formats := make([]Parser, len(detectOrder))
		for j, name := range detectOrder {
			formats[j] = ptFormat(t, name)
		}
		fitsSome := func(l []byte) bool {
			return slices.ContainsFunc(formats, func(p Parser) bool { return fits(p, l) })
		}
		fitsNone := func(l []byte) bool { return !fitsSome(l) }
		switch {
		case !fitsSome(sample[i]) && slices.ContainsFunc(sample[:i], fitsNone):
			t.Errorf("DetectError names line %d, not the first line that fits no format", de.LineNo)
		case fitsSome(sample[i]) && slices.ContainsFunc(sample, fitsNone):
			t.Errorf("DetectError names line %d, which fits a format, though some line fits none", de.LineNo)
		case fitsSome(sample[i]) && i != 0:
			// Every line fits some format, none most: the first line is named.
			t.Errorf("DetectError names line %d, want the first sampled line %d", de.LineNo, nums[0])
		}
	})
}
