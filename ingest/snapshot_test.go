package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/casefile"
)

// dumpCanonical renders every canonical snapshot table as sorted text, so
// two cases can be compared whatever the container format was.
func dumpCanonical(t *testing.T, c *casefile.Case) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, q := range []struct{ name, sql string }{
		{"accounts", "SELECT * EXCLUDE (source_id) FROM accounts"},
		{"emails", "SELECT * EXCLUDE (source_id) FROM emails"},
		{"ips", "SELECT * EXCLUDE (source_id, geoip_info), json(geoip_info) FROM ips"},
		{"account_events", "SELECT * EXCLUDE (source_id, additional), json(additional) FROM account_events"},
		{"project_events", "SELECT * EXCLUDE (source_id, additional), json(additional) FROM project_events"},
		{"projects", "SELECT * EXCLUDE (source_id) FROM projects"},
		{"roles", "SELECT * EXCLUDE (source_id) FROM roles"},
		{"unique_logins", "SELECT * EXCLUDE (source_id) FROM unique_logins"},
		{"rejects", "SELECT reason, table_name FROM rejects WHERE reason NOT LIKE 'line %'"}, // lines differ by format
		{"counts", "SELECT table_name, rows_read, rows_loaded, rows_rejected FROM snapshot_tables"},
	} {
		rows, err := c.Conn.QueryContext(context.Background(), "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ("+q.sql+")")
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			var b strings.Builder
			for i, v := range vals {
				if i > 0 {
					b.WriteString(" | ")
				}
				if v == nil {
					b.WriteString("NULL")
				} else {
					b.WriteString(v.(string))
				}
			}
			out[q.name] = append(out[q.name], b.String())
		}
		rows.Close()
		slices.Sort(out[q.name])
	}
	return out
}

