package ingest

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// LogOptions says how to ingest access logs.
type LogOptions struct {
	Format      string     // a named format or LogFormat string; "" detects
	Fields      JSONFields // JSON key remaps for jsonl
	Force       bool       // replace a file already in the case
	ToolVersion string
	Logger      *slog.Logger
	// Progress, if set, is called with a file's size (-1 if unknown) before
	// reading it and returns a function that is told of bytes read.
	Progress func(path string, size int64) (add func(int), done func())
}

// LogResult is what ingesting one file did.
type LogResult struct {
	Path        string
	SourceID    int32
	SHA256      string
	Size        int64
	Format      string
	Compression string
	LinesRead   int64
	Parsed      int64
	Rejected    int64
	Skipped     bool  // already in the case, not ingested again
	Replaced    int32 // id of the source --force replaced, or 0
	Elapsed     time.Duration
}

// parsedBatch is a block of lines parsed into records and rejects.
type parsedBatch struct {
	raw          *rawBatch
	recs         []Record
	lineNos      []int64
	rejects      []rejectRow
	refused      int // rejects the parser refused, not blank or overlong lines
	firstRefused int // index in rejects of the first of them
	arena        Arena
}

// Logs ingests one access-log file into the case, in one transaction: on any
// failure or interruption the case holds nothing of it.
func Logs(ctx context.Context, c *casefile.Case, path string, opts LogOptions) (_ *LogResult, err error) {
	start := time.Now()
	res := &LogResult{Path: path}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	before, err := statInput(path)
	if err != nil {
		return nil, err
	}
	size := int64(-1)
	if before != nil {
		size = before.Size()
	}
	// A regular file as large as one already in the case may be the same
	// file: hash it first, so a file already in is skipped without being
	// parsed. Otherwise the hash taken while reading is the file's.
	var preHash string
	var existing int32
	var sameSize int64
	if size >= 0 {
		if sameSize, err = queryCount(ctx, c, "SELECT count(*) FROM sources WHERE kind = 'log' AND size = ?", size); err != nil {
			return nil, err
		}
	}
	if sameSize > 0 {
		if preHash, _, err = hashFileContext(ctx, path); err != nil {
			return nil, err
		}
		if existing, err = sourceBySHA(ctx, c, preHash); err != nil {
			return nil, err
		}
		if existing != 0 && !opts.Force {
			res.SHA256, res.Size, res.Skipped, res.SourceID = preHash, size, true, existing
			return res, nil
		}
	}

	var onRead func(int)
	if opts.Progress != nil {
		add, done := opts.Progress(path, size)
		onRead = add
		defer done()
	}
	in, err := openInputContext(ctx, path, onRead)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	res.Compression = in.compression

	if err := registerTableFunctions(c.Conn); err != nil {
		return nil, fmt.Errorf("register table functions: %w", err)
	}
	var sourceID int32
	if err := c.Conn.QueryRowContext(ctx, "SELECT nextval('source_id_seq')::INTEGER").Scan(&sourceID); err != nil {
		return nil, err
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := tx.Rollback(); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()

	format, stats, err := pipeline(ctx, c.Conn, in, sourceID, opts, log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	log.Debug("parsed and inserted", "path", path, "seconds", time.Since(start).Seconds())
	res.Format = format
	res.LinesRead, res.Parsed, res.Rejected = stats.lines, stats.parsed, stats.rejected
	if res.LinesRead != res.Parsed+res.Rejected {
		return nil, fmt.Errorf("%s: internal error: %d lines read but %d parsed + %d rejected", path, res.LinesRead, res.Parsed, res.Rejected)
	}
	if res.Parsed == 0 && stats.refused > 0 {
		return nil, fmt.Errorf("%s: none of its %d lines parsed as %s; the first was rejected because: %s",
			path, res.LinesRead, format, stats.firstRefused)
	}
	res.SHA256, res.Size, err = in.finish(ctx)
	if err != nil {
		return nil, err
	}
	if err := unchanged(path, before, res.Size, preHash, res.SHA256); err != nil {
		return nil, err
	}
	if preHash == "" {
		if existing, err = sourceBySHA(ctx, c, res.SHA256); err != nil {
			return nil, err
		}
		if existing != 0 && !opts.Force {
			res.Skipped, res.SourceID = true, existing
			res.LinesRead, res.Parsed, res.Rejected = 0, 0, 0
			return res, nil // the rollback discards what was read
		}
	}
	if existing != 0 {
		for _, stmt := range ffsql.Statements(stmtDeleteSource) {
			if err := c.Exec(ctx, stmt, existing); err != nil {
				return nil, err
			}
		}
		res.Replaced = existing
	}
	res.SourceID = sourceID
	if err := c.Exec(ctx, stmtInsertSource, sourceID, "log", path, res.Size, res.SHA256, res.Format,
		res.Compression, res.LinesRead, res.Parsed, res.Rejected, start.UTC(), time.Now().UTC(), opts.ToolVersion); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	log.Debug("committed", "path", path, "seconds", res.Elapsed.Seconds())
	return res, nil
}

// unchanged checks that a regular file is as it was when the ingest began:
// same size and modification time, all of it read, and the same SHA-256 as
// hashed beforehand if it was.
func unchanged(path string, before os.FileInfo, read int64, preHash, sha string) error {
	if before == nil {
		return nil
	}
	after, err := os.Stat(path)
	changed := err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) ||
		read != before.Size() || (preHash != "" && sha != preHash)
	if changed {
		return fmt.Errorf("%s changed while it was being ingested (size %d, %d bytes read, SHA-256 %s); ingest a copy that nothing writes to",
			path, before.Size(), read, sha)
	}
	return nil
}

// queryCount runs a query that returns one number.
func queryCount(ctx context.Context, c *casefile.Case, q string, args ...any) (int64, error) {
	var n int64
	if err := c.Conn.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("case %s: %w", c.Path, err)
	}
	return n, nil
}

