package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// A small Warehouse snapshot as psql's \copy ... CSV HEADER writes it. Its
// secrets are distinctive strings, so a test can look for them in every byte
// the tool writes. A nil value is NULL (an unquoted empty field).

// secretMarkers are substrings of every secret in the fixture.
var secretMarkers = []string{"SECRETPW", "SECRETTOTP", "SECRETLTV", "SECRETRC", "SECRETCRED", "SECRETPK"}

type fixtureTable struct {
	cols []string
	rows [][]any
}

func totp(s string) string { return `\x` + hex.EncodeToString([]byte("SECRETTOTP-"+s)) }

const (
	uAlice = "5b0b7a9e-0000-4000-8000-000000000001"
	uBob   = "5b0b7a9e-0000-4000-8000-000000000002"
	uCarol = "5b0b7a9e-0000-4000-8000-000000000003"
	uDave  = "5b0b7a9e-0000-4000-8000-000000000004"
	ip1    = "1b0b7a9e-0000-4000-8000-000000000001"
	ip2    = "1b0b7a9e-0000-4000-8000-000000000002"
	proj1  = "2b0b7a9e-0000-4000-8000-000000000001"
	file1  = "3b0b7a9e-0000-4000-8000-000000000001"
)

// hashedIP2 is ip2's hashed_ip_address as a gunicorn-pypi log carries it.
const hashedIP2 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func fixture() map[string]fixtureTable {
	geo := `{"city": "Ashburn", "region": "VA", "country_code": "US", "country_name": "United States", "continent_code": "NA"}`
	uaBrowser := `"user_agent_info": {"installer": "Browser", "device": "Other", "os": "Windows", "user_agent": "Chrome"}`
	uaPip := `"user_agent_info": {"installer": {"name": "pip", "version": "24.0"}, "implementation": {"name": "CPython"}, "system": {"name": "Linux"}}`
	return map[string]fixtureTable{
		"users": {
			cols: []string{"id", "username", "name", "password", "password_date", "is_active", "is_frozen", "is_superuser", "date_joined", "last_login", "totp_secret", "last_totp_value", "disabled_for"},
			rows: [][]any{
				{uAlice, "alice", "Alice A.", "$argon2id$v=19$SECRETPW-alice", "2023-01-01 00:00:00", "t", "f", "f", "2019-05-01 10:00:00.123456", "2024-03-30 20:00:01", totp("alice"), "SECRETLTV-alice", nil},
				{uBob, "bob", "", "$2b$12$SECRETPW-bob", nil, "t", "f", "f", "2020-01-02 03:04:05", nil, nil, nil, nil},
				{uCarol, "carol", "Carol, \"the\" admin", "$argon2id$SECRETPW-carol", nil, "t", "t", "f", "2021-06-07 08:09:10", "2024-03-31 01:02:03", nil, nil, "account frozen"},
				{uDave, "dave", nil, "$argon2id$SECRETPW-dave", nil, "f", "f", "f", "2022-02-02 02:02:02", nil, nil, nil, nil},
				{"not-a-uuid", "mallory", nil, "$argon2id$SECRETPW-mallory", nil, "t", "f", "f", "2022-02-02 02:02:02", nil, nil, nil, nil},
				{"5b0b7a9e-0000-4000-8000-000000000009", "trent", nil, "$argon2id$SECRETPW-trent", nil, "t", "f", "f", "yesterday", nil, nil, nil, nil},
			},
		},
		"user_emails": {
			cols: []string{"id", "user_id", "email", "primary", "verified", "public", "unverify_reason", "transient_bounces"},
			rows: [][]any{
				{"1", uAlice, "alice@gmail.com", "t", "t", "f", nil, "0"},
				{"2", uBob, "bob@Example.ORG", "t", "t", "f", nil, "0"},
				{"3", uBob, "bob@old.example.org", "f", "f", "f", "hard bounce", "2"},
				{"4", uCarol, "carol@gmail.com", "t", "t", "f", nil, "0"},
				{"x5", uDave, "dave@example.net", "t", "t", "f", nil, "0"},
			},
		},
		"user_security_keys": {
			cols: []string{"id", "user_id", "label", "credential_id", "public_key", "sign_count"},
			rows: [][]any{{"4b0b7a9e-0000-4000-8000-000000000001", uCarol, "yubikey", "SECRETCRED-carol", "SECRETPK-carol", "12"}},
		},
		"user_recovery_codes": {
			cols: []string{"id", "user_id", "code", "generated", "burned"},
			rows: [][]any{
				{"6b0b7a9e-0000-4000-8000-000000000001", uAlice, "$argon2id$SECRETRC-1", "2024-03-30 20:00:40", nil},
				{"6b0b7a9e-0000-4000-8000-000000000002", uAlice, "$argon2id$SECRETRC-2", "2024-03-30 20:00:40", "2024-03-31 09:00:00"},
				{"6b0b7a9e-0000-4000-8000-000000000003", uAlice, "$argon2id$SECRETRC-3", "2024-03-30 20:00:40", nil},
			},
		},
		"ip_addresses": {
			cols: []string{"id", "ip_address", "hashed_ip_address", "geoip_info", "is_banned", "ban_reason", "ban_date"},
			rows: [][]any{
				{ip1, "203.0.113.9", "aa" + strings.Repeat("0", 62), geo, "f", nil, nil},
				{ip2, "198.51.100.7/32", strings.ToUpper(hashedIP2), `{"country_code": "DE", "city": "Berlin", "latitude": 52.5, "longitude": 13.4}`, "f", nil, nil},
			},
		},
		"user_events": {
			cols: []string{"id", "source_id", "tag", "time", "additional", "ip_address_id"},
			rows: [][]any{
				{"7b0b7a9e-0000-4000-8000-000000000001", uAlice, "account:login:failure", "2024-03-30 20:00:00", `{"reason": "invalid_password", "geoip_info": {"country_code": "US"}, ` + uaBrowser + `}`, ip1},
				{"7b0b7a9e-0000-4000-8000-000000000002", uAlice, "account:login:success", "2024-03-30 20:00:01", `{"two_factor_method": null, "two_factor_label": null, "geoip_info": {"country_code": "US"}, ` + uaBrowser + `}`, ip1},
				{"7b0b7a9e-0000-4000-8000-000000000003", uAlice, "account:two_factor:method_added", "2024-03-30 20:00:31", `{"method": "totp", "geoip_info": {"country_code": "US"}, ` + uaBrowser + `}`, ip1},
				{"7b0b7a9e-0000-4000-8000-000000000004", uAlice, "account:recovery_codes:generated", "2024-03-30 20:00:40", `{"geoip_info": {"country_code": "US"}}`, ip1},
				{"7b0b7a9e-0000-4000-8000-000000000005", uAlice, "account:email:sent", "2024-03-30 20:00:32", `{"from_": "admin@pypi.org", "to": "alice@gmail.com", "subject": "Two-factor method added", "redact_ip": false}`, nil},
				{"7b0b7a9e-0000-4000-8000-000000000006", uBob, "account:login:success", "2024-03-31 10:20:00.5", `{"two_factor_method": "totp", "geoip_info": {"country_code": "DE"}, ` + uaPip + `}`, ip2},
				{"7b0b7a9e-0000-4000-8000-000000000007", uCarol, "account:login:failure", "2024-03-31 11:00:00", `{"reason": "invalid_webauthn"}`, ip2},
				{"7b0b7a9e-0000-4000-8000-000000000008", uDave, "account:login:failure", "not a time", `{"reason": "invalid_password"}`, ip2},
				{"7b0b7a9e-0000-4000-8000-000000000009", uDave, "account:login:failure", "2024-03-31 11:00:02", `{"reason": "invalid_password"`, ip2},
			},
		},
		"user_unique_logins": {
			cols: []string{"id", "user_id", "ip_address_id", "created", "last_used", "device_information", "status", "expires"},
			rows: [][]any{
				{"cb0b7a9e-0000-4000-8000-000000000001", uAlice, ip1, "2024-03-30 20:00:01", "2024-03-31 09:00:00", `{"os": "Windows"}`, "confirmed", nil},
				{"cb0b7a9e-0000-4000-8000-000000000002", uBob, ip2, "2024-03-31 10:20:00.5", "2024-03-31 10:20:00.5", nil, "pending", nil},
			},
		},
		"projects": {
			cols: []string{"id", "name", "normalized_name", "created", "has_docs"},
			rows: [][]any{{proj1, "Alice_Tools", "alice-tools", "2020-03-03 03:03:03", "f"}},
		},
		"roles": {
			cols: []string{"id", "role_name", "user_id", "project_id"},
			rows: [][]any{{"8b0b7a9e-0000-4000-8000-000000000001", "Owner", uAlice, proj1}},
		},
		"project_events": {
			cols: []string{"id", "source_id", "tag", "time", "additional", "ip_address_id"},
			rows: [][]any{{"9b0b7a9e-0000-4000-8000-000000000001", proj1, "project:release:add", "2024-03-30 21:00:00", `{"submitted_by": "alice", "canonical_version": "1.2.3", "publisher_url": null, "uploaded_via_trusted_publisher": false}`, ip1}},
		},
		"file_events": {
			cols: []string{"id", "source_id", "tag", "time", "additional", "ip_address_id"},
			rows: [][]any{{"ab0b7a9e-0000-4000-8000-000000000001", file1, "file:add", "2024-03-30 21:00:05", `{"submitted_by": "alice", "canonical_version": "1.2.3", "filename": "alice_tools-1.2.3.tar.gz", "project_id": "` + proj1 + `"}`, ip1}},
		},
	}
}

