package analyze

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/freezeframe/freezeframe/twofactor"
)

// tokenFunc is a SQL scalar function of a logged query string that reads
// Warehouse's two-factor token (package twofactor) and returns one field of
// it, or NULL when the query is NULL or not a valid token.
type tokenFunc struct {
	name   string
	config duckdb.ScalarFuncConfig
	field  func(twofactor.Token) any
}

// Config returns the function's SQL signature. It is not volatile: DuckDB
// may fold it over constants and run it on any thread. NULL in gives NULL
// out without a call (SpecialNullHandling is off).
func (f *tokenFunc) Config() duckdb.ScalarFuncConfig { return f.config }

// Executor returns the row function, which never fails: anything Decode
// rejects is NULL.
func (f *tokenFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		query, ok := values[0].(string)
		if !ok {
			return nil, nil
		}
		tok, err := twofactor.Decode(query)
		if err != nil {
			return nil, nil
		}
		return f.field(tok), nil
	}}
}

// registerFunctions registers freezeframe's SQL functions with the database
// behind conn, where every connection sees them. They live in memory only,
// so a case must have them registered each time it is opened:
//
//   - ff_two_factor_user(query VARCHAR) VARCHAR: the user id in the
//     two-factor token that is the query string, as a lower-case UUID.
//   - ff_two_factor_issued(query VARCHAR) TIMESTAMPTZ: when that token was
//     issued, in whole seconds.
//
// Both are NULL when query is NULL or is not a two-factor token; neither
// verifies the token's signature. DuckDB accepts a function registered again
// under the same name and signature, so calling registerFunctions twice, as
// two analyses in one process do, is harmless.
func registerFunctions(ctx context.Context, conn *sql.Conn) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return err
	}
	timestamp, err := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP_TZ)
	if err != nil {
		return err
	}
	query := []duckdb.TypeInfo{varchar}
	for _, f := range []*tokenFunc{
		{
			name:   "ff_two_factor_user",
			config: duckdb.ScalarFuncConfig{InputTypeInfos: query, ResultTypeInfo: varchar},
			field:  func(t twofactor.Token) any { return t.UserID },
		},
		{
			name:   "ff_two_factor_issued",
			config: duckdb.ScalarFuncConfig{InputTypeInfos: query, ResultTypeInfo: timestamp},
			field:  func(t twofactor.Token) any { return t.Issued },
		},
	} {
		if err := duckdb.RegisterScalarUDF(conn, f.name, f); err != nil {
			return fmt.Errorf("register SQL function %s: %w", f.name, err)
		}
	}
	return nil
}
