package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// SnapshotOptions says how to ingest a database snapshot.
type SnapshotOptions struct {
	Force       bool // replace a different snapshot already in the case
	ToolVersion string
	Logger      *slog.Logger
	// Progress, if set, is told of each file before it is staged and each
	// table before it is loaded: what, how many were done, and of how many.
	Progress func(step string, done, total int)
	// Schema holds Warehouse's tables ("" is public), in a live database (a
	// postgres:// URL, see postgres.go) or a pg_dump; table exports have no
	// schema. For a live database, Evidence is the directory the rows read
	// are written to, which must not exist yet.
	Schema   string
	Evidence string
	// SourceIDFrom, if not 0, numbers the snapshot's files from it on
	// rather than from the case's sequence of source ids, so that another
	// connection may take ids meanwhile (investigate ingests the logs beside
	// the snapshot). Before it commits, the snapshot takes its ids from the
	// sequence, which must have reached SourceIDFrom-1 by then; otherwise it
	// fails with ErrSourceIDsTaken and the case is unchanged.
	SourceIDFrom int32
	// BeforeCommit, if set, is called before the snapshot commits (and
	// takes its ids, with SourceIDFrom); its error fails the ingest.
	BeforeCommit func(context.Context) error
}

// ErrSourceIDsTaken says that the source ids a snapshot was given with
// SourceIDFrom are not the next ones of the case's sequence.
var ErrSourceIDsTaken = errors.New("the source ids given to the snapshot are not the case's next ones")

// TableResult is what happened to one table of a snapshot.
type TableResult struct {
	Table    string
	Path     string // file it came from ("" if the snapshot lacks it)
	Format   string
	SourceID int32
	Read     int64
	Loaded   int64
	Rejected int64
	// Duplicates are the rejected rows that repeat the id of a row loaded
	// before them.
	Duplicates int64
}

// SnapshotResult is what ingesting a snapshot did.
type SnapshotResult struct {
	Path    string
	Tables  []TableResult
	Missing []string // optional tables the snapshot lacks
	// Events that name a user or an ip_addresses row the snapshot lacks
	// (see sql/snapshot/references.sql).
	EventsWithoutUser, EventsWithoutIP, ProjectEventsWithoutIP int64
	Skipped                                                    bool // the same snapshot is already in the case
	Replaced                                                   bool // --force replaced another snapshot
	Elapsed                                                    time.Duration
}

// snapshotFile is one input file of a snapshot and the tables it holds.
type snapshotFile struct {
	path   string
	format string // csv, parquet, jsonl, pg_dump
	tables []tableSpec
	sha256 string
	size   int64
	id     int32
	staged map[string]int64 // rows staged per table, where staging counted them
	scan   *csvScan         // a CSV file's first read
	// inPlace: DuckDB reads the file itself when the table loads (a view),
	// so it is hashed again afterwards.
	inPlace bool
	read    int64 // rows over all its tables
	loaded  int64
	reject  int64
}

// checkReferences counts the events that name rows the snapshot lacks and
// warns of them, with the query that lists them.
func checkReferences(ctx context.Context, c *casefile.Case, log *slog.Logger, res *SnapshotResult) error {
	q, err := ffsql.Query(ffsql.Snapshot, "snapshot/references.sql")
	if err != nil {
		return err
	}
	if err := c.Conn.QueryRowContext(ctx, q).Scan(&res.EventsWithoutUser, &res.EventsWithoutIP, &res.ProjectEventsWithoutIP); err != nil {
		return fmt.Errorf("case %s: %w", c.Path, err)
	}
	if res.EventsWithoutUser > 0 {
		log.Warn("user_events rows name a user that users lacks: the tables were not exported at one moment, so these accounts have no username; export all tables in one transaction (scripts/export-warehouse.sh) or read the database itself",
			"events", res.EventsWithoutUser,
			"list", "freezeframe query \"SELECT * FROM account_events e WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = e.account)\"")
	}
	if n := res.EventsWithoutIP + res.ProjectEventsWithoutIP; n > 0 {
		log.Warn("events name an ip_addresses row that the snapshot lacks, so their address is unknown: the tables were not exported at one moment",
			"user_events", res.EventsWithoutIP, "project_and_file_events", res.ProjectEventsWithoutIP,
			"list", "freezeframe query \"SELECT * FROM account_events e WHERE ip_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ips i WHERE i.id = e.ip_id)\"")
	}
	return nil
}

