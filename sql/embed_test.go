package sql

import (
	"slices"
	"strings"
	"testing"
)

func TestExpandRepeats(t *testing.T) {
	for _, c := range []struct{ name, in, want, err string }{
		{"no block", "SELECT 1;\n", "SELECT 1;\n", ""},
		{"a block three times", "A;\n-- repeat 3\nB;\nC;\n-- end repeat\nD;\n", "A;\nB;\nC;\nB;\nC;\nB;\nC;\nD;\n", ""},
		{"indented markers", "  -- repeat 2\nB;\n  -- end repeat\n", "B;\nB;\n", ""},
		{"two blocks", "-- repeat 2\nB;\n-- end repeat\n-- repeat 1\nC;\n-- end repeat\n", "B;\nB;\nC;\n", ""},
		{"no end", "-- repeat 2\nB;\n", "", `line 1: "-- repeat 2" has no "-- end repeat"`},
		{"end alone", "B;\n-- end repeat\n", "", `line 2: "-- end repeat" without "-- repeat N"`},
		{"nested", "-- repeat 2\n-- repeat 2\nB;\n-- end repeat\n-- end repeat\n", "", "line 2: repeat blocks do not nest"},
		{"not a number", "-- repeat many\nB;\n-- end repeat\n", "", `line 1: "-- repeat many": want "-- repeat N" with N from 1 to 1000`},
		{"zero", "-- repeat 0\nB;\n-- end repeat\n", "", `line 1: "-- repeat 0": want "-- repeat N" with N from 1 to 1000`},
		{"too many", "-- repeat 1001\nB;\n-- end repeat\n", "", `want "-- repeat N" with N from 1 to 1000`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ExpandRepeats(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ExpandRepeats: %v, want an error with %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("ExpandRepeats(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func TestStatementsOfARepeatedBlock(t *testing.T) {
	script, err := ExpandRepeats("CREATE TABLE a (x INT);\n-- repeat 2\n-- a comment\nINSERT INTO a VALUES (1);\n-- end repeat\n")
	if err != nil {
		t.Fatal(err)
	}
	got := Statements(script)
	if len(got) != 3 || got[1] != "INSERT INTO a VALUES (1)" || got[2] != got[1] {
		t.Errorf("statements %q", got)
	}
}

// TestStatements: a file splits at the semicolons that end statements, not
// at those in a comment, a string or a quoted name (the old splitter cut
// at every line ending in ";", comments included), and lines that are only
// a comment are dropped.
func TestStatements(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"one a line", "SELECT 1;\nSELECT 2;\n", []string{"SELECT 1", "SELECT 2"}},
		{"no last semicolon", "SELECT 1;\nSELECT 2\n", []string{"SELECT 1", "SELECT 2"}},
		{"two on a line", "SELECT 1; SELECT 2;", []string{"SELECT 1", " SELECT 2"}},
		{"comment lines dropped", "-- a rule\nSELECT 1\n  -- note\nFROM t;\n", []string{"SELECT 1\nFROM t"}},
		{"semicolon ending a comment", "SELECT 1, -- one;\n2;\n", []string{"SELECT 1, -- one;\n2"}},
		{"comment line ending in a semicolon", "SELECT\n-- the x; then y;\nx, y FROM t;\n", []string{"SELECT\nx, y FROM t"}},
		{"in a string", "SELECT 'a;\nb' AS s;\nSELECT 2;", []string{"SELECT 'a;\nb' AS s", "SELECT 2"}},
		{"doubled quote", "SELECT 'it''s; fine';\nSELECT 2;", []string{"SELECT 'it''s; fine'", "SELECT 2"}},
		{"quoted name", "SELECT 1 AS \"a;b\";\n", []string{"SELECT 1 AS \"a;b\""}},
		{"block comment", "SELECT /* x; y */ 1;\n/* a;\nb; */SELECT 2;\n", []string{"SELECT /* x; y */ 1", "/* a;\nb; */SELECT 2"}},
		{"dash in an expression", "SELECT 3 - 1;\nSELECT 2;\n", []string{"SELECT 3 - 1", "SELECT 2"}},
		{"unclosed string", "SELECT 'a;b", []string{"SELECT 'a;b"}},
		{"only comments", "-- nothing;\n\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Statements(c.in); !slices.Equal(got, c.want) {
				t.Errorf("Statements(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}
