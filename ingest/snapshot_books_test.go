package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manyUsers is the fixture with n more users, each with a password hash that
// psql quotes (it holds commas) and a login event: enough rows after a
// broken one to see whether they are read.
func manyUsers(n int) map[string]fixtureTable {
	tables := fixture()
	users, events := tables["users"], tables["user_events"]
	for i := range n {
		id := fmt.Sprintf("5b0b7a9e-0000-4000-8000-%012d", 1000+i)
		users.rows = append(users.rows, []any{id, fmt.Sprintf("user%d", i), nil, "$argon2id$v=19$m=65536,t=3,p=4$SECRETPW-" + id, nil, "t", "f", "f", "2020-01-01 00:00:00", nil, nil, nil, nil})
		events.rows = append(events.rows, []any{fmt.Sprintf("7b0b7a9e-0000-4000-8000-%012d", 1000+i), id, "account:login:success", "2024-03-30 20:00:00",
			`{"two_factor_method": null, "geoip_info": {"country_code": "US"}}`, ip1})
	}
	tables["users"], tables["user_events"] = users, events
	return tables
}

// replaceLine rewrites line no (1 = the header) of a file in dir.
func replaceLine(t *testing.T, dir, file string, no int, edit func(string) string) string {
	t.Helper()
	p := filepath.Join(dir, file)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	lines[no-1] = edit(lines[no-1])
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o444); err != nil {
		t.Fatal(err)
	}
	return lines[no-1]
}

// TestSnapshotCSVBrokenQuoteLosesOneRow: a stray quote in one CSV row used
// to swallow the rows after it while the books said one row was rejected
// (DuckDB's reader counted in one pass, loaded in another). Now the row is
// rejected with its own line and every other row loads.
func TestSnapshotCSVBrokenQuoteLosesOneRow(t *testing.T) {
	const extra = 200
	for _, tc := range []struct {
		name, file string
		line       int
		edit       func(string) string
		reason     string
	}{
		// "kim99,,"$argon... : a quoted field closed, then junk after it.
		{"quote closed early", "users.csv", 108, func(l string) string { return strings.Replace(l, ",user100,", `,"user100,,`, 1) },
			"a quote closes field 2 but '$' follows it"},
		// A quote opened and not closed on its line: it runs on into the
		// next row's quoted password hash; that row is read again.
		{"quote not closed on its line", "users.csv", 108, func(l string) string {
			return strings.Replace(strings.ReplaceAll(l, `"`, ""), ",user100,", `,"user100,`, 1)
		}, "a quote closes field 2 but '$' follows it"},
		// The same in user_events, whose rejects keep the raw line: the
		// line kept is the broken one, not what the reader read after it.
		{"quote not closed on its line in events", "user_events.csv", 110, func(l string) string {
			return strings.Replace(strings.ReplaceAll(l, `""`, ""), `,"{`, `,{`, 1)[:60] + `,"x`
		}, "a quote closes field"},
		// In the last row, a quote that nothing closes.
		{"quote never closed", "user_events.csv", 210, func(l string) string { return l[:40] + `,"` },
			"a quoted field opened on this line is not closed before the end of the file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeSnapshot(t, "csv", manyUsers(extra))
			broken := replaceLine(t, dir, tc.file, tc.line, tc.edit)
			c := openCase(t)
			res := ingestSnapshot(t, c, dir)
			table := strings.TrimSuffix(tc.file, ".csv")
			want := map[string]int64{"users": 6 + extra, "user_events": 9 + extra}[table]
			for _, tr := range res.Tables {
				if tr.Table != table {
					continue
				}
				if tr.Read != want || tr.Rejected != 1+baseRejects[table] || tr.Loaded != want-1-baseRejects[table] {
					t.Errorf("%s: read %d loaded %d rejected %d, want %d = %d + %d", table, tr.Read, tr.Loaded, tr.Rejected,
						want, want-1-baseRejects[table], 1+baseRejects[table])
				}
			}
			dest := map[string]string{"users": "accounts", "user_events": "account_events"}[table]
			if n := queryInt(t, c, "SELECT count(*) FROM "+dest); n != want-1-baseRejects[table] {
				t.Errorf("%s holds %d rows, want %d: rows after the broken one were lost", dest, n, want-1-baseRejects[table])
			}
			if n := queryInt(t, c, "SELECT count(*) FROM snapshot_tables s WHERE table_name = ? AND rows_loaded = (SELECT count(*) FROM "+dest+")", table); n != 1 {
				t.Errorf("snapshot_tables.rows_loaded of %s is not the count of %s", table, dest)
			}
			var reason, raw string
			if err := c.Conn.QueryRowContext(context.Background(), "SELECT reason, raw FROM rejects WHERE table_name = ? AND line_no = ?", table, tc.line).Scan(&reason, &raw); err != nil {
				t.Fatalf("no reject at line %d: %v", tc.line, err)
			}
			if !strings.Contains(reason, tc.reason) {
				t.Errorf("reject reason %q, want it to say %q", reason, tc.reason)
			}
			if table == "users" && raw != withheld {
				t.Errorf("users reject keeps its raw text %q; the table holds secrets", raw)
			}
			if table == "user_events" && raw != broken {
				t.Errorf("reject raw %q, want the broken line %q", raw, broken)
			}
		})
	}
}

