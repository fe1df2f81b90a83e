// Package casefile opens and creates freezeframe case files: DuckDB
// databases that hold everything one investigation ingested and derived.
//
// A case carries its schema version in case_meta. Opening a case written for
// another schema version fails with a message that says what to do, rather
// than letting later steps trip over a missing column.
package casefile

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	ffsql "github.com/freezeframe/freezeframe/sql"
)

// SchemaVersion is the layout of the case this build reads and writes.
const SchemaVersion = 5

// DefaultMemoryLimit is DuckDB's memory_limit for a case opened when
// --memory-limit is not given. 600MB keeps ingesting a 27M-line Fastly log
// under 0.8 GiB of peak RSS (1.3 GiB at 1GB) and a 10M-event snapshot within
// its 60 s; analyze raises it for itself (cli).
const DefaultMemoryLimit = "600MB"

// memoryLimit is a size as DuckDB's memory_limit reads it, restricted to
// the decimal and binary units it documents. DuckDB takes a negative size
// (or none) for no limit, and 0 for a limit nothing fits in.
var memoryLimit = regexp.MustCompile(`(?i)^([0-9]+(?:\.[0-9]+)?) ?([KMGT]i?B)$`)

// CheckMemoryLimit says whether s is a memory limit: a positive number
// with a unit, KB, MB, GB or TB (powers of 1000) or KiB, MiB, GiB or TiB
// (powers of 1024), as in 600MB or 1.5GiB.
func CheckMemoryLimit(s string) error {
	m := memoryLimit.FindStringSubmatch(s)
	if m == nil {
		return errors.New("want a positive size with a unit, such as 600MB, 4GB or 2GiB (units KB, MB, GB, TB, KiB, MiB, GiB, TiB)")
	}
	if n, _ := strconv.ParseFloat(m[1], 64); n == 0 {
		return errors.New("a memory limit of 0 leaves DuckDB no memory at all; give a positive size, such as 600MB")
	}
	return nil
}

// Mode says whether a case is opened for reading only or may be written,
// and created if it does not exist yet.
type Mode int

const (
	ReadOnly Mode = iota
	ReadWrite
)

// Case is an open case file. It holds one DuckDB connection: DuckDB allows
// a single writing process per file, and every step runs statements in order.
type Case struct {
	Path string
	DB   *sql.DB
	Conn *sql.Conn
}

// ErrNoCase is returned when a case is opened read-only but does not exist.
var ErrNoCase = errors.New("no case file")

// Options are how a case is opened beyond its path and mode.
type Options struct {
	// MemoryLimit is DuckDB's memory_limit (the --memory-limit flag),
	// DefaultMemoryLimit if empty. CheckMemoryLimit says whether it is one.
	MemoryLimit string
}

// Open opens the case at path with the default options.
func Open(ctx context.Context, path string, mode Mode) (*Case, error) {
	return OpenWith(ctx, path, mode, Options{})
}

// OpenWith opens the case at path. In ReadWrite mode a missing file is
// created with the current schema. Extension autoinstall and autoload are
// off: the tool never reaches the network.
func OpenWith(ctx context.Context, path string, mode Mode, opts Options) (*Case, error) {
	limit := opts.MemoryLimit
	if limit == "" {
		limit = DefaultMemoryLimit
	}
	exists := true
	if st, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		exists = false
	} else if err != nil {
		return nil, fmt.Errorf("case %s: %w", path, err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("case %s is a directory; --case takes a file path such as case.duckdb", path)
	}
	if !exists && mode == ReadOnly {
		return nil, fmt.Errorf("%w at %s: ingest some input first (freezeframe --case %s ingest ...)", ErrNoCase, path, path)
	}
	// It goes into the connection string, where an & would add options.
	if err := CheckMemoryLimit(limit); err != nil {
		return nil, fmt.Errorf("case %s: memory limit %q: %w", path, limit, err)
	}

	// DuckDB may use this much memory before it spills to <case>.tmp; the
	// tool's own buffers come on top. It keeps a large ingest within a
	// couple of GiB whatever the input's size.
	params := []string{"autoinstall_known_extensions=false", "autoload_known_extensions=false", "memory_limit=" + limit}
	if mode == ReadOnly {
		params = append(params, "access_mode=read_only")
	}
	// Every time the case shows or parses is UTC unless a report asks for a
	// zone: set on each connection the database opens (a second one works
	// beside the first while investigate ingests logs and snapshot at once).
	connector, err := duckdb.NewConnector(path+"?"+strings.Join(params, "&"), func(ex driver.ExecerContext) error {
		_, err := ex.ExecContext(context.Background(), "SET TimeZone = 'UTC'", nil) // instant; outlives Open's ctx
		return err
	})
	if err != nil {
		return nil, describeOpenError(path, err)
	}
	db := sql.OpenDB(connector)
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close() // it has no connection, so nothing of the case to write
		return nil, describeOpenError(path, err)
	}
	c := &Case{Path: path, DB: db, Conn: conn}
	if err := c.checkSchema(ctx, mode); err != nil {
		_ = c.Close() // a failed create rolled back: nothing was written
		return nil, err
	}
	return c, nil
}

