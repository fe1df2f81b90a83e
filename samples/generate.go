package samples

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options says what to generate.
type Options struct {
	Scenario  Scenario
	Seed      uint64
	Scale     float64   // 1 is 2,000 accounts; the PyPI-size preset is 400
	Out       string    // directory to write
	LogFormat string    // combined, gunicorn-pypi, fastly-pypi or jsonl
	Snapshot  time.Time // when the snapshot was taken; logs cover the week before
}

// Facts are the ground-truth numbers of a generated incident.
type Facts struct {
	Scenario                 string    `json:"scenario"`
	Seed                     uint64    `json:"seed"`
	Scale                    float64   `json:"scale"`
	HeldOut                  bool      `json:"held_out"`
	Spec                     string    `json:"spec"`
	World                    Scenario  `json:"world"`
	Users                    int       `json:"users"`
	Emails                   int       `json:"emails"`
	AccountsWithout2FA       int       `json:"accounts_without_2fa"`
	VerifiedEmailsWithout2FA int       `json:"verified_emails_of_accounts_without_2fa"`
	Compromised              int       `json:"compromised"`
	Exposed                  int       `json:"exposed"`
	Targeted                 int       `json:"targeted"`
	UnknownUsernames         int       `json:"nonexistent_usernames_attempted"`
	Attempts                 int       `json:"attempts"`
	AttackerIPs              int       `json:"attacker_ips"`
	TamperedProjects         int       `json:"tampered_projects"`
	AttackStart              time.Time `json:"attack_start,omitzero"`
	AttackEnd                time.Time `json:"attack_end,omitzero"`
	BackgroundAttempts       int       `json:"background_attempts"`
	LogLines                 int64     `json:"log_lines"`
	Events                   int64     `json:"user_events"`
	LogsFrom                 time.Time `json:"logs_from"`
	SnapshotAt               time.Time `json:"snapshot_at"`
}

// countries are where accounts live (weight: share of accounts) and where
// proxies exit; the last ones host few or no accounts.
var countries = []struct {
	code, name, region, city, continent, lang string
	octet, weight                             int
}{
	{"US", "United States", "CA", "San Jose", "NA", "en-US,en;q=0.9", 73, 28},
	{"DE", "Germany", "BE", "Berlin", "EU", "de-DE,de;q=0.9,en;q=0.8", 91, 9},
	{"GB", "United Kingdom", "ENG", "London", "EU", "en-GB,en;q=0.9", 86, 7},
	{"IN", "India", "KA", "Bengaluru", "AS", "en-IN,en;q=0.9,hi;q=0.8", 117, 12},
	{"CN", "China", "BJ", "Beijing", "AS", "zh-CN,zh;q=0.9", 112, 8},
	{"FR", "France", "IDF", "Paris", "EU", "fr-FR,fr;q=0.9,en;q=0.8", 90, 5},
	{"BR", "Brazil", "SP", "São Paulo", "SA", "pt-BR,pt;q=0.9,en;q=0.8", 177, 5},
	{"JP", "Japan", "13", "Tokyo", "AS", "ja,en-US;q=0.9", 126, 5},
	{"CA", "Canada", "ON", "Toronto", "NA", "en-CA,en;q=0.9,fr;q=0.8", 99, 5},
	{"NL", "Netherlands", "NH", "Amsterdam", "EU", "nl-NL,nl;q=0.9,en;q=0.8", 145, 4},
	{"VN", "Vietnam", "HN", "Hanoi", "AS", "vi-VN,vi;q=0.9", 14, 1},
	{"ID", "Indonesia", "JK", "Jakarta", "AS", "id-ID,id;q=0.9", 36, 1},
	{"RU", "Russia", "MOW", "Moscow", "EU", "ru-RU,ru;q=0.9", 95, 0},
	{"TH", "Thailand", "10", "Bangkok", "AS", "th-TH,th;q=0.9", 49, 0},
	{"PK", "Pakistan", "PB", "Lahore", "AS", "en-PK,ur;q=0.9", 39, 0},
}

// proxyCountries are where residential proxy pools exit, by weight.
var proxyCountries = []int{10, 10, 11, 11, 6, 6, 3, 3, 12, 13, 14, 0, 4}