// baseRejects are the fixture's own malformed rows per table.
var baseRejects = map[string]int64{"users": 2, "user_events": 2}

// TestSnapshotDuplicateIDs: a users row appended twice used to list its
// account several times in the freeze list. The repeat is rejected as a
// duplicate with the line of the row kept; a repeat of an id whose first row
// was rejected for another reason is the one that loads.
func TestSnapshotDuplicateIDs(t *testing.T) {
	for _, format := range []string{"csv", "jsonl", "pg_dump"} {
		t.Run(format, func(t *testing.T) {
			tables := fixture()
			users := tables["users"]
			users.rows = append(users.rows, users.rows[0]) // alice again
			// trent's first row has a bad date_joined; a corrected one follows.
			trent := append([]any{}, users.rows[5]...)
			trent[8] = "2022-02-02 02:02:02"
			users.rows = append(users.rows, trent)
			tables["users"] = users
			events := tables["user_events"]
			events.rows = append(events.rows, events.rows[1]) // alice's login again
			tables["user_events"] = events
			keys := tables["user_security_keys"]
			keys.rows = append(keys.rows, keys.rows[0]) // carol's key again
			tables["user_security_keys"] = keys
			c := openCase(t)
			res := ingestSnapshot(t, c, writeSnapshot(t, format, tables))
			dups := map[string]int64{}
			for _, tr := range res.Tables {
				dups[tr.Table] = tr.Duplicates
			}
			if dups["users"] != 1 || dups["user_events"] != 1 || dups["user_security_keys"] != 1 {
				t.Errorf("duplicates users %d, user_events %d, user_security_keys %d; want 1 each", dups["users"], dups["user_events"], dups["user_security_keys"])
			}
			if n := queryInt(t, c, "SELECT count(*) FROM accounts"); n != 5 {
				t.Errorf("%d accounts, want 5 (alice, bob, carol, dave, trent once each)", n)
			}
			if n := queryInt(t, c, "SELECT count(*) FROM accounts WHERE username = 'trent' AND date_joined IS NOT NULL"); n != 1 {
				t.Errorf("trent's corrected row did not load")
			}
			if n := queryInt(t, c, "SELECT webauthn_keys FROM accounts WHERE username = 'carol'"); n != 1 {
				t.Errorf("carol has %d security keys, want 1: a duplicate key row counted", n)
			}
			if n := queryInt(t, c, "SELECT count(*) FROM account_events"); n != 7 {
				t.Errorf("%d account events, want 7", n)
			}
			if n := queryInt(t, c, "SELECT count(*) FROM rejects WHERE table_name = 'users' AND reason LIKE 'duplicate id ''"+uAlice+"'': the row at line % has it and is kept'"); n != 1 {
				t.Errorf("no reject says alice's repeat is a duplicate of a kept row")
			}
			if n := queryInt(t, c, "SELECT count(*) FROM snapshot_tables WHERE rows_read <> rows_loaded + rows_rejected"); n != 0 {
				t.Errorf("%d tables whose counts do not add up", n)
			}
		})
	}
}

