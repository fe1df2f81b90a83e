package cli

import (
	"database/sql"
	"fmt"

	"github.com/spf13/cobra"
)

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print freezeframe's version and the DuckDB version it embeds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := sql.Open("duckdb", "")
			if err != nil {
				return err
			}
			defer func() { _ = db.Close() }() // in memory: nothing to lose on close
			var duck string
			if err := db.QueryRowContext(cmd.Context(), "SELECT version()").Scan(&duck); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "freezeframe %s\nDuckDB %s\n", toolVersion(), duck)
			return nil
		},
	}
}
