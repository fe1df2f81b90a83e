package analyze

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// Window is an incident window given by the user: [From, To).
type Window struct {
	From, To time.Time
}

// Previous is an earlier freeze list, for waves.
type Previous struct {
	Path      string
	SHA256    string
	Usernames []string
	UserIDs   []string // parallel to Usernames; empty where the list had none
}

// Options say how to run the analysis.
type Options struct {
	Window      *Window   // nil: find it
	Settings    Settings  // parameters that differ from the defaults
	Previous    *Previous // nil: no earlier wave
	ToolVersion string
	Logger      *slog.Logger
	// Progress, if set, is told of each step before it runs: its id, and
	// how many of the total steps are done.
	Progress func(step string, done, total int)
}

// Result is what a run recorded in analysis_runs.
type Result struct {
	RunID                                int64
	WindowFrom, WindowTo                 sql.NullTime
	WindowSource                         string
	Attempts                             int64
	Campaigns                            int
	Compromised, Exposed, Targeted       int
	Review, Benign, NewToFreeze, Dropped int
	// ToFreeze are the compromised accounts on the freeze list;
	// AlreadyHandled those Warehouse already froze or disabled. The others
	// have no username (no users row in the snapshot).
	ToFreeze, AlreadyHandled int
	ResultsSHA256            string
	Started, Finished        time.Time
	// WindowScore is the window scan's best score (summed log-likelihood
	// ratios of the signals), MinWindowScore what a window needs alone, and
	// CandidateWindowScore what a stretch needs to be examined (it stands
	// when the evidence in it names accounts taken over or exposed).
	WindowScore, MinWindowScore, CandidateWindowScore float64
	Verdict                                           Verdict
	Coverage                                          Coverage
}

// Verdicts, as stage verdict gives them.
const (
	VerdictAttack       = "attack"
	VerdictAnomaly      = "anomaly"
	VerdictNoAnomaly    = "no anomaly"
	VerdictInconclusive = "inconclusive"
)

// Verdict is the run's answer (table analysis_verdict): one of the
// Verdict* constants, why, what to do next, and for an attack or an
// anomaly the hours and the signals that rose.
type Verdict struct {
	Verdict, Reason, NextStep string
	From, To                  sql.NullTime
	Signals                   []string
}

// Coverage is what the run could check: the part of table coverage a
// summary of the run shows (the run record keeps the whole row, as JSON).
type Coverage struct {
	Sources         string   `json:"sources"` // logs and snapshot | logs only | snapshot only | nothing
	EventsInOverlap int64    `json:"events_in_overlap"`
	EventsPaired    int64    `json:"events_paired"`
	BaselineDays    float64  `json:"baseline_days"`
	NotChecked      []string `json:"not_checked"`
}

// ErrEmptyCase says the case holds neither access logs nor a snapshot. A
// case with either alone is analysed with what it holds; its coverage says
// what that left unchecked.
var ErrEmptyCase = errors.New("the case holds no access log and no snapshot: ingest them first (freezeframe ingest logs, freezeframe ingest snapshot)")

// Run runs every step against the case, in the work schema (a step may
// stage a big result in main under stagedPrefix instead), then replaces the
// previous run's results and records the run in one transaction, so a
// failed or interrupted run leaves the previous results in place.
func Run(ctx context.Context, c *casefile.Case, opts Options) (_ *Result, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	steps, err := Steps()
	if err != nil {
		return nil, err
	}
	var holds bool
	if err := c.Conn.QueryRowContext(ctx, "SELECT EXISTS (FROM sources) OR EXISTS (FROM requests) OR EXISTS (FROM account_events)").Scan(&holds); err != nil {
		return nil, err
	}
	if !holds {
		return nil, ErrEmptyCase
	}
	if err := registerFunctions(ctx, c.Conn); err != nil {
		return nil, err
	}
	res := &Result{Started: time.Now().UTC()}
	if err := enterWork(ctx, c); err != nil {
		return nil, err
	}
	defer func() {
		// Whatever else failed: the connection goes on to other work (a
		// report), which must not find the run's settings or tables.
		if cerr := leaveWork(context.WithoutCancel(ctx), c); cerr != nil {
			err = errors.Join(err, fmt.Errorf("case %s: cleaning up after the analysis: %w", c.Path, cerr))
		}
	}()
	if err := loadPrevious(ctx, c, opts.Previous); err != nil {
		return nil, err
	}
	params, err := runSteps(ctx, c, steps, opts, log)
	if err != nil {
		return nil, err
	}
	if err := commitRun(ctx, c, steps, opts, params, res, log); err != nil {
		return nil, err
	}
	return res, nil
}

