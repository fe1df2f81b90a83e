package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/internal/pgtest"
	"github.com/freezeframe/freezeframe/internal/testfs"
)

// The live PostgreSQL tests read databases of Warehouse's own tables in the
// cluster .ci/run starts (see internal/pgtest).

const sampleSnapshot = "../samples/pypi-2024-03/snapshot"

// liveRead reads the database at url into a new case, with its evidence in
// a new directory, and returns the case, the evidence directory and what
// was logged.
func readLive(t *testing.T, url string, opts SnapshotOptions) (*casefile.Case, *SnapshotResult, string, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.ToolVersion = "test"
	if opts.Evidence == "" {
		opts.Evidence = filepath.Join(t.TempDir(), "case.snapshot")
	}
	c := openCase(t)
	res, err := Snapshot(context.Background(), c, url, opts)
	if err != nil {
		t.Fatalf("live read: %v", err)
	}
	return c, res, opts.Evidence, &logs
}

// sameCanonical fails the test where two cases' canonical tables differ.
func sameCanonical(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for name := range want {
		if !slices.Equal(got[name], want[name]) {
			t.Errorf("%s: %s differs from the live read's (%d rows, want %d)", what, name, len(got[name]), len(want[name]))
			for i := range min(len(got[name]), len(want[name])) {
				if got[name][i] != want[name][i] {
					t.Errorf("first difference:\n got %q\nwant %q", got[name][i], want[name][i])
					break
				}
			}
		}
	}
}

// TestLiveReadEvidenceExportAndDumpAgree: the committed sample and the edge
// rows in Warehouse's own tables give the same canonical tables whichever
// way they are read: live, from the live read's evidence directory, from
// the export script's CSV files and from a plain pg_dump. The live read's
// sources and manifest describe what was streamed, and no secret and no
// password reaches the case, the evidence, the export or the logs.
func TestLiveReadEvidenceExportAndDumpAgree(t *testing.T) {
	db := pgtest.NewDatabase(t)
	pgtest.LoadSample(t, db, sampleSnapshot)
	pgtest.AddEdgeRows(t, db)
	password := pgtest.Password(t, db)

	began := time.Now()
	c, res, evidence, logs := readLive(t, db, SnapshotOptions{})
	t.Logf("live read of the sample and the edge rows: %v", time.Since(began))
	live := dumpCanonical(t, c)
	checkEdgeRows(t, c)
	if res.Path != RedactURL(db) || strings.Contains(res.Path, password) {
		t.Errorf("result path %q, want the URL without its password", res.Path)
	}
	checkLiveSources(t, c, evidence, RedactURL(db))

	t.Run("evidence", func(t *testing.T) {
		ec := openCase(t)
		ingestSnapshot(t, ec, evidence)
		sameCanonical(t, "the evidence directory", dumpCanonical(t, ec), live)
	})
	export := filepath.Join(t.TempDir(), "export")
	t.Run("export script", func(t *testing.T) {
		cmd := exec.Command("bash", "../scripts/export-warehouse.sh", export, db)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("export-warehouse.sh: %v\n%s", err, out)
		}
		ec := openCase(t)
		ingestSnapshot(t, ec, export)
		sameCanonical(t, "the export script's CSV files", dumpCanonical(t, ec), live)
		// The script selects what the live read does, column for column.
		for _, f := range files(t, evidence, ".csv.zst") {
			name := strings.TrimSuffix(filepath.Base(f), ".csv.zst")
			got := firstLine(t, filepath.Join(export, name+".csv"))
			if want := firstLine(t, f); got != want {
				t.Errorf("%s.csv: header %q, the live read's %q", name, got, want)
			}
		}
	})
	t.Run("pg_dump", func(t *testing.T) {
		pgDump := tool(t, "pg_dump")
		dump := filepath.Join(t.TempDir(), "warehouse.sql")
		if out, err := exec.Command(pgDump, "--no-owner", "-f", dump, "-d", db).CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, out)
		}
		dc := openCase(t)
		ingestSnapshot(t, dc, dump)
		sameCanonical(t, "the pg_dump", dumpCanonical(t, dc), live)
	})

	// Nothing written holds a secret or the password.
	needles := append(slices.Clone(pgtest.SecretMarkers), password)
	scan := func(what string, data []byte) {
		t.Helper()
		for _, m := range needles {
			if bytes.Contains(data, []byte(m)) {
				t.Errorf("%s holds %q", what, m)
			}
		}
	}
	scan("the case's tables", caseText(t, c))
	scan("the logs", logs.Bytes())
	for _, f := range files(t, evidence, "") {
		scan(f, readEvidence(t, f))
	}
	for _, f := range files(t, export, "") {
		b, _ := os.ReadFile(f)
		scan(f, b)
	}
	// And the case file itself, once closed (openCase's cleanup closes it
	// again, to no effect).
	c.Close()
	b := testfs.Read(t, c.Path)
	if !bytes.Contains(b, []byte("edge.frozen")) {
		t.Errorf("the case file does not hold the username edge.frozen: is the scan looking at the right file?")
	}
	scan("the case file", b)
}

