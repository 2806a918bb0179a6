package config

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a configuration file: where it is and what is wrong.
type Problem struct {
	// Path locates the value in the file, e.g. "environments.prod.indexes[1].source.url".
	// It is empty for a problem with the whole file.
	Path string
	// Message says what is wrong. It never contains a secret value.
	Message string
	// Line is the 1-based line of the value in the file, or of its nearest
	// enclosing block when the value is missing; 0 when unknown.
	Line int
}

// String formats the problem as "path: message (line N)".
func (p Problem) String() string {
	var b strings.Builder
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", p.Line)
	}
	return b.String()
}

// Problems is the error Load and Parse return when a file is invalid. It lists
// every problem at once, in file order.
type Problems struct {
	List []Problem
}

// Error lists the problems one per line.
func (ps *Problems) Error() string {
	lines := make([]string, len(ps.List))
	for i, p := range ps.List {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// report collects problems while a file is decoded and validated, and knows
// the line of every path the file contains so that a problem found later, on
// the decoded values, can still point into the file.
type report struct {
	problems []Problem
	lines    map[string]int
	// failed holds the paths whose value could not be read at all.
	failed []string
}

func newReport() *report {
	return &report{lines: make(map[string]int)}
}

// locate records the line where path appears in the file.
func (r *report) locate(path string, line int) {
	if _, ok := r.lines[path]; !ok {
		r.lines[path] = line
	}
}

// add records a problem at path, located at the path's line or, for a value
// the file lacks, at its nearest enclosing block. A second problem at the same
// path is dropped, and so is a problem at or below a path whose value could
// not be read (see fail): once a block is the wrong type, say so once rather
// than once per missing field inside it.
func (r *report) add(path, message string) {
	for _, p := range r.problems {
		if p.Path == path {
			return
		}
	}
	for _, f := range r.failed {
		if within(path, f) {
			return
		}
	}
	line := 0
	for q := path; ; q = parent(q) {
		if l, ok := r.lines[q]; ok {
			line = l
			break
		}
		if q == "" {
			break
		}
	}
	r.problems = append(r.problems, Problem{Path: path, Message: message, Line: line})
}

// fail is add for a value that could not be read: wrong type, bad syntax,
// unknown key, unset variable. Nothing more is said about what lies under it.
func (r *report) fail(path, message string) {
	r.add(path, message)
	r.failed = append(r.failed, path)
}

// failf is fail with a format.
func (r *report) failf(path, format string, args ...any) {
	r.fail(path, fmt.Sprintf(format, args...))
}

// addf is add with a format.
func (r *report) addf(path, format string, args ...any) {
	r.add(path, fmt.Sprintf(format, args...))
}

// err returns the problems in file order, or nil if there are none. Problems
// with no line (a whole missing section) come last.
func (r *report) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	list := append([]Problem(nil), r.problems...)
	sort.SliceStable(list, func(i, j int) bool {
		li, lj := list[i].Line, list[j].Line
		if li == 0 || lj == 0 {
			return lj == 0 && li != 0
		}
		return li < lj
	})
	return &Problems{List: list}
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// key extends path with a mapping key. Keys that would make the path
// ambiguous are quoted: people["a.b"].
func key(path, k string) string {
	if !plainKey.MatchString(k) {
		return path + "[" + strconv.Quote(k) + "]"
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

// index extends path with a list position.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// parent strips the last element of a path; the parent of a top-level key is "".
func parent(path string) string {
	if strings.HasSuffix(path, `"]`) {
		if i := strings.LastIndex(path, `["`); i >= 0 {
			return path[:i]
		}
	}
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i]
	}
	return ""
}

// within reports whether path is base or lies inside it; everything lies
// inside the root, "".
func within(path, base string) bool {
	if base == "" {
		return true
	}
	if !strings.HasPrefix(path, base) {
		return false
	}
	rest := path[len(base):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}
