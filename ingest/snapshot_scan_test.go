package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestCheckLines(t *testing.T) {
	t.Parallel()
	// Rows enough to fill several blocks, so lines are cut between blocks
	// and checked by every worker.
	var big strings.Builder
	n := 0
	for big.Len() < 3*scanBlock {
		fmt.Fprintf(&big, "%08x-0000-4000-8000-000000000000,\"x,\"\"y\"\"\",%d\n", n, n)
		n++
	}
	for _, tc := range []struct {
		name  string
		body  string
		clean bool
		rows  int64
	}{
		{"clean", "a,1,x\nb,\"2\",\n", true, 2},
		{"last line without a line break", "a,1,x\nb,2,y", true, 2},
		{"CRLF", "a,1,x\r\nb,2,y\r\n", true, 2},
		{"empty", "", true, 0},
		{"many blocks", big.String(), true, int64(n)},
		{"a duplicate id", "a,1,x\nb,2,y\nA,3,z\n", false, 0},
		{"a duplicate id blocks apart", big.String() + "00000000-0000-4000-8000-000000000000,x,1\n", false, 0},
		{"a blank line", "a,1,x\n\nb,2,y\n", false, 0},
		{"a row over two lines", "a,\"1\n2\",x\n", false, 0},
		{"a field too many", "a,1,x,y\n", false, 0},
		{"a stray quote", "a,1\"2,x\n", false, 0},
		{"NUL", "a,1\x00,x\n", false, 0},
		{"invalid UTF-8", "a,\xff,x\n", false, 0},
		{"a line longer than a block", "a,1," + strings.Repeat("x", scanBlock) + "\n", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clean, rows, err := checkLines(context.Background(), strings.NewReader(tc.body), 3, 0)
			if err != nil {
				t.Fatal(err)
			}
			if clean != tc.clean || (clean && rows != tc.rows) {
				t.Errorf("clean %v, %d rows; want %v, %d", clean, rows, tc.clean, tc.rows)
			}
		})
	}
}
