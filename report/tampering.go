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

// countTampering runs the tampering check and counts the events it finds;
// tampering.csv lists them.
func countTampering(ctx context.Context, c *casefile.Case) (int64, error) {
	q, err := query("tampering.sql")
	if err != nil {
		return 0, err
	}
	var n int64
	q = "SELECT count(*) FROM (" + strings.TrimSuffix(q, ";") + ")"
	if err := c.Conn.QueryRowContext(ctx, q, tamperPrefixes).Scan(&n); err != nil {
		return 0, fmt.Errorf("case %s: tampering.sql: %w", c.Path, err)
	}
	return n, nil
}