func ingestSnapshot(t *testing.T, c *casefile.Case, path string) *SnapshotResult {
	t.Helper()
	res, err := Snapshot(context.Background(), c, path, SnapshotOptions{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSnapshotFormatsGiveIdenticalTables(t *testing.T) {
	tables := fixture()
	var want map[string][]string
	for _, format := range []string{"csv", "csv.gz", "jsonl", "parquet", "pg_dump"} {
		t.Run(format, func(t *testing.T) {
			c := openCase(t)
			ingestSnapshot(t, c, writeSnapshot(t, format, tables))
			got := dumpCanonical(t, c)
			if format == "csv" {
				want = got
				checkFixtureContents(t, c)
				return
			}
			for name := range want {
				if !slices.Equal(got[name], want[name]) {
					t.Errorf("%s differs from the CSV snapshot's:\n got %q\nwant %q", name, got[name], want[name])
				}
			}
		})
	}
}

// checkFixtureContents asserts what the fixture must become, value by value.
func checkFixtureContents(t *testing.T, c *casefile.Case) {
	t.Helper()
	ctx := context.Background()
	type account struct {
		user                  string
		totp, twofa, frozen   bool
		keys, codes, unburned int
	}
	want := []account{
		{"alice", true, true, false, 0, 3, 2},
		{"bob", false, false, false, 0, 0, 0},
		{"carol", false, true, true, 1, 0, 0},
		{"dave", false, false, false, 0, 0, 0},
	}
	rows, err := c.Conn.QueryContext(ctx, `SELECT username, has_totp, has_2fa, is_frozen, webauthn_keys, recovery_codes_total,
		recovery_codes_unburned FROM accounts ORDER BY username`)
	if err != nil {
		t.Fatal(err)
	}
	var got []account
	for rows.Next() {
		var a account
		rows.Scan(&a.user, &a.totp, &a.twofa, &a.frozen, &a.keys, &a.codes, &a.unburned)
		got = append(got, a)
	}
	rows.Close()
	if !slices.Equal(got, want) {
		t.Errorf("accounts:\n got %+v\nwant %+v", got, want)
	}
	for q, want := range map[string]int64{
		"SELECT count(*) FROM emails WHERE domain = 'example.org' AND verified":                  1,
		"SELECT count(*) FROM emails WHERE domain = 'gmail.com'":                                 2,
		"SELECT count(*) FROM ips WHERE ip = '198.51.100.7' AND hashed_ip = '" + hashedIP2 + "'": 1,
		"SELECT count(*) FROM ips WHERE country_code = 'US' AND city = 'Ashburn'":                1,
		"SELECT count(*) FROM account_events":                                                    7,
		"SELECT count(*) FROM account_events WHERE failure_reason = 'invalid_password' AND ip = '203.0.113.9' AND country_code = 'US' AND ua_installer = 'Browser' AND ua_os = 'Windows' AND ua_family = 'Chrome'": 1,
		"SELECT count(*) FROM account_events WHERE tag = 'account:login:success' AND two_factor_method IS NULL":                                                                                                    1,
		"SELECT count(*) FROM account_events WHERE two_factor_method = 'totp' AND ua_installer = 'pip' AND ua_os = 'Linux' AND ua_family = 'CPython'":                                                              1,
		"SELECT count(*) FROM account_events WHERE method = 'totp' AND time = TIMESTAMPTZ '2024-03-30 20:00:31+00'":                                                                                                1,
		"SELECT count(*) FROM account_events WHERE email_subject = 'Two-factor method added'":                                                                                                                      1,
		"SELECT count(*) FROM project_events WHERE kind = 'file' AND project = '" + proj1 + "' AND filename = 'alice_tools-1.2.3.tar.gz'":                                                                          1,
		"SELECT count(*) FROM project_events WHERE kind = 'project' AND submitted_by = 'alice' AND canonical_version = '1.2.3'":                                                                                    1,
		"SELECT count(*) FROM roles JOIN projects ON projects.id = roles.project WHERE role_name = 'Owner' AND name = 'Alice_Tools'":                                                                               1,
	} {
		var n int64
		if err := c.Conn.QueryRowContext(ctx, q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
	// Every malformed row is rejected with a reason that names the problem
	// and the line of the CSV file it is on (the header is line 1).
	for table, reasons := range map[string]map[string]int64{
		"users":       {"id 'not-a-uuid' is not a UUID": 6, "date_joined 'yesterday' is not a timestamp": 7},
		"user_emails": {"id 'x5' is not an integer": 6},
		"user_events": {"time 'not a time' is not a timestamp": 9, "additional is not valid JSON": 10},
	} {
		for r, line := range reasons {
			var n int64
			c.Conn.QueryRowContext(ctx, `SELECT count(*) FROM rejects WHERE table_name = ? AND contains(reason, ?) AND line_no = ?`, table, r, line).Scan(&n)
			if n != 1 {
				t.Errorf("%s: %d rejects with reason %q at line %d, want 1", table, n, r, line)
			}
		}
	}
	var bad int64
	c.Conn.QueryRowContext(ctx, "SELECT count(*) FROM snapshot_tables WHERE rows_read <> rows_loaded + rows_rejected").Scan(&bad)
	if bad != 0 {
		t.Errorf("%d tables whose counts do not add up", bad)
	}
}

func TestSnapshotSecretsNeverReachTheCase(t *testing.T) {
	for _, format := range []string{"csv", "jsonl", "pg_dump"} {
		t.Run(format, func(t *testing.T) {
			tables := fixture()
			// Rows too broken to parse still must not leak their secrets.
			users := tables["users"]
			users.rows = append(users.rows, []any{"5b0b7a9e-0000-4000-8000-0000000000ff", "broken", nil, "SECRETPW-broken"})
			tables["users"] = users
			dir := t.TempDir()
			path := filepath.Join(dir, "case.duckdb")
			c, err := casefile.Open(context.Background(), path, casefile.ReadWrite)
			if err != nil {
				t.Fatal(err)
			}
			src := writeSnapshot(t, format, tables)
			res, err := Snapshot(context.Background(), c, src, SnapshotOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if format != "jsonl" { // a short JSON object is a row with NULLs, not a broken one
				for _, tr := range res.Tables {
					if tr.Table == "users" && tr.Rejected != 3 {
						t.Errorf("users rejected %d rows, want 3 (two bad values, one broken row)", tr.Rejected)
					}
				}
			}
			// Look at the file while the connection is open (WAL not yet
			// checkpointed) and after closing it.
			scan := func(when string) {
				for _, p := range []string{path, path + ".wal"} {
					b, err := os.ReadFile(p)
					if err != nil {
						continue
					}
					for _, m := range secretMarkers {
						if bytes.Contains(b, []byte(m)) {
							t.Errorf("%s: %s holds the secret marker %q", when, filepath.Base(p), m)
						}
					}
					if !bytes.Contains(b, []byte("alice")) && filepath.Ext(p) == ".duckdb" && when == "closed" {
						t.Errorf("%s: case file does not hold the username alice: is the scan looking at the right file?", when)
					}
				}
			}
			scan("open")
			c.Close()
			scan("closed")
		})
	}
}

func TestSnapshotReingestAndForce(t *testing.T) {
	c := openCase(t)
	src := writeSnapshot(t, "csv", fixture())
	first := ingestSnapshot(t, c, src)
	if first.Skipped || len(first.Tables) != len(snapshotTables) {
		t.Fatalf("first ingest: skipped=%v with %d tables", first.Skipped, len(first.Tables))
	}
	if again := ingestSnapshot(t, c, src); !again.Skipped {
		t.Errorf("same snapshot again was not a no-op")
	}
	other := fixture()
	u := other["users"]
	u.rows = u.rows[:2]
	other["users"] = u
	otherSrc := writeSnapshot(t, "csv", other)
	if _, err := Snapshot(context.Background(), c, otherSrc, SnapshotOptions{}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("another snapshot without --force: %v", err)
	}
	if _, err := Snapshot(context.Background(), c, otherSrc, SnapshotOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM accounts"); n != 2 {
		t.Errorf("accounts after --force = %d, want 2", n)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM sources WHERE kind = 'snapshot'"); n != int64(len(snapshotTables)) {
		t.Errorf("snapshot sources after --force = %d, want %d", n, len(snapshotTables))
	}
}

func TestSnapshotMissingTablesAndColumns(t *testing.T) {
	c := openCase(t)
	tables := fixture()
	delete(tables, "roles")
	res := ingestSnapshot(t, c, writeSnapshot(t, "csv", tables))
	if !slices.Equal(res.Missing, []string{"roles"}) {
		t.Errorf("missing = %v, want [roles]", res.Missing)
	}

	tables = fixture()
	delete(tables, "user_events")
	if _, err := Snapshot(context.Background(), openCase(t), writeSnapshot(t, "csv", tables), SnapshotOptions{}); err == nil ||
		!strings.Contains(err.Error(), "no user_events table") {
		t.Errorf("snapshot without user_events: %v", err)
	}

	tables = fixture()
	u := tables["users"]
	u.cols = slices.Clone(u.cols)
	u.cols[1] = "login"
	tables["users"] = u
	dir := writeSnapshot(t, "csv", tables)
	_, err := Snapshot(context.Background(), openCase(t), dir, SnapshotOptions{})
	if err == nil || !strings.Contains(err.Error(), `"username"`) || !strings.Contains(err.Error(), "users.csv") {
		t.Errorf("users without username: %v, want an error naming the file and the column", err)
	}
}

func TestSnapshotStructuralRejects(t *testing.T) {
	for _, tc := range []struct {
		format, file, broken, reason string
	}{
		{"csv", "user_events.csv", "7b0b7a9e-0000-4000-8000-00000000000f,only,three\n", "line 11: 3 fields where the header names 6"},
		{"jsonl", "user_events.jsonl", "{\"id\": \"truncated\n", "line 10: row is not valid JSON"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := writeSnapshot(t, tc.format, fixture())
			p := filepath.Join(dir, tc.file)
			b, _ := os.ReadFile(p)
			os.Chmod(p, 0o644)
			os.WriteFile(p, append(b, tc.broken...), 0o444)
			c := openCase(t)
			res := ingestSnapshot(t, c, dir)
			for _, tr := range res.Tables {
				if tr.Table == "user_events" && (tr.Read != 10 || tr.Loaded != 7 || tr.Rejected != 3) {
					t.Errorf("user_events: read %d loaded %d rejected %d, want 10 = 7 + 3", tr.Read, tr.Loaded, tr.Rejected)
				}
			}
			if n := queryInt(t, c, "SELECT count(*) FROM rejects WHERE contains(reason, ?)", tc.reason); n != 1 {
				t.Errorf("%d rejects mention %q, want 1", n, tc.reason)
			}
		})
	}
}

func TestRequestsJoinIPsWhicheverWayTheLogNamesTheClient(t *testing.T) {
	c := openCase(t)
	ingestSnapshot(t, c, writeSnapshot(t, "csv", fixture()))
	raw := `203.0.113.9 - - [30/Mar/2024:20:00:01 +0000] "POST /account/login/ HTTP/1.1" 303 0 "-" "Mozilla/5.0"` + "\n"
	hashed := hashedIP2 + ` - - [31/Mar/2024:10:20:00 +0000] "POST /account/login/ HTTP/1.1" 303 0 "-" "pip/24.0"` + "\n"
	for name, data := range map[string]string{"fastly.log": raw, "gunicorn.log": hashed} {
		if _, err := Logs(context.Background(), c, writeFile(t, name, []byte(data)), LogOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := c.Conn.QueryContext(context.Background(), "SELECT client_hashed, country_code FROM requests_ips ORDER BY client_hashed")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var hashedClient bool
		var cc string
		rows.Scan(&hashedClient, &cc)
		got = append(got, strings.Join([]string{map[bool]string{true: "hashed", false: "raw"}[hashedClient], cc}, ":"))
	}
	rows.Close()
	if !slices.Equal(got, []string{"raw:US", "hashed:DE"}) {
		t.Errorf("requests_ips = %v, want [raw:US hashed:DE]", got)
	}
}

func TestSnapshotPgDumpRejectsMalformedRows(t *testing.T) {
	dump := writePgDump(fixture())
	// A row with a field missing, in a table with secrets and one without.
	dump = bytes.Replace(dump, []byte("COPY public.projects (id, name, normalized_name, created, has_docs) FROM stdin;\n"),
		[]byte("COPY public.projects (id, name, normalized_name, created, has_docs) FROM stdin;\n2b0b7a9e-0000-4000-8000-0000000000ee\tshort\n"), 1)
	dump = bytes.Replace(dump, []byte("FROM stdin;\n"+uAlice), []byte("FROM stdin;\nnot\tenough\tSECRETPW-x\n"+uAlice), 1)
	p := writeFile(t, "dump.sql", dump)
	c := openCase(t)
	res := ingestSnapshot(t, c, p)
	got := map[string][3]int64{}
	for _, tr := range res.Tables {
		got[tr.Table] = [3]int64{tr.Read, tr.Loaded, tr.Rejected}
	}
	if got["projects"] != [3]int64{2, 1, 1} || got["users"] != [3]int64{7, 4, 3} {
		t.Errorf("projects %v, users %v: want read/loaded/rejected [2 1 1] and [7 4 3]", got["projects"], got["users"])
	}
	var raw string
	c.Conn.QueryRowContext(context.Background(), "SELECT raw FROM rejects WHERE table_name = 'users' AND reason LIKE 'line %'").Scan(&raw)
	if raw != withheld {
		t.Errorf("malformed users row kept as %q, want it withheld", raw)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM rejects WHERE table_name = 'projects' AND contains(reason, '2 fields where the COPY header names 5 columns')"); n != 1 {
		t.Errorf("projects' short row not rejected with a reason naming the field counts")
	}
}

func TestSnapshotFailureLeavesTheCaseAsItWas(t *testing.T) {
	c := openCase(t)
	if _, err := Logs(context.Background(), c, writeFile(t, "a.log", []byte(combinedLines(10)[0]+"\n")), LogOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := writeSnapshot(t, "parquet", fixture())
	// user_events fails while loading, after ips, accounts and emails went
	// in: its Parquet footer is intact, so staging succeeds, but its data
	// pages are zeroed.
	p := filepath.Join(dir, "user_events.parquet")
	b, _ := os.ReadFile(p)
	clear(b[4:40])
	os.Chmod(p, 0o644)
	os.WriteFile(p, b, 0o444)
	_, err := Snapshot(context.Background(), c, dir, SnapshotOptions{})
	if err == nil || !strings.Contains(err.Error(), "load user_events") {
		t.Fatalf("error %v, want a failure while loading user_events", err)
	}
	if n := queryInt(t, c, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM account_events)
		+ (SELECT count(*) FROM snapshot_tables) + (SELECT count(*) FROM sources WHERE kind = 'snapshot')
		+ (SELECT count(*) FROM rejects WHERE table_name IS NOT NULL)`); n != 0 {
		t.Errorf("a failed snapshot left %d rows in the case", n)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM requests"); n != 1 {
		t.Errorf("the logs ingested before are gone: %d requests", n)
	}
}

// TestSnapshotProgress: the progress callback hears of every file staged
// and every table loaded, in order, done counting from 0 to total-1 (a
// step is told before it runs); a table the snapshot lacks is still a step.
func TestSnapshotProgress(t *testing.T) {
	tables := fixture()
	delete(tables, "roles")
	dir := writeSnapshot(t, "csv", tables)
	type call struct {
		step        string
		done, total int
	}
	var calls []call
	_, err := Snapshot(context.Background(), openCase(t), dir, SnapshotOptions{ToolVersion: "test",
		Progress: func(step string, done, total int) { calls = append(calls, call{step, done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	want := len(tables) + len(snapshotTables)
	if len(calls) != want {
		t.Fatalf("%d progress calls, want %d (%d files, %d tables): %v", len(calls), want, len(tables), len(snapshotTables), calls)
	}
	for i, c := range calls {
		if c.done != i || c.total != want {
			t.Errorf("call %d: %+v, want done %d of %d", i, c, i, want)
		}
		if i < len(tables) && !strings.HasPrefix(c.step, "staging ") || i >= len(tables) && c.step != "loading "+snapshotTables[i-len(tables)].name {
			t.Errorf("call %d: step %q", i, c.step)
		}
	}
	if !slices.ContainsFunc(calls, func(c call) bool { return c.step == "staging users.csv" }) {
		t.Errorf("no step names users.csv: %v", calls)
	}
}
