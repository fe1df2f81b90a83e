package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Realistic ingredients for sample logs around the incident.
var (
	ptClients = []string{"203.0.113.9", "198.51.100.23", "2001:db8::7", "192.0.2.200", "45.148.10.81", "203.0.113.77", "10.12.0.4"}
	ptReqs    = []string{
		"POST /account/login/", "GET /account/login/?next=%2Fmanage%2Fprojects%2F", "GET /simple/requests/",
		"GET /pypi/django/json", "POST /manage/account/totp-provision", "GET /manage/account/two-factor/",
		"GET /static/css/warehouse-ltr.css", "GET /search/?q=numpy&o=-created", "HEAD /simple/",
		"POST /account/reset-password/", "GET /project/urllib3/2.2.1/",
	}
	ptAgents = []string{
		ptUAFirefox, ptUAChrome, `pip/24.0 {\"ci\":null,\"installer\":{\"name\":\"pip\",\"version\":\"24.0\"},\"python\":\"3.11.8\"}`,
		"python-requests/2.31.0", "curl/8.5.0", "-", "twine/5.0.0 CPython/3.12.2",
	}
	ptStatuses = []int{200, 303, 200, 404, 302, 200, 304, 429, 500, 200, 403}
	ptStart    = time.Date(2024, 3, 30, 20, 0, 0, 0, time.UTC)
)

func ptHash(ip string) string {
	s := sha256.Sum256([]byte("pepper:" + ip))
	return hex.EncodeToString(s[:])
}

func ptSize(i int) string {
	if ptStatuses[i%len(ptStatuses)] == 304 {
		return "-"
	}
	return fmt.Sprint(150 + i*317%40000)
}

func ptReferrer(i int) string {
	if i%3 == 0 {
		return "-"
	}
	return "https://pypi.org/account/login/"
}

// ptSample returns n lines of the named format.
func ptSample(format string, n int) []string {
	lines := make([]string, n)
	zones := []int{0, 2, -7} // hours east of UTC
	for i := range lines {
		at := ptStart.Add(time.Duration(i*1733) * time.Millisecond)
		local := at.In(time.FixedZone("", zones[i%len(zones)]*3600))
		client, req, ua := ptClients[i%len(ptClients)], ptReqs[i%len(ptReqs)], ptAgents[i%len(ptAgents)]
		status := ptStatuses[i%len(ptStatuses)]
		clf := local.Format("02/Jan/2006:15:04:05 -0700")
		switch format {
		case "common":
			lines[i] = fmt.Sprintf(`%s - - [%s] "%s HTTP/1.1" %d %s`, client, clf, req, status, ptSize(i))
		case "combined":
			lines[i] = fmt.Sprintf(`%s - - [%s] "%s HTTP/1.1" %d %s "%s" "%s"`, client, clf, req, status, ptSize(i), ptReferrer(i), ua)
		case "gunicorn-pypi":
			lines[i] = fmt.Sprintf(`%s - - [%s] "%s HTTP/1.1" %d %s "%s" "%s"`, ptHash(client), clf, req, status, ptSize(i), ptReferrer(i), ua)
		case "fastly-pypi":
			method, url, _ := strings.Cut(req, " ")
			age, cache, hits, ctype := "0", "MISS, MISS", "0, 0", "(null)"
			if strings.HasPrefix(url, "/simple/") || strings.HasPrefix(url, "/static/") {
				age, cache, hits = fmt.Sprint(i*37%3600), "HIT, HIT", fmt.Sprintf("%d, %d", i%4, i*7%50)
			}
			if method == "POST" {
				ctype = "application/x-www-form-urlencoded"
			}
			length := ptSize(i)
			if length == "-" {
				length = "(null)"
			}
			lines[i] = fmt.Sprintf(`%s "%s" - "%s %s" HTTP/2 %d %s %s "%s" "%s" "%s" "%s" "%s"`,
				client, at.Format("Mon, 02 Jan 2006 15:04:05 GMT"), method, url, status, length, age, cache, hits, ctype, "en-US,en;q=0.9", ua)
		case "jsonl":
			method, uri, _ := strings.Cut(req, " ")
			path, query, _ := strings.Cut(uri, "?")
			lines[i] = fmt.Sprintf(`{"timestamp":%q,"remote_addr":%q,"method":%q,"path":%q,"query":%q,"raw_uri":%q,"status":%d,"size":%d,`+
				`"referrer":null,"user_agent":%q,"country":"NL","duration_ms":%d.%d,"request.id":"%08x-8f1d-4c62-9a57-0e0b8f1d2c34"}`,
				at.Format(time.RFC3339Nano), ptHash(client), method, path, query, uri, status, 150+i*317, strings.ReplaceAll(ua, `\"`, `"`), i*13%900, i%10, i*7919)
		default:
			panic(format)
		}
	}
	return lines
}

