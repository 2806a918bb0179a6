package esemu

import (
	"bytes"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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

// register attaches a dynamically created node under obj.
func (p *docParser) register(obj *fieldMapping, parentPath string, fm *fieldMapping, shared bool) {
	if !shared {
		obj.props[fm.name] = fm
		return
	}
	if p.under == nil {
		p.under = map[*fieldMapping]map[string]*fieldMapping{}
	}
	if p.under[obj] == nil {
		p.under[obj] = map[string]*fieldMapping{}
	}
	p.under[obj][fm.name] = fm
	p.added = append(p.added, dynAdd{parentPath: parentPath, node: fm})
}

// isShared tells mapping nodes (immutable, published) from nodes created
// while parsing this document.
func (p *docParser) isShared(obj *fieldMapping) bool {
	if obj == p.m.root {
		return true
	}
	return p.m.byPath[obj.path] == obj
}

func (p *docParser) dynamicObject(obj *fieldMapping, path, name string, mode dynMode) (*fieldMapping, *esError) {
	switch mode {
	case dynStrict:
		where := path
		if where == "" {
			where = "_doc"
		}
		return nil, newErr(http.StatusBadRequest, "strict_dynamic_mapping_exception",
			locPrefix(p.s.buf, p.s.pos)+"mapping set to strict, dynamic introduction of ["+name+"] within ["+where+"] is not allowed")
	case dynFalse:
		return nil, nil
	}
	fm := newDynField(name, joinPath(path, name), ftObject, obj.nestedPath)
	p.register(obj, path, fm, p.isShared(obj))
	return fm, nil
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func newDynField(name, path string, t fieldType, nestedPath string) *fieldMapping {
	fm := &fieldMapping{name: name, path: path, typ: t, enabled: true, coerce: true, ignoreAbove: -1, nestedPath: nestedPath}
	for n, ft := range fieldTypeNames {
		if ft == t {
			fm.typeName = n
		}
	}
	if t.isObject() {
		fm.props = map[string]*fieldMapping{}
	}
	return fm
}

// infer creates the mapping ES's dynamic mapping would create for the
// value at the cursor; nil means the value adds no mapping (null, []).
func (p *docParser) infer(obj *fieldMapping, path, name string) (*fieldMapping, *esError) {
	s := &p.s
	save := s.pos
	defer func() { s.pos = save }()
	c := s.peek()
	for c == '[' {
		// The first non-null element decides.
		s.pos++
		c = s.peek()
		for c == 'n' {
			if _, err := s.literal(); err != nil {
				return nil, p.syntaxErr(err)
			}
			if s.peek() == ',' {
				s.pos++
			}
			c = s.peek()
		}
		if c == ']' {
			return nil, nil
		}
	}
	full := joinPath(path, name)
	var fm *fieldMapping
	switch {
	case c == '{':
		fm = newDynField(name, full, ftObject, obj.nestedPath)
	case c == '"':
		raw, esc, err := s.str()
		if err != nil {
			return nil, p.syntaxErr(err)
		}
		fm = p.inferString(name, full, strText(raw, esc), obj.nestedPath)
	case c == 't' || c == 'f':
		fm = newDynField(name, full, ftBoolean, obj.nestedPath)
	case c == 'n':
		return nil, nil
	case c == '-' || c >= '0' && c <= '9':
		_, isInt, err := s.number()
		if err != nil {
			return nil, p.syntaxErr(err)
		}
		if isInt {
			fm = newDynField(name, full, ftLong, obj.nestedPath)
		} else {
			fm = newDynField(name, full, ftFloat, obj.nestedPath)
		}
	default:
		if _, err := s.literal(); err != nil {
			return nil, p.syntaxErr(err)
		}
		return nil, nil
	}
	p.register(obj, path, fm, p.isShared(obj))
	return fm, nil
}

func (p *docParser) inferString(name, full, text, nestedPath string) *fieldMapping {
	if p.m.dateDetection {
		for i, f := range p.m.dynDateFormats {
			if _, msg := f.parseMillis(text); msg == "" {
				fm := newDynField(name, full, ftDate, nestedPath)
				fm.format = f
				if p.m.dynDateSpecs[i] != "strict_date_optional_time" {
					fm.params = []param{{"format", strNode(p.m.dynDateSpecs[i])}}
				} else {
					fm.format, _ = compileDateFormat(defaultDateFormat)
				}
				return fm
			}
		}
	}
	if p.m.numericDetection {
		if _, err := strconv.ParseInt(text, 10, 64); err == nil {
			return newDynField(name, full, ftLong, nestedPath)
		}
		if _, err := strconv.ParseFloat(text, 64); err == nil {
			return newDynField(name, full, ftFloat, nestedPath)
		}
	}
	fm := newDynField(name, full, ftText, nestedPath)
	kw := newDynField("keyword", full+".keyword", ftKeyword, nestedPath)
	kw.ignoreAbove = 256
	kw.params = []param{{"ignore_above", &jnode{kind: jNum, raw: []byte("256")}}}
	kw.multiParent = fm
	fm.fields = map[string]*fieldMapping{"keyword": kw}
	return fm
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

func (p *docParser) fieldErr(fm *fieldMapping, off int, preview string, cause *esError) *esError {
	return p.docErr(off, "failed to parse field ["+fm.path+"] of type ["+fm.typeName+"] in document with id '"+p.id+"'. Preview of field's value: '"+preview+"'", cause)
}

// scalar checks one scalar value against a leaf field type.
func (p *docParser) scalar(fm *fieldMapping, off int, raw []byte, esc bool, kind jkind, isInt bool) *esError {
	causeType, causeReason := checkScalar(fm, raw, esc, kind, isInt)
	if causeType == "" || fm.ignoreMal {
		return nil
	}
	text := string(raw)
	if esc {
		text = string(unescape(raw))
	}
	return p.fieldErr(fm, off, text, newErr(0, causeType, causeReason))
}

// checkScalar returns the cause type and reason of a rejected value, or
// empty strings when the value is acceptable for the field.
func checkScalar(fm *fieldMapping, raw []byte, esc bool, kind jkind, isInt bool) (string, string) {
	switch t := fm.typ; {
	case t == ftKeyword || t == ftText:
		return "", ""
	case t.isInteger():
		if kind == jBool {
			return "illegal_argument_exception", "Current token (VALUE_" + strings.ToUpper(string(raw)) + ") not numeric, can not use numeric value accessors"
		}
		if kind == jStr && len(raw) == 0 {
			return "", ""
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		v, ok, ct, cr := parseLongValue(text, kind == jNum, isInt, fm.coerce)
		if !ok {
			return ct, cr
		}
		if t != ftLong && kind == jNum && (v < math.MinInt32 || v > math.MaxInt32) {
			// Jackson's getIntValue refuses before ES's own range check.
			return "input_coercion_exception", "Numeric value (" + text + ") out of range of int (-2147483648 - 2147483647)"
		}
		return integerRange(t, v)
	case t.isFloat():
		if kind == jBool {
			return "illegal_argument_exception", "Current token (VALUE_" + strings.ToUpper(string(raw)) + ") not numeric, can not use numeric value accessors"
		}
		if kind == jStr && len(raw) == 0 {
			return "", ""
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		if kind == jStr && !fm.coerce {
			return "illegal_argument_exception", "[" + fm.typeName + "] cannot be coerced from a string"
		}
		f, ok := parseJavaDouble(text)
		if !ok {
			return "number_format_exception", "For input string: \"" + text + "\""
		}
		if t == ftFloat && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
			f = math.Inf(int(math.Copysign(1, f)))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			s := "NaN"
			if math.IsInf(f, 1) {
				s = "Infinity"
			} else if math.IsInf(f, -1) {
				s = "-Infinity"
			}
			return "illegal_argument_exception", "[" + fm.typeName + "] supports only finite values, but got [" + s + "]"
		}
		return "", ""
	case t == ftBoolean:
		if kind == jBool {
			return "", ""
		}
		if kind == jStr {
			switch string(raw) {
			case "true", "false", "":
				return "", ""
			}
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		return "illegal_argument_exception", "Failed to parse value [" + text + "] as only [true] or [false] are allowed."
	case t.isDate():
		if !esc && kind == jStr && fm.format.fastOK(raw) {
			return "", ""
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		if kind == jBool {
			return "illegal_argument_exception", "failed to parse date field [" + text + "] with format [" + fm.format.spec + "]"
		}
		if _, msg := fm.format.parseMillis(text); msg != "" {
			return "illegal_argument_exception", "failed to parse date field [" + text + "] with format [" + fm.format.spec + "]"
		}
		return "", ""
	case t == ftIP:
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		if _, err := netip.ParseAddr(text); err != nil {
			return "illegal_argument_exception", "'" + text + "' is not an IP string literal."
		}
	}
	return "", ""
}

// parseLongValue reads a long the way NumberFieldMapper does with
// XContentParser.longValue(coerce).
func parseLongValue(text string, isNumber, isInt, coerce bool) (int64, bool, string, string) {
	if isNumber && isInt {
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return 0, false, "input_coercion_exception", "Numeric value (" + text + ") out of range of long (-9223372036854775808 - 9223372036854775807)"
		}
		return v, true, "", ""
	}
	if !isNumber && !coerce {
		return 0, false, "illegal_argument_exception", "[long] cannot be coerced from a string"
	}
	t := strings.TrimPrefix(text, "+")
	if v, err := strconv.ParseInt(t, 10, 64); err == nil && !strings.HasPrefix(t, "-+") {
		return v, true, "", ""
	}
	f, ok := parseJavaDouble(text)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, "illegal_argument_exception", "For input string: \"" + text + "\""
	}
	if f != math.Trunc(f) && !coerce {
		return 0, false, "illegal_argument_exception", "Value [" + text + "] has a decimal part"
	}
	if f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return 0, false, "illegal_argument_exception", "Value [" + text + "] is out of range for a long"
	}
	return int64(f), true, "", ""
}

func integerRange(t fieldType, v int64) (string, string) {
	var lo, hi int64
	var what string
	switch t {
	case ftInteger:
		lo, hi, what = math.MinInt32, math.MaxInt32, "an integer"
	case ftShort:
		lo, hi, what = math.MinInt16, math.MaxInt16, "a short"
	case ftByte:
		lo, hi, what = math.MinInt8, math.MaxInt8, "a byte"
	default:
		return "", ""
	}
	if v < lo || v > hi {
		return "illegal_argument_exception", "Value [" + strconv.FormatInt(v, 10) + "] is out of range for " + what
	}
	return "", ""
}

// parseJavaDouble mimics Double.parseDouble: surrounding whitespace and a
// trailing d/f suffix are accepted.
func parseJavaDouble(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if n := len(t); n > 1 && strings.ContainsRune("dDfF", rune(t[n-1])) && t[n-2] >= '0' && t[n-2] <= '9' || n > 1 && strings.ContainsRune("dDfF", rune(t[n-1])) && t[n-2] == '.' {
		t = t[:n-1]
	}
	switch t {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}
