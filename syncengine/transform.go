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

// Error names the record, by position and id, and what is wrong with it.
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
		root.finalize()
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

	// ops says what becomes of each input member name that is not copied as
	// it is; finalize builds it from the maps above, and apply reads only it.
	ops []keyOp
}

// keyOp is everything apply does to a member with one input name.
type keyOp struct {
	name   string
	drop   bool
	outKey []byte // `"new name":` when renamed, else nil
	out    string // the output name
	set    int    // index in set of a constant that replaces the value, or -1
	child  int    // index in kids of the transform of the value, or -1
	target int    // collision bit of the output name, or -1
}

// finalize builds ops, here and below.
func (n *tnode) finalize() {
	names := map[string]bool{}
	for name := range n.rename {
		names[name] = true
	}
	for name := range n.drop {
		names[name] = true
	}
	for _, name := range n.names {
		names[name] = true
	}
	for _, s := range n.set {
		names[s.name] = true
	}
	for name := range n.targets {
		names[name] = true
	}
	n.ops = nil
	for _, name := range slices.Sorted(maps.Keys(names)) {
		op := keyOp{name: name, drop: n.drop[name], out: name, set: -1, child: -1, target: -1}
		if to, ok := n.rename[name]; ok {
			op.out, op.outKey = to, n.renameQ[name]
		}
		op.set = n.setIndex(op.out)
		if k, ok := n.child[name]; ok {
			op.child = k
		}
		if bit, ok := n.targets[op.out]; ok {
			op.target = bit
		}
		n.ops = append(n.ops, op)
	}
	for _, c := range n.kids {
		c.finalize()
	}
}

// op returns what to do with a member called key, or nil to copy it. Keys
// are compared in place: a transform has a handful of names, so a scan
// beats hashing every key of every record.
func (n *tnode) op(key []byte) *keyOp {
	for k := range n.ops {
		if n.ops[k].name == string(key) {
			return &n.ops[k]
		}
	}
	return nil
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

// apply appends obj, transformed by n, to dst. Runs of members it leaves
// alone are copied in one piece, separators and all.
func (n *tnode) apply(dst, obj []byte) ([]byte, error) {
	dst = append(dst, '{')
	var setDone, childSeen, targetSeen flags
	written := 0             // members written so far
	runStart, runEnd := 0, 0 // a run of untouched members not yet copied
	runLen := 0
	flush := func() {
		if runLen > 0 {
			if written > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, obj[runStart:runEnd]...)
			written += runLen
			runLen = 0
		}
	}
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
		op := n.op(key)
		if op == nil {
			if runLen == 0 {
				runStart = m.keyStart
			}
			runEnd = m.valEnd
			runLen++
			continue
		}
		flush()
		if op.drop {
			continue
		}
		if op.target >= 0 && targetSeen.add(op.target) {
			return nil, &BadRecordError{Reason: fmt.Sprintf("renaming makes two fields named %q", op.out)}
		}
		if written > 0 {
			dst = append(dst, ',')
		}
		written++
		if op.set >= 0 {
			dst = append(dst, n.set[op.set].member...)
			setDone.add(op.set)
			continue
		}
		if op.outKey != nil {
			dst = append(dst, op.outKey...)
		} else {
			dst = append(append(dst, obj[m.keyStart:m.keyEnd]...), ':')
		}
		val := obj[m.valStart:m.valEnd]
		if op.child >= 0 {
			childSeen.add(op.child)
			if val[0] == '{' {
				if dst, err = n.kids[op.child].apply(dst, val); err != nil {
					return nil, err
				}
				continue
			}
		}
		dst = append(dst, val...)
	}
	flush()
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
		if written > 0 {
			dst = append(dst, ',')
		}
		written++
		dst = append(dst, quotedKey(out)...)
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
