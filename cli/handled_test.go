package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/freezeframe/freezeframe/internal/testfs"
)

// TestCompromisedAccountsAlreadyHandledOrWithoutUsername: of the sample's
// compromised accounts, one Warehouse had already frozen (disabled_for) and
// one whose users row is missing from the snapshot (users exported apart
// from the events). Neither may be on the freeze list: the first needs no
// freezing, the second has no username for the admin tooling. Both used to
// be listed, the second with an empty username. Both stay in accounts.csv,
// counted in summary.json and on stdout. An exposed account Warehouse
// already handled is marked in exposed.csv.
func TestCompromisedAccountsAlreadyHandledOrWithoutUsername(t *testing.T) {
	var compromised, exposed []string // user ids
	for _, row := range readCSV(t, "../samples/pypi-2024-03/truth.csv")[1:] {
		switch row[2] {
		case "compromised":
			compromised = append(compromised, row[0])
		case "exposed":
			exposed = append(exposed, row[0])
		}
	}
	slices.Sort(compromised)
	slices.Sort(exposed)
	frozen, missing, pwned := compromised[0], compromised[1], exposed[0]

	snap := filepath.Join(t.TempDir(), "snapshot")
	if err := os.CopyFS(snap, os.DirFS(sampleSnapshot)); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(snap, "users.csv.gz")
	rows := readGzipCSV(t, users)
	col := slices.Index(rows[0], "disabled_for")
	if col < 0 {
		rows[0] = append(rows[0], "disabled_for")
		for i := 1; i < len(rows); i++ {
			rows[i] = append(rows[i], "")
		}
		col = len(rows[0]) - 1
	}
	kept := rows[:1]
	for _, r := range rows[1:] {
		switch r[0] {
		case missing:
			continue
		case frozen:
			r[col] = "account frozen"
		case pwned:
			r[col] = "password compromised"
		}
		kept = append(kept, r)
	}
	writeGzipCSV(t, users, kept)

	stdout, stderr, code, out := investigateAt(t, snap, sampleLogs(t))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	freeze := readCSV(t, filepath.Join(out, "freeze-list.csv"))
	var listed []string
	for _, r := range freeze[1:] {
		listed = append(listed, r[1])
		if r[0] == "" {
			t.Errorf("freeze-list.csv has a row without a username: %v", r)
		}
	}
	if slices.Contains(listed, frozen) || slices.Contains(listed, missing) {
		t.Errorf("freeze-list.csv lists an account already frozen (%v) or without a users row (%v)", slices.Contains(listed, frozen), slices.Contains(listed, missing))
	}
	if len(listed) != len(compromised)-2 {
		t.Errorf("freeze-list.csv has %d accounts, want the %d compromised but two", len(listed), len(compromised)-2)
	}
	accounts := readCSV(t, filepath.Join(out, "accounts.csv"))
	head := accounts[0]
	id, class, handled, toFreeze := slices.Index(head, "user_id"), slices.Index(head, "classification"), slices.Index(head, "already_handled"), slices.Index(head, "to_freeze")
	for _, r := range accounts[1:] {
		switch r[id] {
		case frozen:
			if r[class] != "compromised" || r[handled] != "account frozen" || r[toFreeze] != "false" {
				t.Errorf("accounts.csv, the frozen account: %v", r)
			}
		case missing:
			if r[class] != "compromised" || r[toFreeze] != "false" {
				t.Errorf("accounts.csv, the account without a users row: %v", r)
			}
		}
	}
	// An exposed account Warehouse already handled says so in exposed.csv.
	ex := readCSV(t, filepath.Join(out, "exposed.csv"))
	eid, ehandled := slices.Index(ex[0], "user_id"), slices.Index(ex[0], "already_handled")
	for _, r := range ex[1:] {
		want := ""
		if r[eid] == pwned {
			want = "password compromised"
		}
		if r[ehandled] != want {
			t.Errorf("exposed.csv: %s already_handled %q, want %q", r[eid], r[ehandled], want)
		}
	}
	sum := string(testfs.Read(t, filepath.Join(out, "public", "summary.json")))
	for _, want := range []string{`"compromised_already_frozen_or_disabled": 1`, `"compromised_without_username": 1`} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary.json lacks %s", want)
		}
	}
	if got := fields(t, stdout, "compromised (to freeze)"); got[len(got)-1] != strconv.Itoa(len(compromised)-2) {
		t.Errorf("stdout: %v", got)
	}
	for _, want := range []string{"already frozen or disabled (not on the freeze list)", "no users row so no username"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout)
		}
	}
}

func readGzipCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// writeGzipCSV writes rows as psql does (NULL an unquoted empty field; the
// sample has no empty strings).
func writeGzipCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	w := csv.NewWriter(zw)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, b.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
}
