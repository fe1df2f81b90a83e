package ingest

import (
	"context"
	"strings"
	"testing"
)

// Benchmarks of the log path at a size go test runs in seconds, for
// comparing builds and for profiles (go test -bench . -cpuprofile):
// scripts/bench-ingest.sh measures the targets on 2M and 20M lines.

// BenchmarkParseCombined is the parser alone: no reading, no DuckDB.
func BenchmarkParseCombined(b *testing.B) {
	f, err := NewFormat("combined", nil)
	if err != nil {
		b.Fatal(err)
	}
	lines := combinedLines(10000)
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	b.SetBytes(size)
	var rec Record
	var a Arena
	for b.Loop() {
		for _, l := range lines {
			rec.reset()
			a.reset()
			if err := f.Parser.Parse([]byte(l), &rec, &a); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkIngestCombined is ingest logs end to end, 200,000 lines into a
// fresh case each time: reading, hashing, parsing and DuckDB's storing.
func BenchmarkIngestCombined(b *testing.B) {
	const n = 200000
	path := writeFile(b, "access.log", []byte(strings.Join(combinedLines(n), "\n")+"\n"))
	for b.Loop() {
		b.StopTimer()
		c := openCase(b)
		b.StartTimer()
		res, err := Logs(context.Background(), c, path, LogOptions{Format: "combined", ToolVersion: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Parsed != n {
			b.Fatalf("parsed %d of %d lines", res.Parsed, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "lines/s")
}