func sourceBySHA(ctx context.Context, c *casefile.Case, sha string) (int32, error) {
	var id int32
	err := c.Conn.QueryRowContext(ctx, "SELECT id FROM sources WHERE sha256 = ? AND kind = 'log' ORDER BY id LIMIT 1", sha).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

type pipelineStats struct {
	lines, parsed, rejected int64
	refused                 int64  // rejects the parser refused
	firstRefused            string // the first of them: line number and reason
}

// roundBlocks is how many blocks one INSERT statement takes at most: 512
// MiB of lines. Each statement leaves DuckDB partly filled row groups to
// merge and its parsers idle while the last block is written: on a 2M-line
// log, rounds of 256 blocks took 12-17 % less CPU than rounds of 64
// (docs/benchmarks.md).
var roundBlocks = 256

// roundRejectBytes ends a round once its rejects hold this much text.
// Rejects are written after each statement, so this bounds the memory they
// hold whatever the share of lines rejected.
var roundRejectBytes = 64 << 20

// round is the work of one INSERT statement: up to roundBlocks blocks (fewer
// once its rejects reach roundRejectBytes), which its parser goroutines
// take, parse and hand to DuckDB as Arrow batches.
type round struct {
	ctx      context.Context // the statement's: a cancelled round takes no more blocks
	sourceID int32
	threads  int // parser goroutines
	parser   Parser
	blocks   <-chan *rawBatch

	mu           sync.Mutex
	ahead        []*rawBatch // blocks read ahead, taken first
	budget       int
	done         bool // blocks is closed and drained
	rejects      []rejectRow
	rejectBytes  int // text held by rejects
	parsed       int64
	refused      int64
	firstRefused rejectRow // the one with the lowest line number, if refused > 0
}

// take returns the next block of the round, or nil when the round is over.
// It fails once the round's context is done, instead of waiting for a block.
func (r *round) take() (*rawBatch, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.budget == 0 || r.done || r.rejectBytes >= roundRejectBytes {
		return nil, nil
	}
	r.budget--
	if len(r.ahead) > 0 {
		b := r.ahead[0]
		r.ahead = r.ahead[1:]
		return b, nil
	}
	b, ok, err := receive(r.ctx, r.blocks)
	if !ok {
		r.done = err == nil
		return nil, err
	}
	return b, nil
}

// receive waits for the next block: ok is false when there are no more, or
// when ctx ended first (then err says so).
func receive(ctx context.Context, blocks <-chan *rawBatch) (b *rawBatch, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	select {
	case b, ok = <-blocks:
		return b, ok, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// parse parses a block and keeps its rejects for the round. It fails once
// the round's context is done.
func (r *round) parse(rb *rawBatch) (*parsedBatch, error) {
	pb, err := parseBlock(r.ctx, rb, r.parser)
	if err != nil {
		release(pb)
		return nil, err
	}
	r.mu.Lock()
	r.parsed += int64(len(pb.recs))
	if pb.refused > 0 {
		if rj := pb.rejects[pb.firstRefused]; r.refused == 0 || rj.lineNo < r.firstRefused.lineNo {
			r.firstRefused = rj
		}
		r.refused += int64(pb.refused)
	}
	r.rejects = append(r.rejects, pb.rejects...)
	for _, rj := range pb.rejects {
		r.rejectBytes += len(rj.raw) + len(rj.reason)
	}
	r.mu.Unlock()
	return pb, nil
}

// pipeline reads, parses and writes one file. One goroutine reads blocks of
// whole lines; each INSERT statement takes a round of them, which one
// goroutine per core parses into Arrow batches while DuckDB's threads
// store the batches already built.
func pipeline(ctx context.Context, conn *sql.Conn, in *input, sourceID int32, opts LogOptions, log *slog.Logger) (_ string, _ pipelineStats, err error) {
	var st pipelineStats
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks := make(chan *rawBatch, 4)
	var linesRead int64
	readErr := make(chan error, 1)
	go func() {
		n, err := readBlocks(rctx, in.r, blocks)
		linesRead = n
		readErr <- err
	}()
	// fail stops the reader, blocked on a pipe or not. The cause is the
	// caller's cancellation if there was one, else a read failure if there
	// was one (the reader reports its own stop as context.Canceled).
	fail := func(err error) (string, pipelineStats, error) {
		cancel()
		in.interrupt()
		drain(blocks)
		rerr := <-readErr
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case rerr != nil && !errors.Is(rerr, context.Canceled):
			err = rerr
		}
		return "", st, err
	}

	first, ok, err := receive(ctx, blocks)
	if err != nil {
		return fail(err)
	}
	if !ok {
		if err := <-readErr; err != nil {
			return "", st, err
		}
		log.Warn("file is empty: nothing to ingest", "path", in.path)
		return cmp.Or(opts.Format, "empty"), st, nil
	}
	var format *Format
	if opts.Format != "" {
		if format, err = NewFormat(opts.Format, opts.Fields); err != nil {
			return fail(err)
		}
	}
	if err := setInsertOrder(ctx, conn, false); err != nil {
		return fail(err)
	}
	defer func() {
		if serr := setInsertOrder(context.WithoutCancel(ctx), conn, true); serr != nil {
			err = errors.Join(err, serr)
		}
	}()
	ahead := []*rawBatch{first}
	last := false // the file ended with no line to parse
	for {
		if format == nil {
			// Blank and overlong lines need no format: detection reads past
			// them to the first block with a line to parse, and samples it.
			// A file with none is, like an empty one, nothing to ingest, and
			// its lines are rejects.
			var eof bool
			if ahead, eof, err = readAhead(ctx, blocks, ahead); err != nil {
				return fail(err)
			}
			if n := len(ahead); n > 0 && needsParser(ahead[n-1]) {
				if format, err = detectFormat(ctx, ahead[n-1], opts.Fields, in.path, log); err != nil {
					return fail(err)
				}
			}
			last = eof && format == nil
		}
		r := &round{ctx: ctx, sourceID: sourceID, threads: runtime.GOMAXPROCS(0),
			blocks: blocks, ahead: ahead, budget: roundBlocks}
		if format != nil {
			r.parser = format.Parser
		} else {
			r.budget = len(ahead) // a round's worth of lines that need no parser
		}
		if err := execRound(ctx, conn, r); err != nil {
			return fail(err)
		}
		st.parsed += r.parsed
		st.rejected += int64(len(r.rejects))
		if st.refused == 0 && r.refused > 0 { // rounds go in file order
			st.firstRefused = fmt.Sprintf("line %d: %s", r.firstRefused.lineNo, r.firstRefused.reason)
		}
		st.refused += r.refused
		ahead = r.ahead // blocks read ahead that a round ended by its rejects left
		if r.done || (last && len(ahead) == 0) {
			break
		}
	}
	if err := <-readErr; err != nil {
		return "", st, err
	}
	st.lines = linesRead
	if format == nil {
		log.Warn("file holds only blank lines or lines too long to keep: nothing to ingest", "path", in.path, "lines", st.lines)
		return "empty", st, nil
	}
	return format.Name, st, nil
}

// setInsertOrder lets DuckDB insert from several threads at once; rows keep
// their line_no, so file order is one ORDER BY away.
func setInsertOrder(ctx context.Context, conn *sql.Conn, preserve bool) error {
	_, err := conn.ExecContext(ctx, fmt.Sprintf("SET preserve_insertion_order = %t", preserve))
	return err
}

func drain(ch <-chan *rawBatch) {
	for range ch {
	}
}

// readAhead adds blocks to ahead until the last holds a line to parse, a
// round's worth are held, or the file ends (eof).
func readAhead(ctx context.Context, blocks <-chan *rawBatch, ahead []*rawBatch) ([]*rawBatch, bool, error) {
	for (len(ahead) == 0 || !needsParser(ahead[len(ahead)-1])) && len(ahead) < roundBlocks {
		b, ok, err := receive(ctx, blocks)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return ahead, true, nil
		}
		ahead = append(ahead, b)
	}
	return ahead, false, nil
}

// needsParser reports whether a block holds a line that is not blank (an
// overlong line's block holds none).
func needsParser(b *rawBatch) bool { return len(bytes.TrimSpace(b.data)) > 0 }

// detectFormat detects the format from the first lines of block b.
func detectFormat(ctx context.Context, b *rawBatch, fields JSONFields, path string, log *slog.Logger) (*Format, error) {
	var lines [][]byte
	data := b.data
	// Blank lines do not count: a block may start with thousands of them.
	for nonBlank := 0; len(data) > 0 && nonBlank < detectSample*4; {
		l := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		lines = append(lines, l)
		if len(bytes.TrimSpace(l)) > 0 {
			nonBlank++
		}
	}
	f, err := Detect(ctx, lines, b.firstLine)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		if f, err = NewFormat(f.Name, fields); err != nil {
			return nil, err
		}
	}
	log.Info("detected log format", "path", path, "format", f.Name)
	return f, nil
}