// checkEdgeRows asserts what the edge rows become, value by value.
func checkEdgeRows(t *testing.T, c *casefile.Case) {
	t.Helper()
	for q, want := range map[string]string{
		"SELECT string_agg(username || ':' || has_totp || ':' || is_frozen, ' ' ORDER BY username) FROM accounts WHERE id::VARCHAR LIKE 'e2000000-0000-4000-8000-%'":                            "Edge-Admin:true:false e5:false:false edge.frozen:true:true edge4:false:false edge_pwned:false:false",
		"SELECT webauthn_keys || '/' || recovery_codes_total || '/' || recovery_codes_unburned FROM accounts WHERE username = 'edge.frozen'":                                                    "1/2/1",
		"SELECT string_agg(username || ':' || password_disabled || ':' || coalesce(disabled_for, '-'), ' ' ORDER BY username) FROM accounts WHERE id::VARCHAR LIKE 'e2000000-0000-4000-8000-%'": "Edge-Admin:true:admin initiated e5:false:- edge.frozen:false:account frozen edge4:false:- edge_pwned:true:password compromised",
		"SELECT string_agg(ip, ' ' ORDER BY ip) FROM ips WHERE id::VARCHAR LIKE 'e1000000-0000-4000-8000-%'":                                                                                    "198.51.100.77 2001:db8::1 2001:db8::7 203.0.113.200",
		"SELECT city || '|' || region FROM ips WHERE ip = '2001:db8::7'":                                                                                                                        "Zürich \"Nord\" \\ tab\there nl\nline|東京",
		"SELECT string_agg(ban_reason || '@' || strftime(ban_date, '%S.%f'), ' ' ORDER BY ban_reason) FROM ips WHERE is_banned AND id::VARCHAR LIKE 'e1000000-0000-4000-8000-%'":                "administrative@00.500000 authentication-attempts@00.000000",
		"SELECT domain FROM emails WHERE id = 900001":                                                                                                                       "例え.jp",
		"SELECT string_agg(unverify_reason, ',' ORDER BY unverify_reason) FROM emails WHERE id > 900000":                                                                    "domain status invalid,hard bounce,soft bounce,spam complaint",
		"SELECT name FROM projects WHERE id = 'e5000000-0000-4000-8000-000000000001'":                                                                                       "edge\nproject\twith \\ \"quotes\", 项目",
		"SELECT strftime(created, '%S.%f') FROM projects WHERE id = 'e5000000-0000-4000-8000-000000000001'":                                                                 "00.000001",
		"SELECT string_agg(strftime(time, '%S.%f'), ' ' ORDER BY time) FROM account_events WHERE id::VARCHAR LIKE 'e7000000-0000-4000-8000-%'":                              "00.000000 01.100000 02.120000 03.123000 04.123400 05.123450 06.123456",
		"SELECT ua_installer || '/' || ua_os || '/' || ua_family FROM account_events WHERE id = 'e7000000-0000-4000-8000-000000000001'":                                     "Browser/Windows/Chrome",
		"SELECT two_factor_method || '|' || (additional->>'two_factor_label') FROM account_events WHERE id = 'e7000000-0000-4000-8000-000000000002'":                        "totp|tab\there \"q\" \\ 东京",
		"SELECT email_subject FROM account_events WHERE id = 'e7000000-0000-4000-8000-000000000005'":                                                                        "Line\nbreak \u2028 sep \u0001",
		"SELECT count(*) FROM account_events WHERE id = 'e7000000-0000-4000-8000-000000000003' AND ip_id IS NULL":                                                           "1",
		"SELECT string_agg(kind, ',' ORDER BY kind) FROM project_events WHERE id::VARCHAR LIKE 'e8000000-0000-4000-8000-%' OR id::VARCHAR LIKE 'eb000000-0000-4000-8000-%'": "file,project",
		"SELECT string_agg(role_name, ',' ORDER BY role_name) FROM roles WHERE id::VARCHAR LIKE 'e6000000-0000-4000-8000-%'":                                                "Maintainer,Owner",
	} {
		var got string
		if err := c.Conn.QueryRowContext(context.Background(), q).Scan(&got); err != nil || got != want {
			t.Errorf("%s\n got %q (%v)\nwant %q", q, got, err, want)
		}
	}
}

