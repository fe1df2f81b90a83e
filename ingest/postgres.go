package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/klauspost/compress/zstd"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// A live Warehouse database is read in one REPEATABLE READ READ ONLY
// transaction, so every table comes from one snapshot of the database
// whatever the site writes meanwhile. Each table is streamed with
// COPY (SELECT ...) TO STDOUT as CSV, exactly as psql's \copy ... CSV HEADER
// would write it, into the stager a CSV export goes through (the same
// checks, rejects, duplicate detection and books), and at the same time
// into <table>.csv.zst in an evidence directory, with a manifest.json, so
// that `ingest snapshot DIR` later gives the same canonical tables.
//
// Secret columns are never selected. A flagged secret (users.totp_secret)
// is selected as the server's answer to whether it is set, as
// <secret>_set ('t' or 'f'), and whether the password is disabled as
// password_disabled: the loader takes such flag columns as they are.
//
// Credentials come from the URL, PGPASSWORD or ~/.pgpass (pgx reads them as
// libpq does); the password is kept out of every path, log line, manifest
// and error: they name the URL with its password removed (RedactURL).

// EvidenceManifest is the evidence directory's manifest.json.
const EvidenceManifest = "manifest.json"

// pgIsolation is the transaction every table is read in.
const pgIsolation = "REPEATABLE READ READ ONLY"

// liveExtras are columns read for the evidence beyond those the loader
// reads: what Warehouse says of an account already handled. disabled_for
// is plain; whether the password is disabled is computed by the server as
// Warehouse's password hasher (passlib's unix_disabled) tells it: an empty
// hash or one that starts with '!' or '*'. The hash never leaves the server.
var liveExtras = map[string][]struct{ name, from, expr string }{
	"users": {
		{"disabled_for", "disabled_for", `"disabled_for"`},
		{"password_disabled", "password", `("password" = '' OR left("password", 1) IN ('!', '*'))`},
	},
}

// IsPostgresURL says whether a snapshot source names a live PostgreSQL
// database rather than files.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// RedactURL returns a PostgreSQL URL without its password (in the user
// part or a password= or sslpassword= parameter). A URL that does not
// parse is withheld whole, as its parts cannot be told apart.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://[withheld: the URL does not parse]"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") || q.Has("sslpassword") {
		q.Del("password")
		q.Del("sslpassword")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// scrubbed is an error whose text has the password replaced, should a
// driver or server message ever hold it; errors.As still sees the cause.
type scrubbed struct {
	err      error
	password string
}

func (s scrubbed) Error() string {
	if s.password == "" {
		return s.err.Error()
	}
	return strings.ReplaceAll(s.err.Error(), s.password, "[password]")
}

func (s scrubbed) Unwrap() error { return s.err }

// liveRead is one read of a live database: a connection in its
// transaction, the tables found, and the evidence directory being written.
type liveRead struct {
	url      string // redacted
	password string
	user     string
	database string
	schema   string
	conn     *pgx.Conn
	tx       pgx.Tx
	files    []*snapshotFile
	queries  map[string]string // table -> SELECT
	evidence string            // where the evidence goes once complete
	partial  string            // where it is written meanwhile
	manifest liveManifest
}

// liveManifest is what manifest.json records of a live read.
type liveManifest struct {
	Source           string      `json:"source"` // the URL, password removed
	Database         string      `json:"database"`
	Schema           string      `json:"schema"`
	ServerVersion    string      `json:"server_version"`
	Isolation        string      `json:"isolation"`
	SnapshotID       string      `json:"snapshot_id,omitempty"` // pg_export_snapshot(), where the server allows it
	TxidSnapshot     string      `json:"txid_snapshot"`         // txid_current_snapshot(): which transactions the read saw
	TransactionStart time.Time   `json:"transaction_start"`
	TransactionEnd   time.Time   `json:"transaction_end"`
	ToolVersion      string      `json:"tool_version"`
	Tables           []liveTable `json:"tables"`
}

type liveTable struct {
	Table string `json:"table"`
	File  string `json:"file"`
	Query string `json:"query"`
	Rows  int64  `json:"rows"`  // as the server counted them
	Bytes int64  `json:"bytes"` // of CSV, as the server sent them
	// SHA256 is of those bytes: the file's content once decompressed, and
	// the sha256 of the table's row in the case's sources.
	SHA256     string `json:"sha256"`
	FileSHA256 string `json:"file_sha256"` // of the .csv.zst file
}

