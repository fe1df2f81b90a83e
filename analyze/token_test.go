package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	ffsql "github.com/freezeframe/freezeframe/sql"
	"github.com/freezeframe/freezeframe/twofactor"
)

// loadMacros creates the analysis's SQL macros (step macros) on conn.
func loadMacros(t *testing.T, ctx context.Context, conn *sql.Conn) {
	t.Helper()
	steps, err := Steps()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if st.ID != "macros" {
			continue
		}
		for _, stmt := range ffsql.Statements(bind(st.SQL, nil)) {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	t.Fatal("no step macros")
}

// TestTokenMacrosAgreeWithDecode holds the SQL reading of two-factor tokens
// (ff_token_read: plain payloads in bulk, compressed ones
// through the Go function) to twofactor.Decode: valid tokens plain and
// compressed, with and without a redirect, broken ones, foreign ones, and
// thousands of random mutations of valid ones.
func TestTokenMacrosAgreeWithDecode(t *testing.T) {
	ctx, conn := openUDFCase(t)
	loadMacros(t, ctx, conn)
	r := rand.New(rand.NewPCG(1, 2))
	uuid := func() string {
		a, b := r.Uint64(), r.Uint64()
		return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
	}
	var queries []string
	for k := 0; k < 300; k++ {
		issued := time.Date(2024, 3, 24, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Second)
		redirect := ""
		switch k % 3 {
		case 1:
			redirect = "/manage/projects/"
		case 2:
			redirect = "/manage/" + strings.Repeat("project/", 1+r.IntN(20)) // long enough for zlib, often
		}
		queries = append(queries, twofactor.Encode(uuid(), redirect, issued, udfSecret))
	}
	valid := len(queries)
	for _, q := range queries[:valid] {
		queries = append(queries, q+"&utm=x", strings.ToUpper(q[:10])+q[10:], q[:r.IntN(len(q))], "?"+q)
		b := []byte(q)
		for n := 1 + r.IntN(3); n > 0; n-- {
			b[r.IntN(len(b))] = "AZaz09-_.=+/!"[r.IntN(13)]
		}
		queries = append(queries, string(b))
	}
	queries = append(queries, "", "abc", "page=2&q=x", "...", "a.b.c", "a.b.c.d.e",
		"eyJ1c2VyaWQiOjQyfQ.ZgdWAA.c2ln",         // userid a number
		"eyJyZWRpcmVjdF90byI6Ii8ifQ.ZgdWAA.c2ln", // no userid
		"eyJ1c2VyaWQiOiJhZG1pbiJ9.ZgdWAA.c2ln",   // userid not a UUID
		"bm90IGpzb24.ZgdWAA.c2ln",                // not JSON
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
	rows, err := conn.QueryContext(ctx, `WITH t AS (SELECT unnest($1::VARCHAR[]) AS query, unnest(range(len($1::VARCHAR[]))) AS i)
		SELECT query, userid, issued FROM ff_token_read(t) ORDER BY i`, queries)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	compressed, agreed := 0, 0
	for rows.Next() {
		var q string
		var user sql.NullString
		var issued sql.NullTime
		if err := rows.Scan(&q, &user, &issued); err != nil {
			t.Fatal(err)
		}
		tok, err := twofactor.Decode(q)
		if err != nil {
			if user.Valid || issued.Valid {
				t.Errorf("%q: Decode says %v, SQL reads user %v issued %v", q, err, user.String, issued.Time)
			}
			continue
		}
		if tok.Compressed {
			compressed++
		}
		if user.String != tok.UserID || !issued.Time.Equal(tok.Issued) {
			t.Errorf("%q: Decode reads %s at %v, SQL %v at %v", q, tok.UserID, tok.Issued, user, issued)
			continue
		}
		agreed++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if compressed < 20 || agreed < valid {
		t.Errorf("%d valid tokens read alike, %d of them compressed; want at least %d and 20", agreed, compressed, valid)
	}
}
