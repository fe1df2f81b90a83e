// Package eval measures how well a freeze list matches the ground truth of a
// labelled incident.
//
// The truth is the truth.csv that the labelled-incident generator writes:
// a header user_id,username,label,evidence and one row per account the
// attack reached, labelled compromised (the attacker logged in), exposed
// (the attacker had the password but was stopped by a second factor) or
// targeted (the attacker tried and failed). Every account not in the truth
// is benign. The evidence column is free text and may be absent.
//
// The freeze list is either the CSV that freezeframe report writes (a header
// naming at least the username and user_id columns, found by name) or a
// plain list of usernames, one a line, in which blank lines and lines
// starting with # are ignored. Which of the two a file is follows from its
// first non-blank line: if, read as CSV, it has a username column, the file
// is a report CSV. Cells that a spreadsheet-safe writer neutralised with a
// leading apostrophe have that one apostrophe removed.
//
// An entry of the freeze list matches a truth row by user_id when both have
// one, and otherwise by username, compared case-insensitively as Warehouse
// compares usernames. An entry that matches no truth row is a benign
// account. An account listed more than once counts once.
//
// The accounts to freeze are the compromised ones, so Evaluate counts
//
//	TP  compromised accounts in the list
//	FN  compromised accounts not in the list
//	FP  targeted and benign accounts in the list
//
// Exposed accounts in the list count neither as hits nor as false alarms:
// freezing them is defensible (their password is known to the attacker)
// but not required. Precision is TP/(TP+FP), recall TP/(TP+FN) and F1 their
// harmonic mean. Precision is 1 when the list holds no account that counts
// (TP+FP = 0), recall is 1 when the truth holds no compromised account
// (TP+FN = 0), and F1 is 0 when both are 0; the Result's Notes say when one
// of these definitions was used.
package eval

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Label is an account's class in the truth.
type Label string

// The labels. Benign is never written in a truth file: it is the label of
// every account the truth does not name.
const (
	Compromised Label = "compromised"
	Exposed     Label = "exposed"
	Targeted    Label = "targeted"
	Benign      Label = "benign"
)

// Account is one row of the truth.
type Account struct {
	Line     int // line of the file the row starts on
	UserID   string
	Username string
	Label    Label
	Evidence string
}

// Truth is a parsed truth file.
type Truth struct {
	Path     string
	Accounts []Account
}

// Format is the kind of a freeze-list file.
type Format string

// The freeze-list formats.
const (
	ReportCSV Format = "report-csv" // the CSV freezeframe report writes
	Usernames Format = "usernames"  // one username a line
)

// Entry is one account named by a freeze list.
type Entry struct {
	Line           int // line of the file the entry starts on
	Username       string
	UserID         string
	Classification string // from a report CSV, when it has the column
	Reasons        string // from a report CSV, when it has the column
}

// FreezeList is a parsed freeze list.
type FreezeList struct {
	Path    string
	Format  Format
	Entries []Entry
}

// ReadTruth reads and parses the truth file at path.
func ReadTruth(path string) (*Truth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("truth: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: the parse reports a failed read
	return ParseTruth(f, path)
}

// ParseTruth parses a truth file read from r; name is the file's name in
// error messages.
func ParseTruth(r io.Reader, name string) (*Truth, error) {
	cr := newCSVReader(r)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: the file is empty; want the header user_id,username,label,evidence", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	cols := columns(header, false)
	for _, c := range []string{"user_id", "username", "label"} {
		if _, ok := cols[c]; !ok {
			return nil, fmt.Errorf("%s line 1: no %s column; want the header user_id,username,label,evidence", name, c)
		}
	}
	t := &Truth{Path: name}
	byID := map[string]int{}   // user_id → line
	byName := map[string]int{} // folded username → line
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		a := Account{
			Line:     line,
			UserID:   cell(rec, cols, "user_id", false),
			Username: cell(rec, cols, "username", false),
			Evidence: cell(rec, cols, "evidence", false),
		}
		label := strings.ToLower(cell(rec, cols, "label", false))
		switch Label(label) {
		case Compromised, Exposed, Targeted:
			a.Label = Label(label)
		case "":
			return nil, fmt.Errorf("%s line %d: empty label; want compromised, exposed or targeted", name, line)
		default:
			return nil, fmt.Errorf("%s line %d: unknown label %q; want compromised, exposed or targeted", name, line, label)
		}
		if a.UserID == "" && a.Username == "" {
			return nil, fmt.Errorf("%s line %d: neither user_id nor username is set", name, line)
		}
		if a.UserID != "" {
			if first, ok := byID[idKey(a.UserID)]; ok {
				return nil, fmt.Errorf("%s line %d: user_id %s is already on line %d", name, line, a.UserID, first)
			}
			byID[idKey(a.UserID)] = line
		}
		if a.Username != "" {
			if first, ok := byName[nameKey(a.Username)]; ok {
				return nil, fmt.Errorf("%s line %d: username %s is already on line %d (usernames are case-insensitive)", name, line, a.Username, first)
			}
			byName[nameKey(a.Username)] = line
		}
		t.Accounts = append(t.Accounts, a)
	}
	return t, nil
}