// ptBreak replaces every tenth line with the kind of garbage found in real
// logs: a traceback, a line cut short by rotation, a line of NULs.
func ptBreak(lines []string) []string {
	garbage := []string{"Traceback (most recent call last):", "", "\x00\x00\x00\x00\x00\x00"}
	out := slices.Clone(lines)
	for i := 9; i < len(out); i += 10 {
		g := garbage[(i/10)%len(garbage)]
		if g == "" {
			g = out[i][:len(out[i])/2] // cut short
		}
		out[i] = g
	}
	return out
}

func ptBytes(lines []string) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = []byte(l)
	}
	return out
}

func TestDetectFormats(t *testing.T) {
	for _, format := range []string{"jsonl", "fastly-pypi", "gunicorn-pypi", "combined", "common"} {
		t.Run(format, func(t *testing.T) {
			clean := ptSample(format, 20)
			// Every clean line parses with its own format: the sample is sound.
			p := ptFormat(t, format)
			for i, l := range clean {
				var rec Record
				rec.reset()
				if err := p.Parse([]byte(l), &rec, &Arena{}); err != nil {
					t.Fatalf("sample line %d does not parse as %s: %v\n%s", i+1, format, err, l)
				}
			}
			for _, variant := range []struct {
				name  string
				lines []string
			}{
				{"clean", clean},
				{"one bad line in ten", ptBreak(clean)},
				{"CRLF", ptCRLF(clean)},
				{"blank lines", append([]string{"", "  "}, ptBreak(clean)...)},
			} {
				f, err := Detect(context.Background(), ptBytes(variant.lines), 1)
				if err != nil {
					t.Errorf("%s: Detect: %v", variant.name, err)
					continue
				}
				if f.Name != format {
					t.Errorf("%s: detected %q, want %q", variant.name, f.Name, format)
				}
			}
		})
	}
}

func ptCRLF(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l + "\r"
	}
	return out
}

func TestDetectChoices(t *testing.T) {
	combined := ptSample("combined", 20)
	gunicorn := ptSample("gunicorn-pypi", 20)
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		// Gunicorn lines also fit combined; the more specific format wins the tie.
		{"hashed clients only", gunicorn, "gunicorn-pypi"},
		{"hashed clients and raw IPs mixed", append(slices.Clone(gunicorn[:12]), combined[12:]...), "combined"},
		// combined fits all 20 and gives the same records (hashed clients are
		// flagged either way), where gunicorn-pypi would reject the raw IP.
		{"one raw IP among hashed clients", append(slices.Clone(gunicorn[:19]), combined[19]), "combined"},
		// A request without the hashed-IP header logs "-": still gunicorn-pypi.
		{"one client '-' among hashed clients", append(slices.Clone(gunicorn[:19]), "-"+gunicorn[19][64:]), "gunicorn-pypi"},
		// Fastly's classic message type puts a syslog header on every line.
		{"Fastly lines with classic headers", ptClassic(ptSample("fastly-pypi", 20)), "fastly-pypi"},
		{"Fastly lines, half with classic headers", append(ptClassic(ptSample("fastly-pypi", 10)), ptSample("fastly-pypi", 10)...), "fastly-pypi"},
		{"common lines among combined", append(slices.Clone(combined[:14]), ptSample("common", 20)[14:]...), "combined"},
		{"only the first 50 lines count", append(ptSample("combined", 50), strings.Split(strings.Repeat("garbage\n", 100), "\n")...), "combined"},
		{"just over half fit", append(slices.Clone(combined[:11]), strings.Split(strings.Repeat("garbage\n", 9), "\n")...), "combined"},
	} {
		f, err := Detect(context.Background(), ptBytes(tc.lines), 1)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else if f.Name != tc.want {
			t.Errorf("%s: detected %q, want %q", tc.name, f.Name, tc.want)
		}
	}
}