// checkLiveSources asserts that the case's sources and the manifest
// describe each table as streamed: the redacted URL and the table, the
// SHA-256 and size of the CSV bytes (the evidence file's content), and the
// rows the server counted.
func checkLiveSources(t *testing.T, c *casefile.Case, evidence, redacted string) {
	t.Helper()
	var m liveManifest
	if err := json.Unmarshal(testfs.Read(t, filepath.Join(evidence, EvidenceManifest)), &m); err != nil {
		t.Fatal(err)
	}
	if m.Source != redacted || m.Schema != "public" || m.Isolation != pgIsolation || !strings.HasPrefix(m.ServerVersion, "PostgreSQL ") ||
		m.SnapshotID == "" || m.TxidSnapshot == "" || m.TransactionStart.IsZero() || m.TransactionEnd.Before(m.TransactionStart) {
		t.Errorf("manifest: %+v", m)
	}
	if len(m.Tables) != len(snapshotTables) {
		t.Errorf("manifest lists %d tables, want %d", len(m.Tables), len(snapshotTables))
	}
	for _, mt := range m.Tables {
		var path, sum, format, compression string
		var size, read int64
		err := c.Conn.QueryRowContext(context.Background(), `SELECT s.path, s.sha256, s.size, s.format, s.compression, st.rows_read
			FROM sources s JOIN snapshot_tables st ON st.source_id = s.id WHERE s.kind = 'snapshot' AND st.table_name = ?`, mt.Table).
			Scan(&path, &sum, &size, &format, &compression, &read)
		if err != nil {
			t.Fatalf("%s: %v", mt.Table, err)
		}
		if path != redacted+"#public."+mt.Table || format != "postgres" || compression != "none" {
			t.Errorf("%s: source %q, format %s, compression %s", mt.Table, path, format, compression)
		}
		content := readEvidence(t, filepath.Join(evidence, mt.File))
		fileSum := sha256.Sum256(testfs.Read(t, filepath.Join(evidence, mt.File)))
		contentSum := sha256.Sum256(content)
		if sum != mt.SHA256 || hex.EncodeToString(contentSum[:]) != sum || size != int64(len(content)) || mt.Bytes != size {
			t.Errorf("%s: sources say %s, %d bytes; manifest %s, %d bytes; the file holds %x, %d bytes", mt.Table, sum, size, mt.SHA256, mt.Bytes, contentSum, len(content))
		}
		if hex.EncodeToString(fileSum[:]) != mt.FileSHA256 {
			t.Errorf("%s: the file's SHA-256 is %x, the manifest says %s", mt.Table, fileSum, mt.FileSHA256)
		}
		if mt.Rows != read || int64(bytes.Count(content, []byte("\n"))) < read+1 {
			t.Errorf("%s: manifest %d rows, case %d read, file %d lines", mt.Table, mt.Rows, read, bytes.Count(content, []byte("\n")))
		}
	}
}

