package samples_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
	"github.com/freezeframe/freezeframe/samples"
	"github.com/freezeframe/freezeframe/twofactor"
)

func generate(t *testing.T, name string, seed uint64, format string) (string, *samples.Facts) {
	t.Helper()
	s, err := samples.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f, err := samples.Generate(samples.Options{Scenario: s, Seed: seed, Scale: 0.5, Out: dir, LogFormat: format})
	if err != nil {
		t.Fatal(err)
	}
	return dir, f
}

// load ingests a generated incident into a new case.
func load(t *testing.T, dir string) *casefile.Case {
	t.Helper()
	ctx := context.Background()
	c, err := casefile.Open(ctx, filepath.Join(t.TempDir(), "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	for _, l := range logs {
		res, err := ingest.Logs(ctx, c, l, ingest.LogOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rejected != 0 {
			t.Errorf("%s: %d generated log lines rejected", l, res.Rejected)
		}
	}
	res, err := ingest.Snapshot(ctx, c, filepath.Join(dir, "snapshot"), ingest.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Tables {
		if tr.Rejected != 0 {
			t.Errorf("%s: %d generated rows rejected", tr.Table, tr.Rejected)
		}
	}
	return c
}

func count(t *testing.T, c *casefile.Case, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := c.Conn.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func readTruth(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "user_id,username,label,evidence" {
		t.Fatalf("truth.csv header %q", rows[0])
	}
	return rows[1:]
}

func TestSameSeedSameFiles(t *testing.T) {
	a, _ := generate(t, "pypi-2024-03", 7, "gunicorn-pypi")
	b, _ := generate(t, "pypi-2024-03", 7, "gunicorn-pypi")
	c, _ := generate(t, "pypi-2024-03", 8, "gunicorn-pypi")
	files := 0
	differs := false
	filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
		z, _ := os.ReadFile(filepath.Join(c, rel))
		differs = differs || !bytes.Equal(x, z)
		files++
		return nil
	})
	if files < 12 || !differs {
		t.Errorf("%d files compared; another seed changed something: %v", files, differs)
	}
}

// TestTruthIsBackedByEvents checks every label against the snapshot and
// the logs, through freezeframe's own ingestion, and the facts against both.
func TestTruthIsBackedByEvents(t *testing.T) {
	for _, sc := range []string{"pypi-2024-03", "datacenter", "tamper"} {
		t.Run(sc, func(t *testing.T) {
			dir, facts := generate(t, sc, 3, "fastly-pypi")
			c := load(t, dir)
			truth := readTruth(t, dir)
			labels := map[string]int{}
			for _, row := range truth {
				id, label := row[0], row[2]
				labels[label]++
				// The attacker's first contact with the account, in the campaign.
				success := count(t, c, `SELECT count(*) FROM account_events WHERE account = ?::UUID AND tag = 'account:login:success'
					AND time BETWEEN ?::TIMESTAMPTZ AND ?::TIMESTAMPTZ AND ip = split_part(split_part(?, ' from ', 2), ',', 1)`,
					id, facts.AttackStart, facts.AttackEnd.Add(3600e9), row[3])
				failures := count(t, c, `SELECT count(*) FROM account_events WHERE account = ?::UUID AND tag = 'account:login:failure'
					AND time BETWEEN ?::TIMESTAMPTZ AND ?::TIMESTAMPTZ`, id, facts.AttackStart, facts.AttackEnd)
				switch label {
				case "compromised":
					if success != 1 {
						t.Errorf("%s compromised, but %d logins from the attacker's address %q", row[1], success, row[3])
					}
					if strings.Contains(row[3], "TOTP enrolled") && count(t, c, `SELECT count(*) FROM account_events WHERE account = ?::UUID
						AND tag = 'account:two_factor:method_added' AND time > ?::TIMESTAMPTZ`, id, facts.AttackStart) == 0 {
						t.Errorf("%s: evidence says TOTP enrolled, no method_added event", row[1])
					}
				case "exposed":
					ip := strings.Split(strings.Split(row[3], " from ")[1], ",")[0]
					if count(t, c, `SELECT count(*) FROM requests WHERE client = ? AND method = 'POST' AND path = '/account/login/' AND status = 303`, ip) == 0 ||
						count(t, c, `SELECT count(*) FROM requests WHERE client = ? AND path = '/account/two-factor/'`, ip) == 0 {
						t.Errorf("%s exposed, but no accepted password and 2FA page for %s in the logs", row[1], ip)
					}
					if count(t, c, "SELECT count(*) FROM accounts WHERE id = ?::UUID AND has_2fa", id) != 1 {
						t.Errorf("%s exposed without 2FA", row[1])
					}
				case "targeted":
					if failures == 0 {
						t.Errorf("%s targeted, but no failed login in the campaign", row[1])
					}
				default:
					t.Errorf("%s: unknown label %q", row[1], label)
				}
			}
			if labels["compromised"] != facts.Compromised || labels["exposed"] != facts.Exposed || labels["targeted"] != facts.Targeted {
				t.Errorf("truth.csv has %v, facts.json says %d/%d/%d", labels, facts.Compromised, facts.Exposed, facts.Targeted)
			}
			if facts.Compromised == 0 || facts.Exposed == 0 || facts.Targeted == 0 {
				t.Errorf("a campaign with no compromised, exposed or targeted account: %+v", facts)
			}
			if got := count(t, c, "SELECT count(*) FROM accounts WHERE NOT has_2fa"); got != int64(facts.AccountsWithout2FA) {
				t.Errorf("accounts without 2FA: case %d, facts %d", got, facts.AccountsWithout2FA)
			}
			if got := count(t, c, "SELECT count(*) FROM emails e JOIN accounts a ON a.id = e.account WHERE e.verified AND NOT a.has_2fa"); got != int64(facts.VerifiedEmailsWithout2FA) {
				t.Errorf("verified emails of accounts without 2FA: case %d, facts %d", got, facts.VerifiedEmailsWithout2FA)
			}
			tampered := count(t, c, `SELECT count(DISTINCT pe.project) FROM project_events pe JOIN roles r ON r.project = pe.project
				JOIN accounts a ON a.id = r.account WHERE pe.kind = 'project' AND pe.time > ?::TIMESTAMPTZ
				AND pe.ip IN (SELECT ip FROM account_events WHERE tag = 'account:login:success' AND account = a.id AND time > ?::TIMESTAMPTZ)
				AND a.id IN (SELECT user_id::UUID FROM read_csv(?, all_varchar = true) WHERE label = 'compromised')`,
				facts.AttackStart, facts.AttackStart, filepath.Join(dir, "truth.csv"))
			if tampered != int64(facts.TamperedProjects) {
				t.Errorf("projects uploaded to from the attacker's addresses: %d, facts say %d", tampered, facts.TamperedProjects)
			}
		})
	}
}

// TestAttackHidesInTheLoginRate: the campaign's hourly rate of login POSTs
// stays within the range of the hours before it (between their 5th and 95th
// percentiles), as in PyPI's incident, where the login rate was normal; and
// the attacker's attempts are under a fifth of the logins in those hours.
func TestAttackHidesInTheLoginRate(t *testing.T) {
	for _, name := range samples.ScenarioNames() {
		if samples.Scenarios[name].Attacker == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			dir, facts := generate(t, name, 5, "combined")
			c := load(t, dir)
			var inMean, inTotal, baseP5, baseP95 float64
			err := c.Conn.QueryRowContext(context.Background(), `
				WITH hourly AS (
					SELECT date_trunc('hour', time) AS h, count(*) AS n FROM requests
					WHERE method = 'POST' AND path = '/account/login/' GROUP BY h),
				inside AS (SELECT n FROM hourly WHERE h >= date_trunc('hour', $1::TIMESTAMPTZ) AND h < $2::TIMESTAMPTZ),
				before AS (SELECT n FROM hourly WHERE h < date_trunc('hour', $1::TIMESTAMPTZ))
				SELECT (SELECT avg(n) FROM inside), (SELECT sum(n) FROM inside),
				       (SELECT quantile_cont(n, 0.05) FROM before), (SELECT quantile_cont(n, 0.95) FROM before)`,
				facts.AttackStart, facts.AttackEnd).Scan(&inMean, &inTotal, &baseP5, &baseP95)
			if err != nil {
				t.Fatal(err)
			}
			if inMean < baseP5 || inMean > baseP95 {
				t.Errorf("campaign hours average %.1f login POSTs, outside the earlier hours' range %.1f-%.1f", inMean, baseP5, baseP95)
			}
			if share := float64(facts.Attempts) / inTotal; share >= 0.2 {
				t.Errorf("the attacker's %d attempts are %.0f%% of the campaign's login POSTs", facts.Attempts, 100*share)
			}
			if facts.Attempts < 100 {
				t.Errorf("only %d attempts", facts.Attempts)
			}
		})
	}
}