// ReadFreezeList reads and parses the freeze list at path.
func ReadFreezeList(path string) (*FreezeList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("freeze list: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: the parse reports a failed read
	return ParseFreezeList(f, path)
}

// ParseFreezeList parses a freeze list read from r, in either format; name
// is the file's name in error messages.
func ParseFreezeList(r io.Reader, name string) (*FreezeList, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if isReportCSV(data) {
		return parseReportCSV(data, name)
	}
	return parseUsernames(data, name)
}

// isReportCSV says whether the first non-blank line of data, read as CSV,
// has a username column.
func isReportCSV(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			return false
		}
		_, ok := columns(rec, true)["username"]
		return ok
	}
	return false
}

func parseReportCSV(data []byte, name string) (*FreezeList, error) {
	cr := newCSVReader(bytes.NewReader(data))
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(name, err)
	}
	headerLine, _ := cr.FieldPos(0)
	cols := columns(header, true)
	if _, ok := cols["user_id"]; !ok {
		return nil, fmt.Errorf("%s line %d: no user_id column; a report CSV needs username and user_id", name, headerLine)
	}
	l := &FreezeList{Path: name, Format: ReportCSV}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		e := Entry{
			Line:           line,
			Username:       cell(rec, cols, "username", true),
			UserID:         cell(rec, cols, "user_id", true),
			Classification: cell(rec, cols, "classification", true),
			Reasons:        cell(rec, cols, "reasons", true),
		}
		if e.Username == "" && e.UserID == "" {
			return nil, fmt.Errorf("%s line %d: neither username nor user_id is set", name, line)
		}
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

func parseUsernames(data []byte, name string) (*FreezeList, error) {
	l := &FreezeList{Path: name, Format: Usernames}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u := unquote(line)
		if u == "" {
			continue // a lone apostrophe: an empty cell copied from a spreadsheet
		}
		l.Entries = append(l.Entries, Entry{Line: n, Username: u})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l, nil
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // a short row is judged by the cells it lacks
	return cr
}

// csvError names the file in a CSV syntax error, which already names the line.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if pe.StartLine != pe.Line {
			return fmt.Errorf("%s line %d (in the record starting on line %d), column %d: %v", name, pe.Line, pe.StartLine, pe.Column, pe.Err)
		}
		return fmt.Errorf("%s line %d, column %d: %v", name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// columns maps the header's lower-cased names to their positions.
func columns(header []string, neutralised bool) map[string]int {
	m := map[string]int{}
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		if neutralised {
			h = unquote(h)
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := m[h]; !dup {
			m[h] = i
		}
	}
	return m
}

// cell is the trimmed value of column col in rec, or "" when the header has
// no such column or the row is too short.
func cell(rec []string, cols map[string]int, col string, neutralised bool) string {
	i, ok := cols[col]
	if !ok || i >= len(rec) {
		return ""
	}
	v := strings.TrimSpace(rec[i])
	if neutralised {
		v = unquote(v)
	}
	return v
}

// unquote removes the one apostrophe that a writer guarding against
// spreadsheet formula injection puts before a cell.
func unquote(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(s, "'"))
}

