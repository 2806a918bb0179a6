package syncengine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/resyncbot/resyncbot/config"
)

// Transform turns a source record into a document and its id. It works on
// the JSON bytes: members it does not touch are copied as they are, in their
// order, and a transform with nothing to rename, drop or set passes the record
// through untouched after finding its id.
type Transform struct {
	idPath []string // dotted IDField, split
	root   *tnode   // nil: nothing to change
}

// BadRecordError is a record that cannot become a document: not a JSON
// object, or without a usable id. Pos is the record's position in the source
// (Apply leaves it 0; the caller holding the Record sets it); Key is the id
// when the record had one.
type BadRecordError struct {
	Pos    int64
	Key    string
	Reason string
}

func (e *BadRecordError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("record %d (id %s): %s", e.Pos, e.Key, e.Reason)
	}
	return fmt.Sprintf("record %d: %s", e.Pos, e.Reason)
}

// idFallback is the id field when IDField is empty. Elasticsearch refuses a
// document that carries it, so it is also removed from the document.
const idFallback = "_id"

// NewTransform compiles t. Paths in Rename and Drop name fields of the source
// record, paths in Set fields of the output; a dotted path reaches into
// objects. A rename keeps a field in its object: its new name is a plain name
// or the same parent path with another last segment.
func NewTransform(t config.Transform) (*Transform, error) {
	tr := &Transform{}
	root := &tnode{}
	changes := len(t.Rename) > 0 || len(t.Drop) > 0 || len(t.Set) > 0
	if t.IDField == "" {
		tr.idPath = []string{idFallback}
		root.dropName(idFallback)
		changes = true
	} else {
		tr.idPath = strings.Split(t.IDField, ".")
		if slices.Contains(tr.idPath, "") {
			return nil, fmt.Errorf("transform: id_field %q has an empty segment", t.IDField)
		}
	}
	// Sorted, so that compiling the same config always builds the same tree.
	for _, from := range slices.Sorted(maps.Keys(t.Rename)) {
		if err := root.addRename(from, t.Rename[from]); err != nil {
			return nil, err
		}
	}
	for _, p := range t.Drop {
		parts, err := splitPath("drop", p)
		if err != nil {
			return nil, err
		}
		n := root.walk(parts[:len(parts)-1])
		leaf := parts[len(parts)-1]
		if _, ok := n.rename[leaf]; ok {
			return nil, fmt.Errorf("transform: %q is both renamed and dropped", p)
		}
		n.dropName(leaf)
	}
	for _, p := range slices.Sorted(maps.Keys(t.Set)) {
		parts, err := splitPath("set", p)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(t.Set[p])
		if err != nil {
			return nil, fmt.Errorf("transform: set %q: %w", p, err)
		}
		root.addSet(parts, v)
	}
	if changes {
		tr.root = root
	}
	return tr, nil
}

func splitPath(what, p string) ([]string, error) {
	parts := strings.Split(p, ".")
	if slices.Contains(parts, "") {
		return nil, fmt.Errorf("transform: %s %q has an empty segment", what, p)
	}
	return parts, nil
}

// Apply returns the id of record doc and the document to write. A record that
// cannot be used is a *BadRecordError; doc is not modified, and when nothing
// is to change out is doc itself.
func (t *Transform) Apply(doc []byte) (id string, out []byte, err error) {
	doc, err = singleLine(doc)
	if err != nil {
		return "", nil, &BadRecordError{Reason: "invalid JSON: " + err.Error()}
	}
	start := skipWS(doc, 0)
	if start == len(doc) || doc[start] != '{' {
		return "", nil, &BadRecordError{Reason: "not a JSON object"}
	}
	id, err = t.id(doc[start:])
	if err != nil {
		return "", nil, err
	}
	if t.root == nil {
		return id, doc, nil
	}
	out, err = t.root.apply(make([]byte, 0, len(doc)+len(doc)/8), doc[start:])
	if err != nil {
		var bad *BadRecordError
		if !errors.As(err, &bad) {
			bad = &BadRecordError{Reason: "invalid JSON: " + err.Error()}
		}
		bad.Key = id
		return "", nil, bad
	}
	return id, out, nil
}

