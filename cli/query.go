package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/casefile"
)

// queryOptions are query's: the statement, and whether the case may be
// written.
type queryOptions struct {
	SQL   string
	Write bool
}

// newQueryCmd binds query's flags into its options and runs runF on them,
// queryRun if nil.
func newQueryCmd(e *env, runF func(context.Context, *queryOptions) error) *cobra.Command {
	opts := &queryOptions{}
	cmd := &cobra.Command{
		Use:   "query SQL",
		Short: "Run SQL against the case and print the result as CSV",
		Long: `Run one SQL statement against the case and print the result as CSV on stdout.

Without --write, the case is opened read-only and the statement reaches no
other file: COPY ... TO, EXPORT DATABASE, ATTACH, read_csv and the like are
refused (DuckDB's enable_external_access is off), and the only files written
are DuckDB's spill files next to the case, removed when the query ends.
--write opens the case for writing and allows all of them. Any DuckDB client
can open the case file as well; this command needs nothing but freezeframe.`,
		Example: `  freezeframe query "SELECT path, lines_read, rows_rejected, sha256 FROM sources"
  freezeframe query "SELECT reason, count(*) FROM rejects GROUP BY ALL ORDER BY 2 DESC"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SQL = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.queryRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Write, "write", false, "open the case for writing")
	return cmd
}

// queryRun runs the statement and prints its result as CSV.
func (e *env) queryRun(ctx context.Context, opts *queryOptions) (err error) {
	mode := casefile.ReadOnly
	if opts.Write {
		mode = casefile.ReadWrite
	}
	c, err := e.openCase(ctx, mode)
	if err != nil {
		return err
	}
	defer closeCase(c, &err)
	if !opts.Write {
		// Once off, DuckDB does not let a statement turn it on again.
		if err := c.Exec(ctx, "SET enable_external_access = false"); err != nil {
			return err
		}
	}
	rows, err := c.Conn.QueryContext(ctx, opts.SQL)
	if err != nil {
		return readOnlyHint(err, opts.Write)
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	w := csv.NewWriter(e.stdout)
	w.Write(cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			rec[i] = formatValue(v, types[i].DatabaseTypeName())
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return readOnlyHint(rows.Err(), opts.Write)
}

// readOnlyHint says why DuckDB refused a file to a query without --write.
func readOnlyHint(err error, write bool) error {
	var de *duckdb.Error
	if !write && errors.As(err, &de) && de.Type == duckdb.ErrorTypePermission {
		return fmt.Errorf("%w\n(without --write, query reads the case only and no other file: it cannot COPY ... TO, EXPORT, ATTACH or read files; rerun with --write to allow it)", err)
	}
	return err
}

// formatValue writes a value for CSV; typeName is its column's DuckDB type.
func formatValue(v any, typeName string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		if typeName == "UUID" && len(x) == 16 {
			return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
		}
		return fmt.Sprintf("%x", x)
	case map[string]any, []any:
		b, err := json.Marshal(x) // JSON columns come back decoded
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}
