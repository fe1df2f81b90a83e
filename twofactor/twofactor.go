// Package twofactor reads and writes the token that PyPI's Warehouse puts
// in the query string of its two-factor pages.
//
// After a correct password on an account with two-factor authentication,
// Warehouse's login view (warehouse/accounts/views.py, login) redirects to
// /account/two-factor/?<token>, and the two-factor, WebAuthn and
// recovery-code requests that follow carry the same token as their whole
// query string. The token is TokenService("two_factor").dumps of
// {"userid": ..., "redirect_to": ...}: itsdangerous's URLSafeTimedSerializer
// as subclassed in warehouse/utils/crypto.py, with a SHA-512 HMAC signature,
// "hmac" key derivation and the salt "two_factor". It is signed, not
// encrypted, so an access log names the account that got past the password.
//
// Decode reads the user id and the time of issue from a logged query string.
// Encode writes a token byte for byte as Warehouse would with a given secret,
// for building labelled incidents; it compresses with a port of the zlib
// CPython uses, so compressed payloads match too. Nothing here verifies a signature: the
// analyzer has no secret, and Decode only checks that one is present.
package twofactor

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// salt is the itsdangerous salt of Warehouse's two-factor TokenService.
const salt = "two_factor"

// maxPayload is the most bytes Decode inflates a compressed payload to.
// A real payload is a user id and a redirect URL.
const maxPayload = 4096

// maxIssued is 9999-12-31T23:59:59Z: a timestamp past it is not Warehouse's.
const maxIssued = 253402300799

var (
	// ErrNotToken says the string does not have the shape of an
	// itsdangerous timed token at all.
	ErrNotToken = errors.New("not a two-factor token")
	// ErrMalformed says the string has a token's shape but a part of it
	// does not decode.
	ErrMalformed = errors.New("malformed two-factor token")
	// ErrNoUserID says the payload decodes but does not carry a user id.
	ErrNoUserID = errors.New("two-factor token without a user id")
)

// Token is what a two-factor token says in the clear.
type Token struct {
	// UserID is the account's id, a canonical lower-case UUID.
	UserID string
	// Issued is when Warehouse signed the token, in whole seconds, UTC.
	Issued time.Time
	// Compressed says the payload was zlib-compressed (a "." prefix):
	// itsdangerous does so when it saves more than one byte.
	Compressed bool
}

// Encode returns the token Warehouse would put in the query string for
// userID at time issued if its secret were secret: redirectTo "" leaves
// "redirect_to" out of the payload. It is deterministic. Strings are
// written as Python's json.dumps writes them, invalid UTF-8 as U+FFFD.
// Encode panics if issued is not after 1970-01-01T00:00:00Z, a time no
// Warehouse clock shows and Decode would not read.
func Encode(userID, redirectTo string, issued time.Time, secret []byte) string {
	sec := issued.Unix()
	if sec <= 0 {
		panic(fmt.Sprintf("twofactor: Encode: issued %v is not after the Unix epoch", issued))
	}
	var js bytes.Buffer
	js.WriteString(`{"userid":`)
	writePythonJSONString(&js, userID)
	if redirectTo != "" {
		js.WriteString(`,"redirect_to":`)
		writePythonJSONString(&js, redirectTo)
	}
	js.WriteByte('}')

	payload := encodeBase64(js.Bytes())
	if compressed := zlibCompress(js.Bytes()); len(compressed) < js.Len()-1 {
		payload = "." + encodeBase64(compressed)
	}
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(sec))
	signed := payload + "." + encodeBase64(bytes.TrimLeft(ts[:], "\x00"))
	return signed + "." + encodeBase64(signature(secret, signed))
}

// signature is itsdangerous's Signer.get_signature with SHA-512 and "hmac"
// key derivation.
func signature(secret []byte, value string) []byte {
	derive := hmac.New(sha512.New, secret)
	derive.Write([]byte(salt))
	mac := hmac.New(sha512.New, derive.Sum(nil))
	mac.Write([]byte(value))
	return mac.Sum(nil)
}

// writePythonJSONString writes s as json.dumps does with ensure_ascii:
// printable ASCII as is, everything else escaped, non-BMP characters as
// surrogate pairs.
func writePythonJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r >= ' ' && r <= '~':
				b.WriteRune(r)
			case r > 0xffff:
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, hi, lo)
			default:
				fmt.Fprintf(b, `\u%04x`, r)
			}
		}
	}
	b.WriteByte('"')
}