// TestSnapshotFileChangedWhileRead: a snapshot file replaced while it is
// ingested fails the snapshot, as a changed log does; the case keeps
// nothing of it.
func TestSnapshotFileChangedWhileRead(t *testing.T) {
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			dir := writeSnapshot(t, format, fixture())
			p := filepath.Join(dir, "user_events."+format)
			smaller := writeSnapshot(t, format, map[string]fixtureTable{"user_events": {cols: fixture()["user_events"].cols, rows: fixture()["user_events"].rows[:2]}})
			replacement, err := os.ReadFile(filepath.Join(smaller, "user_events."+format))
			if err != nil {
				t.Fatal(err)
			}
			// CSV files are read when staged, Parquet files when loaded.
			when := map[string]string{"csv": "staging user_events.csv", "parquet": "loading user_events"}[format]
			c := openCase(t)
			_, err = Snapshot(context.Background(), c, dir, SnapshotOptions{Progress: func(step string, _, _ int) {
				if step == when {
					os.Chmod(p, 0o644)
					if err := os.WriteFile(p+".new", replacement, 0o444); err != nil {
						t.Fatal(err)
					}
					if err := os.Rename(p+".new", p); err != nil {
						t.Fatal(err)
					}
				}
			}})
			if err == nil || !strings.Contains(err.Error(), "changed while it was read") || !strings.Contains(err.Error(), "user_events") {
				t.Fatalf("err = %v, want the file named and 'changed while it was read'", err)
			}
			for _, table := range []string{"sources", "accounts", "account_events", "snapshot_tables"} {
				if n := queryInt(t, c, "SELECT count(*) FROM "+table); n != 0 {
					t.Errorf("%s holds %d rows after the failed snapshot", table, n)
				}
			}
		})
	}
}

// TestSnapshotPgDumpSchemasAndBlocks: Warehouse's tables are in schema
// public; a table of the same name in another schema used to be loaded in
// its place (the first COPY block won). Blocks of other schemas are
// skipped; a \x with no hex digit after it is an x, as PostgreSQL reads
// it; and a public table with two COPY blocks (dumps concatenated) is an
// error naming both lines, since which is the snapshot cannot be told.
func TestSnapshotPgDumpSchemasAndBlocks(t *testing.T) {
	dump := writePgDump(fixture())
	audit := "COPY audit.users (id, username, password) FROM stdin;\n" +
		"5b0b7a9e-0000-4000-8000-00000000aaaa\tauditor\tSECRETPW-audit\n\\.\n\n"
	i := bytes.Index(dump, []byte("COPY public.users"))
	if i < 0 {
		t.Fatal("the fixture dump has no COPY public.users")
	}
	doc := append(append(append([]byte{}, dump[:i]...), audit...), bytes.Replace(dump[i:], []byte("\tbob\t"), []byte("\tbob\\xyz\t"), 1)...)
	dir := t.TempDir()
	p := filepath.Join(dir, "warehouse.sql")
	if err := os.WriteFile(p, doc, 0o444); err != nil {
		t.Fatal(err)
	}
	c := openCase(t)
	ingestSnapshot(t, c, p)
	if n := queryInt(t, c, "SELECT count(*) FROM accounts WHERE username = 'auditor'"); n != 0 {
		t.Errorf("audit.users was loaded as Warehouse's users")
	}
	if n := queryInt(t, c, "SELECT count(*) FROM accounts"); n != 4 {
		t.Errorf("%d accounts, want the fixture's 4", n)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM accounts WHERE username = 'bobxyz'"); n != 1 {
		t.Errorf("bob\\xyz not read as bobxyz")
	}

	twice := filepath.Join(dir, "twice.sql")
	more := "COPY public.users (id, username, password, date_joined) FROM stdin;\n" +
		"5b0b7a9e-0000-4000-8000-00000000bbbb\tpeggy\tSECRETPW-peggy\t2023-01-01 00:00:00\n\\.\n"
	if err := os.WriteFile(twice, append(append([]byte{}, dump...), more...), 0o444); err != nil {
		t.Fatal(err)
	}
	_, err := Snapshot(context.Background(), openCase(t), twice, SnapshotOptions{})
	if err == nil || !strings.Contains(err.Error(), "public.users table twice") || !strings.Contains(err.Error(), "lines ") {
		t.Errorf("two COPY blocks of public.users: %v, want an error naming both", err)
	}
}

