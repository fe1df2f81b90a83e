package investigation

import (
	"errors"
	"strings"
	"testing"
)

func TestMemoryHintNamesTheFlag(t *testing.T) {
	oom := errors.New("analysis step profiles (analyze/40_profiles.sql), statement 1: Out of Memory Error: could not allocate block")
	if got := memoryHint(oom); !errors.Is(got, oom) || !strings.Contains(got.Error(), "--memory-limit 4GB") {
		t.Errorf("out of memory: %v", got)
	}
	other := errors.New("analysis step attempts: Binder Error: no such column")
	if got := memoryHint(other); got != other {
		t.Errorf("another error was changed: %v", got)
	}
}