// enterWork readies the connection for the steps. They create their tables
// in the schema ff_work of the case, not as temporary tables: DuckDB keeps
// those in memory, and at PyPI size they do not fit. Result tables are sets
// (readers order them), and keeping insertion order costs memory the big
// joins need. Their strings are stored without FSST: its analysis and
// compression took a third of writing the wide tables (attempts,
// evidence), and the dictionaries DuckDB keeps using compress the repeated
// ones.
func enterWork(ctx context.Context, c *casefile.Case) error {
	for _, q := range []string{
		"DROP SCHEMA IF EXISTS " + workSchema + " CASCADE", // left by an interrupted run
		"CREATE SCHEMA " + workSchema,
		"SET schema = '" + workSchema + "'",
		"SET search_path = '" + workSchema + ",main'",
		"SET preserve_insertion_order = false",
		"SET disabled_compression_methods = 'fsst'",
	} {
		if _, err := c.Conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return dropStaged(ctx, c) // left by an interrupted run
}

// leaveWork undoes enterWork and drops what the steps left, trying every
// part whatever fails.
func leaveWork(ctx context.Context, c *casefile.Case) error {
	var errs []error
	for _, q := range []string{"RESET schema", "RESET search_path", "RESET preserve_insertion_order", "RESET disabled_compression_methods", "DROP SCHEMA IF EXISTS " + workSchema + " CASCADE"} {
		if _, err := c.Conn.ExecContext(ctx, q); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, dropStaged(ctx, c))...)
}

// runSteps runs each step's statements, its parameters bound, and returns
// the parameters as the run record keeps them (step.name → value).
func runSteps(ctx context.Context, c *casefile.Case, steps []Step, opts Options, log *slog.Logger) (map[string]any, error) {
	var from, to any
	if opts.Window != nil {
		from, to = opts.Window.From.UTC(), opts.Window.To.UTC()
	}
	params := map[string]any{}
	for n, st := range steps {
		if opts.Progress != nil {
			opts.Progress(st.ID, n, len(steps))
		}
		t0 := time.Now()
		vars := map[string]any{"window_from": from, "window_to": to} // a step reads only these and its own
		for _, p := range st.Params {
			v := opts.Settings.value(st, p)
			params[st.ID+"."+p.Name] = v
			vars[p.Name] = v
		}
		script, err := ffsql.ExpandRepeats(bind(st.SQL, vars))
		if err != nil {
			return nil, fmt.Errorf("analysis step %s (%s): %w", st.ID, st.File, err)
		}
		for i, stmt := range ffsql.Statements(script) {
			ts := time.Now()
			_, err := c.Conn.ExecContext(ctx, stmt)
			log.Debug("statement", "step", st.ID, "n", i+1, "elapsed", time.Since(ts).Round(time.Millisecond))
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, fmt.Errorf("analysis step %s (%s), statement %d: %w", st.ID, st.File, i+1, err)
			}
		}
		log.Debug("analysis step", "step", st.ID, "kind", st.Kind, "elapsed", time.Since(t0).Round(time.Millisecond))
	}
	return params, nil
}

// commitRun replaces the previous run's results with this run's and
// records the run, in one transaction. The steps ran outside any (DuckDB's
// ASOF joins over tables created inside one ran ten times slower), in
// ff_work: an interrupted run changes nothing in main.
func commitRun(ctx context.Context, c *casefile.Case, steps []Step, opts Options, params map[string]any, res *Result, log *slog.Logger) (err error) {
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := tx.Rollback(); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	if err := publish(ctx, c, steps, log); err != nil {
		return err
	}
	// From here on the results are read where they now are.
	if _, err := c.Conn.ExecContext(ctx, "SET search_path = 'main'"); err != nil {
		return err
	}
	if err := record(ctx, c, opts, params, res); err != nil {
		return err
	}
	t0 := time.Now()
	if err := tx.Commit(); err != nil {
		return err
	}
	log.Debug("committed", "elapsed", time.Since(t0).Round(time.Millisecond))
	return nil
}