var parsedPool = make(chan *parsedBatch, 16)

func newParsedBatch() *parsedBatch {
	select {
	case pb := <-parsedPool:
		return pb
	default:
		return &parsedBatch{}
	}
}

func release(pb *parsedBatch) {
	if pb.raw != nil && pb.raw.buf != nil {
		putBlock(pb.raw.buf)
	}
	clear(pb.recs) // drop string references into the released block
	pb.recs, pb.lineNos, pb.rejects, pb.raw, pb.refused = pb.recs[:0], pb.lineNos[:0], pb.rejects[:0], nil, 0
	pb.arena.reset()
	select {
	case parsedPool <- pb:
	default:
	}
}

// parseBlock parses every line of a block. Line terminators are \n or \r\n.
// It stops with ctx's error once ctx is done: a block may hold 64 MiB of
// lines, seconds of parsing.
func parseBlock(ctx context.Context, rb *rawBatch, p Parser) (*parsedBatch, error) {
	pb := newParsedBatch()
	pb.raw = rb
	if rb.oversize != nil {
		pb.rejects = append(pb.rejects, *rb.oversize)
		return pb, nil
	}
	data := rb.data
	lineNo := rb.firstLine
	for len(data) > 0 {
		if err := ctx.Err(); err != nil {
			return pb, err
		}
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		reason := ""
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			reason = "blank line"
		default:
			text := line
			if needsEscape(line) {
				start := len(pb.arena.buf)
				pb.arena.buf = escapeBytes(pb.arena.buf, line)
				text = pb.arena.buf[start:len(pb.arena.buf):len(pb.arena.buf)]
			}
			n := len(pb.recs)
			if n < cap(pb.recs) {
				pb.recs = pb.recs[:n+1]
			} else {
				pb.recs = append(pb.recs, Record{})
			}
			rec := &pb.recs[n]
			rec.reset()
			if err := p.Parse(text, rec, &pb.arena); err != nil {
				pb.recs = pb.recs[:n]
				reason = err.Error()
				if pb.refused == 0 {
					pb.firstRefused = len(pb.rejects)
				}
				pb.refused++
			} else {
				pb.lineNos = append(pb.lineNos, lineNo)
			}
		}
		if reason != "" {
			pb.rejects = append(pb.rejects, rejectRow{lineNo: lineNo, reason: reason, raw: rawText(line), rawBytes: int64(len(line))})
		}
		lineNo++
	}
	return pb, nil
}