func encodeBase64(b []byte) string {
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a two-factor token from a logged query string, with or
// without its leading '?'. Only what comes before the first '&' is read:
// Warehouse's own query string is the token alone. Decode checks that the
// token is well formed, that the payload is a JSON object whose "userid" is
// a canonical UUID and that a signature is present; it does not verify the
// signature. A compressed payload may inflate to at most 4 KiB. Errors
// wrap ErrNotToken, ErrMalformed or ErrNoUserID.
func Decode(query string) (Token, error) {
	s := strings.TrimPrefix(query, "?")
	s, _, _ = strings.Cut(s, "&")
	if s == "" {
		return Token{}, fmt.Errorf("%w: empty query", ErrNotToken)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return !isTokenChar(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return Token{}, fmt.Errorf("%w: %q has %q at byte %d, want only base64url characters and dots", ErrNotToken, clip(s), r, i)
	}
	parts := strings.Split(s, ".")
	compressed := len(parts) == 4 && parts[0] == ""
	if compressed {
		parts = parts[1:]
	}
	if len(parts) != 3 || parts[0] == "" {
		return Token{}, fmt.Errorf("%w: %q has %d dot-separated parts, want payload.timestamp.signature with an optional leading dot", ErrNotToken, clip(s), strings.Count(s, ".")+1)
	}

	if parts[2] == "" {
		return Token{}, fmt.Errorf("%w: empty signature", ErrMalformed)
	}
	if _, err := decodeBase64(parts[2]); err != nil {
		return Token{}, fmt.Errorf("%w: signature: %v", ErrMalformed, err)
	}
	issued, err := decodeTimestamp(parts[1])
	if err != nil {
		return Token{}, err
	}
	payload, err := decodeBase64(parts[0])
	if err != nil {
		return Token{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if compressed {
		if payload, err = inflate(payload); err != nil {
			return Token{}, err
		}
	}
	userID, err := readUserID(payload)
	if err != nil {
		return Token{}, err
	}
	return Token{UserID: userID, Issued: issued, Compressed: compressed}, nil
}

func isTokenChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.' || r == '='
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// decodeBase64 decodes URL-safe base64 with or without its padding.
func decodeBase64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// decodeTimestamp reads itsdangerous's timestamp: seconds since the epoch
// as big-endian bytes without leading zeros.
func decodeTimestamp(s string) (time.Time, error) {
	b, err := decodeBase64(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp: %v", ErrMalformed, err)
	}
	if len(b) < 1 || len(b) > 8 {
		return time.Time{}, fmt.Errorf("%w: timestamp is %d bytes, want 1 to 8", ErrMalformed, len(b))
	}
	var sec uint64
	for _, c := range b {
		sec = sec<<8 | uint64(c)
	}
	if sec > maxIssued {
		return time.Time{}, fmt.Errorf("%w: timestamp %d is after the year 9999", ErrMalformed, sec)
	}
	return time.Unix(int64(sec), 0).UTC(), nil
}

// inflate decompresses a zlib payload of at most maxPayload bytes.
func inflate(b []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: compressed payload: %v", ErrMalformed, err)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("%w: compressed payload: %v", ErrMalformed, err)
	}
	if len(out) > maxPayload {
		return nil, fmt.Errorf("%w: compressed payload inflates past %d bytes", ErrMalformed, maxPayload)
	}
	return out, nil
}

// readUserID returns the payload's "userid", lower-cased. The payload must
// be UTF-8, as itsdangerous's json.loads requires.
func readUserID(payload []byte) (string, error) {
	if !utf8.Valid(payload) {
		return "", fmt.Errorf("%w: payload %q is not UTF-8", ErrMalformed, clip(string(payload)))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil || fields == nil {
		return "", fmt.Errorf("%w: payload %q is not a JSON object", ErrMalformed, clip(string(payload)))
	}
	raw, ok := fields["userid"]
	if !ok {
		return "", fmt.Errorf("%w: payload has no \"userid\"", ErrNoUserID)
	}
	var id string
	if raw[0] != '"' || json.Unmarshal(raw, &id) != nil {
		return "", fmt.Errorf("%w: \"userid\" is %s, want a string", ErrNoUserID, clip(string(raw)))
	}
	if !isUUID(id) {
		return "", fmt.Errorf("%w: \"userid\" %q is not a UUID in 8-4-4-4-12 hex form", ErrNoUserID, clip(id))
	}
	return strings.ToLower(id), nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