// openLive connects to the database at rawURL, begins the read's
// transaction and finds the tables freezeframe reads in schema. With an
// evidence directory, which must not exist or be empty, it also starts
// writing the evidence beside it.
func openLive(ctx context.Context, rawURL, schema, evidence string) (*liveRead, error) {
	if schema == "" {
		schema = "public"
	}
	l := &liveRead{url: RedactURL(rawURL), schema: schema, queries: map[string]string{}, evidence: evidence}
	u, perr := url.Parse(rawURL)
	if perr == nil && u.User != nil {
		l.password, _ = u.User.Password()
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		if perr != nil {
			// Its password cannot be told from the rest, so the driver's
			// message, which quotes the URL, is not repeated.
			return nil, fmt.Errorf("the PostgreSQL URL does not parse: write it as postgres://user@host:port/database?option=value, with any special character in the password percent-encoded (or leave the password out, and set PGPASSWORD or ~/.pgpass)")
		}
		return nil, fmt.Errorf("the PostgreSQL URL %s: %w", l.url, scrubbed{err, l.password})
	}
	if cfg.Password != "" {
		l.password = cfg.Password // from the URL, PGPASSWORD or .pgpass
	}
	l.user, l.database = cfg.User, cfg.Database
	// The server's text output is the same whatever its configuration:
	// ISO times as pg_dump and psql write them (timestamps are naive UTC).
	cfg.RuntimeParams["DateStyle"] = "ISO, YMD"
	cfg.RuntimeParams["IntervalStyle"] = "postgres"
	cfg.RuntimeParams["TimeZone"] = "UTC"
	cfg.RuntimeParams["extra_float_digits"] = "3"
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "freezeframe"
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if evidence != "" {
		if err := checkEvidenceDir(evidence); err != nil {
			return nil, err
		}
	}
	if l.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return nil, l.fail(ctx, err, cfg)
	}
	if err := l.begin(ctx); err != nil {
		return nil, errors.Join(err, l.close())
	}
	if evidence != "" {
		if l.partial, err = partialDir(evidence); err != nil {
			return nil, errors.Join(err, l.close())
		}
	}
	return l, nil
}

// begin opens the transaction, records the snapshot it reads and finds the
// tables.
func (l *liveRead) begin(ctx context.Context) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	var err error
	if l.tx, err = l.conn.BeginTx(ctx, opts); err != nil {
		return l.fail(ctx, err, nil)
	}
	m := &l.manifest
	m.Source, m.Schema, m.Isolation = l.url, l.schema, pgIsolation
	// The first statement takes the snapshot every later one reads. A
	// server that cannot export it (a standby in recovery) has the
	// transaction begun again; the txid snapshot says what was read all
	// the same.
	if err := l.tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&m.SnapshotID); err != nil {
		if err := l.tx.Rollback(ctx); err != nil {
			return l.fail(ctx, err, nil)
		}
		if l.tx, err = l.conn.BeginTx(ctx, opts); err != nil {
			return l.fail(ctx, err, nil)
		}
	}
	if err := l.tx.QueryRow(ctx, "SELECT version(), current_database(), txid_current_snapshot()::text, now()").
		Scan(&m.ServerVersion, &m.Database, &m.TxidSnapshot, &m.TransactionStart); err != nil {
		return l.fail(ctx, err, nil)
	}
	m.TransactionStart = m.TransactionStart.UTC()
	return l.findTables(ctx)
}

