package esemu

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
)

// docParser validates one document against a mapping in a single pass over
// its bytes, the way ES's DocumentParser walks the parser tokens: unmapped
// fields are rejected (strict), skipped (false) or mapped (true), and
// values are checked against their field types. It never builds a map of
// the document.
type docParser struct {
	s  scanner
	m  *mapping
	id string
	// added records new top-level nodes of a dynamic update, by parent.
	added []dynAdd
	// under finds nodes added below an existing (shared) object.
	under map[*fieldMapping]map[string]*fieldMapping
	// seen is a reusable stack of member names for duplicate detection.
	seen [][]byte
}

// parserPool recycles parsers (and their duplicate-detection stacks).
var parserPool = sync.Pool{}

// dynAdd is one new field introduced by dynamic mapping.
type dynAdd struct {
	parentPath string
	node       *fieldMapping
}

var metadataFields = map[string]bool{
	"_id": true, "_index": true, "_source": true, "_routing": true, "_version": true,
	"_seq_no": true, "_primary_term": true, "_ignored": true, "_field_names": true,
	"_doc_count": true, "_tier": true, "_data_stream_timestamp": true, "_nested_path": true,
}

// parseDocument validates src. It returns the dynamic mapping additions
// the document needs (nil if none) or the per-document error ES reports.
func parseDocument(src []byte, id string, m *mapping) ([]dynAdd, *esError) {
	p, _ := parserPool.Get().(*docParser)
	if p == nil {
		p = &docParser{seen: make([][]byte, 0, 64)}
	}
	defer func() {
		clear(p.seen[:cap(p.seen)])
		*p = docParser{seen: p.seen[:0]}
		parserPool.Put(p)
	}()
	p.s, p.m, p.id = scanner{buf: src}, m, id
	if p.s.peek() != '{' {
		if p.s.atEnd() {
			return nil, p.docErr(0, "failed to parse: Malformed content, must start with an object", nil)
		}
		if _, err := parseTree(src); err != nil {
			return nil, p.syntaxErr(err)
		}
		return nil, p.docErr(p.s.pos, "failed to parse: Malformed content, must start with an object", nil)
	}
	if err := p.object(m.root, "", true, dynInherit); err != nil {
		return nil, err
	}
	if !p.s.atEnd() {
		return nil, p.syntaxErr(p.s.fail("Unexpected " + describeChar(p.s.cur()) + ": expected end of input"))
	}
	return p.added, nil
}

func (p *docParser) docErr(off int, msg string, cause *esError) *esError {
	e := newErr(http.StatusBadRequest, "document_parsing_exception", locPrefix(p.s.buf, off)+msg)
	if cause != nil {
		e.withCause(cause, false)
	}
	return e
}

func (p *docParser) syntaxErr(err *scanError) *esError {
	loc := locPrefix(p.s.buf, err.off)
	return newErr(http.StatusBadRequest, "document_parsing_exception", loc+"failed to parse").
		withCause(newErr(0, "x_content_parse_exception", loc+err.msg), true)
}

func (p *docParser) mode(parent dynMode, obj *fieldMapping) dynMode {
	if obj.dynamic != dynInherit {
		return obj.dynamic
	}
	if parent == dynInherit {
		return dynTrue
	}
	return parent
}

// child finds the mapping of member name under obj, including fields this
// document added dynamically.
func (p *docParser) child(obj *fieldMapping, name []byte) *fieldMapping {
	if fm := obj.props[string(name)]; fm != nil {
		return fm
	}
	if p.under != nil {
		return p.under[obj][string(name)]
	}
	return nil
}

func (p *docParser) object(obj *fieldMapping, path string, root bool, parentMode dynMode) *esError {
	mode := p.mode(parentMode, obj)
	s := &p.s
	s.pos++ // '{'
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	seenBase := len(p.seen)
	defer func() { p.seen = p.seen[:seenBase] }()
	for {
		raw, esc, serr := s.str()
		if serr != nil {
			return p.syntaxErr(serr)
		}
		name := raw
		if esc {
			name = unescape(raw)
		}
		for _, prev := range p.seen[seenBase:] {
			if len(prev) == len(name) && (len(name) == 0 || prev[0] == name[0]) && bytes.Equal(prev, name) {
				return p.syntaxErr(s.fail("Duplicate field '" + string(name) + "'"))
			}
		}
		p.seen = append(p.seen, name)
		if serr := s.expect(':'); serr != nil {
			return p.syntaxErr(serr)
		}
		s.ws()
		valOff := s.pos
		if len(name) == 0 {
			return p.docErr(valOff, "field name cannot be an empty string", nil)
		}
		if root && name[0] == '_' && metadataFields[string(name)] {
			return p.docErr(valOff, "Field ["+string(name)+"] is a metadata field and cannot be added inside a document. Use the index API request parameters.", nil)
		}
		if err := p.member(obj, path, name, mode); err != nil {
			return err
		}
		more, serr := s.objectNext()
		if serr != nil {
			return p.syntaxErr(serr)
		}
		if !more {
			return nil
		}
	}
}

