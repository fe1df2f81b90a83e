package ingest

import (
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// The first read of a CSV export (scanCSV) decides whether DuckDB may read
// it in place: every line after the header one row of the header's fields,
// valid UTF-8 without NUL, and no two rows with one id. Under that rule each
// line stands alone, so the lines are checked in blocks, in parallel, while
// the reading goroutine hashes the file; the first line that breaks it ends
// the checking, and the rest of the file is only hashed.

// scanBlock is how much of the file one check takes; a line longer than
// that sends the file down the slower route, which reads lines of any
// length (DuckDB's reader takes lines up to 2 MB).
const scanBlock = 4 << 20

// lineCheck is the result of checking the blocks one worker took.
type lineCheck struct {
	rows int64
	ids  []uint64 // hashes of the lowercased ids
}

// checkLines reads r, the lines after the header, to its end, and says
// whether every one is a clean row of want fields (see csvScan), how many
// rows there are and whether two rows may share an id (their id column's
// text, lowercased, hashes alike; idCol < 0 when there is none). It stops
// reading at the first line that is not clean.
func checkLines(ctx context.Context, r io.Reader, want, idCol int) (clean bool, rows int64, err error) {
	workers := runtime.GOMAXPROCS(0)
	blocks := make(chan []byte, workers)
	free := make(chan []byte, workers+2)
	for range workers + 2 {
		free <- make([]byte, scanBlock)
	}
	var dirty atomic.Bool
	seed := maphash.MakeSeed()
	checks := make([]lineCheck, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var fields csvRow
			var lower []byte
			lc := &checks[w]
			for b := range blocks {
				if !dirty.Load() && !lc.check(b, want, idCol, seed, &fields, &lower) {
					dirty.Store(true)
				}
				free <- b[:cap(b)]
			}
		})
	}
	err = feedBlocks(ctx, r, blocks, free, &dirty)
	close(blocks)
	wg.Wait()
	if err != nil || dirty.Load() {
		return false, 0, err
	}
	sets := make([][]uint64, workers)
	for i, lc := range checks {
		rows += lc.rows
		sets[i] = lc.ids
	}
	return !maybeDuplicate(sets), rows, nil
}

// feedBlocks cuts what r holds into blocks of whole lines and sends them to
// the workers, until the end or until a worker finds a line not clean.
func feedBlocks(ctx context.Context, r io.Reader, blocks chan<- []byte, free chan []byte, dirty *atomic.Bool) error {
	var carry []byte // the start of a line the last block cut
	for !dirty.Load() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := <-free
		n := copy(b, carry)
		m, err := io.ReadFull(r, b[n:])
		b = b[:n+m]
		end := err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !end {
			return err
		}
		cut := len(b)
		if !end {
			cut = bytes.LastIndexByte(b, '\n') + 1
			if cut == 0 {
				dirty.Store(true) // a line longer than a block
				return nil
			}
		}
		carry = append(carry[:0], b[cut:]...)
		if cut > 0 {
			blocks <- b[:cut]
		} else {
			free <- b
		}
		if end {
			return nil
		}
	}
	return nil
}

// check checks the lines of one block, counting them and keeping their
// ids' hashes, and says whether every one is clean.
func (lc *lineCheck) check(b []byte, want, idCol int, seed maphash.Seed, fields *csvRow, lower *[]byte) bool {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
		}
		b = b[len(line):]
		if len(trimEOL(line)) == 0 && want != 1 {
			return false // a blank line
		}
		if !cleanText(line) {
			return false
		}
		var more bool
		var problem string
		*fields, more, problem = splitCSV(line, *fields)
		if more || problem != "" || len(*fields) != want {
			return false
		}
		lc.rows++
		if idCol >= 0 {
			id := (*fields)[idCol].text
			if isASCII(id) {
				*lower = append((*lower)[:0], id...)
				lowerASCII(*lower)
			} else {
				*lower = bytes.ToLower(id)
			}
			lc.ids = append(lc.ids, maphash.Bytes(seed, *lower))
		}
	}
	return true
}

// cleanText says whether b is valid UTF-8 without NUL.
func cleanText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// maybeDuplicate says whether a value occurs twice across the sets, which
// it sorts.
func maybeDuplicate(sets [][]uint64) bool {
	var wg sync.WaitGroup
	for _, s := range sets {
		wg.Go(func() { slices.Sort(s) })
	}
	wg.Wait()
	next := make([]int, len(sets))
	var last uint64
	for seen := false; ; seen = true {
		m := -1
		for i, s := range sets {
			if next[i] < len(s) && (m < 0 || s[next[i]] < sets[m][next[m]]) {
				m = i
			}
		}
		if m < 0 {
			return false
		}
		v := sets[m][next[m]]
		if seen && v == last {
			return true
		}
		last = v
		next[m]++
	}
}
