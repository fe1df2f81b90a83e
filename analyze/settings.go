package analyze

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Settings are parameter values that differ from the defaults, keyed
// "step.param" (e.g. "classify.freeze_score").
type Settings map[string]string

// Set checks key and value against the steps and records them. A parameter
// whose default is a number only takes a number.
func (s Settings) Set(steps []Step, key, value string) error {
	id, name, ok := strings.Cut(key, ".")
	if !ok {
		return fmt.Errorf("parameter %q: want STEP.PARAM=VALUE, e.g. classify.freeze_score=8 (freezeframe heuristics lists them)", key)
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
	v, err := parseValue(value)
	if err != nil {
		return fmt.Errorf("parameter %s: %v", key, err)
	}
	def, _ := parseValue(p.Default)
	if _, isString := v.(string); isString {
		if _, defString := def.(string); !defString {
			return fmt.Errorf("parameter %s=%s: want a number, like its default %s", key, value, p.Default)
		}
	}
	s[key] = value
	return nil
}

// value is the value of a step's parameter: the setting, else the default.
func (s Settings) value(st Step, p Param) any {
	v, ok := s[st.ID+"."+p.Name]
	if !ok {
		v = p.Default
	}
	x, _ := parseValue(v)
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