// TestSnapshotMappedIPv4: an IPv4 address mapped into IPv6, as a dual-stack
// server may record it, is stored as the IPv4 address, as logs store it, so
// the two sources join on it.
func TestSnapshotMappedIPv4(t *testing.T) {
	tables := fixture()
	ips := tables["ip_addresses"]
	ips.rows = append(ips.rows,
		[]any{"1b0b7a9e-0000-4000-8000-000000000003", "::FFFF:192.0.2.44/128", nil, nil, "f", nil, nil},
		[]any{"1b0b7a9e-0000-4000-8000-000000000004", "::ffff:c000:22d", nil, nil, "f", nil, nil},
		[]any{"1b0b7a9e-0000-4000-8000-000000000005", "2001:db8::ffff:192.0.2.45", nil, nil, "f", nil, nil})
	tables["ip_addresses"] = ips
	c := openCase(t)
	ingestSnapshot(t, c, writeSnapshot(t, "csv", tables))
	var got []string
	rows, err := c.Conn.QueryContext(context.Background(), "SELECT ip FROM ips WHERE id::VARCHAR > '1b0b7a9e-0000-4000-8000-000000000002' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ip string
		rows.Scan(&ip)
		got = append(got, ip)
	}
	rows.Close()
	want := []string{"192.0.2.44", "::ffff:c000:22d", "2001:db8::ffff:192.0.2.45"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ips %q, want %q", got, want)
	}
}

// TestSnapshotDumpsThatAreNotPlain: custom, tar and directory-format dumps
// and --inserts dumps used to get a generic error or "no COPY block"; each
// now gets a message saying what it is and the command that converts it.
func TestSnapshotDumpsThatAreNotPlain(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o444); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tarHeader := make([]byte, 1024)
	copy(tarHeader, "toc.dat")
	copy(tarHeader[257:], "ustar\x0000")
	inserts := "SET statement_timeout = 0;\n\nINSERT INTO public.users VALUES ('5b0b7a9e-0000-4000-8000-000000000001', 'alice');\n"
	ddlThenInserts := "CREATE TABLE public.users (id uuid, username text);\n" + strings.Repeat("-- padding\n", 200000) + inserts
	for _, tc := range []struct {
		name, path, says string
	}{
		{"custom named .dump", write("warehouse.dump", []byte("PGDMP\x01\x0e\x00\x04\x08\x01\x01")), "custom-format archive (pg_dump -Fc)"},
		{"custom named .sql", write("custom.sql", []byte("PGDMP\x01\x0e\x00\x04\x08\x01\x01")), "pg_restore --data-only -f warehouse.sql"},
		{"tar", write("warehouse.tar", tarHeader), "tar-format dump (pg_dump -Ft)"},
		{"directory", filepath.Dir(write("fd/toc.dat", []byte("PGDMP"))), "directory-format dump (pg_dump -Fd)"},
		{"inserts", write("inserts.sql", []byte(inserts)), "written with --inserts"},
		{"inserts after a long schema", write("long.sql", []byte(ddlThenInserts)), "written with --inserts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Snapshot(context.Background(), openCase(t), tc.path, SnapshotOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("err = %v, want it to name %s and say %q", err, tc.path, tc.says)
			}
		})
	}
}

