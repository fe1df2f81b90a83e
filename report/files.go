package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// file creates rel under the output directory, lets fill write it through a
// buffer and closes it, recording the path. An error names the file.
func (w *writer) file(rel string, fill func(io.Writer) error) {
	if w.err != nil {
		return
	}
	path := filepath.Join(w.out, filepath.FromSlash(rel))
	f, err := os.Create(path)
	if err != nil {
		w.err = err
		return
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
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
