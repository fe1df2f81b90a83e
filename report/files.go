package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// A Group writes a set of files into a directory and replaces the set
// written there before all at once: a reader finds every file of one run
// or every file of the other, never some of each, and a write that fails
// (a full disk) or a process killed at any point leaves the earlier set as
// it was. The report and the baselines' freeze lists are written through one.
//
// The directory may hold other files (the case, an admin's notes): a group
// touches only its own names and a hidden state directory named for its
// kind, .freezeframe-KIND. Each name is a symbolic link through the state
// directory's link current into a generation directory holding the files:
//
//	DIR/freeze-list.csv     -> .freezeframe-report/current/freeze-list.csv
//	DIR/public/summary.json -> ../.freezeframe-report/current/public/summary.json
//	DIR/.freezeframe-report/current -> gen-1234
//
// A new set is written into a new generation; renaming a new link over
// current then switches every name at once, as Kubernetes' AtomicWriter
// updates the files of a volume. Until then the earlier set stays; a name
// new in this set is a link that leads nowhere until the switch, so that a
// reader finds no such file, as in the earlier set. The state directory is
// locked while a group is written; the generations and links a killed run
// left there are removed by the next one.
type Group struct {
	dir, state string
	names      []string // the names the group owns, slash-separated, under dir
	wrote      []string // the names written, in order
	lock       *os.File // the state directory, locked
	gen        string   // the new generation: a directory in state
	created    bool     // whether dir was made for the group
	done       bool     // whether current leads to gen
}

// Within a group's state directory: the link to the generation in force,
// and the link that a switch renames over it.
const (
	current = "current"
	next    = "next"
)

// fileWriter is where Group.File writes a file's bytes: the file. A test
// replaces it to fail a write as a full disk does.
var fileWriter = func(f *os.File) io.Writer { return f }

// NewGroup starts a group of files of kind (report, baselines) that may
// be called names (slash-separated, relative to dir) in dir, which is
// created if missing. Close it, and Commit it once its files are written.
func NewGroup(dir, kind string, names []string) (*Group, error) {
	g, err := openGroup(dir, kind, names)
	if err != nil {
		return nil, err
	}
	for _, rel := range names {
		p := g.path(rel)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			g.Close()
			return nil, err
		case !fi.Mode().IsRegular() && !g.linked(rel):
			g.Close()
			what := "not a regular file"
			if fi.IsDir() {
				what = "a directory"
			} else if fi.Mode()&fs.ModeSymlink != 0 {
				what = "a link that freezeframe did not make"
			}
			return nil, fmt.Errorf("%s is %s; move it away: the %s writes its file there", p, what, kind)
		}
	}
	g.clean()
	// A file system without symbolic links fails here, before any file is written.
	probe := filepath.Join(g.state, next)
	if err := os.Symlink(".", probe); err != nil {
		g.Close()
		return nil, fmt.Errorf("%s: %w; the files are replaced together through symbolic links: write them to a file system that has them", dir, err)
	}
	_ = os.Remove(probe) // were it left, link and switchTo remove it before they make one
	gen, err := newGeneration(g.state)
	if err != nil {
		g.Close()
		return nil, err
	}
	g.gen = filepath.Base(gen)
	return g, nil
}

// newGeneration makes a generation directory in state, readable by all
// as the files in it are.
func newGeneration(state string) (string, error) {
	gen, err := os.MkdirTemp(state, "gen-")
	if err == nil {
		err = os.Chmod(gen, 0o755)
	}
	return gen, err
}

// openGroup makes dir and the group's state directory, and locks it.
func openGroup(dir, kind string, names []string) (*Group, error) {
	g := &Group{dir: dir, state: filepath.Join(dir, ".freezeframe-"+kind), names: names}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		g.created = true
	}
	if err := os.MkdirAll(g.state, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Open(g.state)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close() // a directory, opened read-only
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: another freezeframe is writing its %s there; wait for it to finish", dir, kind)
		}
		return nil, fmt.Errorf("locking %s: %w", g.state, err)
	}
	g.lock = f
	return g, nil
}