// browsers, weighted by how many users have them.
var browsers = []struct {
	ua, os, family string
	weight         int
}{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36", "Windows", "Chrome", 24},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "Windows", "Chrome", 10},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15", "Mac OS X", "Safari", 9},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36", "Mac OS X", "Chrome", 16},
	{"Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0", "Linux", "Firefox", 9},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0", "Windows", "Firefox", 6},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36", "Linux", "Chrome", 12},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1", "iOS", "Mobile Safari", 8},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.65", "Windows", "Edge", 6},
}

// toolAgents are the clients of attackers and list-testing scripts with a
// shape of their own.
var toolAgents = []string{
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/122.0.0.0 Safari/537.36",
	"python-requests/2.31.0",
	"Go-http-client/1.1",
	"curl/8.5.0",
	"Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.130 Safari/537.36",
}

// agentOf is the user_agent_info Warehouse records for a user agent.
func agentOf(ua string) agentInfo {
	for _, b := range browsers {
		if b.ua == ua {
			return agentInfo{installer: "Browser", os: b.os, family: b.family}
		}
	}
	switch {
	case strings.Contains(ua, "HeadlessChrome"):
		return agentInfo{installer: "Browser", os: "Linux", family: "HeadlessChrome"}
	case strings.HasPrefix(ua, "python-requests/"):
		return agentInfo{installer: "Browser", os: "Other", family: "Python Requests"}
	case strings.HasPrefix(ua, "curl/"):
		return agentInfo{installer: "Browser", os: "Other", family: "curl"}
	case strings.Contains(ua, "Chrome/"):
		return agentInfo{installer: "Browser", os: "Windows", family: "Chrome"}
	}
	return agentInfo{installer: "Browser", os: "Other", family: "Other"}
}

var emailDomains = []string{"gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "protonmail.com", "users.noreply.github.com",
	"example.edu", "fastmail.com", "corp.example.com"}

var packages = []string{"requests", "numpy", "django", "flask", "urllib3", "boto3", "pandas", "setuptools", "pip", "six", "pyyaml", "attrs"}