// TestLiveReadIsOneSnapshot: what another connection writes once the read's
// transaction has begun (here, before the first table is read) is not in
// the case nor in the evidence; a later read has it.
func TestLiveReadIsOneSnapshot(t *testing.T) {
	db := pgtest.NewDatabase(t)
	pgtest.AddEdgeRows(t, db)
	wrote := false
	write := func(step string, done, total int) {
		if wrote {
			return
		}
		wrote = true
		pgtest.Exec(t, db, `
			INSERT INTO users (id, username, name, password, sitemap_bucket) VALUES ('f2000000-0000-4000-8000-000000000001', 'late.user', '', 'x', 'f');
			INSERT INTO user_events (id, source_id, tag, time) VALUES ('f7000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000001', 'account:create', '2024-04-01 00:00:00');
			DELETE FROM user_events WHERE id = 'e7000000-0000-4000-8000-000000000007';
			UPDATE users SET is_frozen = false WHERE username = 'edge.frozen';`)
	}
	c, _, evidence, _ := readLive(t, db, SnapshotOptions{Progress: write})
	if !wrote {
		t.Fatal("the progress callback never ran")
	}
	for q, want := range map[string]int64{
		"SELECT count(*) FROM accounts WHERE username = 'late.user'":                            0,
		"SELECT count(*) FROM account_events WHERE id = 'f7000000-0000-4000-8000-000000000001'": 0,
		"SELECT count(*) FROM account_events WHERE id = 'e7000000-0000-4000-8000-000000000007'": 1,
		"SELECT count(*) FROM accounts WHERE username = 'edge.frozen' AND is_frozen":            1,
	} {
		if n := queryInt(t, c, q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	if users := readEvidence(t, filepath.Join(evidence, "users.csv.zst")); bytes.Contains(users, []byte("late.user")) {
		t.Errorf("the evidence holds the user written during the read")
	}
	later, _, _, _ := readLive(t, db, SnapshotOptions{})
	if n := queryInt(t, later, "SELECT count(*) FROM accounts WHERE username = 'late.user'"); n != 1 {
		t.Errorf("a later read has %d late.user accounts, want 1: was the row written at all?", n)
	}
}

// TestLiveReadErrors: each way a live read can fail says what is wrong and
// never holds a password; a failed read leaves no evidence directory, not
// even a partial one.
func TestLiveReadErrors(t *testing.T) {
	db := pgtest.NewDatabase(t)
	pgtest.AddEdgeRows(t, db)
	password := pgtest.Password(t, db)
	wrong := "wrong-" + pgtest.Name("pw")

	renamed := func(sql string) string {
		other := pgtest.NewDatabase(t)
		pgtest.Exec(t, other, sql)
		return other
	}
	role := pgtest.Name("ff_reader")
	pgtest.Exec(t, db, "CREATE ROLE "+role+" LOGIN PASSWORD '"+wrong+"'")
	t.Cleanup(func() { pgtest.Exec(t, pgtest.AdminURL(t), "DROP ROLE "+role) })

	for _, tc := range []struct {
		name, url, schema, want string
	}{
		{"wrong password", pgtest.WithUser(t, db, "postgres", wrong), "", `password authentication failed for user "postgres": check the password`},
		{"no password", pgtest.WithUser(t, db, "postgres", ""), "", `password authentication failed for user "postgres"`},
		{"no server at the socket", strings.Replace(db, "host=", "host=/nonexistent", 1), "", "cannot reach the PostgreSQL server at the socket directory /nonexistent"},
		{"no server at the port", "postgres://postgres:" + password + "@127.0.0.1:1/postgres?connect_timeout=5", "", "cannot reach the PostgreSQL server at 127.0.0.1:1"},
		{"no database", pgtest.WithDatabase(t, db, "ff_no_such_db"), "", `database "ff_no_such_db" does not exist: check the database name`},
		{"no schema", db, "archive", `has no schema "archive" (it has: public); name Warehouse's schema with --schema`},
		{"no table", renamed("ALTER TABLE user_events RENAME TO user_events_old"), "", `schema "public" has no user_events table, which freezeframe needs`},
		{"no column", renamed("ALTER TABLE users RENAME COLUMN username TO login"), "", `the users table has no "username" column, which freezeframe needs`},
		{"no permission", pgtest.WithUser(t, db, role, wrong), "", `permission denied for table ip_addresses: user "` + role + `" needs SELECT on the tables`},
		{"URL that does not parse", "postgres://postgres:pa/ss" + password + "@/postgres", "", "the PostgreSQL URL does not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			_, err := Snapshot(context.Background(), openCase(t), tc.url, SnapshotOptions{Schema: tc.schema, Evidence: filepath.Join(parent, "evidence")})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one that says %q", err, tc.want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), wrong) {
				t.Errorf("the error holds a password: %v", err)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("a failed read left %v beside its evidence directory", entries)
			}
		})
	}

	t.Run("evidence directory not empty", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "x"), nil, 0o644)
		_, err := Snapshot(context.Background(), openCase(t), db, SnapshotOptions{Evidence: dir})
		if err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "--evidence") {
			t.Errorf("error %v, want one naming the directory and --evidence", err)
		}
	})
	t.Run("case holds a snapshot", func(t *testing.T) {
		c := openCase(t)
		ingestSnapshot(t, c, writeSnapshot(t, "csv", fixture()))
		_, err := Snapshot(context.Background(), c, db, SnapshotOptions{Evidence: filepath.Join(t.TempDir(), "e")})
		if err == nil || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("error %v, want one naming --force", err)
		}
		if _, err := Snapshot(context.Background(), c, db, SnapshotOptions{Force: true, Evidence: filepath.Join(t.TempDir(), "e")}); err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, c, "SELECT count(*) FROM accounts WHERE username = 'alice'"); n != 0 {
			t.Errorf("--force kept the earlier snapshot's accounts")
		}
	})
}