// writeCSV writes a table as psql does: NULL an unquoted empty field, an
// empty string "", quotes only where needed.
func writeCSV(t fixtureTable) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(t.cols)
	w.Flush()
	for _, row := range t.rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			switch s := v.(type) {
			case nil:
			case string:
				if s == "" || strings.ContainsAny(s, ",\"\n\r") {
					b.WriteString(`"` + strings.ReplaceAll(s, `"`, `""`) + `"`)
				} else {
					b.WriteString(s)
				}
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// writeJSONL writes a table as one JSON object a line; JSON text columns
// that parse are written as nested objects, as a JSONB export would.
func writeJSONL(t fixtureTable) []byte {
	var b bytes.Buffer
	for _, row := range t.rows {
		obj := map[string]any{}
		for i, v := range row {
			if s, ok := v.(string); ok && (t.cols[i] == "additional" || t.cols[i] == "geoip_info") && json.Valid([]byte(s)) {
				obj[t.cols[i]] = json.RawMessage(s)
			} else {
				obj[t.cols[i]] = v
			}
		}
		line, _ := json.Marshal(obj)
		b.Write(append(line, '\n'))
	}
	return b.Bytes()
}

// writePgDump writes the fixture as a plain-format pg_dump, with the DDL and
// other statements a real dump has around the COPY blocks.
func writePgDump(tables map[string]fixtureTable) []byte {
	var b bytes.Buffer
	b.WriteString("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\n")
	b.WriteString("CREATE TABLE public.admin_flags (id text, enabled boolean);\n\nCOPY public.admin_flags (id, enabled) FROM stdin;\ndisallow-new-user-registration\tf\n\\.\n\n")
	for _, name := range []string{"projects", "users", "user_emails", "ip_addresses", "user_events", "user_security_keys", "user_recovery_codes", "roles", "project_events", "file_events", "user_unique_logins"} {
		t, ok := tables[name]
		if !ok {
			continue
		}
		quoted := make([]string, len(t.cols))
		for i, c := range t.cols {
			quoted[i] = c
			if c == "primary" {
				quoted[i] = `"primary"`
			}
		}
		fmt.Fprintf(&b, "CREATE TABLE public.%s (\n    id uuid NOT NULL\n);\n\n", name)
		fmt.Fprintf(&b, "COPY public.%s (%s) FROM stdin;\n", name, strings.Join(quoted, ", "))
		for _, row := range t.rows {
			for i, v := range row {
				if i > 0 {
					b.WriteByte('\t')
				}
				if v == nil {
					b.WriteString(`\N`)
					continue
				}
				s := v.(string)
				s = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
				b.WriteString(s)
			}
			b.WriteByte('\n')
		}
		b.WriteString("\\.\n\n")
	}
	b.WriteString("ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n")
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func zst(b []byte) []byte {
	var out bytes.Buffer
	w, _ := zstd.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// writeSnapshot writes the fixture in one container format and returns the
// path to give `ingest snapshot`.
func writeSnapshot(t *testing.T, format string, tables map[string]fixtureTable) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if format == "pg_dump" {
		write("warehouse.sql.zst", zst(writePgDump(tables)))
		return filepath.Join(dir, "warehouse.sql.zst")
	}
	for name, tbl := range tables {
		switch format {
		case "csv":
			write(name+".csv", writeCSV(tbl))
		case "csv.gz":
			write(name+".csv.gz", gz(writeCSV(tbl)))
		case "jsonl":
			write(name+".jsonl", writeJSONL(tbl))
		case "parquet":
			src := filepath.Join(t.TempDir(), name+".csv")
			os.WriteFile(src, writeCSV(tbl), 0o644)
			db, err := sql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			// Typed where the column allows it, as a real export would be.
			_, err = db.ExecContext(context.Background(), fmt.Sprintf(
				`COPY (SELECT * FROM read_csv('%s', header = true, allow_quoted_nulls = false, delim = ',', quote = '"', escape = '"'))
				 TO '%s' (FORMAT parquet)`, src, filepath.Join(dir, name+".parquet")))
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}