// Generate writes a labelled incident to opts.Out and returns its facts.
// Scenario "random" is drawn from the seed first (Draw).
func Generate(opts Options) (*Facts, error) {
	if opts.Snapshot.IsZero() {
		opts.Snapshot = time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)
	}
	if opts.LogFormat == "" {
		opts.LogFormat = "fastly-pypi"
	}
	if _, ok := logWriters[opts.LogFormat]; !ok {
		return nil, fmt.Errorf("log format %q: the generator writes combined, gunicorn-pypi, fastly-pypi or jsonl", opts.LogFormat)
	}
	if opts.Scale <= 0 {
		return nil, fmt.Errorf("scale must be positive, not %v", opts.Scale)
	}
	switch opts.Scenario.Name {
	case "random":
		opts.Scenario = Draw(opts.Seed)
	case "quiet":
		opts.Scenario = DrawQuiet(opts.Seed)
	}
	for _, d := range []string{opts.Out, filepath.Join(opts.Out, "snapshot"), filepath.Join(opts.Out, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	g := &gen{opt: opts, ips: map[string]*ipRow{}, places: map[string]int{}, failures: map[string][]time.Time{},
		r:      rand.New(rand.NewPCG(opts.Seed, 0x5eed)),
		atk:    rand.New(rand.NewPCG(opts.Seed, 0xa77ac)),
		bg:     rand.New(rand.NewPCG(opts.Seed, 0xb9)),
		idr:    rand.New(rand.NewPCG(opts.Seed, 0x1d)),
		secret: []byte(fmt.Sprintf("generator secret %d", opts.Seed))}
	g.facts = &Facts{Scenario: opts.Scenario.Name, Seed: opts.Seed, Scale: opts.Scale, HeldOut: opts.Scenario.HeldOut,
		Spec: opts.Scenario.Spec(), World: opts.Scenario,
		SnapshotAt: opts.Snapshot, LogsFrom: opts.Snapshot.Add(-7 * 24 * time.Hour)}
	if err := g.run(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(g.facts, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(opts.Out, "facts.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return g.facts, nil
}

type user struct {
	id, username, email, domain string
	country                     int    // home country (index into countries)
	lang                        string // the accept-language the owner's browsers send
	homeIP, mobileIP            string
	dynamic                     bool // the ISP moves the home address to another network now and then
	agents                      []int
	activity                    int // 0 active, 1 occasional, 2 dormant
	pm                          bool
	totp, webauthn              bool
	codes                       time.Time // recovery codes generated, or zero
	verified                    bool
	joined, lastLogin           time.Time
	projects                    []int
	label, evidence             string
}

type project struct {
	id, name string
	owner    int
	ci       bool
}

type ipRow struct {
	id, hashed string
	country    int
}

// request is one access-log line; event one user_events row.
type request struct {
	t                         time.Time
	ip, method, path, query   string
	status, size              int
	referrer, ua, lang, ctype string
}

type event struct {
	t          time.Time
	user       int
	tag        string
	additional map[string]any
	ip         string
	agent      agentInfo
}

type agentInfo struct{ installer, os, family string }

type gen struct {
	opt Options
	// Three streams, so that the attacker's and the background's draws do
	// not shift the population's: r for the users and their sessions, atk
	// for the attacker, bg for the background.
	r, atk, bg *rand.Rand
	idr        *rand.Rand // row ids
	secret     []byte     // the two-factor token signer's, made up per world
	facts      *Facts
	users      []*user
	projs      []*project
	ips        map[string]*ipRow
	places     map[string]int // countries of addresses without an ips row yet
	ipSeq      []string
	nat        string

	reqs   []request
	events []event
	direct bool // write events at once instead of buffering them (history)

	failures     map[string][]time.Time // failed login POSTs by address, for the rate limit
	attackIPs    map[string]bool
	dcPool       []string
	logW         *bufio.Writer
	evW          *bufio.Writer
	projW, fileW *bufio.Writer
}

// uuid draws from a stream of its own, so that which rows exist does not
// shift the other draws.
func (g *gen) uuid() string {
	a, b := g.idr.Uint64(), g.idr.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
}

// between draws a duration of lo to hi seconds.
func between(r *rand.Rand, lo, hi float64) time.Duration {
	return time.Duration(uniform(r, lo, hi) * float64(time.Second))
}

// place records where an address is, for its ips row should it ever get
// one: Warehouse writes an ip_addresses row for an address when it records
// an event from it, not for every request.
func (g *gen) place(addr string, country int) {
	if _, ok := g.places[addr]; !ok {
		g.places[addr] = country
	}
}

// ip returns the ips row of an address, creating it.
func (g *gen) ip(addr string, country int) *ipRow {
	if row, ok := g.ips[addr]; ok {
		return row
	}
	row := &ipRow{id: g.uuid(), hashed: hashIP(addr), country: country}
	g.ips[addr] = row
	g.ipSeq = append(g.ipSeq, addr)
	return row
}

// hashIP is Warehouse's hashed_ip_address: SHA-256 of the address and a
// secret salt, in hex.
func hashIP(addr string) string {
	h := sha256.Sum256([]byte(addr + "|warehouse-salt"))
	return hex.EncodeToString(h[:])
}

func addrIn(r *rand.Rand, country int) string {
	return fmt.Sprintf("%d.%d.%d.%d", countries[country].octet, r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

// userCountry draws where an account lives, by the countries' weights.
func userCountry(r *rand.Rand) int {
	return weighted(r, len(countries), func(i int) int { return countries[i].weight })
}

// browserOf draws a browser, as often as users have it.
func browserOf(r *rand.Rand) int {
	return weighted(r, len(browsers), func(i int) int { return browsers[i].weight })
}

// weighted draws an index from 0 to n-1, each as often as its weight.
func weighted(r *rand.Rand, n int, weight func(int) int) int {
	total := 0
	for i := range n {
		total += weight(i)
	}
	k := r.IntN(total)
	for i := range n {
		if k < weight(i) {
			return i
		}
		k -= weight(i)
	}
	return 0
}

// diurnal is the relative login rate at an hour of the day (UTC): the
// user base spans America, Europe and Asia, peaking in the European evening.
func diurnal(h int) float64 {
	return 1 + 0.5*math.Sin(2*math.Pi*float64(h-12)/24)
}

func poisson(r *rand.Rand, mean float64) int {
	if mean > 50 {
		return max(0, int(mean+math.Sqrt(mean)*r.NormFloat64()+0.5))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