func TestNoAttackHasEmptyTruth(t *testing.T) {
	dir, facts := generate(t, "no-attack", 1, "jsonl")
	if rows := readTruth(t, dir); len(rows) != 0 || facts.Compromised+facts.Exposed+facts.Targeted+facts.Attempts != 0 {
		t.Errorf("no-attack scenario: %d truth rows, facts %+v", len(rows), facts)
	}
	c := load(t, dir)
	// The confounders are there: 2FA enrolled right after login, shared NAT.
	if count(t, c, "SELECT count(*) FROM account_events WHERE tag = 'account:two_factor:method_added' AND time > now() - INTERVAL 10 YEAR") == 0 {
		t.Error("nobody enrolled 2FA during the week")
	}
	if count(t, c, `SELECT count(*) FROM (SELECT ip FROM account_events WHERE tag = 'account:login:success'
		GROUP BY ip HAVING count(DISTINCT account) >= 5)`) == 0 {
		t.Error("no address shared by many accounts")
	}
}

func TestEveryScenarioIsDescribed(t *testing.T) {
	heldOut := 0
	for _, name := range samples.ScenarioNames() {
		s := samples.Scenarios[name]
		if s.Name != name || s.Description == "" {
			t.Errorf("scenario %q: name %q, description %q", name, s.Name, s.Description)
		}
		if s.HeldOut {
			heldOut++
		}
	}
	if len(samples.Scenarios) < 5 || heldOut == 0 || samples.Scenarios["no-attack"].Attacker != nil {
		t.Errorf("%d scenarios, %d held out", len(samples.Scenarios), heldOut)
	}
	if _, err := samples.Lookup("nope"); err == nil || !strings.Contains(err.Error(), "pypi-2024-03") {
		t.Errorf("unknown scenario error %v should list the scenarios", err)
	}
}

