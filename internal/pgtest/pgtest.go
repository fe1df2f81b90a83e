// Package pgtest gives tests a PostgreSQL database holding Warehouse's own
// tables (warehouse-schema.sql), in the throwaway cluster .ci/run starts and
// names in FF_TEST_PG_URL. Without that variable the tests that need it are
// skipped, or fail under CI (CI set), as the browser test does without
// chromium.
package pgtest

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

//go:embed warehouse-schema.sql edge-rows.sql sample-releases.sql
var sqlFiles embed.FS

// EnvURL names the variable that holds the test cluster's URL, with the
// password of a superuser.
const EnvURL = "FF_TEST_PG_URL"

// SecretMarkers are in every secret of the edge rows (as text, and the TOTP
// secret's bytes as hex) and of the committed sample (its password and
// recovery-code hashes): none may appear in anything the tool writes.
var SecretMarkers = []string{"FFSECRET", hex.EncodeToString([]byte("FFSECRET")), "$argon2id$", "$2b$"}

// AdminURL returns the test cluster's URL, or skips the test (fails it
// under CI) if there is none.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		msg := EnvURL + " is not set: the live PostgreSQL tests need a cluster of Debian's postgresql (.ci/run starts one)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// Password is the password in a URL.
func Password(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return pw
}

// WithDatabase returns rawURL naming database db instead.
func WithDatabase(t testing.TB, rawURL, db string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	return u.String()
}

// WithUser returns rawURL with another user and password ("" for none).
func WithUser(t testing.TB, rawURL, user, password string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	if password == "" {
		u.User = url.User(user)
	} else {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

// Name returns a name no other test uses, for a database or a role.
func Name(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// NewDatabase creates a database with Warehouse's tables and no rows,
// dropped when the test ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	name := Name("ff")
	Exec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Errorf("dropping database %s: %v", name, err)
			return
		}
		defer func() { _ = conn.Close(context.Background()) }() // it only dropped a database, and said if that failed
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	db := WithDatabase(t, admin, name)
	Exec(t, db, readFile(t, "warehouse-schema.sql"))
	return db
}

// Exec runs SQL (one or more statements) in the database at rawURL.
func Exec(t testing.TB, rawURL, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }() // Exec said if the statements failed
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%v\nin: %.200s", err, sql)
	}
}

// AddEdgeRows inserts the awkward rows of edge-rows.sql.
func AddEdgeRows(t testing.TB, rawURL string) {
	t.Helper()
	Exec(t, rawURL, readFile(t, "edge-rows.sql"))
}

// sampleTables are the tables of a committed sample, in an order their
// foreign keys allow.
var sampleTables = []string{"ip_addresses", "users", "user_emails", "user_security_keys", "user_recovery_codes",
	"projects", "roles", "user_events", "project_events", "file_events"}

// LoadSample copies a committed sample's snapshot (<table>.csv.gz as psql's
// \copy ... CSV HEADER writes them) into the database at rawURL, in one
// transaction. Columns the sample lacks that Warehouse requires get a value
// meanwhile (sitemap_bucket; ” for a NULL users.name), and the release
// files its file events name are made from what the events say (the
// sample repeats file names, so each is prefixed with its id).
func LoadSample(t testing.TB, rawURL, dir string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }() // Commit said if the load failed, or the test failed already
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit, a no-op; after t.Fatal, the test has failed already
	exec := func(sql string) {
		t.Helper()
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatalf("%v\nin: %s", err, sql)
		}
	}
	exec("ALTER TABLE users ALTER sitemap_bucket SET DEFAULT 's'; ALTER TABLE projects ALTER sitemap_bucket SET DEFAULT 's'")
	for _, table := range sampleTables {
		f, err := os.Open(filepath.Join(dir, table+".csv.gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(zr)
		header, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range strings.Split(strings.TrimSpace(header), ",") {
			cols = append(cols, pgx.Identifier{c}.Sanitize())
		}
		opts := "FORMAT csv, HEADER"
		if table == "users" {
			opts += ", FORCE_NOT_NULL (name)"
		}
		sql := fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (%s)", table, strings.Join(cols, ", "), opts)
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, io.MultiReader(strings.NewReader(header), br), sql); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		_ = f.Close() // read only: CopyFrom said if reading failed
	}
	exec(readFile(t, "sample-releases.sql"))
	exec("ALTER TABLE users ALTER sitemap_bucket DROP DEFAULT; ALTER TABLE projects ALTER sitemap_bucket DROP DEFAULT")
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// readFile reads one of this package's SQL files, wherever the test runs.
func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := sqlFiles.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
