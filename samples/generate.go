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
	LogLines                 int64     `json:"log_lines"`
	Events                   int64     `json:"user_events"`
	LogsFrom                 time.Time `json:"logs_from"`
	SnapshotAt               time.Time `json:"snapshot_at"`
}

var countries = []struct {
	code, name, region, city, continent, lang string
	octet                                     int
}{
	{"US", "United States", "CA", "San Jose", "NA", "en-US,en;q=0.9", 73},
	{"DE", "Germany", "BE", "Berlin", "EU", "de-DE,de;q=0.9,en;q=0.8", 91},
	{"GB", "United Kingdom", "ENG", "London", "EU", "en-GB,en;q=0.9", 86},
	{"IN", "India", "KA", "Bengaluru", "AS", "en-IN,en;q=0.9,hi;q=0.8", 117},
	{"CN", "China", "BJ", "Beijing", "AS", "zh-CN,zh;q=0.9", 112},
	{"FR", "France", "IDF", "Paris", "EU", "fr-FR,fr;q=0.9,en;q=0.8", 90},
	{"BR", "Brazil", "SP", "São Paulo", "SA", "pt-BR,pt;q=0.9,en;q=0.8", 177},
	{"JP", "Japan", "13", "Tokyo", "AS", "ja,en-US;q=0.9", 126},
	{"CA", "Canada", "ON", "Toronto", "NA", "en-CA,en;q=0.9,fr;q=0.8", 99},
	{"NL", "Netherlands", "NH", "Amsterdam", "EU", "nl-NL,nl;q=0.9,en;q=0.8", 145},
	{"VN", "Vietnam", "HN", "Hanoi", "AS", "vi-VN,vi;q=0.9", 14},
	{"ID", "Indonesia", "JK", "Jakarta", "AS", "id-ID,id;q=0.9", 36},
}

var browsers = []struct{ ua, os, family string }{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36", "Windows", "Chrome"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "Windows", "Chrome"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15", "Mac OS X", "Safari"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36", "Mac OS X", "Chrome"},
	{"Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0", "Linux", "Firefox"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0", "Windows", "Firefox"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36", "Linux", "Chrome"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1", "iOS", "Mobile Safari"},
}

var headless = []struct{ ua, os, family string }{
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/122.0.0.0 Safari/537.36", "Linux", "HeadlessChrome"},
	{"python-requests/2.31.0", "Other", "Python Requests"},
	{"Go-http-client/1.1", "Other", "Other"},
}

var emailDomains = []string{"gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "protonmail.com", "users.noreply.github.com",
	"example.edu", "fastmail.com", "corp.example.com"}

var packages = []string{"requests", "numpy", "django", "flask", "urllib3", "boto3", "pandas", "setuptools", "pip", "six", "pyyaml", "attrs"}

// Generate writes a labelled incident to opts.Out and returns its facts.
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
	for _, d := range []string{opts.Out, filepath.Join(opts.Out, "snapshot"), filepath.Join(opts.Out, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	g := &gen{opt: opts, r: rand.New(rand.NewPCG(opts.Seed, 0x5eed)), typos: rand.New(rand.NewPCG(opts.Seed, 0x7e905)), ips: map[string]*ipRow{}}
	g.facts = &Facts{Scenario: opts.Scenario.Name, Seed: opts.Seed, Scale: opts.Scale, HeldOut: opts.Scenario.HeldOut,
		SnapshotAt: opts.Snapshot, LogsFrom: opts.Snapshot.Add(-7 * 24 * time.Hour)}
	if err := g.run(); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(g.facts, "", "  ")
	if err := os.WriteFile(filepath.Join(opts.Out, "facts.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return g.facts, nil
}

type user struct {
	id, username, email, domain, country string
	homeIP, mobileIP                     string
	agents                               []int
	activity                             int // 0 active, 1 occasional, 2 dormant
	pm                                   bool
	totp, webauthn                       bool
	codes                                time.Time // recovery codes generated, or zero
	verified                             bool
	joined, lastLogin                    time.Time
	projects                             []int
	label, evidence                      string
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
	ip, method, path          string
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
	r   *rand.Rand
	// typos draws whether a user mistypes the username: a stream of its
	// own, so that the other draws are not shifted by it (the seconds a
	// typo adds still move what follows, so the labels did change)
	typos  *rand.Rand
	facts  *Facts
	users  []*user
	byName map[string]int
	projs  []*project
	ips    map[string]*ipRow
	ipSeq  []string
	nat    string

	reqs   []request
	events []event
	direct bool // write events at once instead of buffering them (history)

	attackIPs    map[string]bool
	dcPool       []string
	logW         *bufio.Writer
	evW          *bufio.Writer
	projW, fileW *bufio.Writer
}

func (g *gen) uuid() string {
	a, b := g.r.Uint64(), g.r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
}

func (g *gen) between(lo, hi float64) time.Duration {
	return time.Duration((lo + g.r.Float64()*(hi-lo)) * float64(time.Second))
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

func (g *gen) addrIn(country int) string {
	return fmt.Sprintf("%d.%d.%d.%d", countries[country].octet, g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
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
