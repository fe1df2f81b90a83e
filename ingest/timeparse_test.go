package ingest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// ptTimeCase is a time string and either its value or a fragment of the error.
type ptTimeCase struct {
	in      string
	want    int64
	wantErr string
}

func ptCheckTime(t *testing.T, fn string, tc ptTimeCase, got int64, err error) {
	t.Helper()
	switch {
	case tc.wantErr != "" && err == nil:
		t.Errorf("%s(%q) = %d, want an error mentioning %q", fn, tc.in, got, tc.wantErr)
	case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
		t.Errorf("%s(%q) error %q does not mention %q", fn, tc.in, err, tc.wantErr)
	case tc.wantErr == "" && err != nil:
		t.Errorf("%s(%q): %v", fn, tc.in, err)
	case tc.wantErr == "" && got != tc.want:
		t.Errorf("%s(%q) = %d, want %d", fn, tc.in, got, tc.want)
	}
}

// The last microsecond before the year 10000.
var ptMaxTime = ptUTC(9999, 12, 31, 23, 59, 59, 999999)

func TestParseCLFTime(t *testing.T) {
	const base = 1711828801000000 // 2024-03-30T20:00:01Z
	const badShape = "is not [dd/Mon/yyyy:HH:MM:SS +zzzz]"
	for _, tc := range []ptTimeCase{
		{"[30/Mar/2024:20:00:01 +0000]", base, ""},
		{"30/Mar/2024:20:00:01 +0000", base, ""},
		{"[30/Mar/2024:22:00:01 +0200]", base, ""},
		{"[30/Mar/2024:13:00:01 -0700]", base, ""},
		{"[31/Mar/2024:01:30:01 +0530]", base, ""},
		{"[31/Mar/2024:10:00:01 +1400]", base, ""},
		{"[30/Mar/2024:08:00:01 -1200]", base, ""},
		{"[30/Mar/2024:20:00:01 -0000]", base, ""},
		{"[10/Oct/2000:13:55:36 -0700]", 971211336 * 1e6, ""},
		{"[29/Feb/2024:00:00:00 +0000]", ptUTC(2024, 2, 29, 0, 0, 0, 0), ""},
		{"[01/Jan/1970:00:00:00 +0000]", 0, ""},
		{"[01/Jan/1970:01:00:00 +0100]", 0, ""},
		{"[31/Dec/9999:23:59:59 +0000]", ptUTC(9999, 12, 31, 23, 59, 59, 0), ""},
		{"[31/Dec/9999:23:59:59 +0100]", ptUTC(9999, 12, 31, 22, 59, 59, 0), ""},
		// A leap second counts as the first second of the next minute, even
		// at the end of a month, where leap seconds are inserted.
		{"[30/Jun/2015:23:59:60 +0000]", ptUTC(2015, 7, 1, 0, 0, 0, 0), ""},
		{"[31/Dec/2016:23:59:60 +0000]", ptUTC(2017, 1, 1, 0, 0, 0, 0), ""},

		{"[31/Feb/2024:10:00:00 +0000]", 0, "out of range"},
		{"[29/Feb/2023:10:00:00 +0000]", 0, "out of range"},
		{"[31/Jun/2024:10:00:00 +0000]", 0, "out of range"},
		{"[00/Mar/2024:10:00:00 +0000]", 0, "out of range"},
		{"[32/Mar/2024:10:00:00 +0000]", 0, "out of range"},
		{"[30/Mar/2024:24:00:00 +0000]", 0, "out of range"},
		{"[30/Mar/2024:23:60:00 +0000]", 0, "out of range"},
		{"[30/Mar/2024:23:59:61 +0000]", 0, "out of range"},
		{"[31/Dec/1969:23:59:59 +0000]", 0, "out of range"},
		{"[01/Jan/1970:00:59:59 +0100]", 0, "out of range"},
		{"[31/Dec/9999:23:59:59 -0100]", 0, "out of range"},
		{"[30/Mar/0000:10:00:00 +0000]", 0, "out of range"},

		{"[1/Mar/2024:20:00:01 +0000]", 0, badShape},
		{"[30/March/2024:20:00:01 +0000]", 0, badShape},
		{"[30/mar/2024:20:00:01 +0000]", 0, badShape},
		{"[30/03/2024:20:00:01 +0000]", 0, badShape},
		{"[30/Mar/24:20:00:01 +0000]", 0, badShape},
		{"[30/Mar/2024 20:00:01 +0000]", 0, badShape},
		{"[30/Mar/2024:20:00:01 +02:00]", 0, badShape},
		{"[30/Mar/2024:20:00:01 UTC]", 0, badShape},
		{"[30/Mar/2024:20:00:01  +000]", 0, badShape},
		{"[30/Mar/2024:20:00:01 *0000]", 0, badShape},
		{"[30/Mar/2024:20:00:01 +1500]", 0, badShape},
		{"[30/Mar/2024:20:00:01 +0060]", 0, badShape},
		{"[30/Mar/2024:2a:00:01 +0000]", 0, badShape},
		{"[30/Mar/2024:20:00:01 +0000", 0, badShape},
		{"[30/Mar/2024:20:00:01]", 0, badShape},
		{"[]", 0, badShape},
		{"", 0, badShape},
	} {
		got, err := parseCLFTime([]byte(tc.in))
		ptCheckTime(t, "parseCLFTime", tc, got, err)
	}
}

