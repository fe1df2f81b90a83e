package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
)

func newIngestSnapshotCmd(e *env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "snapshot PATH",
		Short: "Ingest a Warehouse database snapshot (table exports or a pg_dump)",
		Long: `Ingest a snapshot of the application's database into the case.

PATH is a directory of table exports named <table>.csv (as psql's
\copy ... CSV HEADER writes them), .csv.gz, .csv.zst, .parquet, .jsonl or
.jsonl.gz, or a plain-format pg_dump file (.sql, .sql.gz, .sql.zst). Tables
read: users, user_events and ip_addresses, which are required, and
user_emails, user_security_keys, user_recovery_codes, user_unique_logins,
projects, roles, project_events and file_events when present (the steps
that need a missing one say they were skipped).

Secrets (password hashes, TOTP secrets, recovery-code hashes, WebAuthn keys)
are never copied: only whether an account has them. Every file is hashed into
sources; every row is loaded or rejected with a reason; the snapshot is one
transaction. A case holds one snapshot: the same one again is a no-op,
another needs --force, which replaces it.`,
		Example: `  freezeframe ingest snapshot exports/2024-03-31/
  freezeframe ingest snapshot warehouse.sql.zst`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.openCase(cmd.Context(), casefile.ReadWrite)
			if err != nil {
				return err
			}
			defer c.Close()
			opts := ingest.SnapshotOptions{Force: force, ToolVersion: toolVersion(), Logger: e.log}
			if !e.quiet && e.stderrIsTerminal() {
				var done func()
				opts.Progress, done = e.stepProgress("snapshot")
				defer done()
			}
			res, err := ingest.Snapshot(cmd.Context(), c, args[0], opts)
			if err != nil {
				return err
			}
			if res.Skipped {
				e.log.Info("this snapshot is already in the case; nothing to do", "path", args[0])
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
			tw.Flush()
			if res.Replaced {
				e.log.Info("replaced the snapshot the case held before")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace a different snapshot already in the case")
	return cmd
}
