package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// file writes rel under the output directory whole or not at all: fill
// writes a temporary file next to it through a buffer, which then replaces
// rel, so that no one freezes from half a list. It records the path; an
// error names the file.
func (w *writer) file(rel string, fill func(io.Writer) error) {
	if w.err != nil {
		return
	}
	path := filepath.Join(w.out, filepath.FromSlash(rel))
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		w.err = fmt.Errorf("writing %s: %w", path, err)
		return
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		w.err = fmt.Errorf("writing %s: %w", path, err)
		return
	}
	w.paths = append(w.paths, path)
}

// json writes v as indented JSON. Go encodes struct fields in their
// declared order, so the bytes depend only on the values.
func (w *writer) json(rel string, v any) {
	w.file(rel, func(out io.Writer) error {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}
