package cli

import (
	"bytes"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAttackCorpus runs freezeframe on each hostile input of
// testdata/attacks (a broken snapshot, a log that is not what it seems, a
// careless option) as an attacker or a careless admin would give it, and
// asserts the exit code and message, what the case holds, that its counts
// match its tables, that no secret reached any file the run wrote, and that
// the run left no stray file.
func TestAttackCorpus(t *testing.T) {
	const corpus = "testdata/attacks"
	for _, tc := range []struct {
		name string
		args []string // {in}: the input's directory; {work}: the run's own
		code int
		says string           // in stdout or stderr
		want map[string]int64 // query on the case -> value
		left []string         // files the run leaves in {work} beside case.duckdb
	}{
		{name: "csv-broken-quote", args: []string{"ingest", "snapshot", "{in}/snapshot"},
			want: map[string]int64{
				"SELECT count(*) FROM accounts": 3,
				"SELECT count(*) FROM rejects WHERE table_name = 'users' AND line_no = 3 AND reason LIKE 'line 3: a quote closes field 2%'": 1,
			}},
		{name: "csv-unclosed-quote", args: []string{"ingest", "snapshot", "{in}/snapshot"},
			want: map[string]int64{
				"SELECT count(*) FROM account_events": 7,
				"SELECT count(*) FROM rejects WHERE table_name = 'user_events' AND line_no = 9 AND contains(reason, 'not closed before the end of the file')": 1,
			}},
		{name: "csv-duplicate-ids", args: []string{"ingest", "snapshot", "{in}/snapshot"}, says: "the first row of each id is kept",
			want: map[string]int64{
				"SELECT count(*) FROM accounts":                                           4,
				"SELECT count(*) FROM account_events":                                     8,
				"SELECT count(*) FROM rejects WHERE starts_with(reason, 'duplicate id ')": 2,
			}},
		{name: "csv-missing-column", args: []string{"ingest", "snapshot", "{in}/snapshot"}, code: 1, says: `users table has no "username" column`,
			want: map[string]int64{"SELECT count(*) FROM sources": 0}},
		{name: "snapshot-missing-table", args: []string{"ingest", "snapshot", "{in}/snapshot"}, code: 1, says: "has no user_events table",
			want: map[string]int64{"SELECT count(*) FROM sources": 0}},
		{name: "jsonl-secrets", args: []string{"ingest", "snapshot", "{in}/snapshot"},
			want: map[string]int64{
				"SELECT count(*) FROM accounts WHERE has_totp":                                            4,
				"SELECT recovery_codes_total FROM accounts WHERE username = 'alice'":                      3,
				"SELECT count(*) FROM rejects WHERE table_name = 'users' AND raw = '" + withheldRaw + "'": 2,
			}},
		{name: "pgdump-schemas", args: []string{"ingest", "snapshot", "{in}/warehouse.sql"},
			want: map[string]int64{
				"SELECT count(*) FROM accounts":                                    4,
				"SELECT count(*) FROM accounts WHERE username = 'auditor'":         0,
				"SELECT count(*) FROM accounts WHERE username = 'davexyz'":         1,
				"SELECT rows_read FROM snapshot_tables WHERE table_name = 'users'": 4,
			}},
		{name: "pgdump-two-blocks", args: []string{"ingest", "snapshot", "{in}/warehouse.sql"}, code: 1, says: "public.users table twice, in the COPY blocks at lines 16 and",
			want: map[string]int64{"SELECT count(*) FROM sources": 0, "SELECT count(*) FROM accounts": 0}},
		{name: "log-blank-lines", args: []string{"ingest", "logs", "{in}/access.log"},
			want: map[string]int64{"SELECT count(*) FROM requests": 0, "SELECT count(*) FROM rejects": 3, "SELECT lines_read FROM sources": 3}},
		{name: "log-mapped-ipv4", args: []string{"ingest", "logs", "{in}/access.log"},
			want: map[string]int64{"SELECT count(*) FROM requests WHERE client = '10.0.0.1'": 1, "SELECT count(*) FROM requests WHERE client = '::1'": 1}},
		{name: "log-epoch-year-10000", args: []string{"ingest", "logs", "--log-format", "jsonl", "{in}/access.jsonl"},
			want: map[string]int64{
				"SELECT count(*) FROM requests WHERE year(time) = 2024":            1,
				"SELECT count(*) FROM rejects WHERE contains(reason, 'ambiguous')": 1,
			}},
		{name: "log-truncated-gzip", args: []string{"ingest", "logs", "{in}/access.log.gz"}, code: 1, says: "line",
			want: map[string]int64{"SELECT count(*) FROM sources": 0, "SELECT count(*) FROM requests": 0}},
		{name: "log-binary", args: []string{"ingest", "logs", "{in}/access.log"}, code: 1, says: "access.log",
			want: map[string]int64{"SELECT count(*) FROM requests": 0}},
		// One line dated 2400 among a few hundred: analyze used to build an
		// hour for every hour up to it, and grew past 17 GiB.
		{name: "log-dated-2400", args: []string{"investigate", "--out", "{work}/out", "--snapshot", "{in}/snapshot", "--logs", "{in}/access.log"},
			code: 3, says: "1 request dated after", left: []string{"out/"},
			want: map[string]int64{
				"SELECT count(*) FROM out_of_bounds": 1,
				"SELECT count(*) FROM requests":      301,
				"SELECT count(*) FROM hourly":        3, // 19:00 to 21:00, not to the year 2400
			}},
		{name: "memory-limit-negative", args: []string{"--memory-limit", "-5GB", "ingest", "logs", "testdata/attacks/log-mapped-ipv4/access.log"}, code: 2, says: "--memory-limit"},
		{name: "query-copy-to", args: []string{"query", "COPY (SELECT 1) TO '{work}/out.csv'"}, code: 1, says: "--write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			in := filepath.Join(corpus, tc.name)
			casePath := filepath.Join(work, "case.duckdb")
			if tc.name == "query-copy-to" {
				if _, _, code := runCLI(t, "--case", casePath, "ingest", "logs", filepath.Join(corpus, "log-mapped-ipv4", "access.log")); code != 0 {
					t.Fatal("setting up the case failed")
				}
			}
			args := []string{"--case", casePath}
			for _, a := range tc.args {
				args = append(args, strings.NewReplacer("{in}", in, "{work}", work).Replace(a))
			}
			stdout, stderr, code := runCLI(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tc.says) {
				t.Errorf("output does not say %q:\nstdout: %s\nstderr: %s", tc.says, stdout, stderr)
			}
			checkLeftBehind(t, work, tc.left)
			if _, err := os.Stat(casePath); err != nil {
				if len(tc.want) > 0 {
					t.Fatalf("no case to check: %v", err)
				}
				return
			}
			db, err := sql.Open("duckdb", casePath+"?access_mode=read_only")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for q, want := range tc.want {
				var got int64
				if err := db.QueryRow(q).Scan(&got); err != nil || got != want {
					t.Errorf("%s = %d (%v), want %d", q, got, err, want)
				}
			}
			checkBooks(t, db)
		})
	}
}

