package ingest

// Writing parsed requests into DuckDB as Arrow record batches.
//
// Each round's blocks are parsed by Go goroutines, one per core, into Arrow
// record batches (one per block); the INSERT of insert_requests.sql reads them
// through DuckDB's Arrow scan of a stream registered as a temporary view, and
// DuckDB's threads convert and store them. The columns are filled in Go memory
// with no call into DuckDB per value: the parallel table function this
// replaced set every value through cgo, about a quarter of the ingest's time.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// roundView is the temporary view insert_requests.sql reads a round from.
const roundView = "ff_requests_arrow"

// timeType is TIMESTAMPTZ to DuckDB: microseconds since the epoch in UTC.
var timeType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// requestField is one column of the record batches: its Arrow field and how
// a batch's column is built from the parsed records.
type requestField struct {
	arrow.Field
	build func(pb *parsedBatch) arrow.Array
}

// requestFields are the columns of requests that the records fill (source_id
// is the statement's parameter), in the order of the batches' schema.
var requestFields = []requestField{
	{arrow.Field{Name: "line_no", Type: arrow.PrimitiveTypes.Int64}, func(pb *parsedBatch) arrow.Array {
		return fixedArray(arrow.PrimitiveTypes.Int64, append([]int64(nil), pb.lineNos...), nil, 0)
	}},
	{arrow.Field{Name: "time", Type: timeType}, func(pb *parsedBatch) arrow.Array {
		return numberArray(timeType, pb.recs, func(r *Record) (int64, bool) { return r.Time, true })
	}},
	stringField("client", func(r *Record) string { return r.Client }),
	{arrow.Field{Name: "client_hashed", Type: arrow.FixedWidthTypes.Boolean}, func(pb *parsedBatch) arrow.Array {
		bits := make([]byte, bitutil.BytesForBits(int64(len(pb.recs))))
		for i := range pb.recs {
			bitutil.SetBitTo(bits, i, pb.recs[i].ClientHashed)
		}
		return array.MakeFromData(array.NewData(arrow.FixedWidthTypes.Boolean, len(pb.recs),
			[]*memory.Buffer{nil, memory.NewBufferBytes(bits)}, nil, 0, 0))
	}},
	stringField("method", func(r *Record) string { return r.Method }),
	stringField("path", func(r *Record) string { return r.Path }),
	stringField("query", func(r *Record) string { return r.Query }),
	stringField("protocol", func(r *Record) string { return r.Protocol }),
	{arrow.Field{Name: "status", Type: arrow.PrimitiveTypes.Int16, Nullable: true}, func(pb *parsedBatch) arrow.Array {
		return numberArray(arrow.PrimitiveTypes.Int16, pb.recs, func(r *Record) (int16, bool) { return int16(r.Status), r.Status >= 0 })
	}},
	{arrow.Field{Name: "bytes", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, func(pb *parsedBatch) arrow.Array {
		return numberArray(arrow.PrimitiveTypes.Int64, pb.recs, func(r *Record) (int64, bool) { return r.Bytes, r.Bytes >= 0 })
	}},
	stringField("referrer", func(r *Record) string { return r.Referrer }),
	stringField("user_agent", func(r *Record) string { return r.UserAgent }),
	stringField("accept_language", func(r *Record) string { return r.AcceptLanguage }),
	stringField("content_type", func(r *Record) string { return r.ContentType }),
	{arrow.Field{Name: "duration", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, func(pb *parsedBatch) arrow.Array {
		return numberArray(arrow.PrimitiveTypes.Float64, pb.recs, func(r *Record) (float64, bool) { return r.Duration, r.Duration >= 0 })
	}},
	jsonField(stringField("extra", func(r *Record) string { return r.Extra })),
}

// jsonField marks a column as Arrow's canonical JSON extension type, which
// DuckDB reads as its JSON type: the parsers built its text as JSON, so it
// needs no cast, which would parse every value again.
func jsonField(f requestField) requestField {
	f.Metadata = arrow.NewMetadata([]string{"ARROW:extension:name", "ARROW:extension:metadata"}, []string{"arrow.json", ""})
	return f
}

var requestSchema = func() *arrow.Schema {
	fields := make([]arrow.Field, len(requestFields))
	for i, f := range requestFields {
		fields[i] = f.Field
	}
	return arrow.NewSchema(fields, nil)
}()

// stringField is a VARCHAR column; an empty string is NULL.
func stringField(name string, get func(*Record) string) requestField {
	return requestField{arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}, func(pb *parsedBatch) arrow.Array {
		recs := pb.recs
		offsets := make([]int32, len(recs)+1)
		size := 0
		for i := range recs {
			size += len(get(&recs[i]))
		}
		data := make([]byte, 0, size)
		var valid []byte
		nulls := 0
		for i := range recs {
			s := get(&recs[i])
			if s == "" {
				if valid == nil {
					valid = allValid(len(recs))
				}
				bitutil.ClearBit(valid, i)
				nulls++
			}
			data = append(data, s...)
			offsets[i+1] = int32(len(data))
		}
		return array.MakeFromData(array.NewData(arrow.BinaryTypes.String, len(recs),
			[]*memory.Buffer{bitmapBuffer(valid), memory.NewBufferBytes(arrow.GetBytes(offsets)), memory.NewBufferBytes(data)}, nil, nulls, 0))
	}}
}

// numberArray is a fixed-width column of the records; get's false is NULL.
func numberArray[T int16 | int64 | float64](t arrow.DataType, recs []Record, get func(*Record) (T, bool)) arrow.Array {
	vals := make([]T, len(recs))
	var valid []byte
	nulls := 0
	for i := range recs {
		v, ok := get(&recs[i])
		if !ok {
			if valid == nil {
				valid = allValid(len(recs))
			}
			bitutil.ClearBit(valid, i)
			nulls++
			continue
		}
		vals[i] = v
	}
	return fixedArray(t, vals, valid, nulls)
}

func fixedArray[T int16 | int64 | float64](t arrow.DataType, vals []T, valid []byte, nulls int) arrow.Array {
	return array.MakeFromData(array.NewData(t, len(vals),
		[]*memory.Buffer{bitmapBuffer(valid), memory.NewBufferBytes(arrow.GetBytes(vals))}, nil, nulls, 0))
}

func allValid(n int) []byte {
	b := make([]byte, bitutil.BytesForBits(int64(n)))
	bitutil.SetBitsTo(b, 0, int64(n), true)
	return b
}

func bitmapBuffer(b []byte) *memory.Buffer {
	if b == nil {
		return nil
	}
	return memory.NewBufferBytes(b)
}

// requestBatch copies a parsed batch's records into a record batch.
func requestBatch(pb *parsedBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, len(requestFields))
	for i, f := range requestFields {
		cols[i] = f.build(pb)
	}
	rec := array.NewRecordBatch(requestSchema, cols, int64(len(pb.recs)))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// batchReader is the array.RecordReader DuckDB's Arrow scan reads a round
// from: the batches the round's parsers send, in the order they finish.
type batchReader struct {
	refs    atomic.Int64
	batches <-chan arrow.RecordBatch
	cur     arrow.RecordBatch
	err     func() error
}

func (b *batchReader) Retain() { b.refs.Add(1) }

func (b *batchReader) Release() {
	if b.refs.Add(-1) == 0 && b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
}

func (b *batchReader) Schema() *arrow.Schema { return requestSchema }

func (b *batchReader) Next() bool {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	rec, ok := <-b.batches
	b.cur = rec
	return ok
}

func (b *batchReader) RecordBatch() arrow.RecordBatch { return b.cur }

// Record implements array.RecordReader.
//
// Deprecated: it is RecordBatch, which the interface still requires under this name.
func (b *batchReader) Record() arrow.RecordBatch { return b.cur }

func (b *batchReader) Err() error { return b.err() }

// execRound inserts the requests of one round of blocks, then its rejects.
// One goroutine per core takes blocks, parses them and builds their record
// batches while DuckDB's threads store the batches already built.
func execRound(ctx context.Context, conn *sql.Conn, r *round) error {
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	r.ctx = rctx
	batches := make(chan arrow.RecordBatch, r.threads)
	var mu sync.Mutex
	var failed error
	var wg sync.WaitGroup
	for range r.threads {
		wg.Go(func() {
			if err := r.produce(rctx, batches); err != nil {
				mu.Lock()
				if failed == nil {
					failed = err
				}
				mu.Unlock()
				stop()
			}
		})
	}
	go func() {
		wg.Wait()
		close(batches)
	}()
	rdr := &batchReader{batches: batches, err: func() error {
		mu.Lock()
		defer mu.Unlock()
		return failed
	}}
	rdr.Retain()
	defer rdr.Release()
	err := insertBatches(ctx, conn, rdr, r.sourceID)
	stop()
	for rec := range batches {
		rec.Release()
	}
	if ferr := rdr.Err(); ferr != nil && !errors.Is(ferr, context.Canceled) {
		err = ferr // the parsers' failure is what stopped the statement
	} else if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return err
	}
	return insertRejects(ctx, conn, r)
}