// idKey and nameKey are the forms user ids and usernames are compared in:
// user ids are UUIDs, whose hex digits may be written in either case.
func idKey(id string) string     { return strings.ToLower(id) }
func nameKey(name string) string { return strings.ToLower(name) }

// Cell is one cell of the confusion table. NotListed is nil for benign
// accounts: the truth names only the accounts the attack reached, so how
// many benign accounts were left off the list is unknown.
type Cell struct {
	Listed    int  `json:"listed"`
	NotListed *int `json:"not_listed"`
}

// Confusion counts accounts by truth label and whether they are listed.
type Confusion struct {
	Compromised Cell `json:"compromised"`
	Exposed     Cell `json:"exposed"`
	Targeted    Cell `json:"targeted"`
	Benign      Cell `json:"benign"`
}

// Row returns the cell of label.
func (c *Confusion) Row(label Label) *Cell {
	switch label {
	case Compromised:
		return &c.Compromised
	case Exposed:
		return &c.Exposed
	case Targeted:
		return &c.Targeted
	}
	return &c.Benign
}

// FalsePositive is a targeted or benign account on the freeze list.
type FalsePositive struct {
	Username       string `json:"username"`
	UserID         string `json:"user_id"`
	Label          Label  `json:"label"`
	Classification string `json:"classification"`
	Reasons        string `json:"reasons"`
	Line           int    `json:"line"` // of the freeze list
}

// Miss is a compromised account not on the freeze list.
type Miss struct {
	Username string `json:"username"`
	UserID   string `json:"user_id"`
	Label    Label  `json:"label"`
	Evidence string `json:"evidence"`
	Line     int    `json:"line"` // of the truth
}

// Duplicate is a freeze-list entry naming an account listed before.
type Duplicate struct {
	Line      int    `json:"line"`
	FirstLine int    `json:"first_line"`
	Username  string `json:"username"`
	UserID    string `json:"user_id"`
}

// Result is the outcome of Evaluate.
type Result struct {
	TruthFile        string `json:"truth"`
	FreezeListFile   string `json:"freeze_list"`
	FreezeListFormat Format `json:"freeze_list_format"`

	Labelled int `json:"labelled"` // rows of the truth
	Entries  int `json:"entries"`  // entries of the freeze list
	Listed   int `json:"listed"`   // distinct accounts on the freeze list

	Precision     float64 `json:"precision"`
	Recall        float64 `json:"recall"`
	F1            float64 `json:"f1"`
	TP            int     `json:"tp"`
	FP            int     `json:"fp"`
	FN            int     `json:"fn"`
	ExposedListed int     `json:"exposed_listed"` // neither hits nor false alarms

	// Notes say which zero-denominator definitions were used.
	Notes []string `json:"notes"`

	Confusion      Confusion       `json:"confusion"`
	FalsePositives []FalsePositive `json:"false_positives"`
	Misses         []Miss          `json:"misses"`
	Duplicates     []Duplicate     `json:"duplicates"`

	// Warnings are about entries whose match is doubtful, for stderr.
	Warnings []string `json:"-"`
}

// Note texts, one for each zero-denominator definition.
const (
	NotePrecision = "precision is defined as 1: the list holds no compromised, targeted or benign account (TP+FP = 0)"
	NoteRecall    = "recall is defined as 1: the truth holds no compromised account (TP+FN = 0)"
	NoteF1        = "F1 is defined as 0: precision and recall are both 0"
)

// index finds truth rows, or already-listed accounts, by user id and username.
type index struct {
	byID   map[string]int
	byName map[string]int
	ids    []string // user id of each position, "" when unknown
}

func newIndex() *index {
	return &index{byID: map[string]int{}, byName: map[string]int{}}
}

func (x *index) add(id, name string) int {
	i := len(x.ids)
	x.ids = append(x.ids, id)
	if id != "" {
		x.byID[idKey(id)] = i
	}
	if name != "" {
		if _, ok := x.byName[nameKey(name)]; !ok {
			x.byName[nameKey(name)] = i
		}
	}
	return i
}

