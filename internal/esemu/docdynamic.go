package esemu

import (
	"net/http"
	"strconv"
)

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