// changed hashes the file again and says whether it is no longer the one
// hashed before staging began.
func (f *snapshotFile) changed(ctx context.Context) error {
	sum, size, err := hashFileContext(ctx, f.path)
	if err != nil {
		return err
	}
	if err := sameFile(f, sum, size); err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	return nil
}

// sameFile fails if a file's hash and size are not those taken before
// staging began: the file changed while it was read.
func sameFile(f *snapshotFile, sum string, size int64) error {
	if sum != f.sha256 || size != f.size {
		return fmt.Errorf("the file changed while it was read (SHA-256 %s, %d bytes, before; %s, %d bytes, after): snapshot files are evidence and must not change; copy them somewhere nothing writes, then ingest again", f.sha256, f.size, sum, size)
	}
	return nil
}

// exportExts maps a table file's ending to its format.
var exportExts = []struct{ ext, format string }{
	{".csv", "csv"}, {".csv.gz", "csv"}, {".csv.zst", "csv"},
	{".parquet", "parquet"},
	{".jsonl", "jsonl"}, {".jsonl.gz", "jsonl"}, {".jsonl.zst", "jsonl"},
}

// findSnapshotFiles lists the files of the snapshot at path: a directory of
// table exports, or one pg_dump file.
func findSnapshotFiles(path string, log *slog.Logger) ([]*snapshotFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no such file or directory", path)
		}
		return nil, err
	}
	if !st.IsDir() {
		if err := notPlainDump(path); err != nil {
			return nil, err
		}
		for _, ext := range []string{".sql", ".sql.gz", ".sql.zst"} {
			if strings.HasSuffix(path, ext) {
				return []*snapshotFile{{path: path, format: "pg_dump", tables: snapshotTables}}, nil
			}
		}
		return nil, fmt.Errorf("%s: a snapshot is a directory of table exports (users.csv, user_events.parquet, ...) or a plain pg_dump file (.sql, .sql.gz, .sql.zst)", path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(path, "toc.dat")); err == nil {
		return nil, fmt.Errorf("%s is a pg_dump directory-format dump (pg_dump -Fd), which freezeframe cannot read; turn it into a plain one with\n  pg_restore --data-only -f warehouse.sql %s\nand ingest warehouse.sql, or read the database itself (ingest snapshot postgres://...)", path, path)
	}
	var files []*snapshotFile
	used := map[string]bool{}
	for _, t := range snapshotTables {
		var found []string
		var format string
		for _, e := range entries {
			for _, x := range exportExts {
				if e.Name() == t.name+x.ext && e.Type().IsRegular() {
					found = append(found, e.Name())
					format = x.format
				}
			}
		}
		switch {
		case len(found) > 1:
			return nil, fmt.Errorf("%s holds the %s table twice (%s); keep one", path, t.name, strings.Join(found, ", "))
		case len(found) == 0 && t.needed:
			return nil, fmt.Errorf("%s has no %s table: it needs %s.csv (or .csv.gz, .csv.zst, .parquet, .jsonl, .jsonl.gz)", path, t.name, t.name)
		case len(found) == 0:
			continue
		}
		used[found[0]] = true
		files = append(files, &snapshotFile{path: filepath.Join(path, found[0]), format: format, tables: []tableSpec{t}})
	}
	for _, e := range entries {
		if !used[e.Name()] {
			log.Info("not a snapshot table; ignored", "file", filepath.Join(path, e.Name()))
		}
	}
	return files, nil
}