// TestSnapshotToolUserAgentAsStrings: Warehouse records pip's and twine's
// implementation and system as plain strings, not objects with a name; the
// reader looked only for .name in them and left ua_os and ua_family NULL.
func TestSnapshotToolUserAgentAsStrings(t *testing.T) {
	tables := fixture()
	events := tables["user_events"]
	events.rows = append(events.rows, []any{"7b0b7a9e-0000-4000-8000-0000000000aa", uBob, "account:login:success", "2024-03-31 10:30:00",
		`{"two_factor_method": "totp", "user_agent_info": {"installer": {"name": "twine", "version": "5.0.0"}, "implementation": "CPython", "system": "Darwin"}}`, ip2})
	tables["user_events"] = events
	c := openCase(t)
	ingestSnapshot(t, c, writeSnapshot(t, "csv", tables))
	if n := queryInt(t, c, "SELECT count(*) FROM account_events WHERE ua_installer = 'twine' AND ua_family = 'CPython' AND ua_os = 'Darwin'"); n != 1 {
		t.Errorf("twine's login: ua_family and ua_os not read from plain strings")
	}
	if n := queryInt(t, c, "SELECT count(*) FROM account_events WHERE ua_installer = 'pip' AND ua_family = 'CPython' AND ua_os = 'Linux'"); n != 1 {
		t.Errorf("pip's login with objects no longer read")
	}
}

// TestSnapshotEventsNamingMissingRows: tables exported one by one while the
// site runs are not one snapshot. An event whose ip_addresses row is
// missing used to load with its ip_address_id dropped, and one whose user
// is missing passed silently; both are kept with their ids, counted and
// warned of.
func TestSnapshotEventsNamingMissingRows(t *testing.T) {
	tables := fixture()
	events := tables["user_events"]
	events.rows = append(events.rows,
		[]any{"7b0b7a9e-0000-4000-8000-0000000000b1", uAlice, "account:login:success", "2024-03-31 12:00:00", `{}`, "1b0b7a9e-0000-4000-8000-0000000000ff"},
		[]any{"7b0b7a9e-0000-4000-8000-0000000000b2", "5b0b7a9e-0000-4000-8000-0000000000ff", "account:login:success", "2024-03-31 12:00:01", `{}`, ip1})
	tables["user_events"] = events
	c := openCase(t)
	res := ingestSnapshot(t, c, writeSnapshot(t, "csv", tables))
	if res.EventsWithoutIP != 1 || res.EventsWithoutUser != 1 {
		t.Errorf("events without ip %d, without user %d; want 1 and 1", res.EventsWithoutIP, res.EventsWithoutUser)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM account_events WHERE ip_id = '1b0b7a9e-0000-4000-8000-0000000000ff' AND ip IS NULL"); n != 1 {
		t.Errorf("the event's ip_address_id was not kept")
	}
}