// File writes the file rel of the group into its new generation: fill
// writes it through a buffer. An error names the file.
func (g *Group) File(rel string, fill func(io.Writer) error) error {
	if !slices.Contains(g.names, rel) {
		return fmt.Errorf("%s is not a file of %s", rel, g.state)
	}
	p := filepath.Join(g.state, g.gen, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", g.path(rel), err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", g.path(rel), err)
	}
	bw := bufio.NewWriterSize(fileWriter(f), 1<<16)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644) // whatever the umask
	}
	if err == nil {
		err = f.Sync() // a full disk may say so only here
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", g.path(rel), err)
	}
	g.wrote = append(g.wrote, rel)
	return nil
}

// Commit puts the files written in place of the earlier set, at once, and
// returns their paths, sorted. The names of the group it did not write are
// removed.
func (g *Group) Commit() ([]string, error) {
	if err := g.adopt(); err != nil {
		return nil, err
	}
	dirs := []string{filepath.Join(g.state, g.gen)}
	for _, rel := range g.wrote {
		if err := g.link(rel); err != nil {
			return nil, err
		}
		dirs = append(dirs, filepath.Dir(filepath.Join(g.state, g.gen, filepath.FromSlash(rel))), filepath.Dir(g.path(rel)))
	}
	if err := syncDirs(dirs); err != nil {
		return nil, err
	}
	if err := g.switchTo(g.gen); err != nil {
		return nil, err
	}
	g.done = true
	// The new set is in place: what follows tidies, and what it leaves
	// the next group removes, so its errors are dropped. Were the switch
	// not made durable, a crash would bring back the earlier set, whole.
	_ = syncDirs([]string{g.state})
	for _, rel := range g.names {
		if !slices.Contains(g.wrote, rel) && g.linked(rel) {
			_ = os.Remove(g.path(rel)) // it leads nowhere now
		}
	}
	g.clean()
	paths := make([]string, len(g.wrote))
	for i, rel := range g.wrote {
		paths[i] = g.path(rel)
	}
	slices.Sort(paths)
	return paths, nil
}

// Close ends the group. Unless it was committed, it removes what it wrote,
// and, if dir held no set of the group before, the state directory, and dir
// if it was made for the group. It tidies only: what it cannot remove
// changes nothing a reader finds, and the next group removes it, so its
// errors are dropped.
func (g *Group) Close() {
	if !g.done {
		g.clean()
		if _, err := os.Lstat(filepath.Join(g.state, current)); errors.Is(err, fs.ErrNotExist) {
			_ = os.Remove(g.state)
			if g.created {
				_ = os.Remove(g.dir)
			}
		}
	}
	_ = g.lock.Close() // a directory opened to be locked: closing it unlocks it
}

// removeGroup removes the files of the group of kind from dir, its links
// all at once, and then its state directory; other files in dir stay. It
// says whether there were any.
func removeGroup(dir, kind string, names []string) (bool, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	g, err := openGroup(dir, kind, names)
	if err != nil {
		return false, err
	}
	defer func() { _ = g.lock.Close() }() // a directory opened to be locked: closing it unlocks it
	// Without current, every link of the group leads nowhere.
	err = os.Remove(filepath.Join(g.state, current))
	found := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	for _, rel := range names {
		p := g.path(rel)
		fi, err := os.Lstat(p)
		if err != nil || !(fi.Mode().IsRegular() || g.linked(rel)) {
			continue
		}
		found = true
		if err := os.Remove(p); err != nil {
			return found, err
		}
		if d := filepath.Dir(p); d != filepath.Clean(dir) {
			_ = os.Remove(d) // public/, if nothing else is there: else it fails, as it should
		}
	}
	return found, os.RemoveAll(g.state)
}

// path is the name rel in dir.
func (g *Group) path(rel string) string { return filepath.Join(g.dir, filepath.FromSlash(rel)) }