// produce parses the round's blocks until there are none left and sends
// their record batches.
func (r *round) produce(ctx context.Context, out chan<- arrow.RecordBatch) error {
	for {
		rb, err := r.take()
		if err != nil || rb == nil {
			return err
		}
		pb, err := r.parse(rb)
		if err != nil {
			return err
		}
		if len(pb.recs) == 0 {
			release(pb)
			continue
		}
		rec := requestBatch(pb)
		release(pb)
		select {
		case out <- rec:
		case <-ctx.Done():
			rec.Release()
			return ctx.Err()
		}
	}
}

// insertBatches registers rdr as the round's view, runs the INSERT that
// reads it, and drops the view, which must not outlive the stream.
func insertBatches(ctx context.Context, conn *sql.Conn, rdr *batchReader, sourceID int32) error {
	var releaseStream func()
	if err := conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("connection %T is not a database/sql driver connection", dc)
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return err
		}
		releaseStream, err = ar.RegisterView(rdr, roundView)
		return err
	}); err != nil {
		return fmt.Errorf("register the round's Arrow stream: %w", err)
	}
	defer releaseStream()
	if _, err := conn.ExecContext(ctx, stmtInsertRequests, sourceID); err != nil {
		// The transaction fails with it, and its rollback drops the view.
		return fmt.Errorf("insert requests: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "DROP VIEW "+roundView); err != nil {
		return fmt.Errorf("drop the round's view: %w", err)
	}
	return nil
}
