package esemu

import (
	"math"
	"net/netip"
	"strings"
	"unicode"
)

// jval is one value found in a stored _source: a scalar token, or the raw
// bytes of an object (for nested queries).
type jval struct {
	kind  jkind
	raw   []byte
	esc   bool
	isInt bool
}

// text is the value as a keyword would index it.
func (v jval) text() string {
	if v.esc {
		return string(unescape(v.raw))
	}
	return string(v.raw)
}

// plan lists the source paths a query or sort reads; extraction walks a
// document once and fills one slot per path.
type plan struct {
	slots    map[string]int
	paths    []string
	objects  []bool // slot collects object values (nested paths)
	prefixes map[string]bool
	// nested counts paths below the top level; with none, extraction can
	// stop once every path has been seen (ES refuses duplicate keys).
	nested int
}

func newPlan() *plan {
	return &plan{slots: map[string]int{}, prefixes: map[string]bool{}}
}

// slot registers a path and returns its slot number.
func (p *plan) slot(path string, objects bool) int {
	if s, ok := p.slots[path]; ok {
		if objects {
			p.objects[s] = true
		}
		return s
	}
	s := len(p.paths)
	p.slots[path] = s
	p.paths = append(p.paths, path)
	p.objects = append(p.objects, objects)
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			p.prefixes[path[:i]] = true
		}
	}
	if strings.Contains(path, ".") {
		p.nested++
	}
	return s
}

// docView is one document being evaluated: its values are extracted on
// first use, in a single pass.
type docView struct {
	found  int
	src    []byte
	id     string
	index  string
	plan   *plan
	vals   [][]jval
	loaded bool
	path   []byte
}

func (d *docView) reset(src []byte, id, index string, p *plan) {
	d.src, d.id, d.index, d.plan, d.loaded = src, id, index, p, false
	if cap(d.vals) < len(p.paths) {
		d.vals = make([][]jval, len(p.paths))
	}
	d.vals = d.vals[:len(p.paths)]
	for i := range d.vals {
		d.vals[i] = d.vals[i][:0]
	}
}

func (d *docView) values(slot int) []jval {
	if !d.loaded {
		d.loaded = true
		d.extract()
	}
	return d.vals[slot]
}

func (d *docView) extract() {
	if len(d.plan.paths) == 0 {
		return
	}
	s := scanner{buf: d.src}
	if s.peek() != '{' {
		return
	}
	d.path = d.path[:0]
	d.found = 0
	_ = d.walkObject(&s)
}

func (d *docView) walkObject(s *scanner) *scanError {
	s.pos++
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	base := len(d.path)
	for {
		raw, esc, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		d.path = d.path[:base]
		if base > 0 {
			d.path = append(d.path, '.')
		}
		if esc {
			d.path = append(d.path, unescape(raw)...)
		} else {
			d.path = append(d.path, raw...)
		}
		slot, want := d.plan.slots[string(d.path)]
		descend := d.plan.prefixes[string(d.path)]
		if want && base == 0 {
			d.found++
		}
		if err := d.walkValue(s, slot, want, descend); err != nil {
			return err
		}
		if base == 0 && d.plan.nested == 0 && d.found == len(d.plan.paths) {
			return nil
		}
		more, err := s.objectNext()
		if err != nil {
			return err
		}
		if !more {
			d.path = d.path[:base]
			return nil
		}
	}
}

func (d *docView) walkValue(s *scanner, slot int, want, descend bool) *scanError {
	if !want && !descend {
		return s.skip()
	}
	switch c := s.peek(); {
	case c == '{':
		if want && d.plan.objects[slot] {
			start := s.pos
			if err := s.skip(); err != nil {
				return err
			}
			d.vals[slot] = append(d.vals[slot], jval{kind: jObj, raw: s.buf[start:s.pos]})
			if !descend {
				return nil
			}
			s.pos = start
		}
		if descend {
			return d.walkObject(s)
		}
		return s.skip()
	case c == '[':
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := d.walkValue(s, slot, want, descend); err != nil {
				return err
			}
			more, err := s.arrayNext()
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
		}
	case c == '"':
		raw, esc, err := s.str()
		if err != nil {
			return err
		}
		if want {
			d.vals[slot] = append(d.vals[slot], jval{kind: jStr, raw: raw, esc: esc})
		}
	case c == '-' || c >= '0' && c <= '9':
		raw, isInt, err := s.number()
		if err != nil {
			return err
		}
		if want {
			d.vals[slot] = append(d.vals[slot], jval{kind: jNum, raw: raw, isInt: isInt})
		}
	default:
		start := s.pos
		l, err := s.literal()
		if err != nil {
			return err
		}
		if want && l != 'n' {
			d.vals[slot] = append(d.vals[slot], jval{kind: jBool, raw: s.buf[start:s.pos]})
		}
	}
	return nil
}

// typed converts a source value to the field's indexed form; ok is false
// for values the field would not have indexed (malformed, ignore_above).
type typedVal struct {
	i int64
	f float64
	s string
	b bool
}

func toTyped(fm *fieldMapping, v jval) (typedVal, bool) {
	switch t := fm.typ; {
	case t == ftKeyword:
		s := v.text()
		if fm.ignoreAbove >= 0 && len([]rune(s)) > fm.ignoreAbove {
			return typedVal{}, false
		}
		return typedVal{s: s}, true
	case t == ftText:
		return typedVal{s: v.text()}, true
	case t.isInteger():
		if v.kind == jStr && len(v.raw) == 0 || v.kind == jBool {
			return typedVal{}, false
		}
		n, ok, _, _ := parseLongValue(v.text(), v.kind == jNum, v.isInt, true)
		return typedVal{i: n, f: float64(n)}, ok
	case t.isFloat():
		if v.kind == jStr && len(v.raw) == 0 || v.kind == jBool {
			return typedVal{}, false
		}
		f, ok := parseJavaDouble(v.text())
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return typedVal{}, false
		}
		return typedVal{f: roundFloat(fm, f)}, true
	case t.isDate():
		ms, msg := fm.format.parseMillis(v.text())
		return typedVal{i: ms, f: float64(ms)}, msg == ""
	case t == ftBoolean:
		switch v.text() {
		case "true":
			return typedVal{b: true, i: 1}, true
		case "false", "":
			return typedVal{b: false, i: 0}, true
		}
		return typedVal{}, false
	case t == ftIP:
		a, err := netip.ParseAddr(v.text())
		if err != nil {
			return typedVal{}, false
		}
		return typedVal{s: string(a.AsSlice())}, true
	}
	return typedVal{}, false
}

// roundFloat applies the precision loss of float/half_float/scaled_float.
func roundFloat(fm *fieldMapping, f float64) float64 {
	switch fm.typ {
	case ftFloat, ftHalfFloat:
		return float64(float32(f))
	case ftScaledFloat:
		for _, p := range fm.params {
			if p.key == "scaling_factor" {
				if sf, ok := p.val.asFloat(); ok && sf > 0 {
					return math.Round(f*sf) / sf
				}
			}
		}
	}
	return f
}

// analyze is the standard analyzer's observable effect for the emulator:
// split on anything that is not a letter or digit, lowercase.
func analyze(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