// TestDrawCoversTheAttackerSpace: the same seed draws the same world, and
// over many seeds every value of every axis comes up, weeks without attack
// among them, seeds from 1000 marked held out.
func TestDrawCoversTheAttackerSpace(t *testing.T) {
	if a, b := samples.Draw(42), samples.Draw(42); a.Spec() != b.Spec() {
		t.Fatalf("seed 42 drew %q, then %q", a.Spec(), b.Spec())
	}
	seen := map[string]bool{}
	quiet := 0
	for seed := uint64(1); seed <= 300; seed++ {
		w := samples.Draw(seed)
		if w.HeldOut != (seed >= 1000) {
			t.Errorf("seed %d: held out %v", seed, w.HeldOut)
		}
		if w.Background.Scripts < 1 || w.Background.ScriptRate <= 0 {
			t.Errorf("seed %d: a world without background: %+v", seed, w.Background)
		}
		a := w.Attacker
		if a == nil {
			quiet++
			continue
		}
		for _, v := range []string{"shape " + a.Shape, "addresses " + a.Addresses, "assets " + a.Assets, "pace " + a.Pace,
			"after " + a.After, "second factor " + a.SecondFactor, "form " + a.Form} {
			seen[v] = true
		}
		if a.UnknownShare == 0 {
			seen["no unknown username"] = true
		}
		if a.TargetShare < 0.006 {
			seen["a few dozen attempts"] = true
		}
		if a.ValidShare <= 0 || a.Hours <= 0 {
			t.Errorf("seed %d: %s", seed, w.Spec())
		}
	}
	for _, v := range []string{"shape own", "shape common", "shape victim", "addresses datacenter", "addresses residential",
		"addresses victim-country", "assets never", "assets sometimes", "assets always", "pace burst", "pace steady", "pace trickle",
		"after enrol", "after pause-enrol", "after nothing", "second factor leave", "second factor guess", "form none", "form human",
		"no unknown username", "a few dozen attempts"} {
		if !seen[v] {
			t.Errorf("300 draws never gave %s", v)
		}
	}
	if quiet < 10 || quiet > 60 {
		t.Errorf("%d of 300 draws without attack, want about one in ten", quiet)
	}
	if samples.DrawQuiet(7).Attacker != nil || samples.DrawQuiet(7).Background != samples.Draw(7).Background {
		t.Error("DrawQuiet must give Draw's world without its attacker")
	}
}

