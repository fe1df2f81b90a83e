package sql

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Header is the leading comment block of a self-describing .sql file:
// "-- key: value" lines, each continued by lines indented two more spaces,
// and optionally one list key whose indented lines are items (a step's
// parameters), up to the first line that is not a comment.
type Header struct {
	Fields map[string]string // key → value, continuations joined by spaces
	Items  []HeaderItem      // the list key's lines, in order
	Body   string            // the file after the header
}

// HeaderItem is one line under the list key.
type HeaderItem struct {
	Line int    // 1-based line of the file
	Raw  string // the whole line, as written
	Text string // the line without "--" and surrounding space
}

var headerKey = regexp.MustCompile(`^-- ([a-z][a-z ]*):(.*)$`)

// ParseHeader reads text's header. keys are the keys allowed besides
// listKey ("" when the file has no list). file names the file in errors.
func ParseHeader(file, text string, keys []string, listKey string) (*Header, error) {
	h := &Header{Fields: map[string]string{}}
	allowed := map[string]bool{}
	for _, k := range keys {
		allowed[k] = true
	}
	want := `neither "-- key: value" nor a continuation`
	if listKey != "" {
		want = `neither "-- key: value", a continuation nor a parameter`
	}
	lines := strings.Split(text, "\n")
	var key string
	i := 0
	for ; i < len(lines) && strings.HasPrefix(lines[i], "--"); i++ {
		l := lines[i]
		switch m := headerKey.FindStringSubmatch(l); {
		case m != nil && m[1] == listKey:
			key = listKey
		case m != nil:
			if !allowed[m[1]] {
				return nil, fmt.Errorf("%s line %d: unknown header key %q", file, i+1, m[1])
			}
			key = m[1]
			h.Fields[key] = strings.TrimSpace(m[2])
		case strings.HasPrefix(l, "--   ") && key != "" && key == listKey:
			h.Items = append(h.Items, HeaderItem{Line: i + 1, Raw: l, Text: strings.TrimSpace(l[2:])})
		case strings.HasPrefix(l, "--   ") && key != "":
			h.Fields[key] += " " + strings.TrimSpace(l[2:])
		default:
			return nil, fmt.Errorf("%s line %d: header line %q is %s", file, i+1, l, want)
		}
	}
	h.Body = strings.Join(lines[i:], "\n")
	return h, nil
}

// Levels are the severities a rule may have, as Sigma's: how much one of its
// alerts or findings matters on its own.
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// Statuses are how proven a rule is, as Sigma's: experimental (new, little
// tested), test (tested on generated incidents, may need tuning), stable
// (tested and unchanged in behaviour through real use).
var Statuses = []string{"experimental", "test", "stable"}

// attackTag is a MITRE ATT&CK tag as Sigma writes them: a technique
// (attack.t1110.004) or a tactic (attack.credential_access).
var attackTag = regexp.MustCompile(`^attack\.(t[0-9]{4}(\.[0-9]{3})?|[a-z]+(_[a-z]+)*)$`)

// CheckRule checks the fields a rule's header shares with a Sigma rule:
// level and status among Sigma's values, and every tag an ATT&CK tag.
// file names the file in errors.
func CheckRule(file, level, status string, tags []string) error {
	switch {
	case !slices.Contains(Levels, level):
		return fmt.Errorf("%s: level %q; want one of %s", file, level, strings.Join(Levels, ", "))
	case !slices.Contains(Statuses, status):
		return fmt.Errorf("%s: status %q; want one of %s", file, status, strings.Join(Statuses, ", "))
	}
	for _, t := range tags {
		if !attackTag.MatchString(t) {
			return fmt.Errorf("%s: tag %q is not an ATT&CK tag like attack.t1110.004 or attack.credential_access", file, t)
		}
	}
	return nil
}
