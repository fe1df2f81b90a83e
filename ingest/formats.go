package ingest

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
)

// Format is a named or custom log format ready to parse lines.
type Format struct {
	Name   string // name as the user gave it, or the LogFormat string
	Parser Parser
}

// detectOrder lists the named formats tried by detection, most specific first.
var detectOrder = []string{"jsonl", "fastly-pypi", "gunicorn-pypi", "combined", "common"}

// FormatNames lists the named formats.
func FormatNames() []string {
	names := append([]string(nil), detectOrder...)
	sort.Strings(names)
	return names
}

// NewFormat returns the format called name (see FormatNames), or compiles
// name as an Apache LogFormat string. fields remaps JSON keys (jsonl only).
func NewFormat(name string, fields JSONFields) (*Format, error) {
	if name == "jsonl" {
		p, err := NewJSONLines(fields)
		if err != nil {
			return nil, err
		}
		return &Format{Name: p.Spec(), Parser: p}, nil
	}
	if len(fields) > 0 {
		return nil, fmt.Errorf("--field applies to --log-format jsonl only")
	}
	spec, named := namedFormats[name]
	if !named {
		if !strings.Contains(name, "%") {
			return nil, fmt.Errorf("unknown log format %q: use one of %s, or an Apache LogFormat string such as '%%h %%l %%u %%t \"%%r\" %%>s %%b'",
				name, strings.Join(FormatNames(), ", "))
		}
		spec = name
	}
	lf, err := CompileLogFormat(spec)
	if err != nil {
		return nil, err
	}
	lf.hashedClient = name == "gunicorn-pypi"
	return &Format{Name: name, Parser: lf}, nil
}

// detectSample is how many non-blank lines detection looks at.
const detectSample = 50

// DetectError says no known format fits the start of a file.
type DetectError struct {
	Tried  []string
	LineNo int64 // the first sampled line that fits no format, or the first line when all fit one
	Line   string
	// When every sampled line fits some format but no format fits most:
	Mixed    bool
	Best     string // the format that fits the most lines
	BestFits int
	Sampled  int
}

func (e *DetectError) Error() string {
	if e.Mixed {
		return fmt.Sprintf("cannot tell the log format: every one of the first %d lines fits one of %s, but no one format fits most of them (%s fits %d); the file may mix formats: give --log-format NAME or an Apache LogFormat string",
			e.Sampled, strings.Join(e.Tried, ", "), e.Best, e.BestFits)
	}
	return fmt.Sprintf("cannot tell the log format: tried %s, and line %d fitted none of them: %q; give --log-format NAME or an Apache LogFormat string",
		strings.Join(e.Tried, ", "), e.LineNo, e.Line)
}

// Detect picks the format that parses the most sampled lines from the start
// of a file, the more specific on a tie, provided it parses more than half of
// them: a log with some garbage lines is still recognised, and the garbage
// lands in rejects. lines are the file's first lines, numbered from firstLineNo.
// Detection stops with ctx's error once ctx is done: a line may be 64 MiB.
func Detect(ctx context.Context, lines [][]byte, firstLineNo int64) (*Format, error) {
	var sample [][]byte
	var nums []int64
	for i, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		sample = append(sample, l)
		nums = append(nums, firstLineNo+int64(i))
		if len(sample) == detectSample {
			break
		}
	}
	if len(sample) == 0 {
		return nil, fmt.Errorf("cannot tell the log format: no non-blank line")
	}
	fitsAny := make([]bool, len(sample))
	var best *Format
	bestFits := 0
	var a Arena
	var rec Record
	for _, name := range detectOrder {
		f, err := NewFormat(name, nil)
		if err != nil {
			return nil, err
		}
		fits := 0
		for i, l := range sample {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rec.reset()
			a.reset()
			if f.Parser.Parse(escapeIfNeeded(l), &rec, &a) == nil {
				fits++
				fitsAny[i] = true
			}
		}
		if fits > bestFits {
			best, bestFits = f, fits
		}
	}
	if 2*bestFits > len(sample) {
		return best, nil
	}
	for i, ok := range fitsAny {
		if !ok {
			return nil, &DetectError{Tried: detectOrder, LineNo: nums[i], Line: snippet(sample[i])}
		}
	}
	// Every line fitted some format but no format fitted most lines.
	return nil, &DetectError{Tried: detectOrder, LineNo: nums[0], Line: snippet(sample[0]),
		Mixed: true, Best: best.Name, BestFits: bestFits, Sampled: len(sample)}
}

func escapeIfNeeded(l []byte) []byte {
	if needsEscape(l) {
		return escapeBytes(nil, l)
	}
	return l
}