// ptClassic puts Fastly's classic syslog header before each line.
func ptClassic(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		at := ptStart.Add(time.Duration(i*1733+250) * time.Millisecond)
		out[i] = fmt.Sprintf("<134>%s cache-fra-eddf82300%02d S3 Logs[%d]: %s", at.Format(time.RFC3339), i%7, 400+i%3, l)
	}
	return out
}

func TestDetectErrors(t *testing.T) {
	csv := []string{
		"timestamp,remote_addr,method,path,status,size",
		"2024-03-30T20:00:01Z,203.0.113.9,POST,/account/login/,303,0",
		"2024-03-30T20:00:02Z,203.0.113.9,GET,/manage/account/two-factor/,200,8731",
		`2024-03-30T20:00:03Z,198.51.100.23,GET,"/search/?q=a,b",200,48211`,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")
	for range 2000 {
		garbage = append(garbage, byte(rng.IntN(256)))
	}
	prose := []string{
		"Incident notes, 2024-03-31",
		"",
		"We noticed the 2FA enrolment emails on Saturday evening. Users replied",
		"saying they had not enrolled any device. About 120 accounts were frozen.",
		"The access logs for the period are attached; see the Fastly export.",
	}
	half := append(slices.Clone(ptSample("combined", 10)), strings.Split(strings.TrimSuffix(strings.Repeat("<html><body>502 Bad Gateway</body></html>\n", 10), "\n"), "\n")...)

	for _, tc := range []struct {
		name        string
		lines       [][]byte
		firstLineNo int64
		wantLine    int64
		wantText    string
	}{
		{"CSV", ptBytes(csv), 1, 1, csv[0]},
		{"CSV numbered from 1001", ptBytes(csv), 1001, 1001, csv[0]},
		{"CSV after blank lines", ptBytes(append([]string{"", "\t"}, csv...)), 1, 3, csv[0]},
		{"binary", bytes.Split(garbage, []byte("\n")), 1, 1, ""},
		{"prose", ptBytes(prose), 1, 1, prose[0]},
		{"half the lines fit", ptBytes(half), 1, 11, "<html><body>502 Bad Gateway</body></html>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect(context.Background(), tc.lines, tc.firstLineNo)
			var de *DetectError
			if !errors.As(err, &de) {
				t.Fatalf("Detect = %v, %v; want a *DetectError", f, err)
			}
			if de.LineNo != tc.wantLine {
				t.Errorf("LineNo = %d, want %d", de.LineNo, tc.wantLine)
			}
			if tc.wantText != "" && de.Line != tc.wantText {
				t.Errorf("Line = %q, want %q", de.Line, tc.wantText)
			}
			if !slices.Equal(de.Tried, []string{"jsonl", "fastly-pypi", "gunicorn-pypi", "combined", "common"}) {
				t.Errorf("Tried = %v", de.Tried)
			}
			msg := err.Error()
			for _, frag := range []string{fmt.Sprintf("line %d fitted none", tc.wantLine), "jsonl, fastly-pypi, gunicorn-pypi, combined, common", "--log-format"} {
				if !strings.Contains(msg, frag) {
					t.Errorf("message %q does not mention %q", msg, frag)
				}
			}
			if !utf8.ValidString(msg) || strings.ContainsRune(msg, 0) {
				t.Errorf("message is not clean UTF-8: %q", msg)
			}
		})
	}

	// Every line fits some format, but no format fits most of them.
	mixed := append(slices.Clone(ptSample("common", 10)), ptSample("jsonl", 10)...)
	var de *DetectError
	if _, err := Detect(context.Background(), ptBytes(mixed), 1); !errors.As(err, &de) || !de.Mixed || de.BestFits != 10 || de.Sampled != 20 ||
		!strings.Contains(err.Error(), "may mix formats") || strings.Contains(err.Error(), "fitted none") {
		t.Errorf("common and jsonl half and half: %v, want a *DetectError saying the lines fit different formats", err)
	}

	for _, lines := range [][]string{nil, {}, {"", " ", "\r", "\t\r"}} {
		_, err := Detect(context.Background(), ptBytes(lines), 1)
		if err == nil || errors.As(err, &de) || !strings.Contains(err.Error(), "no non-blank line") {
			t.Errorf("Detect(%q) = %v, want a plain 'no non-blank line' error", lines, err)
		}
	}
}

func TestDetectStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if f, err := Detect(ctx, ptBytes(ptSample("combined", 10)), 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Detect after cancellation = %v, %v; want context.Canceled", f, err)
	}
}
