package analyze

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Settings are parameter values that differ from the defaults, keyed
// "step.param" (e.g. "classify.freeze_posterior").
type Settings map[string]string

// Set checks key and value against the steps and records them. A parameter
// whose default is a number only takes a number.
func (s Settings) Set(steps []Step, key, value string) error {
	id, name, ok := strings.Cut(key, ".")
	if !ok {
		return fmt.Errorf("parameter %q: want STEP.PARAM=VALUE, e.g. classify.freeze_posterior=0.95 (freezeframe heuristics lists them)", key)
	}
	i := slices.IndexFunc(steps, func(st Step) bool { return st.ID == id })
	if i < 0 {
		return fmt.Errorf("parameter %q: no step or heuristic %q (freezeframe heuristics lists them)", key, id)
	}
	p, ok := steps[i].Param(name)
	if !ok {
		var names []string
		for _, p := range steps[i].Params {
			names = append(names, p.Name)
		}
		if len(names) == 0 {
			return fmt.Errorf("parameter %q: %s has no parameters", key, id)
		}
		return fmt.Errorf("parameter %q: %s has no parameter %q; it has %s", key, id, name, strings.Join(names, ", "))
	}
	value = strings.TrimSpace(value)
	if _, err := typed(p.Default, value); err != nil {
		return fmt.Errorf("parameter %s=%s: %v", key, value, err)
	}
	s[key] = value
	return nil
}

// typed reads value as the type of the parameter's default: a whole number,
// a finite number, or text.
func typed(def, value string) (any, error) {
	if value == "" {
		return nil, fmt.Errorf("empty value")
	}
	switch d, _ := parseValue(def); d.(type) {
	case int64:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want a whole number, like its default %s", def)
		}
		return n, nil
	case float64:
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("want a finite number, like its default %s", def)
		}
		return f, nil
	}
	return value, nil
}

// value is the value of a step's parameter: the setting, else the default.
func (s Settings) value(st Step, p Param) any {
	v, ok := s[st.ID+"."+p.Name]
	if !ok {
		v = p.Default
	}
	x, _ := typed(p.Default, v) // checked by Set
	return x
}

// ReadConfig reads settings from a config file: one STEP.PARAM = VALUE a
// line; blank lines and lines starting with # are ignored.
func (s Settings) ReadConfig(steps []Step, r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return fmt.Errorf("%s line %d: %q is not STEP.PARAM = VALUE", name, n, l)
		}
		if err := s.Set(steps, strings.TrimSpace(k), v); err != nil {
			return fmt.Errorf("%s line %d: %v", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
