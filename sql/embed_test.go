package sql

import (
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
