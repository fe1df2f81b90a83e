package report

import (
	"context"
	"fmt"
	"strings"

	"github.com/freezeframe/freezeframe/casefile"
)

// tamperPrefixes are the event tags the tampering check looks for: those
// equal to or starting with one of these, on project, file and account
// events. Releases, files, roles, tokens and trusted publishers are how a
// taken-over account would change what others install.
var tamperPrefixes = []string{
	"account:api_token:",
	"account:role:",
	"account:short_lived_api_token:",
	"file:",
	"project:api_token:",
	"project:create",
	"project:oidc:",
	"project:release:",
	"project:role:",
}

// checkedTags is tamperPrefixes as people read them: project:release:*.
func checkedTags() []string {
	out := make([]string, len(tamperPrefixes))
	for i, p := range tamperPrefixes {
		if strings.HasSuffix(p, ":") {
			p += "*"
		}
		out[i] = p
	}
	return out
}

// prepareTampering runs the tampering check into the temporary table
// report_tampering (tampering.sql), which tampering.csv, the timeline and
// the summary read, and returns its verdict.
func prepareTampering(ctx context.Context, c *casefile.Case) (Tampering, error) {
	t := Tampering{Verdict: VerdictNoneFound, Checked: checkedTags()}
	q, err := query("tampering.sql")
	if err != nil {
		return t, err
	}
	if _, err := c.Conn.ExecContext(ctx, q, tamperPrefixes); err != nil {
		return t, fmt.Errorf("case %s: tampering.sql: %w", c.Path, err)
	}
	err = c.Conn.QueryRowContext(ctx, "SELECT count(*), count(*) FILTER (WHERE from_suspicious_ip) FROM report_tampering").
		Scan(&t.Events, &t.FromSuspiciousIPs)
	if err != nil {
		return t, fmt.Errorf("case %s: counting tampering events: %w", c.Path, err)
	}
	switch {
	case t.FromSuspiciousIPs > 0:
		t.Verdict = VerdictFound
	case t.Events > 0:
		t.Verdict = VerdictToReview
	}
	return t, nil
}