// find returns the position matching id and name: by user id when both
// sides have one, by username otherwise. conflict is the position whose
// username matches but whose user id differs, or -1.
func (x *index) find(id, name string) (i, conflict int) {
	if id != "" {
		if i, ok := x.byID[idKey(id)]; ok {
			return i, -1
		}
	}
	if name != "" {
		if i, ok := x.byName[nameKey(name)]; ok {
			if id == "" || x.ids[i] == "" {
				return i, -1
			}
			return -1, i
		}
	}
	return -1, -1
}

// Evaluate scores the freeze list l against the truth t.
func Evaluate(t *Truth, l *FreezeList) *Result {
	res := &Result{
		TruthFile:        t.Path,
		FreezeListFile:   l.Path,
		FreezeListFormat: l.Format,
		Labelled:         len(t.Accounts),
		Entries:          len(l.Entries),
		Notes:            []string{},
		FalsePositives:   []FalsePositive{},
		Misses:           []Miss{},
		Duplicates:       []Duplicate{},
	}
	listedAt := res.match(t, l)
	res.countUnlisted(t, listedAt)
	res.score()
	sort.SliceStable(res.FalsePositives, func(i, j int) bool {
		a, b := res.FalsePositives[i], res.FalsePositives[j]
		return less(a.Username, a.UserID, b.Username, b.UserID)
	})
	sort.SliceStable(res.Misses, func(i, j int) bool {
		a, b := res.Misses[i], res.Misses[j]
		return less(a.Username, a.UserID, b.Username, b.UserID)
	})
	return res
}

// match finds each freeze-list entry in the truth, counting it once in its
// label's row (benign if the truth does not name it), and returns the
// freeze-list line of each truth row, 0 if it is not listed.
func (res *Result) match(t *Truth, l *FreezeList) []int {
	truth := newIndex()
	for _, a := range t.Accounts {
		truth.add(a.UserID, a.Username)
	}
	listedAt := make([]int, len(t.Accounts))
	benign := newIndex() // listed accounts the truth does not name
	var benignLines []int
	for _, e := range l.Entries {
		i, conflict := truth.find(e.UserID, e.Username)
		if conflict >= 0 {
			a := t.Accounts[conflict]
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"%s line %d: username %s has user_id %s, but the truth gives that username user_id %s (%s line %d); counted as a benign account",
				l.Path, e.Line, e.Username, e.UserID, a.UserID, t.Path, a.Line))
		}
		if i >= 0 {
			a := t.Accounts[i]
			if listedAt[i] != 0 {
				res.Duplicates = append(res.Duplicates, Duplicate{Line: e.Line, FirstLine: listedAt[i], Username: e.Username, UserID: e.UserID})
				continue
			}
			listedAt[i] = e.Line
			res.Confusion.Row(a.Label).Listed++
			if a.Label == Targeted {
				res.FalsePositives = append(res.FalsePositives, FalsePositive{
					Username: pick(a.Username, e.Username), UserID: pick(a.UserID, e.UserID), Label: Targeted,
					Classification: e.Classification, Reasons: e.Reasons, Line: e.Line,
				})
			}
			continue
		}
		if j, _ := benign.find(e.UserID, e.Username); j >= 0 {
			res.Duplicates = append(res.Duplicates, Duplicate{Line: e.Line, FirstLine: benignLines[j], Username: e.Username, UserID: e.UserID})
			continue
		}
		benign.add(e.UserID, e.Username)
		benignLines = append(benignLines, e.Line)
		res.Confusion.Benign.Listed++
		res.FalsePositives = append(res.FalsePositives, FalsePositive{
			Username: e.Username, UserID: e.UserID, Label: Benign,
			Classification: e.Classification, Reasons: e.Reasons, Line: e.Line,
		})
	}
	return listedAt
}