func TestParseRFC1123Time(t *testing.T) {
	const base = 1711828801000000 // 2024-03-30T20:00:01Z
	for _, tc := range []ptTimeCase{
		{"Sat, 30 Mar 2024 20:00:01 GMT", base, ""},
		{"Sat, 30 Mar 2024 22:00:01 +0200", base, ""},
		{"Sat, 30 Mar 2024 13:00:01 -0700", base, ""},
		{"Sat, 30 Mar 2024 20:00:01 UTC", base, ""},
		{"Thu, 01 Jan 1970 00:00:00 GMT", 0, ""},
		{"Fri, 31 Dec 9999 23:59:59 GMT", ptUTC(9999, 12, 31, 23, 59, 59, 0), ""},
		{"Thu, 29 Feb 2024 12:00:00 GMT", ptUTC(2024, 2, 29, 12, 0, 0, 0), ""},

		{"Sat, 31 Feb 2024 20:00:01 GMT", 0, "out of range"},
		{"Sat, 30 Mar 2024 24:00:01 GMT", 0, "out of range"},
		{"Wed, 31 Dec 1969 23:59:59 GMT", 0, "out of range"},
		{"Sat, 30 Mar 0024 20:00:01 +0000", 0, "outside the years 1970 to 9999"},
		{"Thu, 01 Jan 1970 00:30:00 +0100", 0, "outside the years 1970 to 9999"},
		{"30 Mar 2024 20:00:01 GMT", 0, "not RFC 1123"},
		{"Sat, 30 Mar 2024 20:00:01", 0, "not RFC 1123"},
		{"Saturday, 30-Mar-24 20:00:01 GMT", 0, "not RFC 1123"},
		{"2024-03-30T20:00:01Z", 0, "not RFC 1123"},
		{"30/Mar/2024:20:00:01 +0000", 0, "not RFC 1123"},
		{"(null)", 0, "not RFC 1123"},
		{"", 0, "not RFC 1123"},
	} {
		got, err := parseRFC1123([]byte(tc.in))
		ptCheckTime(t, "parseRFC1123", tc, got, err)
	}
}

func TestParseAnyTime(t *testing.T) {
	const base = 1711828801000000
	for _, tc := range []ptTimeCase{
		{"Sat, 30 Mar 2024 20:00:01 GMT", base, ""},
		{"30/Mar/2024:20:00:01 +0000", base, ""},
		{"[30/Mar/2024:20:00:01 +0000]", base, ""},
		{"2024-03-30T20:00:01Z", base, ""},
		{"2024-03-30 20:00:01", base, ""},
		{"1711828801", 0, "is not RFC 1123, [dd/Mon/yyyy:HH:MM:SS +zzzz] or ISO 8601"},
		{"", 0, "is not RFC 1123"},
	} {
		got, err := parseAnyTime([]byte(tc.in))
		ptCheckTime(t, "parseAnyTime", tc, got, err)
	}
}

