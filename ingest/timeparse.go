package ingest

import (
	"fmt"
	"math"
	"strings"
	"time"
)

var monthIndex = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

func month3(b []byte) (time.Month, bool) {
	if len(b) != 3 {
		return 0, false
	}
	m, ok := monthIndex[bstr(b)]
	return m, ok
}

// digits parses exactly len(b) decimal digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

// maxMicros is 10000-01-01T00:00:00Z: accepted times fall in the years 1970 to 9999.
const maxMicros = 253402300800 * 1e6

func timeInRange(us int64) bool { return 0 <= us && us < maxMicros }

// civilMicros converts a civil time at offsetSec east of UTC to microseconds
// since the epoch, rejecting out-of-range fields instead of normalising them
// as time.Date does. A leap second (:60) counts as the next second.
func civilMicros(y int, mo time.Month, d, h, mi, s, offsetSec int) (int64, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970 || y > 9999 {
		return 0, false
	}
	t := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false // 31 Feb and the like
	}
	us := (t.Unix() + int64(h*3600+mi*60+s-offsetSec)) * 1e6
	return us, timeInRange(us)
}

// zoneOffset parses "+hhmm" / "-hhmm" (or "+hh:mm") into seconds east of UTC.
func zoneOffset(b []byte) (int, bool) {
	if len(b) == 6 && b[3] == ':' {
		b = []byte{b[0], b[1], b[2], b[4], b[5]}
	}
	if len(b) != 5 || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	hh, ok1 := digits(b[1:3])
	mm, ok2 := digits(b[3:5])
	if !ok1 || !ok2 || hh > 14 || mm > 59 {
		return 0, false
	}
	off := hh*3600 + mm*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// parseCLFTime parses Apache's %t, "[10/Oct/2000:13:55:36 -0700]", with or
// without the brackets.
func parseCLFTime(b []byte) (int64, error) {
	if len(b) > 0 && b[0] == '[' && b[len(b)-1] == ']' {
		b = b[1 : len(b)-1]
	}
	// 10/Oct/2000:13:55:36 -0700
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return 0, fmt.Errorf("time %q is not [dd/Mon/yyyy:HH:MM:SS +zzzz]", b)
	}
	d, ok1 := digits(b[0:2])
	mo, ok2 := month3(b[3:6])
	y, ok3 := digits(b[7:11])
	h, ok4 := digits(b[12:14])
	mi, ok5 := digits(b[15:17])
	s, ok6 := digits(b[18:20])
	off, ok7 := zoneOffset(b[21:26])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, fmt.Errorf("time %q is not [dd/Mon/yyyy:HH:MM:SS +zzzz]", b)
	}
	us, ok := civilMicros(y, mo, d, h, mi, s, off)
	if !ok {
		return 0, fmt.Errorf("time %q is out of range", b)
	}
	return us, nil
}

// parseRFC1123 parses "Sat, 30 Mar 2024 20:00:01 GMT", as Fastly's %{now}V
// renders, and its numeric-zone variant.
func parseRFC1123(b []byte) (int64, error) {
	// Fast path: "Mon, 02 Jan 2006 15:04:05 GMT", or UTC, which time.Parse
	// reads as the same zone.
	if len(b) == 29 && b[3] == ',' && b[4] == ' ' && b[7] == ' ' && b[11] == ' ' && b[16] == ' ' &&
		b[19] == ':' && b[22] == ':' && b[25] == ' ' && (string(b[26:]) == "GMT" || string(b[26:]) == "UTC") {
		d, ok1 := digits(b[5:7])
		mo, ok2 := month3(b[8:11])
		y, ok3 := digits(b[12:16])
		h, ok4 := digits(b[17:19])
		mi, ok5 := digits(b[20:22])
		s, ok6 := digits(b[23:25])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 {
			if us, ok := civilMicros(y, mo, d, h, mi, s, 0); ok {
				return us, nil
			}
		}
		return 0, fmt.Errorf("time %q is out of range", b)
	}
	for _, layout := range []string{time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, string(b)); err == nil {
			if us := t.UnixMicro(); timeInRange(us) {
				return us, nil
			}
			return 0, fmt.Errorf("time %q is outside the years 1970 to 9999", b)
		}
	}
	return 0, fmt.Errorf("time %q is not RFC 1123 (Sat, 30 Mar 2024 20:00:01 GMT)", b)
}

