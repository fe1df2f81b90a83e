package sql

import "testing"

func TestParseHeader(t *testing.T) {
	text := "-- id: r\n-- description: a first line\n--   and its continuation\n-- parameters:\n--   n = 1: a number\n\nSELECT 1;\n"
	h, err := ParseHeader("r.sql", text, []string{"id", "description"}, "parameters")
	if err != nil {
		t.Fatal(err)
	}
	if h.Fields["id"] != "r" || h.Fields["description"] != "a first line and its continuation" {
		t.Errorf("fields %q", h.Fields)
	}
	if len(h.Items) != 1 || h.Items[0].Text != "n = 1: a number" || h.Items[0].Line != 5 {
		t.Errorf("items %+v", h.Items)
	}
	if h.Body != "\nSELECT 1;\n" {
		t.Errorf("body %q", h.Body)
	}
	if _, err := ParseHeader("r.sql", "-- catches: x\nSELECT 1;\n", []string{"id", "description"}, ""); err == nil ||
		err.Error() != `r.sql line 1: unknown header key "catches"` {
		t.Errorf("unknown key: %v", err)
	}
}

func TestCheckRule(t *testing.T) {
	if err := CheckRule("r.sql", "high", "test", []string{"attack.persistence", "attack.t1098.005", "attack.t1078"}); err != nil {
		t.Errorf("a good rule: %v", err)
	}
	for _, c := range []struct {
		level, status string
		tags          []string
		want          string
	}{
		{"severe", "test", nil, `r.sql: level "severe"; want one of informational, low, medium, high, critical`},
		{"", "test", nil, `r.sql: level ""; want one of informational, low, medium, high, critical`},
		{"low", "production", nil, `r.sql: status "production"; want one of experimental, test, stable`},
		{"low", "test", []string{"T1110.004"}, `r.sql: tag "T1110.004" is not an ATT&CK tag like attack.t1110.004 or attack.credential_access`},
		{"low", "test", []string{"attack.t1110.4"}, `r.sql: tag "attack.t1110.4" is not an ATT&CK tag like attack.t1110.004 or attack.credential_access`},
	} {
		err := CheckRule("r.sql", c.level, c.status, c.tags)
		if err == nil || err.Error() != c.want {
			t.Errorf("CheckRule(%q, %q, %q): %v, want %q", c.level, c.status, c.tags, err, c.want)
		}
	}
}
