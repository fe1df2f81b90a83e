package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/casefile"
)

// TestMain lets the test binary stand in for freezeframe in the tests that
// need a real process to kill.
func TestMain(m *testing.M) {
	if os.Getenv("FREEZEFRAME_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// logLines writes n combined-log lines, one second apart.
func logLines(n int, offset int) string {
	var b strings.Builder
	start := time.Date(2024, 3, 30, 20, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i+offset) * time.Second)
		fmt.Fprintf(&b, "198.51.%d.%d - - [%s] \"POST /account/login/ HTTP/1.1\" 200 %d \"https://pypi.org/account/login/\" \"python-requests/2.31.0\"\n",
			i/200%256, i%200+1, t.Format("02/Jan/2006:15:04:05 -0700"), 5000+i%977)
	}
	return b.String()
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o444); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, "version")
	if code != 0 || !strings.Contains(out, "freezeframe ") || !strings.Contains(out, "DuckDB v1.5.6") {
		t.Errorf("version: code %d, output %q", code, out)
	}
}

func TestIngestLogsPrintsCountsAndSkipsRepeats(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	log := writeTemp(t, "access.log", logLines(100, 0)+"garbage line\n")
	out, errOut, code := runCLI(t, "--case", casePath, "ingest", "logs", log)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "detected log format") || !strings.Contains(errOut, "format=combined") {
		t.Errorf("stderr does not say which format was detected: %q", errOut)
	}
	if strings.Contains(out, "level=") {
		t.Errorf("log lines leaked to stdout: %q", out)
	}
	row := fields(t, out, log)
	if row[1] != "ingested" || row[2] != "combined" || row[3] != "101" || row[4] != "100" || row[5] != "1" {
		t.Errorf("row %q: want ingested combined 101 100 1", row)
	}
	out, _, code = runCLI(t, "--case", casePath, "ingest", "logs", log)
	if row := fields(t, out, log); code != 0 || row[1] != "skipped" {
		t.Errorf("second ingest: code %d row %q, want skipped", code, row)
	}
	out, _, code = runCLI(t, "--case", casePath, "query", "SELECT count(*) AS n FROM requests")
	if code != 0 || out != "n\n100\n" {
		t.Errorf("query: code %d output %q", code, out)
	}
}

// fields returns the whitespace-separated fields of the output line about path.
func fields(t *testing.T, out, path string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, path+" ") {
			return strings.Fields(l)
		}
	}
	t.Fatalf("no line for %s in %q", path, out)
	return nil
}

func TestUsageAndInputErrors(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	log := writeTemp(t, "access.log", logLines(3, 0))
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ingest", "logs", "--log-format", "nginx-fancy", log}, exitUsage, `unknown log format "nginx-fancy"`},
		{[]string{"ingest", "logs", "--log-format", "%h %l", log}, exitUsage, "no time directive"},
		{[]string{"--log-level", "loud", "version"}, exitUsage, "--log-level"},
		{[]string{"ingest", "logs", "--no-such-flag", log}, exitUsage, "unknown flag"},
		{[]string{"ingest", "logs", "--field", "time", log}, exitUsage, "canonical=json.key"},
		{[]string{"ingest", "logs", filepath.Join(t.TempDir(), "missing.log")}, exitError, "no such file"},
		{[]string{"--case", filepath.Join(t.TempDir(), "none.duckdb"), "query", "SELECT 1"}, exitError, "ingest some input first"},
		{[]string{"--memory-limit", "-5GB", "ingest", "logs", log}, exitUsage, `--memory-limit "-5GB": want a positive size with a unit`},
		{[]string{"--memory-limit", "80%", "ingest", "logs", log}, exitUsage, `--memory-limit "80%": want a positive size with a unit`},
		{[]string{"--memory-limit", "0GB", "ingest", "logs", log}, exitUsage, "leaves DuckDB no memory"},
		{[]string{"--memory-limit", "1GB&access_mode=read_write", "ingest", "logs", log}, exitUsage, "want a positive size"},
	}
	for _, tc := range cases {
		_, errOut, code := runCLI(t, append([]string{"--case", casePath}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
		if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
			t.Errorf("%v: stack trace on stderr: %q", tc.args, errOut)
		}
	}
}