// Snapshot ingests a Warehouse snapshot into the case in one transaction:
// the files at path, or the live database a postgres:// path names (see
// postgres.go). A case holds one snapshot: the same snapshot files again
// are a no-op, another snapshot needs Force, which replaces it.
func Snapshot(ctx context.Context, c *casefile.Case, path string, opts SnapshotOptions) (_ *SnapshotResult, err error) {
	run := &snapshotRun{c: c, opts: opts, log: opts.Logger, start: time.Now(),
		res: &SnapshotResult{Path: path}, schema: opts.Schema}
	if run.log == nil {
		run.log = slog.Default()
	}
	if run.schema == "" {
		run.schema = "public"
	}
	held, err := heldSnapshots(ctx, c)
	if err != nil {
		return nil, err
	}
	anotherHeld := len(held) > 0 && !opts.Force
	if IsPostgresURL(path) {
		// A live read is a new snapshot: what it holds is known once read.
		switch {
		case anotherHeld:
			return nil, errAnotherSnapshot
		case opts.Evidence == "":
			return nil, fmt.Errorf("a live read needs a directory to write the evidence of what it read")
		}
		if run.pg, err = openLive(ctx, path, opts.Schema, opts.Evidence); err != nil {
			return nil, err
		}
		defer func() {
			if cerr := run.pg.close(); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}()
		run.files, run.res.Path = run.pg.files, run.pg.url
	} else {
		if run.files, err = readSnapshotFiles(ctx, path, run.log); err != nil {
			return nil, err
		}
		switch {
		case slices.Equal(held, sortedHashes(run.files)):
			run.res.Skipped = true
			return run.res, nil
		case anotherHeld:
			return nil, errAnotherSnapshot
		}
	}
	defer func() {
		if derr := dropStages(context.WithoutCancel(ctx), c); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	if err := run.stageFiles(ctx); err != nil {
		return nil, err
	}
	if err := run.load(ctx, len(held) > 0); err != nil {
		return nil, err
	}
	run.res.Elapsed = time.Since(run.start)
	return run.res, nil
}

var errAnotherSnapshot = errors.New("the case already holds another snapshot; a case holds one snapshot, so use --force to replace it or a new --case")

// snapshotRun is one ingest of a snapshot as it goes: its files are staged
// one by one (see snapshot_stage.go), then every table is loaded from its
// stage in one transaction.
type snapshotRun struct {
	c      *casefile.Case
	opts   SnapshotOptions
	log    *slog.Logger
	start  time.Time
	res    *SnapshotResult
	schema string // of a live read or a pg_dump
	files  []*snapshotFile
	pg     *liveRead // nil unless a live read
	// tableFile is the file each staged table came from; structural counts
	// the rows each table lost while staged (they could not be split).
	tableFile  map[string]*snapshotFile
	structural map[string]int64
	step       int
	// rechecks say whether the files DuckDB read in place are unchanged
	// since they were first hashed.
	rechecks []chan error
}

// heldSnapshots returns the SHA-256 of the files of the snapshot the case
// holds, sorted; none if it holds none.
func heldSnapshots(ctx context.Context, c *casefile.Case) ([]string, error) {
	var held []string
	rows, err := c.Conn.QueryContext(ctx, "SELECT sha256 FROM sources WHERE kind = 'snapshot' ORDER BY sha256")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			_ = rows.Close() // the Scan error is the one to report
			return nil, err
		}
		held = append(held, h)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return held, nil
}

