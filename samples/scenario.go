// Package samples generates labelled credential-stuffing incidents: a
// Warehouse snapshot in psql's CSV export format, a week of access logs in
// any supported format, the ground truth (truth.csv) and the numbers a
// public report would quote (facts.json).
//
// No public labelled data set of web credential stuffing exists, so
// detection quality can only be measured on incidents generated here, and
// only honestly if they carry the confounders that make the real thing hard:
// users who enrol 2FA right after logging in because it became mandatory,
// password managers that log in at bot speed, shared NAT addresses, travel,
// typos, CI uploads, and background traffic. Scenarios vary the attacker.
package samples

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Scenario is one kind of incident, or none.
type Scenario struct {
	Name        string
	Description string
	HeldOut     bool // kept out of tuning: detection must generalise to it

	Attack       bool
	Proxies      string        // "residential": a new address from thousands per attempt; "datacenter": a handful
	Agents       string        // "browsers": rotating common browser UAs; "headless": HeadlessChrome and scripts
	Static       bool          // the bot fetches the login page and its static assets, as a browser would
	EnrolDelay   [2]float64    // seconds from the attacker's login to TOTP enrolment
	EnrolShare   float64       // share of taken-over accounts the bot enrols TOTP on
	Tamper       bool          // the attacker uploads a release to projects the account owns
	AttackLength time.Duration // how long the campaign runs
	Targets      float64       // existing accounts attempted, as a share of all accounts
	Unknown      float64       // non-existent usernames attempted, per existing one
	ValidShare   float64       // share of attempted existing accounts whose password works
}

// Scenarios by name. Tuning scenarios may be used to set heuristics'
// parameters; held-out ones only to measure them.
var Scenarios = map[string]Scenario{
	"pypi-2024-03": {
		Name: "pypi-2024-03", Description: "PyPI, March 2024: residential proxies, rotating browser user agents, no static assets, TOTP enrolled seconds after login",
		Attack: true, Proxies: "residential", Agents: "browsers", EnrolDelay: [2]float64{2, 8}, EnrolShare: 0.9,
		AttackLength: 36 * time.Hour, Targets: 0.06, Unknown: 1, ValidShare: 0.2,
	},
	"datacenter": {
		Name: "datacenter", Description: "a few datacenter addresses, headless clients, fast enrolment",
		Attack: true, Proxies: "datacenter", Agents: "headless", EnrolDelay: [2]float64{1, 4}, EnrolShare: 1,
		AttackLength: 18 * time.Hour, Targets: 0.06, Unknown: 1, ValidShare: 0.2,
	},
	"human-like": {
		Name: "human-like", Description: "residential proxies, browser user agents, static assets fetched, enrolment after a human-like pause",
		HeldOut: true, Attack: true, Proxies: "residential", Agents: "browsers", Static: true, EnrolDelay: [2]float64{25, 90}, EnrolShare: 0.8,
		AttackLength: 48 * time.Hour, Targets: 0.06, Unknown: 0.7, ValidShare: 0.2,
	},
	"tamper": {
		Name: "tamper", Description: "as pypi-2024-03, and the attacker uploads releases to projects the taken-over accounts own",
		HeldOut: true, Attack: true, Proxies: "residential", Agents: "browsers", EnrolDelay: [2]float64{3, 10}, EnrolShare: 0.7, Tamper: true,
		AttackLength: 30 * time.Hour, Targets: 0.06, Unknown: 1, ValidShare: 0.2,
	},
	"slow-drip": {
		Name: "slow-drip", Description: "residential proxies over five days at a trickle, no enrolment on some accounts",
		HeldOut: true, Attack: true, Proxies: "residential", Agents: "browsers", EnrolDelay: [2]float64{5, 20}, EnrolShare: 0.5,
		AttackLength: 120 * time.Hour, Targets: 0.08, Unknown: 0.5, ValidShare: 0.15,
	},
	"no-attack": {
		Name: "no-attack", Description: "a normal week: the same users, 2FA mandate, typos, travel, CI uploads; no attacker",
	},
}

// ScenarioNames lists the scenarios, sorted.
func ScenarioNames() []string {
	var names []string
	for n := range Scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the scenario called name, or an error listing them.
func Lookup(name string) (Scenario, error) {
	s, ok := Scenarios[name]
	if !ok {
		return Scenario{}, fmt.Errorf("unknown scenario %q: use one of %s", name, strings.Join(ScenarioNames(), ", "))
	}
	return s, nil
}
