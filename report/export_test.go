package report

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// AnalysedSample hands the package's own tests a copy of the committed
// sample's analysed case. The external tests' TestMain sets it from
// internal/fixture, which the package's own tests cannot import: it reaches
// report through the pipeline.
var AnalysedSample func(testing.TB) string

// FailWrites makes the writes to report files named name fail after n
// bytes with ENOSPC, as on a full disk, until the returned function is
// called.
func FailWrites(name string, n int) (restore func()) {
	before := fileWriter
	fileWriter = func(f *os.File) io.Writer {
		if filepath.Base(f.Name()) == name {
			return &fullDisk{f: f, left: n}
		}
		return f
	}
	return func() { fileWriter = before }
}

// fullDisk writes its first left bytes to f, then fails.
type fullDisk struct {
	f    *os.File
	left int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= d.left {
		d.left -= len(p)
		return d.f.Write(p)
	}
	n, _ := d.f.Write(p[:d.left])
	d.left = 0
	return n, syscall.ENOSPC
}