// describeOpenError says why a case could not be opened. DuckDB reports a
// lock held by another process and a file that is not a database with one
// type, an IO error, so the message tells them apart.
func describeOpenError(path string, err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeIO {
		switch {
		case strings.Contains(de.Msg, "Could not set lock") || strings.Contains(de.Msg, "Conflicting lock"):
			return fmt.Errorf("case %s is in use by another process (DuckDB allows one writer); wait for it to finish: %w", path, err)
		case strings.Contains(de.Msg, "not a valid DuckDB database"):
			return fmt.Errorf("%s is not a DuckDB case file: %w", path, err)
		}
	}
	return fmt.Errorf("open case %s: %w", path, err)
}

// Close releases the connection and the database.
func (c *Case) Close() error {
	return errors.Join(c.Conn.Close(), c.DB.Close())
}

func (c *Case) checkSchema(ctx context.Context, mode Mode) error {
	var tables int
	if err := c.Conn.QueryRowContext(ctx,
		"SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()").Scan(&tables); err != nil {
		return fmt.Errorf("case %s: %w", c.Path, err)
	}
	if tables == 0 {
		if mode == ReadOnly {
			return fmt.Errorf("%w at %s: the file is an empty DuckDB database; ingest some input first", ErrNoCase, c.Path)
		}
		return c.create(ctx)
	}
	var v string
	err := c.Conn.QueryRowContext(ctx, "SELECT value FROM case_meta WHERE key = 'schema_version'").Scan(&v)
	if err != nil {
		return fmt.Errorf("%s is a DuckDB database but not a freezeframe case (no case_meta.schema_version); use another --case path", c.Path)
	}
	got, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("case %s: schema_version %q is not a number", c.Path, v)
	}
	if got != SchemaVersion {
		return fmt.Errorf("case %s has schema version %d but this freezeframe reads version %d: "+
			"open it with the freezeframe that wrote it, or ingest the same inputs into a new case (--case new.duckdb)",
			c.Path, got, SchemaVersion)
	}
	return nil
}

func (c *Case) create(ctx context.Context) (err error) {
	files, err := fs.Glob(ffsql.Schema, "schema/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	tx, err := c.Conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		// After a failed Commit the transaction is gone, which is no news.
		if rerr := tx.Rollback(); err != nil && rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = errors.Join(err, rerr)
		}
	}()
	for _, f := range files {
		body, err := fs.ReadFile(ffsql.Schema, f)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("create case %s: %s: %w", c.Path, f, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO case_meta VALUES ('schema_version', ?)", strconv.Itoa(SchemaVersion)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create case %s: %w", c.Path, err)
	}
	return nil
}

// Exec runs one statement, naming the case in any error.
func (c *Case) Exec(ctx context.Context, query string, args ...any) error {
	if _, err := c.Conn.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("case %s: %w", c.Path, err)
	}
	return nil
}

// Txn is an explicit transaction on the case's connection, for work that
// must land whole or not at all (one input file, one snapshot).
type Txn struct {
	c    *Case
	ctx  context.Context
	done bool
}

// Begin starts a transaction. Close it with Commit, and defer Rollback,
// which does nothing once committed, joining its error to the one returned.
func (c *Case) Begin(ctx context.Context) (*Txn, error) {
	if err := c.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, err
	}
	return &Txn{c: c, ctx: ctx}, nil
}

// Commit makes the transaction's work part of the case.
func (t *Txn) Commit() error {
	if err := t.c.Exec(t.ctx, "COMMIT"); err != nil {
		return err
	}
	t.done = true
	return nil
}

// Rollback discards the transaction's work unless it was committed, and
// says if that failed. It does not depend on the caller's context, which
// may be the very cancellation that ended the work.
func (t *Txn) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	_, err := t.c.Conn.ExecContext(context.WithoutCancel(t.ctx), "ROLLBACK")
	// A failed COMMIT has already ended the transaction; DuckDB then
	// answers that none is active, which is what ROLLBACK is for.
	if dErr, ok := errors.AsType[*duckdb.Error](err); ok && dErr.Type == duckdb.ErrorTypeTransaction {
		return nil
	}
	if err != nil {
		return fmt.Errorf("case %s: %w", t.c.Path, err)
	}
	return nil
}