// workSchema is where a run's tables live until it publishes them.
const workSchema = "ff_work"

// stagedPrefix names a result table a step built straight into main, to be
// renamed at publish rather than copied from the work schema: DuckDB moves
// no table between schemas, and copying the biggest took seconds.
const stagedPrefix = "ff_staged_"

// publish replaces the previous run's result tables in main with the
// steps': a staged one is renamed, the others are copied from the work
// schema.
func publish(ctx context.Context, c *casefile.Case, steps []Step, log *slog.Logger) error {
	db, err := currentDatabase(ctx, c)
	if err != nil {
		return err
	}
	staged, err := stagedTables(ctx, c)
	if err != nil {
		return err
	}
	for _, st := range steps {
		for _, t := range st.Results {
			qs := []string{fmt.Sprintf("CREATE OR REPLACE TABLE %s.main.%s AS SELECT * FROM %s.%s.%s", db, t, db, workSchema, t)}
			if slices.Contains(staged, stagedPrefix+t) {
				qs = []string{
					fmt.Sprintf("DROP TABLE IF EXISTS %s.main.%s", db, t),
					fmt.Sprintf("ALTER TABLE %s.main.%s RENAME TO %s", db, stagedPrefix+t, t),
				}
			}
			t0 := time.Now()
			for _, q := range qs {
				if _, err := c.Conn.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("saving %s (step %s): %w", t, st.ID, err)
				}
			}
			log.Debug("published", "table", t, "elapsed", time.Since(t0).Round(time.Millisecond))
		}
	}
	return nil
}

// currentDatabase is the case's catalog name, quoted: "main" alone could
// name a case file called main.duckdb as well as the schema.
func currentDatabase(ctx context.Context, c *casefile.Case) (string, error) {
	var db string
	err := c.Conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&db)
	return quoteIdent(db), err
}