// readSnapshotFiles finds the files of the snapshot at path and reads each
// once: a CSV file is hashed and checked for how it splits (scanCSV), the
// others are hashed.
func readSnapshotFiles(ctx context.Context, path string, log *slog.Logger) ([]*snapshotFile, error) {
	files, err := findSnapshotFiles(path, log)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.format == "csv" {
			if f.scan, err = scanCSV(ctx, f); err != nil {
				return nil, fmt.Errorf("%s: %w", f.path, err)
			}
		} else if f.sha256, f.size, err = hashFile(f.path); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func sortedHashes(files []*snapshotFile) []string {
	hashes := make([]string, len(files))
	for i, f := range files {
		hashes[i] = f.sha256
	}
	sort.Strings(hashes)
	return hashes
}

// progress tells opts.Progress of the next step: the files staged, then
// the tables loaded.
func (r *snapshotRun) progress(what string) {
	if r.opts.Progress != nil {
		r.opts.Progress(what, r.step, len(r.files)+len(snapshotTables))
	}
	r.step++
}

// stageFiles stages every file of the snapshot, outside the transaction,
// and stages the tables it lacks empty so that every load runs.
func (r *snapshotRun) stageFiles(ctx context.Context) error {
	c := r.c
	if err := c.Exec(ctx, "CREATE OR REPLACE TEMP TABLE stage_rejects AS SELECT * FROM rejects LIMIT 0"); err != nil {
		return err
	}
	r.tableFile, r.structural = map[string]*snapshotFile{}, map[string]int64{}
	for _, f := range r.files {
		if err := r.stageFile(ctx, f); err != nil {
			return err
		}
	}
	if r.pg != nil {
		if err := r.pg.finish(ctx, r.opts.ToolVersion); err != nil {
			return err
		}
	}
	for _, t := range snapshotTables {
		if r.tableFile[t.name] != nil {
			continue
		}
		if err := createStage(ctx, c, t); err != nil {
			return err
		}
	}
	return nil
}

// stageFile gives f its source id and stages the tables it holds.
func (r *snapshotRun) stageFile(ctx context.Context, f *snapshotFile) error {
	if r.pg != nil {
		r.progress("reading " + r.pg.schema + "." + f.tables[0].name)
	} else {
		r.progress("staging " + filepath.Base(f.path))
	}
	if from := r.opts.SourceIDFrom; from != 0 {
		f.id = from + int32(slices.Index(r.files, f))
	} else if err := r.c.Conn.QueryRowContext(ctx, "SELECT nextval('source_id_seq')::INTEGER").Scan(&f.id); err != nil {
		return err
	}
	r.log.Debug("staging", "file", f.path, "format", f.format)
	began := time.Now()
	var rej map[string]int64
	var n int64
	var err error
	switch f.format {
	case "pg_dump":
		rej, err = stagePgDump(ctx, r.c, f, r.schema, r.log)
	case "postgres":
		n, err = r.pg.stage(ctx, r.c, f)
		rej = map[string]int64{f.tables[0].name: n}
	default:
		n, err = stageExport(ctx, r.c, f)
		rej = map[string]int64{f.tables[0].name: n}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	for t, n := range rej {
		r.structural[t] += n
	}
	r.log.Debug("staged", "file", f.path, "seconds", time.Since(began).Seconds())
	for _, t := range f.tables {
		r.tableFile[t.name] = f
	}
	return nil
}

// load loads every table from its stage in one transaction, replacing the
// snapshot the case held if replace, checks the files read in place, and
// records the files as sources.
func (r *snapshotRun) load(ctx context.Context, replace bool) (err error) {
	c := r.c
	ctx, stop := context.WithCancel(ctx) // and the rechecks with it
	defer stop()
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := tx.Rollback(); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	if replace {
		if err := runScript(ctx, c, r.log, ffsql.Ingest, "ingest/delete_snapshot.sql"); err != nil {
			return err
		}
		r.res.Replaced = true
	}
	if err := runScript(ctx, c, r.log, ffsql.Snapshot, "snapshot/00_macros.sql"); err != nil {
		return err
	}
	if err := c.Exec(ctx, "INSERT INTO rejects SELECT * FROM stage_rejects"); err != nil {
		return err
	}
	for _, t := range snapshotTables {
		r.progress("loading " + t.name)
		f := r.tableFile[t.name]
		if f == nil {
			r.res.Missing = append(r.res.Missing, t.name)
			continue
		}
		if err := r.loadFromStage(ctx, t, f); err != nil {
			return err
		}
	}
	if err := checkReferences(ctx, c, r.log, r.res); err != nil {
		return err
	}
	for _, recheck := range r.rechecks {
		if err := <-recheck; err != nil {
			return err
		}
	}
	if r.opts.BeforeCommit != nil {
		if err := r.opts.BeforeCommit(ctx); err != nil {
			return err
		}
	}
	if err := r.takeSourceIDs(ctx); err != nil {
		return err
	}
	for _, f := range r.files {
		if err := c.Exec(ctx, stmtInsertSource, f.id, "snapshot", f.path, f.size, f.sha256, f.format, compressionOf(f.path),
			f.read, f.loaded, f.reject, r.start.UTC(), time.Now().UTC(), r.opts.ToolVersion); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// takeSourceIDs takes from the case's sequence the ids the files were
// given with SourceIDFrom, which must be its next ones.
func (r *snapshotRun) takeSourceIDs(ctx context.Context) error {
	if r.opts.SourceIDFrom == 0 {
		return nil
	}
	var last int32
	if err := r.c.Conn.QueryRowContext(ctx, "SELECT coalesce(last_value, 0)::INTEGER FROM duckdb_sequences() WHERE sequence_name = 'source_id_seq'").Scan(&last); err != nil {
		return err
	}
	if last != r.opts.SourceIDFrom-1 {
		return ErrSourceIDsTaken
	}
	for _, f := range r.files {
		var id int32
		if err := r.c.Conn.QueryRowContext(ctx, "SELECT nextval('source_id_seq')::INTEGER").Scan(&id); err != nil {
			return err
		}
		if id != f.id {
			return fmt.Errorf("%w (%d taken for %s, given %d)", ErrSourceIDsTaken, id, f.path, f.id)
		}
	}
	return nil
}

// loadFromStage loads table t from its stage, staged from file f, and records
// its counts in snapshot_tables and the result.
func (r *snapshotRun) loadFromStage(ctx context.Context, t tableSpec, f *snapshotFile) error {
	c := r.c
	staged, counted := f.staged[t.name]
	if !counted {
		var err error
		if staged, err = queryCount(ctx, c, fmt.Sprintf("SELECT count(*) FROM stage_%s", t.name)); err != nil {
			return err
		}
	}
	if err := c.Exec(ctx, fmt.Sprintf("SET VARIABLE source_id = %d", f.id)); err != nil {
		return err
	}
	if err := c.Exec(ctx, "SET VARIABLE table_name = "+quoteString(t.name)); err != nil {
		return err
	}
	// A clean CSV file's first read found no two rows with one id.
	if err := c.Exec(ctx, fmt.Sprintf("SET VARIABLE check_duplicates = %t", f.scan == nil || !f.scan.clean)); err != nil {
		return err
	}
	began := time.Now()
	loaded, valueRejects, err := loadTable(ctx, c, r.log, "snapshot/"+t.sqlFile, staged)
	if err != nil {
		if f.inPlace {
			if changed := f.changed(ctx); changed != nil {
				return changed // the likelier cause of counts that differ
			}
		}
		return fmt.Errorf("load %s from %s: %w", t.name, f.path, err)
	}
	r.log.Debug("loaded", "table", t.name, "seconds", time.Since(began).Seconds())
	if f.inPlace {
		// DuckDB read the file in place while loading; it is hashed again
		// while the next tables load. The other files were checked as they
		// were read.
		recheck := make(chan error, 1)
		go func() { recheck <- f.changed(ctx) }()
		r.rechecks = append(r.rechecks, recheck)
	}
	structural := r.structural[t.name]
	tr := TableResult{Table: t.name, Path: f.path, Format: f.format, SourceID: f.id,
		Read: staged + structural, Loaded: loaded, Rejected: valueRejects + structural}
	if tr.Duplicates, err = queryCount(ctx, c, "SELECT count(*) FROM rejects WHERE source_id = ? AND table_name = ? AND starts_with(reason, 'duplicate id ')", f.id, t.name); err != nil {
		return err
	}
	if tr.Duplicates > 0 {
		r.log.Warn("rows with the id of an earlier row rejected; the first row of each id is kept", "table", t.name, "file", f.path, "rows", tr.Duplicates)
	}
	if err := c.Exec(ctx, "INSERT INTO snapshot_tables VALUES (?, ?, ?, ?, ?)", f.id, t.name, tr.Read, tr.Loaded, tr.Rejected); err != nil {
		return err
	}
	f.read, f.loaded, f.reject = f.read+tr.Read, f.loaded+tr.Loaded, f.reject+tr.Rejected
	r.res.Tables = append(r.res.Tables, tr)
	return nil
}

func compressionOf(path string) string {
	switch {
	case strings.HasSuffix(path, ".gz"):
		return "gzip"
	case strings.HasSuffix(path, ".zst"):
		return "zstd"
	}
	return "none"
}

// runScript runs the statements of an embedded .sql file in order.
func runScript(ctx context.Context, c *casefile.Case, log *slog.Logger, fsys fs.FS, name string) error {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	for i, stmt := range ffsql.Statements(string(body)) {
		began := time.Now()
		if err := c.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		log.Debug("statement", "file", name, "n", i+1, "seconds", time.Since(began).Seconds())
	}
	return nil
}

// loadTable runs a table's load file (see sql/snapshot/00_macros.sql),
// then rejects.sql if some staged row did not load, and returns how many
// staged rows were loaded and rejected, counted from the two INSERTs. A
// file whose table is only counted into another (security keys, recovery
// codes) loads every row it does not reject. The two must add up to the
// rows staged, or the books would not match the case.
func loadTable(ctx context.Context, c *casefile.Case, log *slog.Logger, name string, staged int64) (loaded, rejected int64, err error) {
	stmts, err := ffsql.File(ffsql.Snapshot, name)
	if err != nil {
		return 0, 0, err
	}
	loaded = -1
	for i, stmt := range stmts {
		began := time.Now()
		res, err := c.Conn.ExecContext(ctx, stmt)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if strings.HasPrefix(stmt, "INSERT INTO") {
			if loaded, err = res.RowsAffected(); err != nil {
				return 0, 0, err
			}
		}
		log.Debug("statement", "file", name, "n", i+1, "seconds", time.Since(began).Seconds())
	}
	// The rows that did not load go to rejects: numbering the rows takes an
	// ordered pass, which a clean table is spared.
	someRejected := loaded >= 0 && loaded < staged
	if loaded < 0 {
		n, err := queryCount(ctx, c, "SELECT count(*) FROM checked WHERE reason IS NOT NULL")
		if err != nil {
			return 0, 0, err
		}
		someRejected = n > 0
	}
	if someRejected {
		q, err := ffsql.Query(ffsql.Snapshot, "snapshot/rejects.sql")
		if err != nil {
			return 0, 0, err
		}
		res, err := c.Conn.ExecContext(ctx, q)
		if err != nil {
			return 0, 0, fmt.Errorf("snapshot/rejects.sql after %s: %w", name, err)
		}
		if rejected, err = res.RowsAffected(); err != nil {
			return 0, 0, err
		}
	}
	if loaded < 0 {
		loaded = staged - rejected
	}
	if loaded+rejected != staged {
		return 0, 0, fmt.Errorf("%d rows staged, but %d loaded and %d rejected: the counts would not match the case, so nothing was kept; please report this with the file", staged, loaded, rejected)
	}
	return loaded, rejected, nil
}

// createStage creates the staging table of t if the snapshot did not.
func createStage(ctx context.Context, c *casefile.Case, t tableSpec) error {
	cols := []string{"line_no BIGINT"}
	for _, col := range t.stageColumns() {
		cols = append(cols, quoteIdent(col)+" VARCHAR")
	}
	return c.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS stage_%s (%s)", t.name, strings.Join(cols, ", ")))
}

// dropStages drops the snapshot's temporary tables and views, all of them
// whatever fails, and returns what failed. A stage is a view or a table,
// and DuckDB's DROP VIEW IF EXISTS fails on a table, so it asks which.
func dropStages(ctx context.Context, c *casefile.Case) error {
	views := map[string]bool{}
	rows, err := c.Conn.QueryContext(ctx, "SELECT view_name FROM duckdb_views() WHERE temporary")
	if err != nil {
		return fmt.Errorf("case %s: %w", c.Path, err)
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("case %s: %w", c.Path, err)
		}
		views[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("case %s: %w", c.Path, err)
	}
	names := []string{"stage_rejects", "loaded_security_keys", "loaded_recovery_codes"}
	for _, t := range snapshotTables {
		names = append(names, "stage_"+t.name)
	}
	var errs []error
	for _, n := range names {
		kind := "TABLE"
		if views[n] {
			kind = "VIEW"
		}
		if _, err := c.Conn.ExecContext(ctx, "DROP "+kind+" IF EXISTS temp."+n); err != nil {
			errs = append(errs, fmt.Errorf("case %s: %w", c.Path, err))
		}
	}
	return errors.Join(errs...)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// CheckSnapshot says, before anything is ingested, whether the snapshot at
// path can be: its files are there, with the tables freezeframe needs, and
// every CSV table has the columns it needs (its header is read; Parquet,
// JSON lines and pg_dump files are checked when they are staged). It
// neither opens a case nor keeps anything.
func CheckSnapshot(path string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files, err := findSnapshotFiles(path, log)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.format != "csv" {
			continue
		}
		header, err := csvHeader(f.path)
		if err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
		have := map[string]string{}
		for _, col := range header {
			have[col] = "VARCHAR"
		}
		if _, err := stageSelect(f.tables[0], have, f.path, quoteIdent, quoteIdent); err != nil {
			return err
		}
	}
	return nil
}