// id finds the id field and renders a string or number as the id.
func (t *Transform) id(obj []byte) (string, error) {
	v := obj
	for depth, seg := range t.idPath {
		if depth > 0 && (len(v) == 0 || v[0] != '{') {
			return "", &BadRecordError{Reason: fmt.Sprintf("id field %q: %q is not an object", t.field(), strings.Join(t.idPath[:depth], "."))}
		}
		var found bool
		var err error
		v, found, err = findMember(v, seg)
		if err != nil {
			return "", &BadRecordError{Reason: "invalid JSON: " + err.Error()}
		}
		if !found {
			return "", &BadRecordError{Reason: fmt.Sprintf("no id field %q", t.field())}
		}
	}
	switch c := v[0]; {
	case c == '"':
		s, err := stringValue(v)
		if err != nil {
			return "", &BadRecordError{Reason: fmt.Sprintf("id field %q: %v", t.field(), err)}
		}
		if strings.TrimSpace(s) == "" {
			return "", &BadRecordError{Reason: fmt.Sprintf("id field %q is empty", t.field())}
		}
		return s, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return string(v), nil
	case c == 'n':
		return "", &BadRecordError{Reason: fmt.Sprintf("id field %q is null", t.field())}
	default:
		return "", &BadRecordError{Reason: fmt.Sprintf("id field %q is %s, not a string or number", t.field(), jsonKind(c))}
	}
}

func (t *Transform) field() string { return strings.Join(t.idPath, ".") }

// stringValue decodes a JSON string token, copying only when it has escapes.
func stringValue(tok []byte) (string, error) {
	if bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1 : len(tok)-1]), nil
	}
	var s string
	err := json.Unmarshal(tok, &s)
	return s, err
}

// tnode is the part of a transform that applies to one object.
type tnode struct {
	rename  map[string]string // input name → output name
	renameQ map[string][]byte // input name → `"output name":`
	targets map[string]int    // output name of a rename → bit, to catch collisions
	drop    map[string]bool   // input names
	set     []setOp           // by output name, in name order
	child   map[string]int    // input name → index in children
	names   []string          // children's input names, in name order
	kids    []*tnode
	creates bool // sets something here or below: a missing object is created
}

type setOp struct {
	name   string
	member []byte // `"name":value`
}

func (n *tnode) walk(parents []string) *tnode {
	for _, p := range parents {
		if n.child == nil {
			n.child = map[string]int{}
		}
		k, ok := n.child[p]
		if !ok {
			// Keep names sorted so created objects come out in a stable order.
			k, _ = slices.BinarySearch(n.names, p)
			n.names = slices.Insert(n.names, k, p)
			n.kids = slices.Insert(n.kids, k, &tnode{})
			for j, name := range n.names {
				n.child[name] = j
			}
		}
		n = n.kids[k]
	}
	return n
}

func (n *tnode) dropName(name string) {
	if n.drop == nil {
		n.drop = map[string]bool{}
	}
	n.drop[name] = true
}

func (n *tnode) addRename(from, to string) error {
	parts, err := splitPath("rename", from)
	if err != nil {
		return err
	}
	parent, leaf := parts[:len(parts)-1], parts[len(parts)-1]
	newLeaf := to
	if prefix := strings.Join(parent, "."); prefix != "" && strings.HasPrefix(to, prefix+".") {
		newLeaf = to[len(prefix)+1:]
	}
	switch {
	case newLeaf == "":
		return fmt.Errorf("transform: rename %q to an empty name", from)
	case strings.Contains(newLeaf, "."):
		return fmt.Errorf("transform: rename %q → %q moves the field to another object, which is not supported", from, to)
	}
	at := n.walk(parent)
	if at.rename == nil {
		at.rename, at.renameQ, at.targets = map[string]string{}, map[string][]byte{}, map[string]int{}
	}
	at.rename[leaf] = newLeaf
	at.renameQ[leaf] = quotedKey(newLeaf)
	if _, ok := at.targets[newLeaf]; !ok {
		at.targets[newLeaf] = len(at.targets)
	}
	return nil
}