// TestUsageErrorsExitTwoEverywhere: an unknown command or subcommand, a
// wrong number of arguments, a bad or missing flag value and a missing
// required flag exit 2 with the error on stderr and nothing on stdout,
// whatever the command; asking for help, with or without a command,
// prints it on stdout and exits 0.
func TestUsageErrorsExitTwoEverywhere(t *testing.T) {
	dir := t.TempDir()
	casePath := filepath.Join(dir, "c.duckdb")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuch"}, `unknown command "nosuch" for "freezeframe"`},
		{[]string{"investigat"}, `unknown command "investigat" for "freezeframe"; did you mean investigate?`},
		{[]string{"ingest", "log", "x"}, `unknown command "log" for "freezeframe ingest"; did you mean logs?`},
		{[]string{"samples", "lst"}, `unknown command "lst" for "freezeframe samples"; did you mean list?`},
		{[]string{"completion", "nosuch"}, `unknown command "nosuch" for "freezeframe completion"`},
		{[]string{"help", "nosuch"}, `no help topic "nosuch"`},
		{[]string{"help", "ingest", "log"}, `no help topic "ingest log"`},
		{[]string{"version", "extra"}, `unknown command "extra" for "freezeframe version"; usage: freezeframe version`},
		{[]string{"report", "extra", "--out", dir}, `unknown command "extra" for "freezeframe report"`},
		{[]string{"analyze", "extra"}, `unknown command "extra" for "freezeframe analyze"`},
		{[]string{"samples", "list", "extra"}, `unknown command "extra" for "freezeframe samples list"`},
		{[]string{"query"}, "accepts 1 arg(s), received 0; usage: freezeframe query SQL"},
		{[]string{"query", "SELECT 1", "SELECT 2"}, "accepts 1 arg(s), received 2"},
		{[]string{"ingest", "logs"}, "requires at least 1 arg(s), only received 0; usage: freezeframe ingest logs"},
		{[]string{"ingest", "snapshot"}, "accepts 1 arg(s), received 0; usage: freezeframe ingest snapshot PATH"},
		{[]string{"samples", "generate", "--out", dir}, "samples generate needs --scenario NAME"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"ingest", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"samples", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"investigate", "--out"}, "flag needs an argument: --out"},
		{[]string{"eval", "--min-precision", "high"}, `invalid argument "high" for "--min-precision"`},
		{[]string{"help", "--bogus"}, "unknown flag: --bogus"},
	} {
		stdout, stderr, code := runCLI(t, append([]string{"--case", casePath}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%q: exit %d, stdout %.60q, stderr %q; want exit 2, nothing on stdout and an error saying %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "Available Commands:"},
		{[]string{"help"}, "Available Commands:"},
		{[]string{"--help"}, "Available Commands:"},
		{[]string{"ingest"}, "freezeframe ingest [command]"},
		{[]string{"samples"}, "freezeframe samples [command]"},
		{[]string{"help", "ingest", "logs"}, "freezeframe ingest logs"},
		{[]string{"ingest", "logs", "--help"}, "freezeframe ingest logs"},
		{[]string{"completion"}, "freezeframe completion [command]"},
	} {
		stdout, stderr, code := runCLI(t, append([]string{"--case", casePath}, tc.args...)...)
		if code != exitOK || !strings.Contains(stdout, tc.want) || stderr != "" {
			t.Errorf("%q: exit %d, stderr %q; want exit 0 and the help on stdout, with %q:\n%s", tc.args, code, stderr, tc.want, stdout)
		}
	}
	// A command with subcommands runs only to print its help: no use line
	// of its own suggests it does more.
	if stdout, _, _ := runCLI(t, "ingest"); strings.Contains(stdout, "freezeframe ingest [flags]") {
		t.Errorf("freezeframe ingest's help gives it a use line of its own:\n%s", stdout)
	}
	if _, err := os.Stat(casePath); err == nil {
		t.Error("a usage error or a help made the case")
	}
}

