package ingest

import (
	"strings"
	"testing"
)

func ptJSONLines(t testing.TB, remap JSONFields) *JSONLines {
	t.Helper()
	p, err := NewJSONLines(remap)
	if err != nil {
		t.Fatalf("NewJSONLines(%v): %v", remap, err)
	}
	return p
}

// ptWarehouseJSON is a line of Warehouse's 2025 JSON access log.
const ptWarehouseJSON = `{"timestamp":"2025-02-14T09:31:07.412345Z","remote_addr":"` + ptHashedIP + `","method":"POST",` +
	`"path":"/account/login/","query":"next=%2Fmanage%2Fprojects%2F","raw_uri":"/account/login/?next=%2Fmanage%2Fprojects%2F",` +
	`"status":303,"size":0,"referrer":"https://pypi.org/account/login/","user_agent":"` + ptUAFirefox + `",` +
	`"country":"NL","duration_ms":41.7,"request.id":"5f0c9a8e-3b1d-4c62-9a57-0e0b8f1d2c34"}`

func TestParseJSONLines(t *testing.T) {
	// 2025-02-14T09:31:07Z is 1739525467 s after the epoch.
	const sec = 1739525467
	t0 := int64(sec) * 1e6
	ptRun(t, ptJSONLines(t, nil), []ptCase{
		{
			name: "Warehouse access log",
			line: ptWarehouseJSON,
			want: Record{Time: t0 + 412345, Client: ptHashedIP, ClientHashed: true, Method: "POST", Path: "/account/login/",
				Query: "next=%2Fmanage%2Fprojects%2F", Status: 303, Bytes: 0, Referrer: "https://pypi.org/account/login/",
				UserAgent: ptUAFirefox, Duration: 0.0417,
				Extra: `{"country":"NL","raw_uri":"/account/login/?next=%2Fmanage%2Fprojects%2F","request.id":"5f0c9a8e-3b1d-4c62-9a57-0e0b8f1d2c34"}`},
		},
		{
			name: "time key with offset, nulls",
			line: `{"time":"2025-02-14T10:31:07+01:00","remote_addr":"` + ptHashedIP2 + `","method":"GET","path":"/simple/requests/","query":null,` +
				`"raw_uri":"/simple/requests/","status":200,"size":18342,"referrer":null,"user_agent":"pip/24.0","country":null,"duration_ms":3,"request.id":"r2"}`,
			want: Record{Time: t0, Client: ptHashedIP2, ClientHashed: true, Method: "GET", Path: "/simple/requests/", Status: 200,
				Bytes: 18342, UserAgent: "pip/24.0", Duration: 0.003,
				Extra: `{"country":null,"raw_uri":"/simple/requests/","request.id":"r2"}`},
		},
		{
			name: "@timestamp without zone is UTC",
			line: `{"@timestamp":"2025-02-14T09:31:07.5","remote_addr":"203.0.113.9"}`,
			want: Record{Time: t0 + 500000, Client: "203.0.113.9", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "IPv4-mapped IPv6 client is stored as the IPv4 address",
			line: `{"ts":1739525467,"remote_addr":"::ffff:203.0.113.9"}`,
			want: Record{Time: t0, Client: "203.0.113.9", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "ts epoch seconds",
			line: `{"ts":1739525467,"path":"/"}`,
			want: Record{Time: t0, Path: "/", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "epoch seconds with fraction",
			line: `{"ts":1739525467.25}`,
			want: Record{Time: t0 + 250000, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "epoch milliseconds",
			line: `{"time":1739525467412}`,
			want: Record{Time: t0 + 412000, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "epoch microseconds",
			line: `{"timestamp":1739525467412345}`,
			want: Record{Time: t0 + 412345, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "epoch nanoseconds",
			line: `{"timestamp":1739525467412345678}`,
			want: Record{Time: t0 + 412345, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "epoch seconds as a string",
			line: `{"timestamp":"1739525467"}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "space separator, microseconds",
			line: `{"timestamp":"2025-02-14 09:31:07.123456"}`,
			want: Record{Time: t0 + 123456, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "space separator with zone",
			line: `{"timestamp":"2025-02-14 02:31:07-07:00"}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "offset without colon",
			line: `{"timestamp":"2025-02-14T11:01:07+0130"}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "nanosecond fraction truncated to microseconds",
			line: `{"timestamp":"2025-02-14T09:31:07.123456789Z"}`,
			want: Record{Time: t0 + 123456, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "timestamp wins over time; the unused time key stays in extra",
			line: `{"time":"0.125","timestamp":"2025-02-14T09:31:07Z"}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1, Extra: `{"time":"0.125"}`},
		},
		{
			name: "null timestamp falls through to ts",
			line: `{"timestamp":null,"ts":1739525467}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1, Extra: `{"timestamp":null}`},
		},
		{
			name: "query with leading ?",
			line: `{"ts":1739525467,"path":"/search/","query":"?q=django"}`,
			want: Record{Time: t0, Path: "/search/", Query: "q=django", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "numbers given as strings",
			line: `{"ts":1739525467,"status":"404","size":"153","duration_ms":"2.5"}`,
			want: Record{Time: t0, Status: 404, Bytes: 153, Duration: 0.0025},
		},
		{
			name: "dash numbers are NULL",
			line: `{"ts":1739525467,"status":"-","size":"-","duration_ms":"-"}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "null values are NULL",
			line: `{"ts":1739525467,"remote_addr":null,"method":null,"status":null,"size":null,"user_agent":null,"duration_ms":null}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "whole-number float status and size",
			line: `{"ts":1739525467,"status":200.0,"size":1e3}`,
			want: Record{Time: t0, Status: 200, Bytes: 1000, Duration: -1},
		},
		{
			name: "negative duration is NULL",
			line: `{"ts":1739525467,"duration_ms":-1}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "all canonical default keys",
			line: `{"ts":1739525467,"protocol":"HTTP/2","accept_language":"de-DE","content_type":"application/json"}`,
			want: Record{Time: t0, Protocol: "HTTP/2", AcceptLanguage: "de-DE", ContentType: "application/json", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "JSON escapes are decoded",
			line: `{"ts":1739525467,"user_agent":"caf\u00e9 \"bot\" \\o/ \ud83d\ude00","referrer":"https:\/\/pypi.org\/"}`,
			want: Record{Time: t0, UserAgent: `café "bot" \o/ 😀`, Referrer: "https://pypi.org/", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "escaped NUL is stored as \\x00",
			line: `{"ts":1739525467,"user_agent":"a\u0000b"}`,
			want: Record{Time: t0, UserAgent: `a\x00b`, Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "scalars of other types become text",
			line: `{"ts":1739525467,"path":404,"method":true}`,
			want: Record{Time: t0, Path: "404", Method: "true", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "surrounding blanks",
			line: " \t{ \"ts\" : 1739525467 , \"method\" : \"GET\" }  ",
			want: Record{Time: t0, Method: "GET", Status: -1, Bytes: -1, Duration: -1},
		},
		{
			name: "extra holds other keys sorted and compacted",
			line: `{"zeta":1,"ts":1739525467,"tags":[ "a", "b" ],"geo":{ "cc": "NL", "asn": 1136 },"we\"ird":"x","ok":true,"n":null}`,
			want: Record{Time: t0, Status: -1, Bytes: -1, Duration: -1,
				Extra: `{"geo":{"cc":"NL","asn":1136},"n":null,"ok":true,"tags":["a","b"],"we\"ird":"x","zeta":1}`},
		},

		// Rejects.
		{name: "array", line: `["2025-02-14T09:31:07Z","GET"]`, wantErr: "not a JSON object"},
		{name: "plain text", line: `hello world`, wantErr: "not a JSON object"},
		{name: "JSON string", line: `"{}"`, wantErr: "not a JSON object"},
		{name: "combined line", line: `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`, wantErr: "not a JSON object"},
		{name: "empty", line: ``, wantErr: "not a JSON object"},
		{name: "truncated object", line: `{"timestamp":"2025-02-14T09:31:07Z","path":"/`, wantErr: "invalid JSON"},
		{name: "two objects", line: `{"timestamp":"2025-02-14T09:31:07Z"} {"ts":1}`, wantErr: "invalid JSON"},
		{name: "invalid UTF-8 arrives escaped and breaks the string", line: "{\"ts\":1739525467,\"path\":\"/\xff\"}", wantErr: "invalid JSON"},
		{name: "no time key", line: `{"remote_addr":"203.0.113.9","method":"GET"}`, wantErr: "no time: none of the keys timestamp, time, @timestamp, ts is set"},
		{name: "only null times", line: `{"timestamp":null,"time":null}`, wantErr: "no time"},
		{name: "unparseable time", line: `{"timestamp":"yesterday"}`, wantErr: `timestamp: time "yesterday" is not ISO 8601`},
		{name: "date only", line: `{"timestamp":"2025-02-14"}`, wantErr: "not ISO 8601"},
		{name: "30 February", line: `{"timestamp":"2025-02-30T00:00:00Z"}`, wantErr: "not ISO 8601"},
		{name: "year 1", line: `{"timestamp":"0001-01-01T00:00:00Z"}`, wantErr: "outside the years 1970 to 9999"},
		{name: "small epoch", line: `{"ts":12345}`, wantErr: "before 1973"},
		{name: "negative epoch", line: `{"ts":-1739525467}`, wantErr: "before 1973"},
		{name: "huge epoch", line: `{"ts":1e25}`, wantErr: "out of range"},
		{name: "epoch seconds past 9999 are not read as milliseconds in 1978", line: `{"ts":253402300800}`, wantErr: "ambiguous"},
		{name: "time object", line: `{"timestamp":{"sec":1739525467}}`, wantErr: "expected a string or number"},
		{name: "time boolean", line: `{"timestamp":true}`, wantErr: "not ISO 8601"},
		{name: "status 0", line: `{"ts":1739525467,"status":0}`, wantErr: "status: 0 is not an HTTP status code"},
		{name: "status fraction", line: `{"ts":1739525467,"status":200.5}`, wantErr: "is not an HTTP status code"},
		{name: "status 1000", line: `{"ts":1739525467,"status":1000}`, wantErr: "is not an HTTP status code"},
		{name: "status abc", line: `{"ts":1739525467,"status":"abc"}`, wantErr: `status: "abc" is not a number`},
		{name: "status boolean", line: `{"ts":1739525467,"status":true}`, wantErr: "is not a number"},
		{name: "status NaN", line: `{"ts":1739525467,"status":"NaN"}`, wantErr: "is not an HTTP status code"},
		{name: "negative size", line: `{"ts":1739525467,"size":-5}`, wantErr: "size: -5 is not a byte count"},
		{name: "fractional size", line: `{"ts":1739525467,"size":12.5}`, wantErr: "is not a byte count"},
		{name: "huge size", line: `{"ts":1739525467,"size":1e300}`, wantErr: "is not a byte count"},
		{name: "NaN duration", line: `{"ts":1739525467,"duration_ms":"NaN"}`, wantErr: "duration_ms: NaN is not a duration"},
		{name: "duration text", line: `{"ts":1739525467,"duration_ms":"fast"}`, wantErr: "is not a number"},
		{name: "object for a string field", line: `{"ts":1739525467,"method":{"verb":"GET"}}`, wantErr: "method: expected a string or number"},
		{name: "array for a string field", line: `{"ts":1739525467,"user_agent":["a"]}`, wantErr: "user_agent: expected a string or number"},
	})
}

func TestParseJSONLinesFieldRemaps(t *testing.T) {
	const t0 = 1739525467 * 1e6
	ecs := JSONFields{
		"client": "source.ip", "method": "http.request.method", "path": "url.path", "query": "url.query",
		"status": "http.response.status_code", "bytes": "http.response.body.bytes",
		"user_agent": "user_agent.original", "referrer": "http.request.referrer", "duration_ms": "event.duration_ms",
	}
	tests := []struct {
		name   string
		fields JSONFields
		spec   string
		cases  []ptCase
	}{
		{"ECS nested paths", ecs,
			"jsonl bytes=http.response.body.bytes client=source.ip duration_ms=event.duration_ms method=http.request.method " +
				"path=url.path query=url.query referrer=http.request.referrer status=http.response.status_code user_agent=user_agent.original",
			[]ptCase{
				{
					name: "nginx via filebeat",
					line: `{"@timestamp":"2025-02-14T09:31:07.412Z","source":{"ip":"203.0.113.9"},` +
						`"http":{"request":{"method":"GET","referrer":"https://pypi.org/"},"response":{"status_code":404,"body":{"bytes":153}},"version":"1.1"},` +
						`"url":{"path":"/project/nonexistent/","query":"a=1"},"user_agent":{"original":"curl/8.5.0"},` +
						`"event":{"dataset":"nginx.access","duration_ms":12}}`,
					want: Record{Time: t0 + 412000, Client: "203.0.113.9", Method: "GET", Path: "/project/nonexistent/", Query: "a=1",
						Status: 404, Bytes: 153, Referrer: "https://pypi.org/", UserAgent: "curl/8.5.0", Duration: 0.012,
						// Objects reached by a dotted path stay whole in extra, so
						// members no field takes (http.version, event.dataset) are kept.
						Extra: `{"event":{"dataset":"nginx.access","duration_ms":12},` +
							`"http":{"request":{"method":"GET","referrer":"https://pypi.org/"},"response":{"status_code":404,"body":{"bytes":153}},"version":"1.1"},` +
							`"source":{"ip":"203.0.113.9"},"url":{"path":"/project/nonexistent/","query":"a=1"},"user_agent":{"original":"curl/8.5.0"}}`},
				},
				{
					name: "a path through a non-object is NULL; default keys are not used",
					line: `{"@timestamp":"2025-02-14T09:31:07Z","http":"GET","method":"POST","url":{"path":"/"}}`,
					want: Record{Time: t0, Path: "/", Status: -1, Bytes: -1, Duration: -1,
						Extra: `{"http":"GET","method":"POST","url":{"path":"/"}}`},
				},
				{name: "nested status not a number", line: `{"ts":1739525467,"http":{"response":{"status_code":"teapot"}}}`, wantErr: `http.response.status_code: "teapot" is not a number`},
			}},
		{"literal dotted keys", JSONFields{"client": "client.ip", "method": "http.request.method"},
			"jsonl client=client.ip method=http.request.method",
			[]ptCase{
				{
					name: "a literal key wins over the nested path",
					line: `{"ts":1739525467,"http.request.method":"PUT","http":{"request":{"method":"GET"}},"client.ip":"198.51.100.1","client":{"name":"laptop"}}`,
					want: Record{Time: t0, Client: "198.51.100.1", Method: "PUT", Status: -1, Bytes: -1, Duration: -1,
						Extra: `{"client":{"name":"laptop"},"http":{"request":{"method":"GET"}}}`},
				},
			}},
		{"time remap to a nested key", JSONFields{"time": "event.created"}, "jsonl time=event.created",
			[]ptCase{
				{
					name: "default time keys are ordinary extra keys",
					line: `{"timestamp":"2020-01-01T00:00:00Z","event":{"created":"2025-02-14T09:31:07Z"},"method":"GET"}`,
					want: Record{Time: t0, Method: "GET", Status: -1, Bytes: -1, Duration: -1,
						Extra: `{"event":{"created":"2025-02-14T09:31:07Z"},"timestamp":"2020-01-01T00:00:00Z"}`},
				},
				{name: "missing remapped time", line: `{"timestamp":"2025-02-14T09:31:07Z"}`, wantErr: "no time: none of the keys event.created is set"},
			}},
		{"flat remaps", JSONFields{"time": "request_time", "bytes": "body_bytes_sent", "client": "ip", "duration_ms": "upstream_ms"},
			"jsonl bytes=body_bytes_sent client=ip duration_ms=upstream_ms time=request_time",
			[]ptCase{
				{
					name: "replaced default keys go to extra",
					line: `{"request_time":"2025-02-14T09:31:07Z","ip":"203.0.113.9","remote_addr":"10.0.0.1","body_bytes_sent":99,"size":1,"upstream_ms":250}`,
					want: Record{Time: t0, Client: "203.0.113.9", Bytes: 99, Status: -1, Duration: 0.25,
						Extra: `{"remote_addr":"10.0.0.1","size":1}`},
				},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ptJSONLines(t, tt.fields)
			if p.Spec() != tt.spec {
				t.Errorf("Spec() = %q, want %q", p.Spec(), tt.spec)
			}
			f, err := NewFormat("jsonl", tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != tt.spec {
				t.Errorf("NewFormat name = %q, want %q", f.Name, tt.spec)
			}
			ptRun(t, p, tt.cases)
		})
	}
}

func TestNewJSONLinesErrors(t *testing.T) {
	if got, want := strings.Join(JSONCanonicalNames(), ","),
		"time,client,method,path,query,protocol,status,bytes,referrer,user_agent,accept_language,content_type,duration_ms"; got != want {
		t.Errorf("JSONCanonicalNames() = %s, want %s", got, want)
	}
	if p := ptJSONLines(t, nil); p.Spec() != "jsonl" {
		t.Errorf("Spec() without remaps = %q, want jsonl", p.Spec())
	}
	for _, tc := range []struct {
		fields JSONFields
		want   string
	}{
		{JSONFields{"ip": "remote"}, `--field ip=remote: "ip" is not a canonical field; use one of time, client, method,`},
		{JSONFields{"duration": "rt"}, `"duration" is not a canonical field`},
		{JSONFields{"Method": "verb"}, `"Method" is not a canonical field`},
		{JSONFields{"method": ""}, "--field method= needs a JSON key"},
		{JSONFields{"time": ""}, "--field time= needs a JSON key"},
	} {
		_, err := NewJSONLines(tc.fields)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewJSONLines(%v) = %v, want an error mentioning %q", tc.fields, err, tc.want)
		}
	}
}