// quotedKey is `"name":`.
func quotedKey(name string) []byte {
	q, _ := json.Marshal(name) // a string always marshals
	return append(q, ':')
}

// addSet records a constant at an output path. Parent segments are output
// names, so they are mapped back through the renames to find the input object.
func (n *tnode) addSet(parts []string, v []byte) {
	n.creates = true
	for _, p := range parts[:len(parts)-1] {
		in := p
		for from, to := range n.rename {
			if to == p {
				in = from
			}
		}
		n = n.walk([]string{in})
		n.creates = true
	}
	leaf := parts[len(parts)-1]
	n.set = append(n.set, setOp{name: leaf, member: append(quotedKey(leaf), v...)})
}

// flags is a small set of indexes: a bit mask, spilling to a slice past 64.
type flags struct {
	bits  uint64
	spill []bool
}

func (f *flags) add(k int) bool {
	if k < 64 {
		had := f.bits&(1<<k) != 0
		f.bits |= 1 << k
		return had
	}
	if f.spill == nil {
		f.spill = make([]bool, k+1)
	} else if k >= len(f.spill) {
		f.spill = append(f.spill, make([]bool, k+1-len(f.spill))...)
	}
	had := f.spill[k]
	f.spill[k] = true
	return had
}

func (f *flags) has(k int) bool {
	if k < 64 {
		return f.bits&(1<<k) != 0
	}
	return k < len(f.spill) && f.spill[k]
}

// apply appends obj, transformed by n, to dst. Map lookups index with
// string(key) so that keys are never copied.
func (n *tnode) apply(dst, obj []byte) ([]byte, error) {
	dst = append(dst, '{')
	var setDone, childSeen, targetSeen flags
	written := 0
	sc := objScanner{b: obj, i: 1}
	for {
		m, ok, err := sc.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		key := obj[m.keyStart+1 : m.keyEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			name, err := stringValue(obj[m.keyStart:m.keyEnd])
			if err != nil {
				return nil, err
			}
			key = []byte(name)
		}
		if n.drop[string(key)] {
			continue
		}
		out, renamed := n.rename[string(key)]
		if !renamed {
			out = string(key)
		}
		if bit, ok := n.targets[out]; ok && targetSeen.add(bit) {
			// Cloned: out may live in a stack buffer, which must not escape.
			return nil, &BadRecordError{Reason: fmt.Sprintf("renaming makes two fields named %q", strings.Clone(out))}
		}
		if written > 0 {
			dst = append(dst, ',')
		}
		written++
		if k := n.setIndex(out); k >= 0 {
			dst = append(dst, n.set[k].member...)
			setDone.add(k)
			continue
		}
		if renamed {
			dst = append(dst, n.renameQ[string(key)]...)
		} else {
			dst = append(append(dst, obj[m.keyStart:m.keyEnd]...), ':')
		}
		val := obj[m.valStart:m.valEnd]
		if k, ok := n.child[string(key)]; ok {
			childSeen.add(k)
			if val[0] == '{' {
				if dst, err = n.kids[k].apply(dst, val); err != nil {
					return nil, err
				}
				continue
			}
		}
		dst = append(dst, val...)
	}
	if end := skipWS(obj, sc.i); end != len(obj) {
		return nil, fmt.Errorf("unexpected %q after the object", obj[end])
	}
	for k, s := range n.set {
		if !setDone.has(k) {
			if written > 0 {
				dst = append(dst, ',')
			}
			written++
			dst = append(dst, s.member...)
		}
	}
	for k, c := range n.kids {
		if !c.creates || childSeen.has(k) {
			continue
		}
		name := n.names[k]
		out, renamed := n.rename[name]
		if !renamed {
			out = name
		}
		if n.setIndex(out) >= 0 {
			continue // a constant replaces the whole object
		}
		q := quotedKey(out)
		if written > 0 {
			dst = append(dst, ',')
		}
		written++
		dst = append(dst, q...)
		var err error
		if dst, err = c.apply(dst, []byte("{}")); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

func (n *tnode) setIndex(name string) int {
	for k := range n.set {
		if n.set[k].name == name {
			return k
		}
	}
	return -1
}
