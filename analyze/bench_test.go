package analyze_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/freezeframe/freezeframe/analyze"
	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/investigation"
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
	opts := investigation.Options{Logs: logs, Snapshot: "../samples/pypi-2024-03/snapshot", IngestOnly: true, ToolVersion: "bench"}
	if _, err := investigation.Steps(ctx, c, opts); err != nil {
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