// target is what the link at rel leads to: rel in the current generation,
// relative to the link's directory.
func (g *Group) target(rel string) string {
	up := strings.Repeat("../", strings.Count(rel, "/"))
	return filepath.FromSlash(up + filepath.Base(g.state) + "/" + current + "/" + rel)
}

// linked says whether the name rel is the group's link.
func (g *Group) linked(rel string) bool {
	t, err := os.Readlink(g.path(rel))
	return err == nil && t == g.target(rel)
}

// link makes the name rel the group's link, unless it is: a new link
// renamed over whatever is there.
func (g *Group) link(rel string) error {
	if g.linked(rel) {
		return nil
	}
	p := g.path(rel)
	tmp := filepath.Join(g.state, next)
	_ = os.Remove(tmp) // a killed run's; were it left, Symlink says so
	err := os.MkdirAll(filepath.Dir(p), 0o755)
	if err == nil {
		err = os.Symlink(g.target(rel), tmp)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		return fmt.Errorf("linking %s: %w", p, err)
	}
	return nil
}

// switchTo makes current lead to the generation gen, at once.
func (g *Group) switchTo(gen string) error {
	tmp := filepath.Join(g.state, next)
	_ = os.Remove(tmp) // a killed run's; were it left, Symlink says so
	err := os.Symlink(gen, tmp)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(g.state, current))
	}
	if err != nil {
		return fmt.Errorf("switching %s to the new files: %w", g.dir, err)
	}
	return nil
}

// adopt puts the plain files at the group's names (a report freezeframe
// wrote before it used links, or a file another program wrote over a link)
// into a generation of their own, with the files the other names lead to,
// and makes current lead to it, so that turning them into links changes
// nothing a reader finds.
func (g *Group) adopt() error {
	var plain []string
	for _, rel := range g.names {
		if fi, err := os.Lstat(g.path(rel)); err == nil && fi.Mode().IsRegular() {
			plain = append(plain, rel)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	gen, err := newGeneration(g.state)
	if err != nil {
		return err
	}
	for _, rel := range g.names {
		src := g.path(rel)
		if !slices.Contains(plain, rel) {
			if !g.linked(rel) {
				continue
			}
			src = filepath.Join(g.state, current, filepath.FromSlash(rel))
		}
		dst := filepath.Join(gen, filepath.FromSlash(rel))
		err := os.MkdirAll(filepath.Dir(dst), 0o755)
		if err == nil {
			err = os.Link(src, dst)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("keeping %s while it is replaced: %w", g.path(rel), err)
		}
	}
	if err := g.switchTo(filepath.Base(gen)); err != nil {
		return err
	}
	for _, rel := range plain {
		if err := g.link(rel); err != nil {
			return err
		}
	}
	return nil
}

// clean removes from the state directory all but current and the
// generation it leads to. What it leaves a reader never finds, and the
// next group removes, so its errors are dropped.
func (g *Group) clean() {
	keep, _ := os.Readlink(filepath.Join(g.state, current))
	entries, _ := os.ReadDir(g.state)
	for _, e := range entries {
		if e.Name() != current && e.Name() != keep {
			_ = os.RemoveAll(filepath.Join(g.state, e.Name()))
		}
	}
}

// syncDirs makes the entries of each directory durable, so that after a
// crash current does not lead to files the disk does not hold.
func syncDirs(dirs []string) error {
	slices.Sort(dirs)
	for _, d := range slices.Compact(dirs) {
		f, err := os.Open(d)
		if err != nil {
			return err
		}
		err = f.Sync()
		_ = f.Close() // a directory, opened read-only: Sync said what matters
		if err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
	}
	return nil
}

// file writes the report file rel into the report's group, unless an
// earlier file failed.
func (w *writer) file(rel string, fill func(io.Writer) error) {
	if w.err == nil {
		w.err = w.g.File(rel, fill)
	}
}

// json writes v as indented JSON. Go encodes struct fields in their
// declared order, so the bytes depend only on the values.
func (w *writer) json(rel string, v any) {
	w.file(rel, func(out io.Writer) error {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}
