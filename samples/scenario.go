// Package samples generates labelled credential-stuffing incidents: a
// Warehouse snapshot in psql's CSV export format, a week of access logs in
// any supported format, the ground truth (truth.csv) and the numbers a
// public report would quote (facts.json).
//
// No public labelled data set of web credential stuffing exists, so
// detection quality can only be measured on incidents generated here, and
// only honestly if they carry what makes the real thing hard. Every world has
// the confounders of real use (users who enrol 2FA right after logging in
// because it became mandatory, password managers that log in at bot speed,
// a shared university NAT, travel, new devices, addresses that change,
// typos, users who give up, CI uploads) and the background every public
// login form receives (scripted clients trying lists all week at a low rate,
// short credential-testing bursts that get nothing). The attacker is drawn
// from a space ([Attacker]) rather than fixed: its own shape, the shape of
// the largest real population or each victim's own; a few datacenter
// addresses, a fresh residential one per attempt or one in the victim's own
// country; any pace, list quality, size, and behaviour after a right
// password. [Draw] picks one world of that space from a seed.
package samples

import (
	"fmt"
	"sort"
	"strings"
)

// Scenario is one world to generate: its population, its background noise
// and its attacker, if any.
type Scenario struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	HeldOut     bool       `json:"held_out"`           // kept out of tuning: detection must generalise to it
	Attacker    *Attacker  `json:"attacker,omitempty"` // nil: a week without attack
	Background  Background `json:"background"`
	Population  Population `json:"population"`
}

// Attacker is one credential-stuffing campaign: how its requests look, where
// they come from, when, how good its list is, and what it does with a right
// password.
type Attacker struct {
	// Shape names the kind of client it shows: "own" (a tool's shape of its
	// own), "common" (the shape of the largest population of real users) or
	// "victim" (each victim's own: language, country, human pauses). The
	// fields below carry it out.
	Shape string `json:"shape"`
	// Agents: "tool" (one scripted or headless client), or "browsers"
	// (ordinary browsers, as often as real users have them, rotated per
	// attempt).
	Agents string `json:"agents"`
	// Tool is the user agent of an Agents "tool" attacker.
	Tool string `json:"tool,omitempty"`
	// Language is the accept-language it sends: a literal value ("" for
	// none), "common" (the real users' most common one) or "victim" (the
	// victim's own country's).
	Language string `json:"language"`
	// Form: "none" (credentials posted without loading the login form),
	// "fast" (loaded, posted within a second or so), "typical" (2-12 s) or
	// "human" (4-30 s, as people type).
	Form string `json:"form"`
	// Assets: "never", "sometimes" or "always" fetches the form's static
	// assets (only with the form loaded).
	Assets string `json:"assets"`
	// Addresses: "datacenter" (Pool hosting addresses), "residential" (a
	// fresh address per attempt from proxy countries) or "victim-country"
	// (a fresh address in the victim's own country).
	Addresses string `json:"addresses"`
	Pool      int    `json:"pool,omitempty"`
	// Pace: "burst" (hours), "steady" (a day or two) or "trickle" (days);
	// Hours is how long it runs, Diurnal whether attempts follow the users'
	// daily curve instead of a flat rate.
	Pace    string  `json:"pace"`
	Hours   float64 `json:"hours"`
	Diurnal bool    `json:"diurnal"`
	// EndBefore is how many hours before the snapshot the campaign ends.
	EndBefore float64 `json:"end_before"`
	// The list: existing accounts tried as a share of all accounts, the
	// share of attempts on usernames that do not exist, the share of tried
	// accounts whose password is right, the share of wrong passwords tried
	// again with another.
	TargetShare  float64 `json:"target_share"`
	UnknownShare float64 `json:"unknown_share"`
	ValidShare   float64 `json:"valid_share"`
	Retry        float64 `json:"retry"`
	// After a right password on an account without 2FA: "enrol" (TOTP at
	// once), "pause-enrol" (after a human pause) or "nothing"; EnrolShare of
	// the accounts, EnrolDelay seconds after the login.
	After      string     `json:"after"`
	EnrolShare float64    `json:"enrol_share"`
	EnrolDelay [2]float64 `json:"enrol_delay"`
	// SecondFactor: on an account with 2FA, "leave" at the second factor or
	// "guess" one code (which fails) first.
	SecondFactor string `json:"second_factor"`
	// Browse is the most pages it views after a login.
	Browse int `json:"browse"`
	// Tamper: it creates a token and uploads releases to projects the
	// taken-over accounts own.
	Tamper bool `json:"tamper"`
}