// TestLogFormatHasOneName: every command that reads or writes access logs
// takes their format as --log-format, and no command shows a --format;
// ingest logs still reads its old --format and -f, hidden, with a warning.
func TestLogFormatHasOneName(t *testing.T) {
	var walk func(c *cobra.Command)
	takes := map[string]bool{}
	walk = func(c *cobra.Command) {
		if f := c.Flags().Lookup("format"); f != nil && !f.Hidden {
			t.Errorf("%s shows a --format flag", c.CommandPath())
		}
		if c.Flags().Lookup("log-format") != nil {
			takes[c.CommandPath()] = true
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&env{}))
	for _, name := range []string{"freezeframe ingest logs", "freezeframe investigate", "freezeframe samples generate"} {
		if !takes[name] {
			t.Errorf("%s takes no --log-format (those that do: %v)", name, takes)
		}
	}

	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	for i, flag := range []string{"--log-format", "--format", "-f"} {
		log := writeTemp(t, "access.log", logLines(10, 100*i))
		stdout, stderr, code := runCLI(t, "--case", casePath, "ingest", "logs", flag, "combined", log)
		if code != 0 || fields(t, stdout, log)[2] != "combined" {
			t.Errorf("ingest logs %s combined: exit %d\n%s%s", flag, code, stdout, stderr)
		}
		if warned := strings.Contains(stderr, "--format is deprecated and will be removed; use --log-format"); warned != (flag != "--log-format") {
			t.Errorf("ingest logs %s: warned %v: %q", flag, warned, stderr)
		}
	}
	log := writeTemp(t, "access.log", logLines(10, 1000))
	if _, stderr, code := runCLI(t, "--case", casePath, "ingest", "logs", "--format", "combined", "--log-format", "common", log); code != exitUsage ||
		!strings.Contains(stderr, "give --log-format alone") {
		t.Errorf("ingest logs with both names: exit %d, %q", code, stderr)
	}
	if stdout, _, _ := runCLI(t, "ingest", "logs", "--help"); strings.Contains(stdout, "--format string") || !strings.Contains(stdout, "--log-format string") {
		t.Errorf("ingest logs --help lists --format among its flags, or not --log-format:\n%s", stdout)
	}
}

// TestRootHelpStartsWithInvestigate: the first help a new user reads points
// at the one command that does it all, with a command line to copy.
func TestRootHelpStartsWithInvestigate(t *testing.T) {
	stdout, _, code := runCLI(t, "--help")
	if code != 0 || !strings.Contains(stdout, "Start with freezeframe investigate") ||
		!strings.Contains(stdout, "  freezeframe investigate --snapshot snapshot/ --out incident/ --logs logs/*\n") {
		t.Errorf("the root help does not say to start with investigate:\n%s", stdout)
	}
}

func TestCaseOfAnotherSchemaVersionIsRefused(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	log := writeTemp(t, "access.log", logLines(3, 0))
	if _, errOut, code := runCLI(t, "--case", casePath, "ingest", "logs", log); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := runCLI(t, "--case", casePath, "query", "--write", "UPDATE case_meta SET value = '99' WHERE key = 'schema_version'"); code != 0 {
		t.Fatal(errOut)
	}
	_, errOut, code := runCLI(t, "--case", casePath, "query", "SELECT 1")
	if code != exitError || !strings.Contains(errOut, "schema version 99") || !strings.Contains(errOut, fmt.Sprint(casefile.SchemaVersion)) ||
		!strings.Contains(errOut, "new case") {
		t.Errorf("exit %d, stderr %q: want a refusal naming both versions and what to do", code, errOut)
	}
	notCase := writeTemp(t, "notes.txt", "hello")
	_, errOut, code = runCLI(t, "--case", notCase, "query", "SELECT 1")
	if code != exitError || !strings.Contains(errOut, "not a DuckDB case file") {
		t.Errorf("text file as case: exit %d, stderr %q", code, errOut)
	}
}

// startCLI runs freezeframe (this test binary) as a separate process.
func startCLI(t *testing.T, stdin string, args ...string) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FREEZEFRAME_TEST_MAIN=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		cmd.Stdin = f
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(errPipe), &out
}