// member handles one "name": value pair inside obj.
func (p *docParser) member(obj *fieldMapping, path string, name []byte, mode dynMode) *esError {
	if i := bytes.IndexByte(name, '.'); i >= 0 && i < len(name)-1 && i > 0 {
		// A dotted name is an object path: {"a.b":1} is {"a":{"b":1}}.
		head, rest := name[:i], name[i+1:]
		fm := p.child(obj, head)
		if fm == nil {
			var err *esError
			fm, err = p.dynamicObject(obj, path, string(head), mode)
			if err != nil || fm == nil {
				if err == nil {
					return p.skipValue()
				}
				return err
			}
		}
		if !fm.typ.isObject() {
			// ES maps "a.b" under a non-object "a" as a conflict.
			return p.docErr(p.s.pos, "Could not dynamically add mapping for field ["+string(name)+"]. Existing mapping for ["+fm.path+"] must be of type object but found ["+fm.typeName+"].", nil)
		}
		if !fm.enabled {
			return p.skipValue()
		}
		return p.member(fm, fm.path, rest, p.mode(mode, fm))
	}
	fm := p.child(obj, name)
	if fm == nil {
		switch mode {
		case dynStrict:
			where := path
			if where == "" {
				where = "_doc"
			}
			return newErr(http.StatusBadRequest, "strict_dynamic_mapping_exception",
				locPrefix(p.s.buf, p.s.pos)+"mapping set to strict, dynamic introduction of ["+string(name)+"] within ["+where+"] is not allowed")
		case dynFalse:
			return p.skipValue()
		}
		var err *esError
		fm, err = p.infer(obj, path, string(name))
		if err != nil {
			return err
		}
		if fm == nil {
			return p.skipValue()
		}
	}
	return p.value(fm, mode)
}

func (p *docParser) skipValue() *esError {
	if err := p.s.skip(); err != nil {
		return p.syntaxErr(err)
	}
	return nil
}

// value validates the value at the cursor against fm.
func (p *docParser) value(fm *fieldMapping, mode dynMode) *esError {
	s := &p.s
	switch c := s.peek(); {
	case c == '[':
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := p.value(fm, mode); err != nil {
				return err
			}
			more, serr := s.arrayNext()
			if serr != nil {
				return p.syntaxErr(serr)
			}
			if !more {
				return nil
			}
		}
	case c == '{':
		if fm.typ.isObject() {
			if !fm.enabled {
				return p.skipValue()
			}
			return p.object(fm, fm.path, false, mode)
		}
		off := s.pos
		n, serr := s.tree(0)
		if serr != nil {
			return p.syntaxErr(serr)
		}
		l, col := lineCol(s.buf, off)
		return p.fieldErr(fm, off, n.preview(), newErr(0, "illegal_state_exception",
			"Can't get text on a START_OBJECT at "+strconv.Itoa(l)+":"+strconv.Itoa(col)))
	case c == 'n':
		if _, serr := s.literal(); serr != nil {
			return p.syntaxErr(serr)
		}
		return nil
	}
	off := s.pos
	var (
		raw   []byte
		esc   bool
		kind  jkind
		isInt bool
	)
	switch c := s.cur(); {
	case c == '"':
		r, e, serr := s.str()
		if serr != nil {
			return p.syntaxErr(serr)
		}
		raw, esc, kind = r, e, jStr
	case c == '-' || c >= '0' && c <= '9':
		r, i, serr := s.number()
		if serr != nil {
			return p.syntaxErr(serr)
		}
		raw, isInt, kind = r, i, jNum
	default:
		l, serr := s.literal()
		if serr != nil {
			return p.syntaxErr(serr)
		}
		if l == 'n' {
			return nil
		}
		kind = jBool
		raw = s.buf[off:s.pos]
	}
	if fm.typ.isObject() {
		if !fm.enabled {
			return nil
		}
		return p.docErr(off, "object mapping for ["+fm.path+"] tried to parse field ["+fm.path+"] as object, but found a concrete value", nil)
	}
	if err := p.scalar(fm, off, raw, esc, kind, isInt); err != nil {
		return err
	}
	for _, sf := range fm.fields {
		if err := p.scalar(sf, off, raw, esc, kind, isInt); err != nil {
			return err
		}
	}
	return nil
}