// TestSnapshotAlreadyHandled: users.disabled_for and a disabled password
// (passlib's "!" prefix) say an account was handled before the analysis;
// they were not read, so such accounts looked live. Only whether the
// password is disabled is kept, never the hash. user_unique_logins loads
// where the snapshot has it.
func TestSnapshotAlreadyHandled(t *testing.T) {
	for _, format := range []string{"csv", "jsonl", "parquet", "pg_dump"} {
		t.Run(format, func(t *testing.T) {
			tables := fixture()
			users := tables["users"]
			users.rows[3][3] = "!SECRETPW-dave-disabled"
			users.rows[3][12] = "password compromised"
			tables["users"] = users
			tables["user_unique_logins"] = fixtureTable{
				cols: []string{"id", "user_id", "ip_address_id", "created", "last_used", "device_information", "status", "expires"},
				rows: [][]any{
					{"cb0b7a9e-0000-4000-8000-000000000001", uAlice, ip1, "2024-03-30 20:00:01", "2024-03-31 09:00:00", `{"os": "Windows"}`, "confirmed", nil},
					{"cb0b7a9e-0000-4000-8000-000000000002", uBob, ip2, "2024-03-31 10:20:00", "2024-03-31 10:20:00", nil, "pending", nil},
					{"cb0b7a9e-0000-4000-8000-000000000003", uBob, ip2, "2024-03-31 10:20:00", "2024-03-31 10:20:00", nil, "maybe", nil},
				},
			}
			c := openCase(t)
			ingestSnapshot(t, c, writeSnapshot(t, format, tables))
			for q, want := range map[string]int64{
				"SELECT count(*) FROM accounts WHERE username = 'dave' AND password_disabled AND disabled_for = 'password compromised'": 1,
				"SELECT count(*) FROM accounts WHERE username = 'carol' AND NOT password_disabled AND disabled_for = 'account frozen'":  1,
				"SELECT count(*) FROM accounts WHERE NOT password_disabled AND disabled_for IS NULL":                                    2,
				"SELECT count(*) FROM unique_logins WHERE status = 'confirmed' AND ip = '203.0.113.9'":                                  1,
				"SELECT count(*) FROM unique_logins": 2,
				"SELECT count(*) FROM rejects WHERE table_name = 'user_unique_logins' AND contains(reason, 'neither pending nor confirmed')": 1,
			} {
				if got := queryInt(t, c, q); got != want {
					t.Errorf("%s = %d, want %d", q, got, want)
				}
			}
		})
	}
}

// TestSnapshotPgDumpOfAnotherSchema: a dump whose Warehouse tables are in
// another schema (a staging copy, a renamed schema) is read with Schema
// set; without it, the error names the schema it looked in and the flag.
func TestSnapshotPgDumpOfAnotherSchema(t *testing.T) {
	dump := bytes.ReplaceAll(writePgDump(fixture()), []byte("COPY public."), []byte("COPY warehouse."))
	p := filepath.Join(t.TempDir(), "warehouse.sql")
	if err := os.WriteFile(p, dump, 0o444); err != nil {
		t.Fatal(err)
	}
	_, err := Snapshot(context.Background(), openCase(t), p, SnapshotOptions{})
	if err == nil || !strings.Contains(err.Error(), "public.ip_addresses") || !strings.Contains(err.Error(), "--schema") {
		t.Errorf("default schema: %v, want the schema looked in and --schema named", err)
	}
	c := openCase(t)
	if _, err := Snapshot(context.Background(), c, p, SnapshotOptions{Schema: "warehouse"}); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM accounts"); n != 4 {
		t.Errorf("%d accounts, want the fixture's 4", n)
	}
}

// TestSnapshotCSVOverlongLineInsideAQuote: a quote left open runs into a
// line too long to keep. The row ends at its first line, and the long line
// is rejected as the overlong line it is (it used to come back as a blank
// line), with the rows after it read.
func TestSnapshotCSVOverlongLineInsideAQuote(t *testing.T) {
	defer func(m int) { maxLine = m }(maxLine)
	maxLine = 2 << 20
	tables := fixture()
	dir := writeSnapshot(t, "csv", tables)
	p := filepath.Join(dir, "user_events.csv")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	// After the header and the first event: an open quote, then 3 MiB.
	broken := "7b0b7a9e-0000-4000-8000-0000000000c1,\"open\n" + strings.Repeat("x", 3<<20) + "\n"
	doc := lines[0] + lines[1] + broken + strings.Join(lines[2:], "")
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte(doc), 0o444); err != nil {
		t.Fatal(err)
	}
	c := openCase(t)
	ingestSnapshot(t, c, dir)
	for line, reason := range map[int64]string{3: "a quoted field opened on this line is not closed", 4: "line longer than 2 MiB"} {
		if n := queryInt(t, c, "SELECT count(*) FROM rejects WHERE table_name = 'user_events' AND line_no = ? AND contains(reason, ?)", line, reason); n != 1 {
			t.Errorf("no reject at line %d saying %q", line, reason)
		}
	}
	if n := queryInt(t, c, "SELECT count(*) FROM account_events"); n != 7 {
		t.Errorf("%d account events, want the fixture's 7", n)
	}
}
