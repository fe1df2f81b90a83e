package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/casefile"
)

// TestLogLinesClearTheProgressBar: a log line written while a bar is drawn
// starts on a line of its own, not after the bar.
func TestLogLinesClearTheProgressBar(t *testing.T) {
	var stderr bytes.Buffer
	e := &env{stderr: &stderr, logLevel: "info", memoryLimit: casefile.DefaultMemoryLimit}
	if err := e.setup(); err != nil {
		t.Fatal(err)
	}
	step, done := e.stepProgress("analyze")
	step("attempts", 1, 10)
	e.log.Info("a line")
	done()
	out := stderr.String()
	i := strings.Index(out, "time=")
	if i < 0 {
		t.Fatalf("no log line in %q", out)
	}
	if before := out[:i]; !strings.Contains(before, "analyze: attempts") || !strings.HasSuffix(before, "\r") {
		t.Errorf("the log line does not start a cleared line: %q", out)
	}
	if e.bar.Load() != nil {
		t.Error("the finished bar is still the one drawn")
	}
}
