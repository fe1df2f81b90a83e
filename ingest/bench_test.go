package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Benchmarks of the log path at a size go test runs in seconds, for
// comparing builds and for profiles (go test -bench . -cpuprofile):
// scripts/bench-ingest.sh measures the targets on 2M and 20M lines.

// fastlyLines returns n lines of PyPI's Fastly format, as genlog writes them.
func fastlyLines(n int) []string {
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
		`pip/24.0 {"ci":null,"python":"3.11.8"}`,
		"python-requests/2.31.0",
	}
	paths := []string{"GET /simple/requests/", "POST /account/login/", "GET /project/django/?tab=history", "GET /static/js/warehouse.js"}
	start := time.Date(2024, 3, 30, 20, 0, 0, 0, time.UTC)
	lines := make([]string, n)
	for i := range lines {
		t := start.Add(time.Duration(i) * time.Second)
		lines[i] = fmt.Sprintf(`203.0.%d.%d "%s" - "%s" HTTP/2 %d %d 0 "MISS, MISS" "0, 0" "(null)" "en-US,en;q=0.9" "%s"`,
			i/250%256, i%250+1, t.Format("Mon, 02 Jan 2006 15:04:05 MST"), paths[i%len(paths)],
			[]int{200, 303, 404}[i%3], 100+i, agents[i%len(agents)])
	}
	return lines
}

// benchParse is a format's parser alone: no reading, no DuckDB.
func benchParse(b *testing.B, format string, lines []string) {
	f, err := NewFormat(format, nil)
	if err != nil {
		b.Fatal(err)
	}
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

// benchIngest is ingest logs end to end into a fresh case each time:
// reading, hashing, parsing and DuckDB's storing.
func benchIngest(b *testing.B, format string, lines []string) {
	path := writeFile(b, "access.log", []byte(strings.Join(lines, "\n")+"\n"))
	for b.Loop() {
		b.StopTimer()
		c := openCase(b)
		b.StartTimer()
		res, err := Logs(context.Background(), c, path, LogOptions{Format: format, ToolVersion: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Parsed != int64(len(lines)) {
			b.Fatalf("parsed %d of %d lines", res.Parsed, len(lines))
		}
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkParseCombined is the combined-log parser alone.
func BenchmarkParseCombined(b *testing.B) { benchParse(b, "combined", combinedLines(10000)) }

// BenchmarkParseFastly is the Fastly-PyPI parser alone.
func BenchmarkParseFastly(b *testing.B) { benchParse(b, "fastly-pypi", fastlyLines(10000)) }

// BenchmarkIngestCombined is 200,000 combined lines into a fresh case.
func BenchmarkIngestCombined(b *testing.B) { benchIngest(b, "combined", combinedLines(200000)) }

// BenchmarkIngestFastly is 200,000 Fastly-PyPI lines into a fresh case.
func BenchmarkIngestFastly(b *testing.B) { benchIngest(b, "fastly-pypi", fastlyLines(200000)) }
