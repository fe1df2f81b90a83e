package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

// rawKeepMax is how much of a rejected line rejects.raw keeps.
const rawKeepMax = 4 << 10

// Variables, not constants, so tests can cross block boundaries with small files.
var (
	blockSize = 2 << 20  // bytes of whole lines handed to a parser at once
	maxLine   = 64 << 20 // longer lines are rejected, not buffered
)

// rawBatch is a block of whole lines read from the file.
type rawBatch struct {
	firstLine int64
	data      []byte
	buf       []byte // backing buffer, returned to the pool once written
	oversize  *rejectRow
}

type rejectRow struct {
	lineNo   int64
	reason   string
	raw      string
	rawBytes int64
}

var blockPool = sync.Pool{New: func() any { b := make([]byte, 0, blockSize); return &b }}

// getBlock returns an empty buffer of blockSize bytes. A pooled buffer of
// another size (blockSize was changed) is dropped: a larger one would let
// lines up to its size through as ordinary lines, past maxLine.
func getBlock() []byte {
	if b := *blockPool.Get().(*[]byte); cap(b) == blockSize {
		return b[:0]
	}
	return make([]byte, 0, blockSize)
}

func putBlock(b []byte) {
	if cap(b) == blockSize {
		b = b[:0]
		blockPool.Put(&b)
	}
}

// readError is a failure to read or decompress the file at some line.
type readError struct {
	line int64
	err  error
}

func (e *readError) Error() string {
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("the compressed stream is truncated: it ends inside line %d (%v)", e.line, e.err)
	}
	return fmt.Sprintf("read failed at line %d: %v", e.line, e.err)
}

func (e *readError) Unwrap() error { return e.err }

// readFailure is the error of a read that failed at line: the context's
// error if cancellation stopped the read, else a *readError.
func readFailure(ctx context.Context, line int64, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return &readError{line: line, err: err}
}

// readBlocks splits r into blocks of whole lines and sends them in order.
// It returns the number of lines read, counting a last line without a
// newline. Every read checks ctx first, so an endless input stops.
func readBlocks(ctx context.Context, r io.Reader, out chan<- *rawBatch) (int64, error) {
	defer close(out)
	r = ctxReader{ctx: ctx, r: r}
	buf := getBlock()
	line := int64(1)
	send := func(b *rawBatch) error {
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	eof := false
	for !eof {
		for len(buf) < cap(buf) {
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return line - 1, readFailure(ctx, line+int64(bytes.Count(buf, []byte{'\n'})), err)
			}
		}
		if eof {
			if len(buf) == 0 {
				putBlock(buf)
				break
			}
			n := int64(bytes.Count(buf, []byte{'\n'}))
			if buf[len(buf)-1] != '\n' {
				n++
			}
			if err := send(&rawBatch{firstLine: line, data: buf, buf: buf}); err != nil {
				return line - 1, err
			}
			line += n
			break
		}
		last := bytes.LastIndexByte(buf, '\n')
		if last < 0 {
			if cap(buf) < maxLine {
				bigger := make([]byte, len(buf), 2*cap(buf))
				copy(bigger, buf)
				putBlock(buf)
				buf = bigger
				continue
			}
			rj, rest, err := skipLongLine(ctx, r, buf, line)
			if err != nil {
				return line - 1, err
			}
			if err := send(&rawBatch{firstLine: line, oversize: rj}); err != nil {
				return line - 1, err
			}
			line++
			buf = append(getBlock(), rest...)
			eof = rest == nil
			continue
		}
		next := append(getBlock(), buf[last+1:]...)
		block := buf[:last+1]
		if err := send(&rawBatch{firstLine: line, data: block, buf: buf}); err != nil {
			return line - 1, err
		}
		line += int64(bytes.Count(block, []byte{'\n'}))
		buf = next
	}
	return line - 1, nil
}

// skipLongLine rejects a line longer than maxLine: it keeps its first bytes,
// reads on to its end, and returns what follows it (nil at end of file).
// r is readBlocks' reader, which stops once ctx is done.
func skipLongLine(ctx context.Context, r io.Reader, buf []byte, line int64) (*rejectRow, []byte, error) {
	rj := &rejectRow{lineNo: line, reason: fmt.Sprintf("line longer than %d MiB", maxLine>>20), raw: rawText(buf)}
	total := int64(len(buf))
	chunk := make([]byte, 1<<20)
	for {
		n, err := r.Read(chunk)
		if i := bytes.IndexByte(chunk[:n], '\n'); i >= 0 {
			rj.rawBytes = total + int64(i)
			return rj, append([]byte{}, chunk[i+1:n]...), nil
		}
		total += int64(n)
		if err == io.EOF {
			rj.rawBytes = total
			return rj, nil, nil
		}
		if err != nil {
			return nil, nil, readFailure(ctx, line, err)
		}
	}
}

// rawText is a line as rejects.raw keeps it: cut at 4 KiB on a character
// boundary, with invalid UTF-8 and NUL escaped.
func rawText(line []byte) string {
	if len(line) > rawKeepMax {
		cut := rawKeepMax
		for cut > rawKeepMax-utf8.UTFMax && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut]
	}
	return string(escapeIfNeeded(line))
}