// TestLiveReadCredentialsFromTheEnvironment: the password may come from
// PGPASSWORD or a password file instead of the URL, and is then in nothing
// written either.
func TestLiveReadCredentialsFromTheEnvironment(t *testing.T) {
	db := pgtest.NewDatabase(t)
	pgtest.AddEdgeRows(t, db)
	password := pgtest.Password(t, db)
	bare := pgtest.WithUser(t, db, "postgres", "")
	passfile := filepath.Join(t.TempDir(), "pgpass")
	if err := os.WriteFile(passfile, []byte("*:*:*:postgres:"+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, env := range map[string][2]string{"PGPASSWORD": {"PGPASSWORD", password}, ".pgpass": {"PGPASSFILE", passfile}} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(env[0], env[1])
			c, res, evidence, logs := readLive(t, bare, SnapshotOptions{})
			if n := queryInt(t, c, "SELECT count(*) FROM accounts"); n != 5 {
				t.Errorf("%d accounts, want 5", n)
			}
			written := append(caseText(t, c), logs.Bytes()...)
			written = append(written, res.Path...)
			written = append(written, testfs.Read(t, filepath.Join(evidence, EvidenceManifest))...)
			if bytes.Contains(written, []byte(password)) {
				t.Errorf("the password is in the case, the logs, the result or the manifest")
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://ro:s3cret@db.internal:5432/warehouse?sslmode=require": "postgres://ro@db.internal:5432/warehouse?sslmode=require",
		"postgresql://ro@/warehouse?host=/run/postgresql":                 "postgresql://ro@/warehouse?host=/run/postgresql",
		"postgres://db/warehouse?user=ro&password=s3cret&sslmode=require": "postgres://db/warehouse?sslmode=require&user=ro",
		"postgres://ro:pa/ss@db/warehouse":                                "postgres://[withheld: the URL does not parse]",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// caseText is every value of every table of the case, as text.
func caseText(t *testing.T, c *casefile.Case) []byte {
	t.Helper()
	ctx := context.Background()
	rows, err := c.Conn.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database()")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var b bytes.Buffer
	for _, table := range tables {
		rows, err := c.Conn.QueryContext(ctx, "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM main."+quoteIdent(table))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			rows.Scan(ptrs...)
			for _, v := range vals {
				if s, ok := v.(string); ok {
					b.WriteString(s)
					b.WriteByte('\t')
				}
			}
		}
		rows.Close()
	}
	return b.Bytes()
}

// readEvidence returns an evidence file's content, decompressed if need be.
func readEvidence(t *testing.T, path string) []byte {
	t.Helper()
	b := testfs.Read(t, path)
	if !strings.HasSuffix(path, ".zst") {
		return b
	}
	d, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func firstLine(t *testing.T, path string) string {
	t.Helper()
	line, _, _ := strings.Cut(string(readEvidence(t, path)), "\n")
	return line
}

// files lists the files in dir whose names end in suffix.
func files(t *testing.T, dir, suffix string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// tool finds a PostgreSQL client program, as the live tests need it under
// CI.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s: %v (Debian's postgresql-client has it)", name, err)
	}
	return p
}