// findTables lists the tables freezeframe reads that schema holds (tables,
// views or materialized views), with their columns, and builds each one's
// query: the columns the loader reads that the table has, flagged secrets as
// whether they are set, and liveExtras.
func (l *liveRead) findTables(ctx context.Context) error {
	var exists bool
	if err := l.tx.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)", l.schema).Scan(&exists); err != nil {
		return l.fail(ctx, err, nil)
	}
	if !exists {
		var schemas []string
		q, err := ffsql.Query(ffsql.Postgres, "postgres/schemas.sql")
		if err != nil {
			return err
		}
		rows, err := l.tx.Query(ctx, q)
		if err == nil {
			schemas, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			return l.fail(ctx, err, nil)
		}
		return fmt.Errorf("%s: database %q has no schema %q (it has: %s); name Warehouse's schema with --schema", l.url, l.manifest.Database, l.schema, strings.Join(schemas, ", "))
	}
	var names []string
	for _, t := range snapshotTables {
		names = append(names, t.name)
	}
	q, err := ffsql.Query(ffsql.Postgres, "postgres/columns.sql")
	if err != nil {
		return err
	}
	rows, err := l.tx.Query(ctx, q, l.schema, names)
	if err != nil {
		return l.fail(ctx, err, nil)
	}
	columns := map[string]map[string]string{}
	var table, column string
	if _, err := pgx.ForEachRow(rows, []any{&table, &column}, func() error {
		if columns[table] == nil {
			columns[table] = map[string]string{}
		}
		columns[table][column] = "text"
		return nil
	}); err != nil {
		return l.fail(ctx, err, nil)
	}
	for _, t := range snapshotTables {
		have := columns[t.name]
		switch {
		case have == nil && t.needed:
			return fmt.Errorf("%s: schema %q has no %s table, which freezeframe needs; is this Warehouse's database (--schema names another schema)?", l.url, l.schema, t.name)
		case have == nil:
			continue
		}
		f := &snapshotFile{path: l.url + "#" + l.schema + "." + t.name, format: "postgres", tables: []tableSpec{t}}
		if _, err := stageSelect(t, have, f.path, quoteIdent, quoteIdent); err != nil {
			return err
		}
		var cols []string
		selected := map[string]bool{}
		for _, col := range append(append([]string{}, t.required...), t.optional...) {
			if _, ok := have[col]; ok {
				cols = append(cols, quoteIdent(col))
				selected[col] = true
			}
		}
		for _, col := range t.flagged {
			if _, ok := have[col]; ok {
				cols = append(cols, fmt.Sprintf("(%s IS NOT NULL) AS %s", quoteIdent(col), quoteIdent(col+"_set")))
				selected[col] = true
			}
		}
		for _, x := range liveExtras[t.name] {
			if _, ok := have[x.from]; ok && !selected[x.name] {
				cols = append(cols, x.expr+" AS "+quoteIdent(x.name))
			}
		}
		l.queries[t.name] = "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(l.schema) + "." + quoteIdent(t.name)
		l.files = append(l.files, f)
	}
	return nil
}

// stage streams one table into stage_<table> through the CSV stager and
// into the evidence directory, and returns how many rows were rejected as
// malformed.
func (l *liveRead) stage(ctx context.Context, c *casefile.Case, f *snapshotFile) (int64, error) {
	t := f.tables[0]
	name := t.name + ".csv.zst"
	out, err := os.OpenFile(filepath.Join(l.partial, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o444)
	if err != nil {
		return 0, err
	}
	defer func() { _ = out.Close() }() // on success closed and checked below; on failure the partial directory goes
	fileSum := sha256.New()
	zw, err := zstd.NewWriter(io.MultiWriter(out, fileSum), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return 0, err
	}
	sum := &hashCounter{h: sha256.New()}
	query := "COPY (" + l.queries[t.name] + ") TO STDOUT WITH (FORMAT csv, HEADER)"
	pr, pw := io.Pipe()
	type copied struct {
		tag pgconn.CommandTag
		err error
	}
	done := make(chan copied, 1)
	go func() {
		tag, err := l.tx.Conn().PgConn().CopyTo(ctx, io.MultiWriter(sum, zw, pw), query)
		pw.CloseWithError(err)
		done <- copied{tag, err}
	}()
	s, err := l.stageRows(ctx, c, f, pr)
	// A copy still going is stopped: its next write fails with this.
	pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
	res := <-done
	switch {
	case res.err != nil && !errors.Is(res.err, io.ErrClosedPipe):
		err = l.explain(ctx, res.err, nil)
	case err == nil:
		err = zw.Close()
	}
	if err != nil {
		_ = zw.Close() // the file is abandoned with its directory; err says why
		return 0, err
	}
	if err := out.Sync(); err != nil {
		return 0, err
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	if read := s.rows + int64(len(s.rejects)); read != res.tag.RowsAffected() {
		return 0, fmt.Errorf("the server sent %d rows of %s, but the CSV reader counted %d: the books would not match the database, so nothing was kept; please report this", res.tag.RowsAffected(), t.name, read)
	}
	f.sha256, f.size = hex.EncodeToString(sum.h.Sum(nil)), sum.n
	f.staged = map[string]int64{t.name: s.rows}
	l.manifest.Tables = append(l.manifest.Tables, liveTable{Table: t.name, File: name, Query: query,
		Rows: res.tag.RowsAffected(), Bytes: sum.n, SHA256: f.sha256, FileSHA256: hex.EncodeToString(fileSum.Sum(nil))})
	return s.flush(ctx, c)
}

// stageRows reads the CSV the server streams, as a CSV export is read.
func (l *liveRead) stageRows(ctx context.Context, c *casefile.Case, f *snapshotFile, r io.Reader) (*stager, error) {
	lr := newLineReader(ctx, r)
	header, err := readCSVHeader(ctx, lr)
	if err != nil {
		return nil, err
	}
	s, err := newStager(f.tables[0], f, header)
	if err != nil {
		return nil, err
	}
	return s, withAppender(ctx, c, f.tables[0], func(app *duckdb.Appender) error {
		return csvRecords(ctx, lr, len(header), func(lineNo int64, fields csvRow) (bool, error) {
			return true, s.add(app, lineNo, fields)
		}, s.reject)
	})
}

// finish ends the transaction and completes the evidence directory: its
// manifest written, it is moved to where it belongs.
func (l *liveRead) finish(ctx context.Context, toolVersion string) error {
	if err := l.tx.Commit(ctx); err != nil {
		return l.fail(ctx, err, nil)
	}
	l.manifest.TransactionEnd = time.Now().UTC()
	l.manifest.ToolVersion = toolVersion
	body, err := json.MarshalIndent(l.manifest, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(l.partial, EvidenceManifest), append(body, '\n'), 0o444); err != nil {
		return err
	}
	if err := os.Rename(l.partial, l.evidence); err != nil {
		return fmt.Errorf("evidence directory: %w", err)
	}
	l.partial = ""
	return nil
}

// close ends the connection, rolling back a transaction still open, and
// removes an evidence directory not completed, saying if it could not.
func (l *liveRead) close() error {
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// The transaction only read; should the goodbye fail, the server
		// ends the session and rolls it back when the connection drops.
		_ = l.conn.Close(ctx)
		cancel()
	}
	if l.partial != "" {
		if err := os.RemoveAll(l.partial); err != nil {
			return fmt.Errorf("removing the unfinished evidence directory: %w", err)
		}
	}
	return nil
}

// fail is explain's error naming the redacted URL.
func (l *liveRead) fail(ctx context.Context, err error, cfg *pgx.ConnConfig) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%s: %w", l.url, l.explain(ctx, err, cfg))
}

