package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// JSONFields maps canonical request fields to JSON keys. A key may be a
// dotted path into nested objects ("http.request.method"); a literal key that
// contains dots ("request.id") is found first.
type JSONFields map[string]string

// jsonCanonical lists the canonical fields a JSON log can fill, with
// Warehouse's JSON access-log key names as defaults. time has no single
// default: the first of jsonTimeKeys present is used.
var jsonCanonical = []struct{ name, key string }{
	{"time", ""},
	{"client", "remote_addr"},
	{"method", "method"},
	{"path", "path"},
	{"query", "query"},
	{"protocol", "protocol"},
	{"status", "status"},
	{"bytes", "size"},
	{"referrer", "referrer"},
	{"user_agent", "user_agent"},
	{"accept_language", "accept_language"},
	{"content_type", "content_type"},
	{"duration_ms", "duration_ms"},
}

var jsonTimeKeys = []string{"timestamp", "time", "@timestamp", "ts"}

// JSONCanonicalNames lists the names --field accepts.
func JSONCanonicalNames() []string {
	names := make([]string, len(jsonCanonical))
	for i, c := range jsonCanonical {
		names[i] = c.name
	}
	return names
}

// JSONLines parses one JSON object per line.
type JSONLines struct {
	remap    JSONFields
	keys     map[string]string // canonical name -> key
	timeKeys []string
	mapped   map[string]bool // top-level keys consumed by canonical fields other than time
}

// NewJSONLines builds a JSON-lines parser; remap overrides default keys.
func NewJSONLines(remap JSONFields) (*JSONLines, error) {
	p := &JSONLines{remap: remap, keys: map[string]string{}, timeKeys: jsonTimeKeys, mapped: map[string]bool{}}
	for _, c := range jsonCanonical {
		if c.key != "" {
			p.keys[c.name] = c.key
		}
	}
	for name, key := range remap {
		known := false
		for _, c := range jsonCanonical {
			known = known || c.name == name
		}
		if !known {
			return nil, fmt.Errorf("--field %s=%s: %q is not a canonical field; use one of %s",
				name, key, name, strings.Join(JSONCanonicalNames(), ", "))
		}
		if key == "" {
			return nil, fmt.Errorf("--field %s= needs a JSON key", name)
		}
		if name == "time" {
			p.timeKeys = []string{key}
		} else {
			p.keys[name] = key
		}
	}
	// Only a literal top-level key is left out of extra: an object that a
	// dotted path reaches into stays whole, so its other members are kept.
	// Of the time keys, only the one a line's time came from is left out.
	for _, k := range p.keys {
		p.mapped[k] = true
	}
	return p, nil
}

// Spec names the format and its remapped keys, for the sources table.
func (p *JSONLines) Spec() string {
	names := make([]string, 0, len(p.remap))
	for name := range p.remap {
		names = append(names, name)
	}
	sort.Strings(names)
	spec := "jsonl"
	for _, name := range names {
		spec += " " + name + "=" + p.remap[name]
	}
	return spec
}

// lookup finds key in obj: a literal key first, then a dotted path.
func lookup(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	head, rest, found := strings.Cut(key, ".")
	if !found {
		return nil, false
	}
	v, ok := obj[head]
	if !ok || len(v) == 0 || v[0] != '{' {
		return nil, false
	}
	var inner map[string]json.RawMessage
	if json.Unmarshal(v, &inner) != nil {
		return nil, false
	}
	return lookup(inner, rest)
}

// Parse implements Parser.
func (p *JSONLines) Parse(line []byte, rec *Record, a *Arena) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return fmt.Errorf("not a JSON object: line starts with %q", snippet(line[:min(len(line), 10)]))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	var err error
	timeFound := false
	timeKey := ""
	for _, k := range p.timeKeys {
		v, ok := lookup(obj, k)
		if !ok || isJSONNull(v) {
			continue
		}
		if rec.Time, err = jsonTime(v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		timeFound, timeKey = true, k
		break
	}
	if !timeFound {
		return fmt.Errorf("no time: none of the keys %s is set (use --field time=KEY)", strings.Join(p.timeKeys, ", "))
	}
	str := func(name string) (string, error) {
		v, ok := lookup(obj, p.keys[name])
		if !ok || isJSONNull(v) {
			return "", nil
		}
		s, err := jsonScalarString(v)
		if err != nil {
			return "", fmt.Errorf("%s: %w", p.keys[name], err)
		}
		return a.bytes(escapeIfNeeded([]byte(s))), nil // a \u0000 is stored as \x00
	}
	num := func(name string) (float64, bool, error) {
		s, err := str(name)
		if err != nil || s == "" || s == "-" {
			return 0, false, err
		}
		f, perr := strconv.ParseFloat(s, 64)
		if perr != nil {
			return 0, false, fmt.Errorf("%s: %q is not a number", p.keys[name], snippet([]byte(s)))
		}
		return f, true, nil
	}
	for _, t := range []struct {
		name string
		dst  *string
	}{
		{"client", &rec.Client}, {"method", &rec.Method}, {"path", &rec.Path}, {"query", &rec.Query},
		{"protocol", &rec.Protocol}, {"referrer", &rec.Referrer}, {"user_agent", &rec.UserAgent},
		{"accept_language", &rec.AcceptLanguage}, {"content_type", &rec.ContentType},
	} {
		if *t.dst, err = str(t.name); err != nil {
			return err
		}
	}
	rec.Query = strings.TrimPrefix(rec.Query, "?")
	rec.Client = clientAddr(rec.Client)
	rec.ClientHashed = isHashedIP(rec.Client)
	if f, ok, err := num("status"); err != nil {
		return err
	} else if ok {
		if f < 100 || f > 999 || f != float64(int32(f)) {
			return fmt.Errorf("%s: %v is not an HTTP status code", p.keys["status"], f)
		}
		rec.Status = int32(f)
	}
	if f, ok, err := num("bytes"); err != nil {
		return err
	} else if ok {
		if f < 0 || f > 1e18 || f != math.Trunc(f) {
			return fmt.Errorf("%s: %v is not a byte count", p.keys["bytes"], f)
		}
		rec.Bytes = int64(f)
	}
	if f, ok, err := num("duration_ms"); err != nil {
		return err
	} else if ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return fmt.Errorf("%s: %v is not a duration", p.keys["duration_ms"], f)
	} else if ok && f >= 0 {
		rec.Duration = f / 1000
	}
	// Everything else goes to extra, keys sorted so output is deterministic.
	var rest []string
	for k := range obj {
		if !p.mapped[k] && k != timeKey {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		sort.Strings(rest)
		buf := []byte{'{'}
		for i, k := range rest {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, k)
			buf = append(buf, ':')
			var compact bytes.Buffer
			if json.Compact(&compact, obj[k]) == nil {
				buf = append(buf, compact.Bytes()...)
			} else {
				buf = append(buf, obj[k]...)
			}
		}
		rec.Extra = a.bytes(append(buf, '}'))
	}
	return nil
}

func isJSONNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// jsonScalarString renders a JSON string, number or boolean as text.
func jsonScalarString(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
		return "", fmt.Errorf("expected a string or number, found %q", snippet(v))
	}
	return string(v), nil
}

func jsonTime(v json.RawMessage) (int64, error) {
	s, err := jsonScalarString(v)
	if err != nil {
		return 0, err
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return epochMicros(f)
	}
	return parseISO8601(s)
}
