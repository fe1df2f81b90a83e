package ingest

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Record is one request in canonical form. An empty string means NULL.
//
// Bytes is the response size as a number the line gives, and NULL when it
// gives none: "-", Fastly's "(null)" (no Content-Length), an empty field, a
// JSON null or absent key. A "-" is not read as 0: Apache's %b writes it for
// an empty body, but gunicorn's %(b)s for a size it does not know (older
// releases for 0 too), and the line does not say which. 0 is a logged 0.
//
// Extra holds the format's fields that have no column, by name, and two
// keys of the parser's own: "truncated", the column (or extra key) of a
// line's last quoted field when the line ends inside it, which is then kept
// as far as it goes; "syslog_host", the cache server named by a Fastly
// "classic" syslog header.
//
// Strings in a Record may alias the buffer the line was read from; they are
// valid until that buffer is released after the batch is written.
type Record struct {
	Time           int64 // microseconds since the Unix epoch, UTC
	Client         string
	ClientHashed   bool
	Method         string
	Path           string
	Query          string
	Protocol       string
	Status         int32 // -1 is NULL
	Bytes          int64 // -1 is NULL: the line gives no number
	Referrer       string
	UserAgent      string
	AcceptLanguage string
	ContentType    string
	Duration       float64 // seconds; negative is NULL
	Extra          string  // JSON object of the format's other fields, or ""
}

func (r *Record) reset() {
	*r = Record{Status: -1, Bytes: -1, Duration: -1}
}

// Parser turns one line (without its line terminator) into a Record; strings
// it builds rather than slices of line go into the Arena a.
// A returned error is the reject reason for that line.
type Parser interface {
	Parse(line []byte, rec *Record, a *Arena) error
}

// bstr returns a string sharing b's memory. The caller keeps b alive and
// unmodified for as long as the string is used.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// isHashedIP reports whether s looks like Warehouse's hashed IP: 64 hex digits.
func isHashedIP(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// clientAddr returns a client address as the case stores it: an
// IPv4-mapped IPv6 address (::ffff:10.0.0.1, in any spelling) as the IPv4
// address it carries (10.0.0.1), so a client logged by a dual-stack socket
// matches the same client logged elsewhere; anything else as written.
func clientAddr(s string) string {
	if !strings.Contains(s, ":") {
		return s
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4In6() || a.Zone() != "" {
		return s
	}
	return a.Unmap().String()
}

// needsEscape reports whether b holds invalid UTF-8 or a NUL byte, which the
// case stores escaped as \xNN.
func needsEscape(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b)
}

// escapeBytes returns b with invalid UTF-8 bytes and NUL written as \xNN,
// appended to dst. Valid text is copied unchanged.
func escapeBytes(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if (r == utf8.RuneError && size == 1) || b[0] == 0 {
			dst = append(dst, '\\', 'x', hex[b[0]>>4], hex[b[0]&15])
		} else {
			dst = append(dst, b[:size]...)
		}
		b = b[size:]
	}
	return dst
}

// appendJSONString appends s as a JSON string literal. s is valid UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	plain := 0 // s[:plain] needs no escape
	for plain < len(s) && s[plain] >= 0x20 && s[plain] != '"' && s[plain] != '\\' {
		plain++
	}
	dst = append(dst, s[:plain]...)
	for i := plain; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// atoi parses a non-negative decimal integer with no sign or spaces.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func parseFloat(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(bstr(b), 64)
	return f, err == nil
}