// Background is what the login form receives whatever happens: scripted
// clients trying lists all week, short credential-testing bursts, and users
// who give up. None of it ever gets a password right.
type Background struct {
	Scripts    int     `json:"scripts"`     // scripted clients trying lists all week
	ScriptRate float64 `json:"script_rate"` // attempts a day, each
	Bursts     int     `json:"bursts"`      // short credential-testing bursts in the week
	BurstSize  [2]int  `json:"burst_size"`  // attempts in a burst, from-to
	GiveUp     float64 `json:"give_up"`     // share of sessions in which a user gives up (a wrong username, a forgotten password, a lost second factor)
}

// Population says how busy the week is.
type Population struct {
	Activity float64 `json:"activity"`  // login rate, times the usual
	NATShare float64 `json:"nat_share"` // share of accounts behind the university's NAT address
}

var defaultBackground = Background{Scripts: 3, ScriptRate: 15, Bursts: 1, BurstSize: [2]int{30, 90}, GiveUp: 1.0 / 150}

var defaultPopulation = Population{Activity: 1, NATShare: 0.02}

// Scenarios by name: fixed points of the attacker space. Tuning scenarios
// may be used to set heuristics' parameters; held-out ones only to measure
// them. Scenario "random" is drawn from the seed (Draw).
var Scenarios = map[string]Scenario{
	"pypi-2024-03": {
		Name: "pypi-2024-03", Description: "PyPI, March 2024: residential proxies, rotating browser user agents, no login form, no static assets, TOTP enrolled seconds after login",
		Attacker: &Attacker{Shape: "own", Agents: "browsers", Language: "en-US,en;q=0.9", Form: "none", Assets: "never",
			Addresses: "residential", Pace: "steady", Hours: 36, EndBefore: 4,
			TargetShare: 0.06, UnknownShare: 0.5, ValidShare: 0.2, Retry: 0.1,
			After: "enrol", EnrolShare: 0.9, EnrolDelay: [2]float64{2, 8}, SecondFactor: "leave", Browse: 1},
	},
	"datacenter": {
		Name: "datacenter", Description: "a few datacenter addresses, headless clients, fast enrolment",
		Attacker: &Attacker{Shape: "own", Agents: "tool", Tool: toolAgents[0], Language: "", Form: "none", Assets: "never",
			Addresses: "datacenter", Pool: 5, Pace: "steady", Hours: 18, EndBefore: 4,
			TargetShare: 0.06, UnknownShare: 0.5, ValidShare: 0.2, Retry: 0.1,
			After: "enrol", EnrolShare: 1, EnrolDelay: [2]float64{1, 4}, SecondFactor: "leave", Browse: 1},
	},
	"human-like": {
		Name: "human-like", Description: "residential proxies, browser user agents, the common language, login form and static assets fetched, enrolment after a human-like pause",
		HeldOut: true,
		Attacker: &Attacker{Shape: "common", Agents: "browsers", Language: "common", Form: "typical", Assets: "always",
			Addresses: "residential", Pace: "steady", Hours: 48, EndBefore: 4,
			TargetShare: 0.06, UnknownShare: 0.41, ValidShare: 0.2, Retry: 0.1,
			After: "pause-enrol", EnrolShare: 0.8, EnrolDelay: [2]float64{25, 90}, SecondFactor: "leave", Browse: 1},
	},
	"tamper": {
		Name: "tamper", Description: "as pypi-2024-03, and the attacker uploads releases to projects the taken-over accounts own",
		HeldOut: true,
		Attacker: &Attacker{Shape: "own", Agents: "browsers", Language: "en-US,en;q=0.9", Form: "none", Assets: "never",
			Addresses: "residential", Pace: "steady", Hours: 30, EndBefore: 4,
			TargetShare: 0.06, UnknownShare: 0.5, ValidShare: 0.2, Retry: 0.1,
			After: "enrol", EnrolShare: 0.7, EnrolDelay: [2]float64{3, 10}, SecondFactor: "leave", Browse: 1, Tamper: true},
	},
	"slow-drip": {
		Name: "slow-drip", Description: "residential proxies over five days at a trickle, no enrolment on half the accounts",
		HeldOut: true,
		Attacker: &Attacker{Shape: "own", Agents: "browsers", Language: "en-US,en;q=0.9", Form: "none", Assets: "never",
			Addresses: "residential", Pace: "trickle", Hours: 120, EndBefore: 4,
			TargetShare: 0.08, UnknownShare: 0.33, ValidShare: 0.15, Retry: 0.1,
			After: "enrol", EnrolShare: 0.5, EnrolDelay: [2]float64{5, 20}, SecondFactor: "leave", Browse: 1},
	},
	"no-attack": {
		Name: "no-attack", Description: "a normal week: the same users, 2FA mandate, typos, travel, CI uploads, background scripts; no attacker",
	},
	"random": {
		Name: "random", Description: "a world drawn from the attacker space by the seed (seeds 1000 and up are for measuring only)",
	},
	"quiet": {
		Name: "quiet", Description: "a week without attack, its background noise and activity drawn from the seed (seeds 1000 and up are for measuring only)",
	},
}