func caseCounts(t *testing.T, casePath string) (requests, sources int64) {
	t.Helper()
	c, err := casefile.Open(context.Background(), casePath, casefile.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Conn.QueryRowContext(context.Background(),
		"SELECT (SELECT count(*) FROM requests), (SELECT count(*) FROM sources)").Scan(&requests, &sources); err != nil {
		t.Fatal(err)
	}
	return requests, sources
}

// TestKilledIngestLeavesNoPartialFile kills the process in the middle of its
// second file, with SIGKILL and with Ctrl-C, and checks that the case holds
// the first file whole and nothing of the second, and that rerunning the
// same command completes the job.
func TestKilledIngestLeavesNoPartialFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 60 MB log")
	}
	dir := t.TempDir()
	small := writeTemp(t, "small.log", logLines(1000, 0))
	big := filepath.Join(dir, "big.log")
	if err := os.WriteFile(big, []byte(logLines(300_000, 1000)), 0o444); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			casePath := filepath.Join(t.TempDir(), "c.duckdb")
			args := []string{"--case", casePath, "ingest", "logs", small, big}
			cmd, stderr, _ := startCLI(t, "", args...)
			seen := 0
			for stderr.Scan() {
				// The second "detected" line means big.log is being parsed.
				if strings.Contains(stderr.Text(), "detected log format") {
					if seen++; seen == 2 {
						time.Sleep(150 * time.Millisecond)
						cmd.Process.Signal(sig)
						break
					}
				}
			}
			go func() {
				for stderr.Scan() {
				}
			}()
			err := cmd.Wait()
			if err == nil {
				t.Skip("ingest finished before the signal")
			}
			if sig == syscall.SIGINT && cmd.ProcessState.ExitCode() != exitInterrupt {
				t.Errorf("Ctrl-C: exit code %d, want %d", cmd.ProcessState.ExitCode(), exitInterrupt)
			}
			if req, src := caseCounts(t, casePath); req != 1000 || src != 1 {
				t.Fatalf("after %v: %d requests in %d sources, want small.log only (1000 in 1)", sig, req, src)
			}
			out, errOut, code := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("rerun: exit %d: %s", code, errOut)
			}
			if row := fields(t, out, small); row[1] != "skipped" {
				t.Errorf("rerun: small.log %q, want skipped", row)
			}
			if row := fields(t, out, big); row[1] != "ingested" || row[3] != "300000" {
				t.Errorf("rerun: big.log %q, want 300000 lines ingested", row)
			}
			if req, src := caseCounts(t, casePath); req != 301_000 || src != 2 {
				t.Errorf("after rerun: %d requests in %d sources, want 301000 in 2", req, src)
			}
		})
	}
}

func TestIngestFromStdin(t *testing.T) {
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	log := writeTemp(t, "access.log", logLines(50, 0))
	for _, want := range []string{"ingested", "skipped"} {
		cmd, stderr, out := startCLI(t, log, "--case", casePath, "ingest", "logs", "--log-format", "combined", "-")
		for stderr.Scan() {
		}
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		if row := fields(t, out.String(), "-"); row[1] != want || (want == "ingested" && row[3] != "50") {
			t.Errorf("stdin ingest: %q, want %s", row, want)
		}
	}
}

func TestIngestSnapshotCommand(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"users.csv":        "id,username,password,totp_secret,is_active\n5b0b7a9e-0000-4000-8000-000000000001,alice,$argon2id$x,\\x3132,t\nbad-id,bob,$2b$y,,t\n",
		"ip_addresses.csv": "id,ip_address,hashed_ip_address,geoip_info\n1b0b7a9e-0000-4000-8000-000000000001,203.0.113.9,,\"{\"\"country_code\"\": \"\"US\"\"}\"\n",
		"user_events.csv": "id,source_id,tag,time,additional,ip_address_id\n" +
			"7b0b7a9e-0000-4000-8000-000000000001,5b0b7a9e-0000-4000-8000-000000000001,account:login:success,2024-03-30 20:00:01,\"{}\",1b0b7a9e-0000-4000-8000-000000000001\n",
		"notes.txt": "not a table",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	casePath := filepath.Join(t.TempDir(), "c.duckdb")
	out, errOut, code := runCLI(t, "--case", casePath, "ingest", "snapshot", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if row := fields(t, out, "users"); row[3] != "2" || row[4] != "1" || row[5] != "1" {
		t.Errorf("users row %q: want 2 rows, 1 loaded, 1 rejected", row)
	}
	for _, want := range []string{"table=user_emails", "table=projects", "notes.txt", "rejected=1"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
	}
	_, errOut, code = runCLI(t, "--case", casePath, "ingest", "snapshot", dir)
	if code != 0 || !strings.Contains(errOut, "already in the case") {
		t.Errorf("second ingest: exit %d, stderr %q", code, errOut)
	}
	out, _, _ = runCLI(t, "--case", casePath, "query", "SELECT username, has_totp, has_2fa FROM accounts")
	if out != "username,has_totp,has_2fa\nalice,true,true\n" {
		t.Errorf("accounts: %q", out)
	}
}
