// Package testfs holds what tests of freezeframe's outputs need to look at
// a directory as a reader of it would.
package testfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Visible is what a reader finds in dir: the bytes of each file by its
// path, links followed, and "dir" for each directory; a report's state
// directory (.freezeframe-report), where the links lead, is left out, and
// so is a link that leads nowhere, which a reader does not find.
func Visible(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir() && d.Name() == ".freezeframe-report":
			return filepath.SkipDir
		case d.IsDir():
			m[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			m[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Read returns the bytes of the file at path, failing the test if it
// cannot be read.
func Read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