func TestParseISO8601Time(t *testing.T) {
	const base = 1711828801000000 // 2024-03-30T20:00:01Z
	for _, tc := range []ptTimeCase{
		{"2024-03-30T20:00:01Z", base, ""},
		{"2024-03-30T20:00:01.123456Z", base + 123456, ""},
		{"2024-03-30T20:00:01.123456789Z", base + 123456, ""},
		{"2024-03-30T20:00:01.1Z", base + 100000, ""},
		{"2024-03-30T22:00:01+02:00", base, ""},
		{"2024-03-30T13:00:01.25-07:00", base + 250000, ""},
		{"2024-03-30T22:00:01+0200", base, ""},
		{"2024-03-30T20:00:01", base, ""},
		{"2024-03-30T20:00:01.5", base + 500000, ""},
		{"2024-03-30 20:00:01", base, ""},
		{"2024-03-30 20:00:01.000001", base + 1, ""},
		{"2024-03-30 20:00:01Z", base, ""},
		{"2024-03-30 21:00:01+01:00", base, ""},
		{"1970-01-01T00:00:00Z", 0, ""},
		{"9999-12-31T23:59:59.999999Z", ptMaxTime, ""},

		{"1969-12-31T23:59:59Z", 0, "outside the years 1970 to 9999"},
		{"1970-01-01T00:30:00+01:00", 0, "outside the years 1970 to 9999"},
		{"9999-12-31T23:59:59-01:00", 0, "outside the years 1970 to 9999"},
		{"0001-01-01T00:00:00Z", 0, "outside the years 1970 to 9999"},
		{"2024-03-30", 0, "not ISO 8601"},
		{"2024-03-30T20:00", 0, "not ISO 8601"},
		{"2024-02-30T00:00:00Z", 0, "not ISO 8601"},
		{"2024-03-30T25:00:00Z", 0, "not ISO 8601"},
		{"2024-03-30T20:00:01 +02:00", 0, "not ISO 8601"},
		{"30/Mar/2024:20:00:01 +0000", 0, "not ISO 8601"},
		{"Sat, 30 Mar 2024 20:00:01 GMT", 0, "not ISO 8601"},
		{"1711828801", 0, "not ISO 8601"},
		{"", 0, "not ISO 8601"},
	} {
		got, err := parseISO8601(tc.in)
		ptCheckTime(t, "parseISO8601", tc, got, err)
	}
}

func TestEpochMicrosTime(t *testing.T) {
	for _, tc := range []struct {
		f       float64
		want    int64
		wantErr string
	}{
		{1e8, 1e14, ""}, // 1973-03-03, the earliest seconds value
		{1711828801, 1711828801000000, ""},
		{1711828801.5, 1711828801500000, ""},
		{1711828801.000001, 1711828801000001, ""},
		{99999999999, 99999999999000000, ""}, // seconds up to 5138
		// Between the units, neither reading is a request time: seconds
		// after 5138 (here, and past 9999) or milliseconds before 2001.
		{1e11, 0, "ambiguous"},
		{253402300800, 0, "ambiguous"}, // 10000-01-01 in seconds, 1978 in milliseconds
		{999999999999, 0, "ambiguous"},
		{1e12, 1e15, ""}, // milliseconds from 2001-09-09
		{1711828801123, 1711828801123000, ""},
		{1711828801123.5, 1711828801123500, ""},
		{9e13, 9e16, ""}, // milliseconds up to 5138
		{1e14, 0, "ambiguous"},
		{1e15, 1e15, ""}, // microseconds from 2001-09-09
		{1711828801123456, 1711828801123456, ""},
		{9e16, 9e16, ""},
		{1e17, 0, "ambiguous"},
		{1e18, 1e15, ""}, // nanoseconds from 2001-09-09
		{1711828801123456789, 1711828801123456, ""},
		{9e19, 9e16, ""},
		{0, 0, "before 1973"},
		{99999999, 0, "before 1973"},
		{-1711828801, 0, "before 1973"},
		{1e20, 0, "out of range"},
		{math.Inf(1), 0, "out of range"},
		{math.Inf(-1), 0, "before 1973"},
		{math.NaN(), 0, "out of range"},
	} {
		got, err := epochMicros(tc.f)
		ptCheckTime(t, "epochMicros", ptTimeCase{in: fmt.Sprint(tc.f), want: tc.want, wantErr: tc.wantErr}, got, err)
	}
}

