package report

import "testing"

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
