package baselines

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// PairWithin is how long after an alert fires a successful login still
// pairs with it.
//
// The pairing gives the rules their best reasonable shot, and is more
// generous than Elastic's "Successful Login After Credential Attack"
// (rule 50742e15-c5ef-49c8-9a2d-31221d45af58, in elastic/detection-rules):
// that rule joins on the user only, runs over the last 6 h and wants the
// login after the alert and within 180 minutes of it. Here a login pairs
// from the alert's first failed login (an investigator replaying the logs
// sees the logins during the attack too) to 6 h after the alert fires, and
// also when it comes from an alerted address, which catches logins on
// accounts the alert does not name (an address banned by CrowdSec, any
// address of a multi-source window).
const PairWithin = 6 * time.Hour

// pair turns alerts into the accounts to freeze, sorted by username then
// user id.
func pair(ctx context.Context, c *casefile.Case, alerts []Alert) ([]Account, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	var ids, accountAlerts, clientAlerts []int32
	var from, to, accounts, clients []string
	for i, a := range alerts {
		ids = append(ids, int32(i))
		from = append(from, a.First.UTC().Format(time.RFC3339Nano))
		to = append(to, a.At.Add(PairWithin).UTC().Format(time.RFC3339Nano))
		for _, acc := range a.Accounts {
			accountAlerts, accounts = append(accountAlerts, int32(i)), append(accounts, acc)
		}
		for _, cl := range a.Clients {
			clientAlerts, clients = append(clientAlerts, int32(i)), append(clients, cl)
		}
	}
	q, err := ffsql.Query(ffsql.BaselineSupport, "baselines/support/pair.sql")
	if err != nil {
		return nil, err
	}
	rows, err := c.Conn.QueryContext(ctx, q, ids, from, to, accountAlerts, accounts, clientAlerts, clients)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	var out []Account
	for rows.Next() {
		var acc Account
		var at time.Time
		var client string
		var alert int32
		var byUser, bySource bool
		var nAlerts, nLogins int64
		if err := rows.Scan(&acc.UserID, &acc.Username, &at, &client, &alert, &byUser, &bySource, &nAlerts, &nLogins); err != nil {
			return nil, err
		}
		acc.Reason = reason(alerts[alert], at.UTC(), client, byUser, bySource, nAlerts, nLogins)
		out = append(out, acc)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y Account) int {
		if n := strings.Compare(x.Username, y.Username); n != 0 {
			return n
		}
		return strings.Compare(x.UserID, y.UserID)
	})
	return out, nil
}

// reason says why an account is to be frozen: the login, how it pairs with
// the alert, and the alert's evidence.
func reason(a Alert, at time.Time, client string, byUser, bySource bool, nAlerts, nLogins int64) string {
	var how []string
	if byUser {
		how = append(how, "an attacked user of the alert")
	}
	if bySource {
		how = append(how, "from an alerted address")
	}
	when := fmt.Sprintf("%s after the alert fired at %s", span(at.Sub(a.At)), a.At.Format("15:04:05"))
	if at.Before(a.At) {
		when = fmt.Sprintf("%s before the alert fired at %s, after its first failed login", span(a.At.Sub(at)), a.At.Format("15:04:05"))
	}
	if client == "" {
		client = "an unknown address"
	}
	s := fmt.Sprintf("successful login at %s UTC from %s, %s (%s); alert: %s",
		at.Format("2006-01-02 15:04:05"), client, when, strings.Join(how, ", "), a.Evidence)
	if nAlerts > 1 || nLogins > 1 {
		s += fmt.Sprintf(" (%d alerts and %d successful logins pair in all)", nAlerts, nLogins)
	}
	return s
}

// span writes a duration to the second, as 2h05m09s or 42s.
func span(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
