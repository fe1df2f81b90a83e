package report_test

import (
	"testing"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/internal/fixture"
	"github.com/freezeframe/freezeframe/report"
)

// BenchmarkReportSample writes every report file of the committed sample's
// analysed case: a size go test runs in seconds, for comparing builds; the
// README's report benchmark is the PyPI-size case.
func BenchmarkReportSample(b *testing.B) {
	c := openCase(b, fixture.Sample(b, fixture.Analysed), casefile.ReadOnly)
	for b.Loop() {
		if _, err := report.Write(ctx, c, report.Options{Out: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
}