// countUnlisted counts the truth's accounts the list does not name, by
// label; each compromised one is a miss.
func (res *Result) countUnlisted(t *Truth, listedAt []int) {
	var notListed [3]int
	for i, a := range t.Accounts {
		if listedAt[i] != 0 {
			continue
		}
		switch a.Label {
		case Compromised:
			notListed[0]++
			res.Misses = append(res.Misses, Miss{Username: a.Username, UserID: a.UserID, Label: a.Label, Evidence: a.Evidence, Line: a.Line})
		case Exposed:
			notListed[1]++
		case Targeted:
			notListed[2]++
		}
	}
	res.Confusion.Compromised.NotListed = &notListed[0]
	res.Confusion.Exposed.NotListed = &notListed[1]
	res.Confusion.Targeted.NotListed = &notListed[2]
}

// score derives the counts, precision, recall and F1 from the confusion
// table, with a note where one is 1 or 0 by definition.
func (res *Result) score() {
	c := res.Confusion
	res.TP, res.FN = c.Compromised.Listed, *c.Compromised.NotListed
	res.FP = c.Targeted.Listed + c.Benign.Listed
	res.ExposedListed = c.Exposed.Listed
	res.Listed = c.Compromised.Listed + c.Exposed.Listed + c.Targeted.Listed + c.Benign.Listed

	if res.TP+res.FP == 0 {
		res.Precision = 1
		res.Notes = append(res.Notes, NotePrecision)
	} else {
		res.Precision = float64(res.TP) / float64(res.TP+res.FP)
	}
	if res.TP+res.FN == 0 {
		res.Recall = 1
		res.Notes = append(res.Notes, NoteRecall)
	} else {
		res.Recall = float64(res.TP) / float64(res.TP+res.FN)
	}
	if res.Precision+res.Recall == 0 {
		res.F1 = 0
		res.Notes = append(res.Notes, NoteF1)
	} else {
		res.F1 = 2 * res.Precision * res.Recall / (res.Precision + res.Recall)
	}
}

// less orders accounts by username, case-insensitively, then exactly, then
// by user id.
func less(name1, id1, name2, id2 string) bool {
	if k1, k2 := nameKey(name1), nameKey(name2); k1 != k2 {
		return k1 < k2
	}
	if name1 != name2 {
		return name1 < name2
	}
	return id1 < id2
}

func pick(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}

// ExposedResult scores a list of exposed accounts (whose password the
// attacker proved, stopped by a second factor) against the truth's exposed
// ones: the accounts whose owners must change their password.
type ExposedResult struct {
	Truth     int     `json:"truth"`  // exposed accounts in the truth
	Listed    int     `json:"listed"` // distinct accounts in the list
	Hits      int     `json:"hits"`   // listed and exposed in the truth
	Recall    float64 `json:"recall"` // Hits/Truth, 1 when the truth has none
	Precision float64 `json:"precision"`
	// Compromised counts listed accounts the truth says were taken over:
	// named, but as less than they are.
	Compromised int    `json:"compromised"`
	Missed      []Miss `json:"missed"`
}

// EvaluateExposed compares a list of exposed accounts with the truth's,
// matching entries as Evaluate does. Precision counts a listed compromised
// account as neither hit nor false alarm.
func EvaluateExposed(t *Truth, l *FreezeList) *ExposedResult {
	res := &ExposedResult{Missed: []Miss{}}
	truth := newIndex()
	for _, a := range t.Accounts {
		truth.add(a.UserID, a.Username)
	}
	seen := map[int]bool{}
	others := newIndex()
	for _, e := range l.Entries {
		i, _ := truth.find(e.UserID, e.Username)
		if i < 0 {
			if j, _ := others.find(e.UserID, e.Username); j < 0 {
				others.add(e.UserID, e.Username)
				res.Listed++
			}
			continue
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		res.Listed++
		switch t.Accounts[i].Label {
		case Exposed:
			res.Hits++
		case Compromised:
			res.Compromised++
		}
	}
	for i, a := range t.Accounts {
		if a.Label != Exposed {
			continue
		}
		res.Truth++
		if !seen[i] {
			res.Missed = append(res.Missed, Miss{Line: a.Line, Username: a.Username, UserID: a.UserID, Label: a.Label, Evidence: a.Evidence})
		}
	}
	res.Recall = ratioOr1(res.Hits, res.Truth)
	res.Precision = ratioOr1(res.Hits, res.Listed-res.Compromised)
	return res
}

func ratioOr1(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