// TestBackgroundNeverGetsIn: every world carries scripted clients and
// bursts trying usernames, and none of their attempts is ever a right
// password: their addresses have no successful login and no accepted POST.
func TestBackgroundNeverGetsIn(t *testing.T) {
	dir, facts := generate(t, "no-attack", 4, "fastly-pypi")
	if facts.BackgroundAttempts < 50 {
		t.Fatalf("only %d background attempts in a week", facts.BackgroundAttempts)
	}
	c := load(t, dir)
	// The scripts' addresses: those that posted the login form with a tool's
	// user agent or no language, several times, and never loaded anything else.
	var scripted, accepted, successes int64
	err := c.Conn.QueryRowContext(context.Background(), `
		WITH s AS (SELECT client FROM requests WHERE method = 'POST' AND path = '/account/login/'
		           GROUP BY client HAVING count(*) >= 5 AND bool_and(status IN (200, 429)))
		SELECT (SELECT count(*) FROM s),
		       (SELECT count(*) FROM requests WHERE client IN (SELECT client FROM s) AND status = 303),
		       (SELECT count(*) FROM account_events WHERE ip IN (SELECT client FROM s) AND tag = 'account:login:success')`).
		Scan(&scripted, &accepted, &successes)
	if err != nil {
		t.Fatal(err)
	}
	if scripted == 0 || accepted != 0 || successes != 0 {
		t.Errorf("%d addresses only ever failed; %d accepted POSTs and %d successes from them", scripted, accepted, successes)
	}
}

// TestTwoFactorTokensNameTheAccount: every stop at the second factor in the
// logs carries Warehouse's two-factor token, and it names the account: for
// each exposed account of the truth, a token from the attacker's address.
func TestTwoFactorTokensNameTheAccount(t *testing.T) {
	dir, facts := generate(t, "pypi-2024-03", 3, "fastly-pypi")
	c := load(t, dir)
	named := 0
	for _, row := range readTruth(t, dir) {
		if row[2] != "exposed" {
			continue
		}
		ip := strings.Split(strings.Split(row[3], " from ")[1], ",")[0]
		rows, err := c.Conn.QueryContext(context.Background(),
			`SELECT query FROM requests WHERE client = ? AND path = '/account/two-factor/' AND query IS NOT NULL`, ip)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for rows.Next() {
			var q string
			if err := rows.Scan(&q); err != nil {
				t.Fatal(err)
			}
			if tok, err := twofactor.Decode(q); err == nil && tok.UserID == row[0] {
				found = true
			}
		}
		rows.Close()
		if found {
			named++
		}
	}
	if named != facts.Exposed || named == 0 {
		t.Errorf("%d of the %d exposed accounts named by a token from the attacker's address", named, facts.Exposed)
	}
}
