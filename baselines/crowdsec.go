package baselines

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	ffsql "github.com/freezeframe/freezeframe/sql"
)

// The parameters of crowdsecurity/http-generic-bf and of CrowdSec's default
// remediation (profiles.yaml: a ban of 4 h).
const (
	BucketCapacity = 5
	LeakEvery      = 10 * time.Second
	BanFor         = 4 * time.Hour
)

func crowdsecBaseline() Baseline {
	return Baseline{
		ID:     "crowdsec-http-bf",
		Title:  `CrowdSec "crowdsecurity/http-generic-bf" (leaky bucket per source IP)`,
		Level:  "medium",
		Status: "test",
		Tags:   []string{"attack.credential_access", "attack.t1110.004", "attack.t1110.001"},
		Reads:  []string{"attempts"},
		Description: fmt.Sprintf("Failed logins (outcome failure or unknown_user) of each source address, in time order, "+
			"pour into a leaky bucket of capacity %d that leaks one event every %s, continuously. "+
			"An event overflows the bucket when the level, after leaking, plus the event would exceed the capacity: "+
			"the address is banned for %s (CrowdSec's default remediation) and its bucket is emptied. "+
			"Each overflow is one alert.", BucketCapacity, LeakEvery, BanFor),
		Adaptation: "The scenario feeds on events a parser marks as HTTP auth failures; we assume a parser for the " +
			"site's login form that marks every failed login POST, including unknown usernames. " +
			"Events are replayed with their own timestamps, as crowdsec -dsn does. " +
			"Failed logins of an address while it is banned are not poured: a bouncer would have refused " +
			"them before the login form (the scenario's 1-minute blackhole falls within the ban). " +
			"The attacked users of an alert are the existing users of every event poured since its bucket was last empty.",
		References: "https://github.com/crowdsecurity/hub/blob/master/scenarios/crowdsecurity/http-generic-bf.yaml; " +
			"https://docs.crowdsec.net/docs/scenarios/format/ (leaky buckets); CrowdSec's default profiles.yaml (ban 4h)",
		File:     "baselines/crowdsec.go",
		simulate: simulateCrowdsec,
	}
}

// failure is one failed login as the bucket sees it.
type failure struct {
	id      int64
	time    time.Time
	client  string
	account string // "" for an unknown username
}

// bucket is the leaky bucket of one address.
type bucket struct {
	level     float64   // events in the bucket, leaking continuously
	last      time.Time // when level was last brought up to date
	poured    []failure // the events poured since the bucket was last empty
	bannedTil time.Time // the end of the address's ban, zero if never banned
}

// pour adds f to the bucket and reports whether it overflowed. While the
// address is banned the event is not poured. An overflow bans the address
// and empties the bucket; the events that filled it are returned.
func (b *bucket) pour(f failure) (overflow []failure, ok bool) {
	if f.time.Before(b.bannedTil) {
		return nil, false
	}
	if !b.last.IsZero() {
		b.level -= float64(f.time.Sub(b.last)) / float64(LeakEvery)
	}
	if b.level <= 1e-9 {
		b.level, b.poured = 0, b.poured[:0]
	}
	b.last = f.time
	b.poured = append(b.poured, f)
	if b.level+1 > BucketCapacity {
		overflow = slices.Clone(b.poured)
		b.level, b.poured, b.last = 0, b.poured[:0], time.Time{}
		b.bannedTil = f.time.Add(BanFor)
		return overflow, true
	}
	b.level++
	return nil, false
}

// simulateCrowdsec replays every address's failed logins through its bucket.
func simulateCrowdsec(ctx context.Context, c *casefile.Case) ([]Alert, error) {
	q, err := ffsql.Query(ffsql.BaselineSupport, "baselines/support/crowdsec_failures.sql")
	if err != nil {
		return nil, err
	}
	rows, err := c.Conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // read only: rows.Err reports a failed read
	var alerts []Alert
	var b bucket
	var client string
	for rows.Next() {
		var f failure
		if err := rows.Scan(&f.id, &f.time, &f.client, &f.account); err != nil {
			return nil, err
		}
		f.time = f.time.UTC()
		if f.client != client {
			client, b = f.client, bucket{}
		}
		if events, ok := b.pour(f); ok {
			alerts = append(alerts, overflowAlert(events, b.bannedTil))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(alerts, func(x, y Alert) int {
		if n := x.At.Compare(y.At); n != 0 {
			return n
		}
		if x.Source < y.Source {
			return -1
		}
		if x.Source > y.Source {
			return 1
		}
		return 0
	})
	return alerts, nil
}

// overflowAlert describes an overflow by the events that filled the bucket.
func overflowAlert(events []failure, bannedTil time.Time) Alert {
	first, last := events[0], events[len(events)-1]
	a := Alert{First: first.time, At: last.time, Source: last.client, Clients: []string{last.client}}
	unknown := 0
	for _, e := range events {
		if e.account == "" {
			unknown++
		} else if !slices.Contains(a.Accounts, e.account) {
			a.Accounts = append(a.Accounts, e.account)
		}
	}
	slices.Sort(a.Accounts)
	a.Evidence = fmt.Sprintf("%d failed logins from %s in %s (%s .. %s UTC) on %d existing users and %d unknown usernames "+
		"overflowed the bucket (capacity %d, one leaks every %s); banned until %s UTC",
		len(events), last.client, last.time.Sub(first.time).Round(time.Millisecond),
		first.time.Format("2006-01-02 15:04:05"), last.time.Format("15:04:05"),
		len(a.Accounts), unknown, BucketCapacity, LeakEvery, bannedTil.Format("2006-01-02 15:04:05"))
	return a
}
