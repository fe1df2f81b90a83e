package ingest

// Writing rejected lines into DuckDB, through a table function read by
// `INSERT INTO rejects SELECT`; the requests go as Arrow record batches
// (arrowwrite.go). Measured on a 2M-line combined log (docs/benchmarks.md,
// "Ingest benchmark"), the requests' write path went: a single-threaded
// chunk table function fed by Go parser goroutines, 172k lines/s, since
// DuckDB then inserts on one thread; a parallel chunk table function whose
// DuckDB threads parsed blocks and set every value through cgo, twice that;
// Arrow batches built in Go, no cgo call per value. The Appender's AppendRow
// boxes every value into an interface and inserts on the calling thread.

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// registry hands work to the table function: a statement names its rejects
// by handle, since a table function's arguments are plain values.
var registry = struct {
	sync.Mutex
	next  atomic.Int64
	items map[int64]any
}{items: map[int64]any{}}

func register(v any) int64 {
	h := registry.next.Add(1)
	registry.Lock()
	registry.items[h] = v
	registry.Unlock()
	return h
}

func unregister(h int64) {
	registry.Lock()
	delete(registry.items, h)
	registry.Unlock()
}

func lookupHandle[T any](args []any) (T, error) {
	var zero T
	h, ok := args[0].(int64)
	if !ok {
		return zero, fmt.Errorf("handle %v is not a BIGINT", args[0])
	}
	registry.Lock()
	v, ok := registry.items[h].(T)
	registry.Unlock()
	if !ok {
		return zero, fmt.Errorf("no work registered with handle %d", h)
	}
	return v, nil
}

// registered remembers the connections that have the table functions.
var registered sync.Map

// registerTableFunctions makes ff_rejects_batch(h) available on conn, once.
func registerTableFunctions(conn *sql.Conn) error {
	if _, done := registered.Load(conn); done {
		return nil
	}
	if err := registerOn(conn); err != nil {
		return err
	}
	registered.Store(conn, true)
	return nil
}

func registerOn(conn *sql.Conn) error {
	bigint, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	if err != nil {
		return err
	}
	cfg := duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{bigint}}
	return duckdb.RegisterTableUDF(conn, "ff_rejects_batch", duckdb.ChunkTableFunction{
		Config: cfg,
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
			rj, err := lookupHandle[*rejectBatch](args)
			return &rejectsSource{b: rj}, err
		},
	})
}

type column struct {
	name string
	t    duckdb.Type
}

func columnInfos(cols []column) []duckdb.ColumnInfo {
	infos := make([]duckdb.ColumnInfo, len(cols))
	for i, c := range cols {
		ti, err := duckdb.NewTypeInfo(c.t)
		if err != nil {
			panic(err) // only primitive types are listed, which NewTypeInfo always accepts
		}
		infos[i] = duckdb.ColumnInfo{Name: c.name, T: ti}
	}
	return infos
}

var rejectColumns = []column{
	{"source_id", duckdb.TYPE_INTEGER}, {"line_no", duckdb.TYPE_BIGINT},
	{"reason", duckdb.TYPE_VARCHAR}, {"raw", duckdb.TYPE_VARCHAR}, {"raw_bytes", duckdb.TYPE_BIGINT},
}

// rejectBatch is the rejected lines of one round.
type rejectBatch struct {
	sourceID int32
	rows     []rejectRow
}

// rejectsSource streams one round's rejected lines.
type rejectsSource struct {
	b   *rejectBatch
	pos int
}

func (s *rejectsSource) ColumnInfos() []duckdb.ColumnInfo { return columnInfos(rejectColumns) }
func (s *rejectsSource) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(len(s.b.rows)), Exact: true}
}
func (s *rejectsSource) Init() {}

func (s *rejectsSource) FillChunk(chunk duckdb.DataChunk) error {
	n := min(len(s.b.rows)-s.pos, duckdb.GetDataChunkCapacity())
	if err := chunk.SetSize(n); err != nil || n == 0 {
		return err
	}
	for row := 0; row < n; row++ {
		rj := &s.b.rows[s.pos+row]
		for col, v := range []any{s.b.sourceID, rj.lineNo, rj.reason, rj.raw, rj.rawBytes} {
			if err := chunk.SetValue(col, row, v); err != nil {
				return err
			}
		}
	}
	s.pos += n
	return nil
}

// insertRejects writes the rejected lines of a round, in line order.
func insertRejects(ctx context.Context, conn *sql.Conn, r *round) error {
	if len(r.rejects) == 0 {
		return nil
	}
	sort.Slice(r.rejects, func(i, j int) bool { return r.rejects[i].lineNo < r.rejects[j].lineNo })
	hr := register(&rejectBatch{sourceID: r.sourceID, rows: r.rejects})
	defer unregister(hr)
	if _, err := conn.ExecContext(ctx, stmtInsertRejects, hr); err != nil {
		return fmt.Errorf("insert rejects: %w", err)
	}
	return nil
}
