package ingest

// Writing parsed rows into DuckDB.
//
// Parsed rows reach DuckDB through a parallel chunk table function read by
// `INSERT INTO ... SELECT`: DuckDB's threads call it, and each takes a block
// of lines, parses it and fills DuckDB's vectors with typed setters, handing
// each string over by pointer. Measured on a 2M-line combined log (README,
// "Ingest benchmark"): feeding a single-threaded table function from Go
// parser goroutines reached 172k lines/s, since DuckDB then inserts on one
// thread; this parallel form doubles that. The Appender's AppendRow boxes
// every value into an interface and inserts on the calling thread, and the
// Arrow route (build tag duckdb_arrow on every build) would save the
// per-value cgo calls but not DuckDB's storage cost, the larger part.

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// registry hands work to the table functions: a statement names its round
// or rejects by handle, since a table function's arguments are plain values.
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

// registerTableFunctions makes ff_requests_round(h) and ff_rejects_batch(h)
// available on conn, once.
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
	if err := duckdb.RegisterTableUDF(conn, "ff_requests_round", duckdb.ParallelChunkTableFunction{
		Config: cfg,
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
			return lookupHandle[*round](args)
		},
	}); err != nil {
		return err
	}
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

var requestColumns = []column{
	{"source_id", duckdb.TYPE_INTEGER}, {"line_no", duckdb.TYPE_BIGINT}, {"time", duckdb.TYPE_TIMESTAMP_TZ},
	{"client", duckdb.TYPE_VARCHAR}, {"client_hashed", duckdb.TYPE_BOOLEAN}, {"method", duckdb.TYPE_VARCHAR},
	{"path", duckdb.TYPE_VARCHAR}, {"query", duckdb.TYPE_VARCHAR}, {"protocol", duckdb.TYPE_VARCHAR},
	{"status", duckdb.TYPE_SMALLINT}, {"bytes", duckdb.TYPE_BIGINT}, {"referrer", duckdb.TYPE_VARCHAR},
	{"user_agent", duckdb.TYPE_VARCHAR}, {"accept_language", duckdb.TYPE_VARCHAR},
	{"content_type", duckdb.TYPE_VARCHAR}, {"duration", duckdb.TYPE_DOUBLE}, {"extra", duckdb.TYPE_VARCHAR},
}

var rejectColumns = []column{
	{"source_id", duckdb.TYPE_INTEGER}, {"line_no", duckdb.TYPE_BIGINT},
	{"reason", duckdb.TYPE_VARCHAR}, {"raw", duckdb.TYPE_VARCHAR}, {"raw_bytes", duckdb.TYPE_BIGINT},
}

// ColumnInfos implements duckdb.ParallelChunkTableSource.
func (r *round) ColumnInfos() []duckdb.ColumnInfo { return columnInfos(requestColumns) }

// Cardinality implements duckdb.ParallelChunkTableSource; it is unknown.
func (r *round) Cardinality() *duckdb.CardinalityInfo { return nil }

// Init implements duckdb.ParallelChunkTableSource: every DuckDB thread may
// parse and fill chunks.
func (r *round) Init() duckdb.ParallelTableSourceInfo {
	return duckdb.ParallelTableSourceInfo{MaxThreads: r.threads}
}

// roundLocal is one DuckDB thread's batch being emitted.
type roundLocal struct {
	pb  *parsedBatch
	pos int
}

// NewLocalState implements duckdb.ParallelChunkTableSource.
func (r *round) NewLocalState() any { return &roundLocal{} }

// FillChunk implements duckdb.ParallelChunkTableSource: it emits the
// thread's current batch, taking and parsing the next block when it runs out.
func (r *round) FillChunk(ls any, chunk duckdb.DataChunk) error {
	l := ls.(*roundLocal)
	for l.pb == nil || l.pos == len(l.pb.recs) {
		if l.pb != nil {
			release(l.pb)
			l.pb = nil
		}
		rb, err := r.take()
		if err != nil {
			return err
		}
		if rb == nil {
			return chunk.SetSize(0)
		}
		pb, err := r.parse(rb)
		if err != nil {
			return err
		}
		l.pb, l.pos = pb, 0
	}
	n := min(len(l.pb.recs)-l.pos, duckdb.GetDataChunkCapacity())
	if err := chunk.SetSize(n); err != nil {
		return err
	}
	var str [len(requestStringCols)]duckdb.VectorWriter[string]
	for i, col := range requestStringCols {
		vec, err := chunk.GetVector(col)
		if err != nil {
			return err
		}
		if str[i], err = duckdb.GetVectorWriter[string](vec); err != nil {
			return err
		}
	}
	for row := 0; row < n; row++ {
		if err := setRequestRow(chunk, row, r.sourceID, l.pb.lineNos[l.pos+row], &l.pb.recs[l.pos+row], &str); err != nil {
			return err
		}
	}
	l.pos += n
	return nil
}

// requestStringCols are the VARCHAR columns of requestColumns, in order.
var requestStringCols = [...]int{3, 5, 6, 7, 8, 11, 12, 13, 14, 16}

func setRequestRow(chunk duckdb.DataChunk, row int, src int32, lineNo int64, r *Record, str *[len(requestStringCols)]duckdb.VectorWriter[string]) error {
	errs := [...]error{
		duckdb.SetChunkValue(chunk, 0, row, src),
		duckdb.SetChunkValue(chunk, 1, row, lineNo),
		duckdb.SetChunkValue(chunk, 2, row, time.UnixMicro(r.Time)),
		duckdb.SetChunkValue(chunk, 4, row, r.ClientHashed),
		setNullable(chunk, 9, row, int16(r.Status), r.Status >= 0),
		setNullable(chunk, 10, row, r.Bytes, r.Bytes >= 0),
		setNullable(chunk, 15, row, r.Duration, r.Duration >= 0),
		setString(str[0], row, r.Client),
		setString(str[1], row, r.Method),
		setString(str[2], row, r.Path),
		setString(str[3], row, r.Query),
		setString(str[4], row, r.Protocol),
		setString(str[5], row, r.Referrer),
		setString(str[6], row, r.UserAgent),
		setString(str[7], row, r.AcceptLanguage),
		setString(str[8], row, r.ContentType),
		setString(str[9], row, r.Extra),
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func setString(w duckdb.VectorWriter[string], row int, s string) error {
	if s == "" {
		return w.SetNull(row)
	}
	return w.Set(row, s)
}

func setNullable[T any](chunk duckdb.DataChunk, col, row int, v T, valid bool) error {
	if !valid {
		return chunk.SetValue(col, row, nil)
	}
	return duckdb.SetChunkValue(chunk, col, row, v)
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

// execRound inserts the requests of one round of blocks, then its rejects.
func execRound(ctx context.Context, conn *sql.Conn, r *round) error {
	h := register(r)
	defer unregister(h)
	_, err := conn.ExecContext(ctx, stmtInsertRequests, h)
	if err != nil {
		return fmt.Errorf("insert requests: %w", err)
	}
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
