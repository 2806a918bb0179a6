package esemu

import (
	"bytes"
	"math"
	"strconv"
)

// jkind is the kind of a JSON value.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jObj
	jArr
)

// jnode is an order-preserving JSON tree used for request bodies (queries,
// mappings, settings, alias actions), partial-update merges and _source
// filtering. Stored documents are never kept as trees.
type jnode struct {
	kind jkind
	// raw is the number text, the string body as written (escapes intact),
	// or "true"/"false".
	raw  []byte
	esc  bool
	keys []string
	vals []*jnode
	// off is the byte offset of the value in the parsed input.
	off int
}

// parseTree parses one complete JSON value; trailing non-space input is an
// error.
func parseTree(b []byte) (*jnode, *scanError) {
	s := scanner{buf: b}
	n, err := s.tree(0)
	if err != nil {
		return nil, err
	}
	if !s.atEnd() {
		return nil, s.fail("Unexpected " + describeChar(s.cur()) + ": expected end of input")
	}
	return n, nil
}

const maxDepth = 200

func (s *scanner) tree(depth int) (*jnode, *scanError) {
	if depth > maxDepth {
		return nil, s.fail("JSON is nested too deeply")
	}
	c := s.peek()
	n := &jnode{off: s.pos}
	switch {
	case c == '{':
		n.kind = jObj
		s.pos++
		if s.peek() == '}' {
			s.pos++
			return n, nil
		}
		for {
			raw, esc, err := s.str()
			if err != nil {
				return nil, err
			}
			if err := s.expect(':'); err != nil {
				return nil, err
			}
			v, err := s.tree(depth + 1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, strText(raw, esc))
			n.vals = append(n.vals, v)
			more, err := s.objectNext()
			if err != nil {
				return nil, err
			}
			if !more {
				return n, nil
			}
		}
	case c == '[':
		n.kind = jArr
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return n, nil
		}
		for {
			v, err := s.tree(depth + 1)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
			more, err := s.arrayNext()
			if err != nil {
				return nil, err
			}
			if !more {
				return n, nil
			}
		}
	case c == '"':
		raw, esc, err := s.str()
		if err != nil {
			return nil, err
		}
		n.kind, n.raw, n.esc = jStr, raw, esc
	case c == '-' || c >= '0' && c <= '9':
		raw, _, err := s.number()
		if err != nil {
			return nil, err
		}
		n.kind, n.raw = jNum, raw
	default:
		l, err := s.literal()
		if err != nil {
			return nil, err
		}
		switch l {
		case 'n':
			n.kind = jNull
		case 't':
			n.kind, n.raw = jBool, []byte("true")
		default:
			n.kind, n.raw = jBool, []byte("false")
		}
	}
	return n, nil
}

// get returns the value of an object member, or nil.
func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != jObj {
		return nil
	}
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.keys[i] == key {
			return n.vals[i]
		}
	}
	return nil
}

// set replaces or appends an object member.
func (n *jnode) set(key string, v *jnode) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
}

// text is the value as ES would read it with parser.text(): the decoded
// string, or the literal text of a number or boolean.
func (n *jnode) text() string {
	if n == nil {
		return ""
	}
	switch n.kind {
	case jStr:
		return strText(n.raw, n.esc)
	case jNum, jBool:
		return string(n.raw)
	case jNull:
		return "null"
	}
	return string(n.appendJSON(nil))
}

// asInt reads an integer from a number or numeric string.
func (n *jnode) asInt() (int64, bool) {
	if n == nil || (n.kind != jNum && n.kind != jStr) {
		return 0, false
	}
	v, err := strconv.ParseInt(n.text(), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n.text(), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			return 0, false
		}
		return int64(f), true
	}
	return v, true
}

func (n *jnode) asFloat() (float64, bool) {
	if n == nil || (n.kind != jNum && n.kind != jStr) {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.text(), 64)
	return f, err == nil
}

// asBool reads true/false from a boolean or its string form.
func (n *jnode) asBool() (bool, bool) {
	if n == nil {
		return false, false
	}
	switch n.text() {
	case "true":
		return true, n.kind == jBool || n.kind == jStr
	case "false":
		return false, n.kind == jBool || n.kind == jStr
	}
	return false, false
}

// list returns the elements of an array, or the node itself as a single
// element (ES accepts a lone value wherever it accepts a list).
func (n *jnode) list() []*jnode {
	if n == nil {
		return nil
	}
	if n.kind == jArr {
		return n.vals
	}
	return []*jnode{n}
}

// appendJSON serialises the tree compactly.
func (n *jnode) appendJSON(b []byte) []byte {
	switch n.kind {
	case jNull:
		return append(b, "null"...)
	case jBool, jNum:
		return append(b, n.raw...)
	case jStr:
		b = append(b, '"')
		b = append(b, n.raw...)
		return append(b, '"')
	case jObj:
		b = append(b, '{')
		for i, k := range n.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = n.vals[i].appendJSON(b)
		}
		return append(b, '}')
	default:
		b = append(b, '[')
		for i, v := range n.vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.appendJSON(b)
		}
		return append(b, ']')
	}
}

// equal compares two trees by value; object member order is ignored, as a
// Java map comparison would.
func (n *jnode) equal(o *jnode) bool {
	if n.kind != o.kind {
		return false
	}
	switch n.kind {
	case jNull:
		return true
	case jStr:
		return n.text() == o.text()
	case jNum:
		if bytes.Equal(n.raw, o.raw) {
			return true
		}
		a, _ := strconv.ParseFloat(string(n.raw), 64)
		b, _ := strconv.ParseFloat(string(o.raw), 64)
		return a == b
	case jBool:
		return bytes.Equal(n.raw, o.raw)
	case jArr:
		if len(n.vals) != len(o.vals) {
			return false
		}
		for i := range n.vals {
			if !n.vals[i].equal(o.vals[i]) {
				return false
			}
		}
		return true
	default:
		if len(n.keys) != len(o.keys) {
			return false
		}
		for i, k := range n.keys {
			ov := o.get(k)
			if ov == nil || !n.vals[i].equal(ov) {
				return false
			}
		}
		return true
	}
}

// preview renders a value the way ES prints "Preview of field's value":
// Java's Map/List toString for structures, the plain text for scalars.
func (n *jnode) preview() string {
	switch n.kind {
	case jObj:
		var b []byte
		b = append(b, '{')
		for i, k := range n.keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, k...)
			b = append(b, '=')
			b = append(b, n.vals[i].preview()...)
		}
		return string(append(b, '}'))
	case jArr:
		var b []byte
		b = append(b, '[')
		for i, v := range n.vals {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, v.preview()...)
		}
		return string(append(b, ']'))
	}
	return n.text()
}

func strNode(s string) *jnode {
	return &jnode{kind: jStr, raw: appendStringBody(nil, s), esc: true}
}

func objNode() *jnode { return &jnode{kind: jObj} }
