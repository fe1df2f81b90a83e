package baselines

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
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

// pairQuery finds, for every account, the successful logins that pair with
// an alert: at or after the alert's first failed login and at most
// PairWithin after it fires, on one of its attacked accounts or from one of
// its alerted addresses. It returns one row per account: the earliest
// pairing (by login time, login, alert), how it paired, and how many alerts
// and logins paired in all. The alerts come as parallel lists.
const pairQuery = `
WITH alerts AS (
    SELECT unnest(?::INTEGER[]) AS alert, unnest(?::VARCHAR[])::TIMESTAMPTZ AS pair_from, unnest(?::VARCHAR[])::TIMESTAMPTZ AS pair_to
), alert_accounts AS (
    SELECT unnest(?::INTEGER[]) AS alert, unnest(?::VARCHAR[])::UUID AS account
), alert_clients AS (
    SELECT unnest(?::INTEGER[]) AS alert, unnest(?::VARCHAR[]) AS client
), successes AS (
    SELECT attempt_id, time, account, username, client
    FROM attempts
    WHERE outcome = 'success' AND account IS NOT NULL AND time IS NOT NULL
), matches AS (
    SELECT s.*, a.alert, true AS by_user, false AS by_source
    FROM alert_accounts x JOIN alerts a USING (alert)
    JOIN successes s ON s.account = x.account AND s.time BETWEEN a.pair_from AND a.pair_to
    UNION ALL
    SELECT s.*, a.alert, false, true
    FROM alert_clients x JOIN alerts a USING (alert)
    JOIN successes s ON s.client = x.client AND s.time BETWEEN a.pair_from AND a.pair_to
), pairs AS (
    SELECT account, attempt_id, alert, any_value(time) AS time, any_value(username) AS username,
           any_value(client) AS client, bool_or(by_user) AS by_user, bool_or(by_source) AS by_source
    FROM matches
    GROUP BY account, attempt_id, alert
), totals AS (
    SELECT account, count(DISTINCT alert) AS alerts, count(DISTINCT attempt_id) AS logins
    FROM pairs
    GROUP BY account
)
SELECT p.account::VARCHAR, coalesce(p.username, ''), p.time, coalesce(p.client, ''), p.alert, p.by_user, p.by_source, t.alerts, t.logins
FROM pairs p JOIN totals t USING (account)
QUALIFY row_number() OVER (PARTITION BY p.account ORDER BY p.time, p.attempt_id, p.alert) = 1`

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
	rows, err := c.Conn.QueryContext(ctx, pairQuery, ids, from, to, accountAlerts, accounts, clientAlerts, clients)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
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