func init() {
	for name, s := range Scenarios {
		s.Background, s.Population = defaultBackground, defaultPopulation
		Scenarios[name] = s
	}
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
// "random" has no attacker of its own until Draw gives it one.
func Lookup(name string) (Scenario, error) {
	s, ok := Scenarios[name]
	if !ok {
		return Scenario{}, fmt.Errorf("unknown scenario %q: use one of %s", name, strings.Join(ScenarioNames(), ", "))
	}
	return s, nil
}

// Spec is a one-line description of a world, enough to recognise it in a
// list of draws; the JSON of the Scenario in facts.json is the whole of it.
func (s Scenario) Spec() string {
	a := s.Attacker
	bg := fmt.Sprintf("background %d scripts × %.0f/day, %d bursts; activity ×%.2f, NAT %.0f%%",
		s.Background.Scripts, s.Background.ScriptRate, s.Background.Bursts, s.Population.Activity, 100*s.Population.NATShare)
	if a == nil {
		return "no attack; " + bg
	}
	agents := a.Agents
	if a.Agents == "tool" {
		agents = "tool " + strings.Fields(a.Tool)[0]
	}
	lang := a.Language
	if lang == "" {
		lang = "no language"
	}
	addr := a.Addresses
	if a.Addresses == "datacenter" {
		addr = fmt.Sprintf("%d datacenter addresses", a.Pool)
	}
	flat := "flat"
	if a.Diurnal {
		flat = "diurnal"
	}
	tamper := ""
	if a.Tamper {
		tamper = ", tamper"
	}
	return fmt.Sprintf("%s shape (%s, %s, form %s, assets %s); %s; %s %.0f h %s; targets %.1f%%, unknown %.0f%%, valid %.0f%%; after: %s (%.0f%%), 2FA: %s%s; %s",
		a.Shape, agents, lang, a.Form, a.Assets, addr, a.Pace, a.Hours, flat,
		100*a.TargetShare, 100*a.UnknownShare, 100*a.ValidShare, a.After, 100*a.EnrolShare, a.SecondFactor, tamper, bg)
}
