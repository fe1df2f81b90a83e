package sql

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sqlStart is a string that begins as a SQL statement does.
var sqlStart = regexp.MustCompile(`^\s*(SELECT\b|WITH\b|INSERT INTO\b|UPDATE \w+ SET\b|DELETE FROM\b|CREATE (OR REPLACE )?(TEMP )?(TABLE|VIEW|MACRO)\b)`)

// TestNoSQLInGoStrings: the SQL freezeframe runs lives in sql/, where an
// investigator can read exactly what ran; Go binds parameters and orders
// the steps. A statement longer than one line in a Go string (outside
// tests) fails this test; one-line glue (a nextval, a count of a table)
// may stay.
func TestNoSQLInGoStrings(t *testing.T) {
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err == nil && sqlStart.MatchString(v) && strings.Contains(strings.TrimSpace(v), "\n") {
				t.Errorf("%s: a SQL statement of %d lines in a Go string; put it in a .sql file (under sql/ for what freezeframe runs)", fset.Position(lit.Pos()), strings.Count(v, "\n")+1)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files read: is the test run from sql/?", checked)
	}
}