// isoLayouts are the ISO 8601 shapes accepted in JSON logs, most common first.
// A time with no zone is taken as UTC.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
}

func parseISO8601(s string) (int64, error) {
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if us := t.UnixMicro(); timeInRange(us) {
				return us, nil
			}
			return 0, fmt.Errorf("time %q is outside the years 1970 to 9999", s)
		}
	}
	return 0, fmt.Errorf("time %q is not ISO 8601 (2024-03-31T10:20:00Z)", s)
}

// epochMicros interprets a number as Unix time in seconds, milliseconds,
// microseconds or nanoseconds, chosen by magnitude. Seconds run from 1e8
// (1973) to 1e11 (year 5138); each finer unit from 1e12 of it (2001-09-09) to
// 1e14 (5138). A number in a gap between two units (1e11 to 1e12, 1e14 to
// 1e15, 1e17 to 1e18) is rejected: read in the coarser unit it falls after
// 5138, in the finer before 2001-09-09, and a request time is neither. So a
// time in seconds past the year 9999 is rejected, not read as milliseconds
// in 1978, at the price of milliseconds before 2001-09-09.
func epochMicros(f float64) (int64, error) {
	switch {
	case f < 1e8:
		return 0, fmt.Errorf("epoch time %v is before 1973", f)
	case f < 1e11:
		return int64(math.Round(f * 1e6)), nil // rounded: 2147483648.003988 is just below in binary
	case f < 1e12:
		return 0, ambiguousEpoch(f, "seconds", "milliseconds")
	case f < 1e14:
		return int64(math.Round(f * 1e3)), nil
	case f < 1e15:
		return 0, ambiguousEpoch(f, "milliseconds", "microseconds")
	case f < 1e17:
		return int64(f), nil
	case f < 1e18:
		return 0, ambiguousEpoch(f, "microseconds", "nanoseconds")
	case f < 1e20:
		return int64(f / 1e3), nil
	}
	return 0, fmt.Errorf("epoch time %v is out of range", f)
}

func ambiguousEpoch(f float64, coarse, fine string) error {
	return fmt.Errorf("epoch time %v is ambiguous: in %s it is after the year 5138, in %s before 2001-09-09; write the time in ISO 8601 (2024-03-31T10:20:00Z)",
		f, coarse, fine)
}

// strftimeLayout converts an Apache %{format}t strftime format into a Go time
// layout. It reports the number of spaces a rendered time contains, which the
// log parser needs to find where an unquoted time field ends.
func strftimeLayout(f string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(f) {
			return "", fmt.Errorf("time format %q ends with a lone %%", f)
		}
		switch f[i] {
		case 'Y':
			b.WriteString("2006")
		case 'y':
			b.WriteString("06")
		case 'm':
			b.WriteString("01")
		case 'd':
			b.WriteString("02")
		case 'e':
			b.WriteString("_2")
		case 'H':
			b.WriteString("15")
		case 'I':
			b.WriteString("03")
		case 'M':
			b.WriteString("04")
		case 'S':
			b.WriteString("05")
		case 'p':
			b.WriteString("PM")
		case 'b', 'h':
			b.WriteString("Jan")
		case 'B':
			b.WriteString("January")
		case 'a':
			b.WriteString("Mon")
		case 'A':
			b.WriteString("Monday")
		case 'z':
			b.WriteString("-0700")
		case 'Z':
			b.WriteString("MST")
		case 'j':
			b.WriteString("002")
		case 'T':
			b.WriteString("15:04:05")
		case 'F':
			b.WriteString("2006-01-02")
		case 'D':
			b.WriteString("01/02/06")
		case 'R':
			b.WriteString("15:04")
		case '%':
			b.WriteByte('%')
		default:
			return "", fmt.Errorf("time format %q: %%%c is not supported", f, f[i])
		}
	}
	return b.String(), nil
}
