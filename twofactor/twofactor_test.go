package twofactor_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/twofactor"
)

var secret = []byte("test-secret")

// The golden tokens were made by re-implementing itsdangerous 2.x's
// URLSafeTimedSerializer.dumps with Python 3.11's standard library only
// (json.dumps with separators=(",", ":"), zlib.compress kept when it saves
// more than one byte, urlsafe base64 without padding, the timestamp as
// minimal big-endian bytes, key = HMAC-SHA512(secret, "two_factor"),
// signature = HMAC-SHA512(key, payload.timestamp)), the parameters of
// Warehouse's TokenService("two_factor"), with secret b"test-secret" and
// zlib 1.2.13. The second and third pin json.dumps's ASCII escaping; the
// third is compressed.
var golden = []struct {
	userID, redirectTo string
	issued             time.Time
	compressed         bool
	token              string
}{
	{
		userID: "7730581c-0aff-4453-804e-3381644b96f9",
		issued: time.Date(2024, 3, 30, 0, 0, 0, 0, time.UTC),
		token:  "eyJ1c2VyaWQiOiI3NzMwNTgxYy0wYWZmLTQ0NTMtODA0ZS0zMzgxNjQ0Yjk2ZjkifQ.ZgdWAA.6UB7M9bQE-iitC6CzLU-Ll_rJXc-0hMqx7O4Qrkc_Tl0Z_25L1Dwa5OFLmCYZvKtdJSGsZpdajqO3b6QsiDlpg",
	},
	{
		userID:     "0d1f8a2e-3b4c-4d5e-8f60-718293a4b5c6",
		redirectTo: "/manage/projects/?q=\"naïve 😀\"",
		issued:     time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		token:      "eyJ1c2VyaWQiOiIwZDFmOGEyZS0zYjRjLTRkNWUtOGY2MC03MTgyOTNhNGI1YzYiLCJyZWRpcmVjdF90byI6Ii9tYW5hZ2UvcHJvamVjdHMvP3E9XCJuYVx1MDBlZnZlIFx1ZDgzZFx1ZGUwMFwiIn0.ZlpkgA.1ZfIL0w2OpAA-4r1cRi1TjxMAuhX9ssWTlszxAStOK5IO-M2wtJdl3Szi_zZJgA62_UyR7LYEBJwL-KwkJc7UQ",
	},
	{
		userID:     "c3a4e5f6-0718-4293-a4b5-c6d7e8f90a1b",
		redirectTo: "/manage/project/example/settings/?page=1&page=1&page=1&page=1&page=1&page=1&page=1&page=1&x=\\\n\r\t\b\f\x01\x7f<>",
		issued:     time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		compressed: true,
		token:      ".eJyVi1sKwyAUBffiR78qamNiUpp2IxeKj2tISYyogUDp3muX0J8zMMN5kz1jmh25Ettoia3vKFeip_IyNFRL01LbOYW9H7gWhpxJQjcntOVZtnpiqw56QhbT9qqS4aHXuCDLWMocpsweseZRnP7GMQJAgAQFDHjYOefit8rf7uTzBfsyOt4.Z3SFgA.tBVgPh8n5YT8G-DjxSx4G7KCBmWmYiacwGDMmQfDgbYAIuPfo6f8iU61tFcblYt-7Sr4TT8iRzLkfUCEEDquCg",
	},
}