// TestEpochMicrosFractionsExact checks that decimal seconds and milliseconds
// with microsecond digits, as written in JSON logs, convert without
// losing a microsecond to floating point, from 2001-09-09 (where
// milliseconds and microseconds begin) to 2100. (Near the seconds limit,
// year 5138, a float64 only holds 16 µs steps.)
func TestEpochMicrosFractionsExact(t *testing.T) {
	for _, sec := range []int64{1e9, 1711828801, 2147483648, 4102444800} {
		for us := int64(0); us < 1e6; us += 997 {
			want := sec*1e6 + us
			for _, s := range []string{
				fmt.Sprintf("%d.%06d", sec, us),
				fmt.Sprintf("%d%03d.%03d", sec, us/1000, us%1000),
				fmt.Sprintf("%d%06d", sec, us),
			} {
				f, err := strconv.ParseFloat(s, 64)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(s, ".") && want > 1<<53 {
					continue // such integers are not exact in a float64 anyway
				}
				if got, err := epochMicros(f); err != nil || got != want {
					t.Fatalf("epochMicros(%s) = %d, %v; want %d", s, got, err, want)
				}
			}
		}
	}
}

func TestZoneOffsetTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"+0000", 0, true}, {"-0000", 0, true}, {"+0200", 7200, true}, {"-0700", -25200, true},
		{"+0530", 19800, true}, {"+05:30", 19800, true}, {"-09:30", -34200, true}, {"+1400", 50400, true},
		{"+1500", 0, false}, {"+0060", 0, false}, {"0000", 0, false}, {"+000", 0, false}, {"Z", 0, false},
		{"+05-30", 0, false}, {"+ab00", 0, false}, {"", 0, false},
	} {
		got, ok := zoneOffset([]byte(tc.in))
		if ok != tc.ok || got != tc.want {
			t.Errorf("zoneOffset(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStrftimeLayoutTime(t *testing.T) {
	for _, tc := range []struct{ in, want, wantErr string }{
		{"%Y-%m-%d %H:%M:%S", "2006-01-02 15:04:05", ""},
		{"%d/%b/%Y:%H:%M:%S %z", "02/Jan/2006:15:04:05 -0700", ""},
		{"%a, %d %b %Y %T %Z", "Mon, 02 Jan 2006 15:04:05 MST", ""},
		{"%A %B %e %y", "Monday January _2 06", ""},
		{"%I:%M %p", "03:04 PM", ""},
		{"%F %R", "2006-01-02 15:04", ""},
		{"%D", "01/02/06", ""},
		{"%h %j", "Jan 002", ""},
		{"[%FT%T]", "[2006-01-02T15:04:05]", ""},
		{"100%%", "100%", ""},
		{"plain", "plain", ""},
		{"", "", ""},
		{"%Y%", "", "ends with a lone %"},
		{"%s", "", "%s is not supported"},
		{"%Y-%Q", "", "%Q is not supported"},
		{"%f", "", "%f is not supported"},
	} {
		got, err := strftimeLayout(tc.in)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("strftimeLayout(%q) = %q, %v; want an error mentioning %q", tc.in, got, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("strftimeLayout(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestTimeDirectiveTime(t *testing.T) {
	for _, tc := range []struct {
		arg    string
		kind   fieldKind
		scale  float64
		layout string
	}{
		{"", fTimeCLF, 0, ""},
		{"sec", fTimeEpoch, 1e6, ""},
		{"begin:sec", fTimeEpoch, 1e6, ""},
		{"end:msec", fTimeEpoch, 1e3, ""},
		{"usec", fTimeEpoch, 1, ""},
		{"msec_frac", fTimeFrac, 1e3, ""},
		{"end:usec_frac", fTimeFrac, 1, ""},
		{"%d/%b/%Y", fTimeLayout, 0, "02/Jan/2006"},
		{"begin:%Y-%m-%d", fTimeLayout, 0, "2006-01-02"},
	} {
		f, err := timeDirective(tc.arg)
		if err != nil {
			t.Errorf("timeDirective(%q): %v", tc.arg, err)
			continue
		}
		if f.kind != tc.kind || f.scale != tc.scale || f.layout != tc.layout {
			t.Errorf("timeDirective(%q) = kind %d scale %v layout %q; want kind %d scale %v layout %q",
				tc.arg, f.kind, f.scale, f.layout, tc.kind, tc.scale, tc.layout)
		}
	}
}