// withheldRaw is what rejects.raw keeps of a row of a table with secrets
// that could not be split into fields.
const withheldRaw = "[withheld: rows of this table hold secrets]"

// checkLeftBehind asserts that a run left in work nothing but the case and
// the files it names, and that no file there holds a secret of the corpus
// (each holds "SECRET").
func checkLeftBehind(t *testing.T, work string, left []string) {
	t.Helper()
	allowed := append([]string{"case.duckdb"}, left...)
	filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == work {
			return err
		}
		rel, _ := filepath.Rel(work, p)
		if !slices.ContainsFunc(allowed, func(a string) bool {
			return rel == a || rel+"/" == a || strings.HasSuffix(a, "/") && strings.HasPrefix(rel, a)
		}) {
			t.Errorf("the run left %s behind", rel)
		}
		if !d.Type().IsRegular() {
			return nil // a directory, or a report's link to its files
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
			return nil
		}
		if bytes.Contains(b, []byte("SECRET")) {
			t.Errorf("%s holds a secret of the input", rel)
		}
		return nil
	})
}

// checkBooks asserts that the case's counts match its tables: every log
// line parsed is a request and every one rejected a reject; every snapshot
// row rejected a reject, and the rows loaded of users, user_events and
// ip_addresses the rows of accounts, account_events and ips.
func checkBooks(t *testing.T, db *sql.DB) {
	t.Helper()
	for what, q := range map[string]string{
		"log sources whose counts differ from requests and rejects": `SELECT count(*) FROM sources s WHERE kind = 'log' AND (
			rows_parsed <> (SELECT count(*) FROM requests r WHERE r.source_id = s.id) OR
			rows_rejected <> (SELECT count(*) FROM rejects j WHERE j.source_id = s.id))`,
		"snapshot tables whose rejected rows differ from rejects": `SELECT count(*) FROM snapshot_tables t
			WHERE rows_rejected <> (SELECT count(*) FROM rejects j WHERE j.source_id = t.source_id AND j.table_name = t.table_name)`,
		"snapshot tables whose loaded rows differ from the case's": `SELECT count(*) FROM snapshot_tables t WHERE rows_loaded <> CASE table_name
			WHEN 'users' THEN (SELECT count(*) FROM accounts)
			WHEN 'user_events' THEN (SELECT count(*) FROM account_events)
			WHEN 'ip_addresses' THEN (SELECT count(*) FROM ips)
			ELSE rows_loaded END`,
	} {
		var n int64
		if err := db.QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d (%v)", what, n, err)
		}
	}
}