func TestGolden(t *testing.T) {
	for _, g := range golden {
		if got := twofactor.Encode(g.userID, g.redirectTo, g.issued, secret); got != g.token {
			t.Errorf("Encode(%q, %q):\n got %s\nwant %s", g.userID, g.redirectTo, got, g.token)
		}
		want := twofactor.Token{UserID: g.userID, Issued: g.issued, Compressed: g.compressed}
		if got, err := twofactor.Decode(g.token); err != nil || got != want {
			t.Errorf("Decode(%.20s...) = %+v, %v; want %+v", g.token, got, err, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	issued := time.Date(2024, 11, 5, 13, 7, 9, 999_000_000, time.UTC)
	for _, tc := range []struct {
		name, redirectTo string
		compressed       bool
	}{
		{"no redirect", "", false},
		{"short redirect", "/manage/projects/", false},
		{"long repetitive redirect", "/project/" + strings.Repeat("sampleproject/", 20), true},
		{"non-ASCII redirect", "/search/?q=日本語&c=\x7f\x01", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const id = "5B0F3C0E-9D4A-4B1E-8C2D-3E4F5A6B7C8D"
			token := twofactor.Encode(id, tc.redirectTo, issued, []byte("another secret"))
			if twofactor.Encode(id, tc.redirectTo, issued, []byte("another secret")) != token {
				t.Fatal("Encode is not deterministic")
			}
			want := twofactor.Token{
				UserID:     strings.ToLower(id),
				Issued:     issued.Truncate(time.Second),
				Compressed: tc.compressed,
			}
			for _, query := range []string{token, "?" + token, token + "&utm_source=x"} {
				got, err := twofactor.Decode(query)
				if err != nil || got != want {
					t.Errorf("Decode(%.30s...) = %+v, %v; want %+v", query, got, err, want)
				}
			}
		})
	}
}

func TestEncodePanicsAtEpoch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Encode at the Unix epoch did not panic")
		}
	}()
	twofactor.Encode(golden[0].userID, "", time.Unix(0, 0), secret)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func zlibOf(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// bomb is a compressed token whose payload inflates to a megabyte of zeros.
var bomb = "." + base64.RawURLEncoding.EncodeToString(zlibOf(make([]byte, 1<<20))) + ".ZgdWAA.c2ln"

var bad = []struct {
	name, query string
	want        error
}{
	{"empty", "", twofactor.ErrNotToken},
	{"a word", "abc", twofactor.ErrNotToken},
	{"random query", "page=2&q=x", twofactor.ErrNotToken},
	{"space", "eyJh IjoxfQ.ZgdWAA.c2ln", twofactor.ErrNotToken},
	{"cut in the payload", golden[0].token[:30], twofactor.ErrNotToken},
	{"cut before the signature", golden[0].token[:strings.LastIndex(golden[0].token, ".")], twofactor.ErrNotToken},
	{"cut after the last dot", golden[0].token[:strings.LastIndex(golden[0].token, ".")+1], twofactor.ErrMalformed},
	{"five parts", "a.b.c.d.e", twofactor.ErrNotToken},
	{"only dots", "...", twofactor.ErrNotToken},
	{"payload not JSON", b64("not json") + ".ZgdWAA.c2ln", twofactor.ErrMalformed},
	{"payload a JSON array", b64(`["userid"]`) + ".ZgdWAA.c2ln", twofactor.ErrMalformed},
	{"payload JSON null", b64("null") + ".ZgdWAA.c2ln", twofactor.ErrMalformed},
	{"payload not UTF-8", b64("{\"userid\":\"7730581c-0aff-4453-804e-3381644b96f9\",\"redirect_to\":\"/\xd2\"}") + ".ZgdWAA.c2ln", twofactor.ErrMalformed},
	{"JSON without userid", b64(`{"redirect_to":"/"}`) + ".ZgdWAA.c2ln", twofactor.ErrNoUserID},
	{"userid not a UUID", b64(`{"userid":"admin"}`) + ".ZgdWAA.c2ln", twofactor.ErrNoUserID},
	{"userid a UUID without dashes", b64(`{"userid":"7730581c0aff4453804e3381644b96f9"}`) + ".ZgdWAA.c2ln", twofactor.ErrNoUserID},
	{"userid with a non-hex digit", b64(`{"userid":"7730581g-0aff-4453-804e-3381644b96f9"}`) + ".ZgdWAA.c2ln", twofactor.ErrNoUserID},
	{"userid a number", b64(`{"userid":42}`) + ".ZgdWAA.c2ln", twofactor.ErrNoUserID},
	{"userid null", b64(`{"userid":null}`) + ".ZgdWAA.c2ln", twofactor.ErrNoUserID},
	{"bad base64 length", "eyJ1c.ZgdWAA.c2ln", twofactor.ErrMalformed},
	{"padding inside the payload", "ey=J1.ZgdWAA.c2ln", twofactor.ErrMalformed},
	{"bad base64 signature", b64(`{"userid":"7730581c-0aff-4453-804e-3381644b96f9"}`) + ".ZgdWAA.c", twofactor.ErrMalformed},
	{"bad base64 timestamp", b64(`{"userid":"7730581c-0aff-4453-804e-3381644b96f9"}`) + ".Z.c2ln", twofactor.ErrMalformed},
	{"empty timestamp", b64(`{"userid":"7730581c-0aff-4453-804e-3381644b96f9"}`) + "..c2ln", twofactor.ErrMalformed},
	{"nine-byte timestamp", b64(`{"userid":"7730581c-0aff-4453-804e-3381644b96f9"}`) + "." + b64("123456789") + ".c2ln", twofactor.ErrMalformed},
	{"timestamp after 9999", b64(`{"userid":"7730581c-0aff-4453-804e-3381644b96f9"}`) + ".__________8.c2ln", twofactor.ErrMalformed},
	{"compressed payload not zlib", "." + b64("hello, world") + ".ZgdWAA.c2ln", twofactor.ErrMalformed},
	{"compressed payload cut short", golden[2].token[:40] + ".Z3SFgA.c2ln", twofactor.ErrMalformed},
	{"zlib bomb", bomb, twofactor.ErrMalformed},
	// jwt.io's example token: its middle part is no itsdangerous timestamp.
	{"JWT", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", twofactor.ErrMalformed},
	// A token of another of Warehouse's services, shaped like a password reset's.
	{"other Warehouse token", b64(`{"action":"password-reset","user.id":"7730581c-0aff-4453-804e-3381644b96f9"}`) + ".ZgdWAA.c2ln", twofactor.ErrNoUserID},
}

func TestDecodeBadInput(t *testing.T) {
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := twofactor.Decode(tc.query)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode(%.40q) = %+v, %v; want an error wrapping %v", tc.query, got, err, tc.want)
			}
			if got != (twofactor.Token{}) {
				t.Errorf("Decode(%.40q) returned %+v with its error", tc.query, got)
			}
		})
	}
}

// TestDecodeBombAllocates checks that a payload inflating to a megabyte
// costs no more than the inflater and the capped output.
func TestDecodeBombAllocates(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := twofactor.Decode(bomb)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, twofactor.ErrMalformed) {
		t.Fatalf("Decode(bomb) error = %v, want ErrMalformed", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
		t.Errorf("Decode(bomb) allocated %d bytes, want at most 256 KiB", n)
	}
}

var canonicalUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func FuzzDecode(f *testing.F) {
	for _, g := range golden {
		f.Add(g.token)
	}
	for _, tc := range bad {
		f.Add(tc.query)
	}
	f.Fuzz(func(t *testing.T, query string) {
		tok, err := twofactor.Decode(query)
		if err != nil {
			return
		}
		if !canonicalUUID.MatchString(tok.UserID) {
			t.Errorf("Decode(%q) user id %q is not a canonical lower-case UUID", query, tok.UserID)
		}
		if tok.Issued.Location() != time.UTC || tok.Issued.Nanosecond() != 0 {
			t.Errorf("Decode(%q) issued %v is not whole seconds in UTC", query, tok.Issued)
		}
	})
}
