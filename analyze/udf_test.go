package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/twofactor"
)

// openUDFCase opens a new case with the functions registered.
func openUDFCase(t *testing.T) (context.Context, *sql.Conn) {
	t.Helper()
	ctx := context.Background()
	c, err := casefile.Open(ctx, filepath.Join(t.TempDir(), "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := registerFunctions(ctx, c.Conn); err != nil {
		t.Fatal(err)
	}
	return ctx, c.Conn
}

var udfSecret = []byte("udf-test-secret")

func TestUDFTwoFactorToken(t *testing.T) {
	ctx, conn := openUDFCase(t)
	const id = "7730581c-0aff-4453-804e-3381644b96f9"
	issued := time.Date(2024, 3, 30, 12, 34, 56, 0, time.UTC)
	plain := twofactor.Encode(id, "", issued, udfSecret)
	compressed := twofactor.Encode(id, "/manage/"+strings.Repeat("project/", 30), issued, udfSecret)
	for _, query := range []string{plain, "?" + plain, compressed} {
		var user sql.NullString
		var at sql.NullTime
		if err := conn.QueryRowContext(ctx, "SELECT ff_two_factor_user($1), ff_two_factor_issued($1)", query).Scan(&user, &at); err != nil {
			t.Fatal(err)
		}
		if user.String != id || !at.Time.Equal(issued) {
			t.Errorf("query %.30s...: user %v, issued %v; want %s, %v", query, user, at, id, issued)
		}
	}

	for _, query := range []any{nil, "", "abc", "page=2&q=x", plain[:strings.LastIndex(plain, ".")]} {
		var user sql.NullString
		var at sql.NullTime
		if err := conn.QueryRowContext(ctx, "SELECT ff_two_factor_user($1::VARCHAR), ff_two_factor_issued($1::VARCHAR)", query).Scan(&user, &at); err != nil {
			t.Fatal(err)
		}
		if user.Valid || at.Valid {
			t.Errorf("query %.30v: user %v, issued %v; want NULL, NULL", query, user, at)
		}
	}
}

func TestUDFTwoFactorRows(t *testing.T) {
	ctx, conn := openUDFCase(t)
	const rows = 10_000
	start := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	// "" stands for NULL: duckdb-go cannot bind a nil in a slice.
	queries := make([]string, rows)
	wants := make([]string, rows)
	var valid, epochSum int64
	for i := range rows {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012x", i)
		issued := start.Add(time.Duration(i) * time.Minute)
		switch i % 5 {
		case 0:
			continue // NULL
		case 1:
			queries[i] = fmt.Sprintf("page=%d", i)
			continue
		case 2:
			queries[i] = twofactor.Encode(id, "", issued, udfSecret)
		case 3:
			queries[i] = twofactor.Encode(id, "/"+strings.Repeat("abc/", 40), issued, udfSecret)
		case 4:
			// A token's shape with a payload that is not JSON.
			tok := twofactor.Encode(id, "", issued, udfSecret)
			queries[i] = "bm90IGpzb24" + tok[strings.Index(tok, "."):]
			continue
		}
		wants[i] = id
		valid++
		epochSum += issued.Unix()
	}

	var users, times, distinct, right, epochs int64
	err := conn.QueryRowContext(ctx, "SELECT count(ff_two_factor_user(q)), count(ff_two_factor_issued(q)), count(DISTINCT ff_two_factor_user(q)), count(*) FILTER (WHERE ff_two_factor_user(q) = want), sum(epoch(ff_two_factor_issued(q)))::BIGINT FROM (SELECT nullif(unnest($1::VARCHAR[]), '') AS q, nullif(unnest($2::VARCHAR[]), '') AS want)", queries, wants).Scan(&users, &times, &distinct, &right, &epochs)
	if err != nil {
		t.Fatal(err)
	}
	if users != valid || times != valid || distinct != valid || right != valid || epochs != epochSum {
		t.Errorf("over %d rows: %d users, %d times, %d distinct, %d right, epoch sum %d; want %d of each and epoch sum %d", rows, users, times, distinct, right, epochs, valid, epochSum)
	}
}

func TestUDFRegisterTwice(t *testing.T) {
	ctx, conn := openUDFCase(t)
	if err := registerFunctions(ctx, conn); err != nil {
		t.Fatalf("registering a second time: %v", err)
	}
	const id = "0d1f8a2e-3b4c-4d5e-8f60-718293a4b5c6"
	var user string
	if err := conn.QueryRowContext(ctx, "SELECT ff_two_factor_user($1)", twofactor.Encode(id, "", time.Unix(1717200000, 0), udfSecret)).Scan(&user); err != nil {
		t.Fatalf("calling after registering twice: %v", err)
	}
	if user != id {
		t.Errorf("user %q, want %q", user, id)
	}
}