// stagedTables lists the staged result tables in main.
func stagedTables(ctx context.Context, c *casefile.Case) ([]string, error) {
	rows, err := c.Conn.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND starts_with(table_name, ?) ORDER BY 1", stagedPrefix)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// dropStaged drops staged result tables a failed or interrupted run left.
func dropStaged(ctx context.Context, c *casefile.Case) error {
	db, err := currentDatabase(ctx, c)
	if err != nil {
		return err
	}
	staged, err := stagedTables(ctx, c)
	if err != nil {
		return err
	}
	for _, t := range staged {
		if _, err := c.Conn.ExecContext(ctx, "DROP TABLE "+db+".main."+quoteIdent(t)); err != nil {
			return err
		}
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// bind writes each getvariable('name') of a step as the literal value of
// that variable. DuckDB plans a statement with literals far better than one
// reading variables (ASOF joins on getvariable ran a hundred times slower),
// and the values are typed: numbers are written as numbers, strings and
// times quoted, so nothing from the command line becomes SQL.
func bind(sqlText string, vars map[string]any) string {
	return variable.ReplaceAllStringFunc(sqlText, func(m string) string {
		return literal(vars[variable.FindStringSubmatch(m)[1]])
	})
}

func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return "'" + x.UTC().Format(time.RFC3339Nano) + "'"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	panic(fmt.Sprintf("analyze: no SQL literal for %T", v))
}

// loadPrevious puts the earlier freeze list, if any, in the temporary table
// previous_list that stage waves reads.
func loadPrevious(ctx context.Context, c *casefile.Case, p *Previous) error {
	stmts, err := ffsql.File(ffsql.Run, "run/previous.sql")
	if err != nil {
		return err
	}
	if _, err := c.Conn.ExecContext(ctx, stmts[0]); err != nil {
		return err
	}
	if p == nil || len(p.Usernames) == 0 {
		return nil
	}
	_, err = c.Conn.ExecContext(ctx, stmts[1], p.Usernames, p.UserIDs)
	return err
}

// record counts the results, digests them and appends the run to
// analysis_runs and its accounts to analysis_run_accounts.
func record(ctx context.Context, c *casefile.Case, opts Options, params map[string]any, res *Result) error {
	read := func(name string, dest ...any) error {
		q, err := ffsql.Query(ffsql.Run, "run/"+name)
		if err != nil {
			return err
		}
		if err := c.Conn.QueryRowContext(ctx, q).Scan(dest...); err != nil {
			return fmt.Errorf("sql/run/%s: %w", name, err)
		}
		return nil
	}
	if err := read("window.sql", &res.WindowFrom, &res.WindowTo, &res.WindowSource, &res.WindowScore, &res.MinWindowScore, &res.CandidateWindowScore); err != nil {
		return err
	}
	if err := read("counts.sql", &res.Attempts, &res.Campaigns, &res.Compromised, &res.Exposed, &res.Targeted, &res.Review, &res.Benign,
		&res.NewToFreeze, &res.Dropped, &res.ToFreeze, &res.AlreadyHandled); err != nil {
		return err
	}
	var signals []any
	if err := read("verdict.sql", &res.Verdict.Verdict, &res.Verdict.Reason, &res.Verdict.NextStep, &res.Verdict.From, &res.Verdict.To, &signals); err != nil {
		return err
	}
	for _, s := range signals {
		res.Verdict.Signals = append(res.Verdict.Signals, s.(string))
	}
	var coverage string
	if err := read("coverage.sql", &coverage); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(coverage), &res.Coverage); err != nil {
		return fmt.Errorf("reading the coverage: %w", err)
	}
	digest, err := resultsDigest(ctx, c)
	if err != nil {
		return err
	}
	res.ResultsSHA256 = digest
	paramJSON, err := json.Marshal(params) // map keys are sorted
	if err != nil {
		return err
	}
	var prevPath, prevSHA any
	if opts.Previous != nil {
		prevPath, prevSHA = opts.Previous.Path, opts.Previous.SHA256
	}
	if err := c.Conn.QueryRowContext(ctx, "SELECT nextval('analysis_run_seq')").Scan(&res.RunID); err != nil {
		return err
	}
	res.Finished = time.Now().UTC()
	stmts, err := ffsql.File(ffsql.Run, "run/record.sql")
	if err != nil {
		return err
	}
	if _, err := c.Conn.ExecContext(ctx, stmts[0],
		res.RunID, res.Started, res.Finished, opts.ToolVersion, string(paramJSON), prevPath, prevSHA,
		res.Attempts, res.Campaigns, res.Compromised, res.Exposed, res.Targeted, res.Benign, res.NewToFreeze, res.Dropped, res.ResultsSHA256, res.Review,
		res.Verdict.Verdict, res.Verdict.Reason, coverage); err != nil {
		return fmt.Errorf("recording the run: %w", err)
	}
	if _, err := c.Conn.ExecContext(ctx, stmts[1], res.RunID); err != nil {
		return fmt.Errorf("recording the run's accounts: %w", err)
	}
	return nil
}

// resultsDigest hashes what the run decided, in the order of
// sql/run/digest.sql: the window, the verdict, the campaigns and every
// account's verdict with its reasons.
func resultsDigest(ctx context.Context, c *casefile.Case) (string, error) {
	h := sha256.New()
	queries, err := ffsql.File(ffsql.Run, "run/digest.sql")
	if err != nil {
		return "", err
	}
	for _, q := range queries {
		rows, err := c.Conn.QueryContext(ctx, q)
		if err != nil {
			return "", fmt.Errorf("sql/run/digest.sql: %w", err)
		}
		cols, err := rows.Columns()
		if err != nil {
			_ = rows.Close() // the error to report is this one
			return "", err
		}
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				_ = rows.Close() // the error to report is this one
				return "", err
			}
			for _, v := range vals {
				fmt.Fprintf(h, "%q\t", v.String)
			}
			h.Write([]byte{'\n'})
		}
		if err := rows.Close(); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
