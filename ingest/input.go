package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// input is one evidence file opened read-only, hashed as it is read and
// decompressed according to its magic bytes (not its name).
type input struct {
	path        string // as given; "-" is standard input
	file        *os.File
	stdin       bool
	hasher      hash.Hash
	raw         *countingReader
	compression string
	r           io.Reader // decompressed content
	closeDec    func()
	stopWatch   func() bool // ends the watch that interrupts reads on cancellation
}

// countingReader counts and hashes every byte read from the file.
type countingReader struct {
	r      io.Reader
	h      hash.Hash
	n      int64
	onRead func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.h.Write(p[:n])
		c.n += int64(n)
		if c.onRead != nil {
			c.onRead(n)
		}
	}
	return n, err
}

// ctxReader fails every read once ctx is done, so a loop or copy over a
// reader that never ends (/dev/zero) or a large file stops on cancellation.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// hashFile returns the hex SHA-256 and size of a regular file.
func hashFile(path string) (string, int64, error) {
	return hashFileContext(context.Background(), path)
}

// hashFileContext is hashFile stopping when ctx is done.
func hashFileContext(ctx context.Context, path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = f.Close() }() // read only: io.Copy reports a failed read
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx: ctx, r: f})
	if cerr := ctx.Err(); cerr != nil {
		return "", 0, cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// statInput checks that path names a readable file (or is "-"), with a
// message that says what is wrong otherwise. It returns the file's details
// for a regular file, and nil for stdin, a pipe or a device, which can be
// read only once.
func statInput(path string) (os.FileInfo, error) {
	if path == "-" {
		return nil, nil
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: no such file", path)
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, fmt.Errorf("%s is a directory; name the log files in it (for example %s/*.log)", path, path)
	case !st.Mode().IsRegular():
		return nil, nil
	}
	return st, nil
}

// openInput opens path for reading. The caller closes it.
func openInput(path string, onRead func(int)) (*input, error) {
	return openInputContext(context.Background(), path, onRead)
}

// openInputContext is openInput whose reads blocked on a pipe or FIFO
// return once ctx is done (see interrupt).
func openInputContext(ctx context.Context, path string, onRead func(int)) (*input, error) {
	in := &input{path: path, hasher: sha256.New()}
	if path == "-" {
		in.stdin = true
		in.file = os.Stdin
	} else {
		f, err := os.OpenFile(path, os.O_RDONLY, 0)
		if err != nil {
			return nil, err
		}
		in.file = f
	}
	in.stopWatch = context.AfterFunc(ctx, in.interrupt)
	in.raw = &countingReader{r: in.file, h: in.hasher, onRead: onRead}
	br := bufio.NewReaderSize(in.raw, 1<<20)
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			in.Close()
			return nil, fmt.Errorf("%s: gzip header: %w", path, err)
		}
		in.compression, in.r, in.closeDec = "gzip", zr, func() { _ = zr.Close() }
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			in.Close()
			return nil, fmt.Errorf("%s: zstd header: %w", path, err)
		}
		in.compression, in.r, in.closeDec = "zstd", zr, zr.Close
	default:
		in.compression, in.r = "none", br
	}
	return in, nil
}

// finish reads whatever the decompressor left unread so the hash covers the
// whole file, and returns the file's SHA-256 and size.
func (in *input) finish(ctx context.Context) (string, int64, error) {
	if _, err := io.Copy(io.Discard, ctxReader{ctx: ctx, r: in.raw}); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return "", 0, fmt.Errorf("%s: %w", in.path, err)
	}
	return hex.EncodeToString(in.hasher.Sum(nil)), in.raw.n, nil
}

// interrupt makes a read blocked on a pipe or FIFO return at once, and every
// later read fail. Reads of regular files and devices do not block for long
// and have no deadline to set (the error says so and is of no use here); a
// standard input left in blocking mode by the shell cannot be interrupted.
func (in *input) interrupt() {
	_ = in.file.SetReadDeadline(time.Now())
}

// Close releases the input. It was only read, and a failed read is
// reported by Read, so closing has nothing to say.
func (in *input) Close() {
	in.stopWatch()
	if in.closeDec != nil {
		in.closeDec()
	}
	if !in.stdin {
		_ = in.file.Close()
	}
}

// CheckLog says, before anything is ingested, whether the log at path can
// be read: standard input ("-"), or a regular file this process may open.
func CheckLog(path string) error {
	if path == "-" {
		return nil
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("log %s: no such file (a shell pattern that matched nothing stays as written)", path)
	case err != nil:
		return fmt.Errorf("log %s: %w", path, err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("log %s: not a regular file; give the log files themselves (logs/*.log.gz), not a directory", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("log %s: %w", path, err)
	}
	return f.Close()
}