// explain turns a driver error into one that says what went wrong and what
// to check; cfg is set while connecting.
func (l *liveRead) explain(ctx context.Context, err error, cfg *pgx.ConnConfig) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *pgconn.PgError
	var ne net.Error
	switch {
	case errors.As(err, &pe) && pe.Code == "28P01":
		err = fmt.Errorf("password authentication failed for user %q: check the password (in the URL, PGPASSWORD or ~/.pgpass)", l.user)
	case errors.As(err, &pe) && pe.Code == "28000":
		err = fmt.Errorf("the server refused the connection: %s (its pg_hba.conf must let user %q connect to database %q from here)", pe.Message, l.user, l.database)
	case errors.As(err, &pe) && pe.Code == "3D000":
		err = fmt.Errorf("%s: check the database name in the URL", pe.Message)
	case errors.As(err, &pe) && pe.Code == "42501":
		err = fmt.Errorf("%s: user %q needs SELECT on the tables freezeframe reads in schema %q (and USAGE on the schema)", pe.Message, l.user, l.schema)
	case errors.As(err, &pe):
		err = fmt.Errorf("the server says: %s (SQLSTATE %s)", pe.Message, pe.Code)
	case cfg != nil && errors.As(err, &ne):
		where := cfg.Host
		if !strings.HasPrefix(where, "/") {
			where = net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
		} else {
			where = "the socket directory " + where
		}
		err = fmt.Errorf("cannot reach the PostgreSQL server at %s: is it running, and are the host and port right? (%w)", where, err)
	}
	return scrubbed{err, l.password}
}

// CheckPostgres says, before anything is ingested, whether the database at
// rawURL can be read: it connects, and schema holds the tables and columns
// freezeframe needs.
func CheckPostgres(ctx context.Context, rawURL, schema string) error {
	l, err := openLive(ctx, rawURL, schema, "")
	if err != nil {
		return err
	}
	return l.close()
}

// checkEvidenceDir fails unless dir is free for a new evidence directory:
// absent, or an empty directory.
func checkEvidenceDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("evidence directory %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("evidence directory %s already exists: a live read writes a new one; move it away, or name another with --evidence", dir)
	}
	return nil
}

// partialDir makes the directory the evidence is written into until it is
// complete, beside where it goes.
func partialDir(evidence string) (string, error) {
	parent := filepath.Dir(evidence)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(parent, "."+filepath.Base(evidence)+".partial-")
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755)
}

// IsEvidenceDir says whether dir holds a live read's evidence and nothing
// else: a manifest and table files.
func IsEvidenceDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
		if !e.Type().IsRegular() || e.Name() != EvidenceManifest && !strings.HasSuffix(e.Name(), ".csv.zst") {
			return false
		}
	}
	return names[EvidenceManifest]
}

// hashCounter hashes and counts what is written through it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func (w *hashCounter) Write(p []byte) (int, error) {
	w.h.Write(p)
	w.n += int64(len(p))
	return len(p), nil
}
