package analyze_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
)

// BenchmarkAnalyzeSample runs every step on the committed sample (67k log
// lines, 10k login attempts): a size go test runs in seconds, for comparing
// builds and for profiles; scripts/bench-analyze.sh measures the PyPI size.
func BenchmarkAnalyzeSample(b *testing.B) {
	ctx := context.Background()
	c, err := casefile.Open(ctx, filepath.Join(b.TempDir(), "sample.duckdb"), casefile.ReadWrite)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	quiet := slog.New(slog.DiscardHandler)
	logs, _ := filepath.Glob("../samples/pypi-2024-03/logs/*")
	for _, l := range logs {
		if _, err := ingest.Logs(ctx, c, l, ingest.LogOptions{ToolVersion: "bench", Logger: quiet}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := ingest.Snapshot(ctx, c, "../samples/pypi-2024-03/snapshot", ingest.SnapshotOptions{ToolVersion: "bench", Logger: quiet}); err != nil {
		b.Fatal(err)
	}
	var attempts int64
	for b.Loop() {
		res, err := analyze.Run(ctx, c, analyze.Options{ToolVersion: "bench", Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		attempts += res.Attempts
	}
	b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
}
