package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestHeuristicsShowTheRuleFields: the list gives each heuristic's level
// and status; one step in full gives its description, tags and the tables
// it reads; --json emits them all, lists as lists even when empty.
func TestHeuristicsShowTheRuleFields(t *testing.T) {
	out, _, code := runCLI(t, "heuristics")
	if code != 0 {
		t.Fatal(code)
	}
	lines := strings.Split(out, "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got[:4], []string{"ID", "KIND", "LEVEL", "STATUS"}) {
		t.Errorf("header %q", lines[0])
	}
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "unexpected-2fa ") })
	if i < 0 || !slices.Equal(strings.Fields(lines[i])[:4], []string{"unexpected-2fa", "heuristic", "high", "test"}) {
		t.Errorf("unexpected-2fa's line in:\n%s", out)
	}

	out, _, _ = runCLI(t, "heuristics", "unexpected-2fa")
	for _, want := range []string{"Level: high, status: test\n", "Description:\n  The PyPI incident's mark",
		"Tags:\n  attack.persistence attack.t1098.005\n", "Reads:\n  account_events_in_bounds attempts evidence span_attempts\n",
		"Results:\n  enrolments\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("heuristics unexpected-2fa lacks %q:\n%s", want, out)
		}
	}

	out, _, code = runCLI(t, "heuristics", "--all", "--json")
	if code != 0 {
		t.Fatal(code)
	}
	var steps []map[string]any
	if err := json.Unmarshal([]byte(out), &steps); err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, st := range steps {
		byID[st["id"].(string)] = st
		for _, k := range []string{"description", "level", "status"} {
			if s, _ := st[k].(string); s == "" {
				t.Errorf("%s: %s is %v", st["id"], k, st[k])
			}
		}
		for _, k := range []string{"tags", "reads", "results"} {
			if _, ok := st[k].([]any); !ok {
				t.Errorf("%s: %s is %v, want a list", st["id"], k, st[k])
			}
		}
	}
	if got := byID["campaign-country"]["tags"]; !slices.Equal(toStrings(got), []string{"attack.credential_access", "attack.t1110.004"}) {
		t.Errorf("campaign-country's tags %v", got)
	}
	if got := byID["macros"]["reads"]; len(toStrings(got)) != 0 {
		t.Errorf("macros reads %v", got)
	}
	if got := byID["attempts"]["reads"]; !slices.Contains(toStrings(got), "requests_in_bounds") {
		t.Errorf("attempts reads %v", got)
	}
}

// toStrings reads a JSON list of strings; anything else reads as empty.
func toStrings(v any) []string {
	var out []string
	xs, _ := v.([]any)
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
