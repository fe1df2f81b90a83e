package report

import (
	"encoding/csv"
	"strings"
	"testing"
)

func TestOneALine(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"Bob.Smith-2", true},
		{"jo#e", true},
		{"o'brien", true},
		{"名前", true},
		{"", false},                  // no users row: a blank line, no account
		{"evil\nnewline", false},     // two entries, the second another account
		{"evil\r\nnewline", false},   // likewise
		{"evil\rnewline", false},     // a line break to some readers
		{"a\u2028b", false},          // Unicode line separator
		{"a\u2029b", false},          // Unicode paragraph separator
		{"a\u0085b", false},          // NEL
		{"a\tb", false},              // control character
		{"a\x00b", false},            // NUL
		{" alice", false},            // read back trimmed: alice
		{"alice ", false},            // likewise
		{"alice\u00a0", false},       // no-break space, trimmed as white space
		{"#alice", false},            // a comment to eval
		{"'alice", false},            // eval drops a spreadsheet's apostrophe
		{"=cmd|' /C calc'!A0", true}, // a formula is text in a list of lines
	} {
		if got := oneALine(c.name); got != c.ok {
			t.Errorf("oneALine(%q) = %v, want %v", c.name, got, c.ok)
		}
	}
}

// TestListCellSplitsBack: a list cell is one line, its items joined with
// listSep, and a CSV reader whose delimiter is listSep gives the items back,
// though user agents and fingerprints hold semicolons and quotes.
func TestListCellSplitsBack(t *testing.T) {
	items := []any{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 (81)",
		"curl/8.5.0 (69)",
		`browser | en-US,en;q=0.9 | form not loaded (12)`,
		`Bot "quoted"; v2 (1)`,
		"",
	}
	cell, err := csvCell(items)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(cell, "\r\n") {
		t.Errorf("list cell %q holds a line break", cell)
	}
	r := csv.NewReader(strings.NewReader(cell))
	r.Comma = ';'
	got, err := r.Read()
	if err != nil {
		t.Fatalf("reading %q back: %v", cell, err)
	}
	if len(got) != len(items) {
		t.Fatalf("%q splits into %q, want %d items", cell, got, len(items))
	}
	for i, it := range items {
		if got[i] != it {
			t.Errorf("item %d: %q, want %q", i, got[i], it)
		}
	}
	if cell, _ := csvCell([]any{"=1+1", "a;b", "@x", `+"y"`}); cell != `'=1+1;"a;b";'@x;"'+""y"""` {
		t.Errorf("a list of formulas: %q, want each item neutralised", cell)
	}
}
