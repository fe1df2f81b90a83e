// Package analyze runs freezeframe's detection against a case: the SQL steps
// embedded from sql/analyze (stages that build tables, heuristics that write
// findings, the links that campaigns are clustered by, the classification),
// with their parameters, plus the one step SQL is poor at, joining linked
// attempts into campaigns. Each run replaces the result tables and is
// recorded in analysis_runs.
package analyze

import (
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	ffsql "github.com/freezeframe/freezeframe/sql"
)

// Kinds of step.
const (
	KindStage     = "stage"     // builds tables the other steps read
	KindHeuristic = "heuristic" // writes evidence or findings
)

// Param is a step's parameter: its name, default value and meaning.
type Param struct {
	Name, Default, Doc string
}

// Step is one .sql file of the analysis, described by its header.
type Step struct {
	File           string // e.g. analyze/51_novel_login.sql
	ID             string
	Kind           string
	Title          string
	Catches        string
	FalsePositives string
	References     string
	Params         []Param
	Results        []string // tables it leaves in the case for investigators and reports
	SQL            string   // the file without its header
}

// Param returns the parameter called name.
func (s Step) Param(name string) (Param, bool) {
	i := slices.IndexFunc(s.Params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return s.Params[i], true
}

// Steps parses the embedded analysis files, in the order they run.
func Steps() ([]Step, error) {
	return loadSteps(ffsql.Analyze, "analyze")
}

func loadSteps(fsys fs.FS, dir string) ([]Step, error) {
	files, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var steps []Step
	ids := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		s, err := parseStep(f, string(b))
		if err != nil {
			return nil, err
		}
		if other, ok := ids[s.ID]; ok {
			return nil, fmt.Errorf("%s: id %q is already used by %s", f, s.ID, other)
		}
		ids[s.ID] = f
		steps = append(steps, s)
	}
	return steps, nil
}

var (
	paramLine = regexp.MustCompile(`^([a-z][a-z0-9_]*) = ([^:]+?): (.+)$`)
	variable  = regexp.MustCompile(`getvariable\('([a-z0-9_]+)'\)`)
)

// Variables every step may read besides its own parameters: set by the
// runner from --window.
var globalVariables = []string{"window_from", "window_to"}

// parseStep reads a step's header: "-- key: value" lines, continued by lines
// indented two more spaces, up to the first line that is not a comment.
// Parameters are listed under "-- parameters:" as "--   name = default: meaning".
func parseStep(file, text string) (Step, error) {
	h, err := ffsql.ParseHeader(file, text, []string{"id", "kind", "title", "results", "catches", "false positives", "references"}, "parameters")
	if err != nil {
		return Step{}, err
	}
	s := Step{
		File: file, ID: h.Fields["id"], Kind: h.Fields["kind"], Title: h.Fields["title"], Catches: h.Fields["catches"],
		FalsePositives: h.Fields["false positives"], References: h.Fields["references"],
		Results: strings.Fields(h.Fields["results"]), SQL: h.Body,
	}
	for _, it := range h.Items {
		m := paramLine.FindStringSubmatch(it.Text)
		if m == nil {
			return Step{}, fmt.Errorf("%s line %d: header line %q is neither \"-- key: value\", a continuation nor a parameter", file, it.Line, it.Raw)
		}
		s.Params = append(s.Params, Param{Name: m[1], Default: strings.TrimSpace(m[2]), Doc: m[3]})
	}
	switch {
	case s.ID == "" || s.Title == "":
		return Step{}, fmt.Errorf("%s: the header needs an id and a title", file)
	case s.Kind != KindStage && s.Kind != KindHeuristic:
		return Step{}, fmt.Errorf("%s: kind %q; want stage or heuristic", file, s.Kind)
	case s.Kind == KindHeuristic && (s.Catches == "" || s.FalsePositives == "" || s.References == ""):
		return Step{}, fmt.Errorf("%s: a heuristic's header must say what it catches, its false positives and its references", file)
	}
	for _, p := range s.Params {
		if _, err := parseValue(p.Default); err != nil {
			return Step{}, fmt.Errorf("%s: parameter %s: %v", file, p.Name, err)
		}
	}
	vars := map[string]any{} // the defaults, bound as Run binds them
	for _, p := range s.Params {
		vars[p.Name] = Settings(nil).value(s, p)
	}
	if _, err := ffsql.ExpandRepeats(bind(s.SQL, vars)); err != nil {
		return Step{}, fmt.Errorf("%s: %w", file, err)
	}
	for _, m := range variable.FindAllStringSubmatch(s.SQL, -1) {
		if _, ok := s.Param(m[1]); !ok && !slices.Contains(globalVariables, m[1]) {
			return Step{}, fmt.Errorf("%s reads getvariable('%s'), which is not one of its parameters", file, m[1])
		}
	}
	return s, nil
}

// parseValue types a parameter's default: a number if it reads as a finite
// one, otherwise a string.
func parseValue(v string) (any, error) {
	if v == "" {
		return nil, fmt.Errorf("empty value")
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f, nil
	}
	return v, nil
}
