package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
)

// ingestSnapshotOptions are what ingest snapshot was asked to do: the
// source, and the ingest options the flags give.
type ingestSnapshotOptions struct {
	Source string
	ingest.SnapshotOptions
}

// newIngestSnapshotCmd binds ingest snapshot's flags into its options and
// runs runF on them, ingestSnapshotRun if nil.
func newIngestSnapshotCmd(e *env, runF func(context.Context, *ingestSnapshotOptions) error) *cobra.Command {
	opts := &ingestSnapshotOptions{}
	cmd := &cobra.Command{
		Use:   "snapshot PATH|URL",
		Short: "Ingest a Warehouse database snapshot (table exports, a pg_dump, or the live database)",
		Long: `Ingest a snapshot of the application's database into the case.

PATH is a directory of table exports named <table>.csv (as psql's
\copy ... CSV HEADER writes them, or scripts/export-warehouse.sh), .csv.gz,
.csv.zst, .parquet, .jsonl or .jsonl.gz, or a plain-format pg_dump file
(.sql, .sql.gz, .sql.zst; --schema names the schema of Warehouse's tables
in it). Tables read: users, user_events and ip_addresses, which are
required, and user_emails, user_security_keys, user_recovery_codes,
user_unique_logins, projects, roles, project_events and file_events when
present (the steps that need a missing one say they were skipped).

` + liveSourceHelp + `

Secrets (password hashes, TOTP secrets, recovery-code hashes, WebAuthn keys)
are never copied: only whether an account has them. Every file is hashed into
sources; every row is loaded or rejected with a reason; the snapshot is one
transaction. A case holds one snapshot: the same files again are a no-op,
another snapshot (and any live read) needs --force, which replaces it.`,
		Example: `  freezeframe ingest snapshot exports/2024-03-31/
  freezeframe ingest snapshot warehouse.sql.zst
  PGPASSFILE=~/.pgpass-warehouse freezeframe ingest snapshot 'postgres://forensics@db.internal/warehouse?sslmode=verify-full'
  freezeframe ingest snapshot case.snapshot/    # a live read's evidence, again`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSnapshotSource(cmd, args[0]); err != nil {
				return err
			}
			opts.Source = args[0]
			opts.Evidence = evidenceDir(args[0], opts.Evidence, e.casePath)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.ingestSnapshotRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace a different snapshot already in the case")
	addLiveFlags(cmd, &opts.Schema, &opts.Evidence)
	return cmd
}

// ingestSnapshotRun ingests the snapshot into the case and prints what
// each table gave.
func (e *env) ingestSnapshotRun(ctx context.Context, opts *ingestSnapshotOptions) (err error) {
	c, err := e.openCase(ctx, casefile.ReadWrite)
	if err != nil {
		return err
	}
	defer closeCase(c, &err)
	opts.ToolVersion, opts.Logger = toolVersion(), e.log
	if !e.quiet && e.stderrIsTerminal() {
		var done func()
		opts.Progress, done = e.stepProgress("snapshot")
		defer done()
	}
	res, err := ingest.Snapshot(ctx, c, opts.Source, opts.SnapshotOptions)
	if err != nil {
		return err
	}
	if res.Skipped {
		e.log.Info("this snapshot is already in the case; nothing to do", "path", res.Path)
		return nil
	}
	for _, t := range res.Missing {
		e.log.Warn("the snapshot has no such table; steps that need it will say they were skipped", "table", t)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tFILE\tFORMAT\tROWS\tLOADED\tREJECTED")
	var read, loaded, rejected int64
	for _, t := range res.Tables {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", t.Table, t.Path, t.Format, t.Read, t.Loaded, t.Rejected)
		read, loaded, rejected = read+t.Read, loaded+t.Loaded, rejected+t.Rejected
		if t.Rejected > 0 {
			e.log.Warn("rows rejected; see the rejects table", "table", t.Table, "rejected", t.Rejected,
				"query", fmt.Sprintf("SELECT * FROM rejects WHERE source_id = %d", t.SourceID))
		}
	}
	fmt.Fprintf(tw, "total\t-\t-\t%d\t%d\t%d\n", read, loaded, rejected)
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Replaced {
		e.log.Info("replaced the snapshot the case held before")
	}
	if opts.Evidence != "" {
		e.log.Info("what was read is kept as evidence; ingest snapshot reads it again", "dir", opts.Evidence)
	}
	return nil
}

// liveSourceHelp is the help of ingest snapshot and investigate on a live
// database.
const liveSourceHelp = `A postgres:// (or postgresql://) URL reads Warehouse's live database: every
table in one REPEATABLE READ READ ONLY transaction, so together they are one
snapshot whatever the site writes meanwhile, streamed with COPY, and only
the columns freezeframe reads (whether a TOTP secret is set and whether the
password is disabled are the server's yes or no; no secret is selected).
The user needs SELECT on those tables, in schema public unless --schema.
The password comes from the URL, PGPASSWORD or ~/.pgpass (PGPASSFILE):
prefer the last two, as other users of the machine can see a command line.
Nothing freezeframe writes holds it: logs, errors, sources and the report
name the URL without it. What was read is kept as evidence in --evidence DIR
(default <case>.snapshot beside the case, which must not exist yet):
<table>.csv.zst, the bytes as the server sent them, and manifest.json (server
version, transaction snapshot, query, rows and SHA-256 per table);
freezeframe ingest snapshot DIR reads them again to the same tables.`

// addLiveFlags adds the flags of a live database source.
func addLiveFlags(cmd *cobra.Command, schema, evidence *string) {
	f := cmd.Flags()
	f.StringVar(schema, "schema", "public", "for a postgres:// source or a pg_dump file: the schema of Warehouse's tables")
	f.StringVar(evidence, "evidence", "", "for a postgres:// source: directory to keep what was read in (default <case>.snapshot)")
}

// checkSnapshotSource refuses a URL that is not a database's, which would
// otherwise be taken for a file name and repeated with its password in the
// error, --evidence with a snapshot of files, and --schema with a directory
// of table exports.
func checkSnapshotSource(cmd *cobra.Command, source string) error {
	switch {
	case ingest.IsPostgresURL(source):
		return nil
	case strings.Contains(source, "://"):
		return usageError{fmt.Errorf("%s: a live database is read from a postgres:// or postgresql:// URL", ingest.RedactURL(source))}
	}
	if cmd.Flags().Changed("evidence") {
		return usageError{fmt.Errorf("--evidence applies to a postgres:// snapshot source only")}
	}
	if st, err := os.Stat(source); err == nil && st.IsDir() && cmd.Flags().Changed("schema") {
		return usageError{fmt.Errorf("--schema applies to a postgres:// source or a pg_dump file; a directory's table exports have no schema")}
	}
	return nil
}

// evidenceDir is where a live read of source keeps its evidence: --evidence,
// or beside the case; "" for a snapshot of files.
func evidenceDir(source, evidence, casePath string) string {
	switch {
	case !ingest.IsPostgresURL(source):
		return ""
	case evidence != "":
		return evidence
	}
	return strings.TrimSuffix(casePath, ".duckdb") + ".snapshot"
}
