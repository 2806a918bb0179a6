package esemu

import (
	"sort"
	"strconv"
	"strings"
)

// index rebuilds the path lookup table, resolving inherited dynamic modes.
func (m *mapping) index() {
	m.byPath = map[string]*fieldMapping{}
	var walk func(fm *fieldMapping)
	walk = func(fm *fieldMapping) {
		for _, c := range fm.props {
			m.byPath[c.path] = c
			for _, sf := range c.fields {
				m.byPath[sf.path] = sf
			}
			if c.typ.isObject() {
				walk(c)
			}
		}
	}
	walk(m.root)
}

// clone copies the tree so that a dynamic update can be applied to the
// copy while readers keep using the published mapping.
func (m *mapping) clone() *mapping {
	c := *m
	c.root = cloneField(m.root)
	c.index()
	return &c
}

func cloneField(f *fieldMapping) *fieldMapping {
	c := *f
	if f.props != nil {
		c.props = make(map[string]*fieldMapping, len(f.props))
		for k, v := range f.props {
			c.props[k] = cloneField(v)
		}
	}
	return &c
}

// render writes the mapping as GET _mapping shows it: properties sorted by
// name, "type" first, then the parameters as given.
func (m *mapping) render(b []byte) []byte {
	b = append(b, '{')
	first := true
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	if m.root.dynamic != dynInherit {
		sep()
		b = append(b, `"dynamic":`...)
		b = appendString(b, m.root.dynamic.String())
	}
	if !m.dateDetection {
		sep()
		b = append(b, `"date_detection":false`...)
	}
	if m.numericDetection {
		sep()
		b = append(b, `"numeric_detection":true`...)
	}
	for _, p := range m.rootParams {
		sep()
		b = appendString(b, p.key)
		b = append(b, ':')
		b = p.val.appendJSON(b)
	}
	if len(m.root.props) > 0 {
		sep()
		b = append(b, `"properties":`...)
		b = renderProps(b, m.root.props)
	}
	return append(b, '}')
}

func renderProps(b []byte, props map[string]*fieldMapping) []byte {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		b = renderField(b, props[name])
	}
	return append(b, '}')
}

func renderField(b []byte, f *fieldMapping) []byte {
	b = append(b, '{')
	n := 0
	sep := func() {
		if n > 0 {
			b = append(b, ',')
		}
		n++
	}
	if f.typ != ftObject || f.explicitType {
		sep()
		b = append(b, `"type":`...)
		b = appendString(b, f.typeName)
	}
	for _, p := range f.params {
		if p.key == "fields" {
			continue
		}
		sep()
		b = appendString(b, p.key)
		b = append(b, ':')
		if p.key == "dynamic" {
			b = appendString(b, p.val.text())
			continue
		}
		b = p.val.appendJSON(b)
	}
	if len(f.fields) > 0 {
		sep()
		b = append(b, `"fields":`...)
		b = renderProps(b, f.fields)
	}
	if f.typ.isObject() && len(f.props) > 0 {
		sep()
		b = append(b, `"properties":`...)
		b = renderProps(b, f.props)
	}
	if n == 0 {
		b = append(b, `"type":"object"`...)
	}
	return append(b, '}')
}

// merge applies an update mapping (PUT _mapping, or a dynamic update) on a
// clone of m. Existing fields may gain sub-fields; a type change is a
// conflict, as in ES.
func (m *mapping) merge(upd *mapping) (*mapping, *esError) {
	c := m.clone()
	if err := mergeProps(c.root, upd.root.props); err != nil {
		return nil, err
	}
	if upd.root.dynamic != dynInherit {
		c.root.dynamic = upd.root.dynamic
	}
	c.index()
	return c, nil
}

func mergeProps(dst *fieldMapping, src map[string]*fieldMapping) *esError {
	for name, sf := range src {
		df, ok := dst.props[name]
		if !ok {
			dst.props[name] = cloneField(sf)
			continue
		}
		if df.typeName != sf.typeName {
			return errIllegalArgument("mapper [" + sf.path + "] cannot be changed from type [" + df.typeName + "] to [" + sf.typeName + "]")
		}
		if df.typ.isObject() {
			if sf.dynamic != dynInherit {
				df.dynamic = sf.dynamic
			}
			if err := mergeProps(df, sf.props); err != nil {
				return err
			}
			continue
		}
		for sub, sff := range sf.fields {
			if df.fields == nil {
				df.fields = map[string]*fieldMapping{}
			}
			if _, exists := df.fields[sub]; !exists {
				df.fields[sub] = sff
			}
		}
	}
	return nil
}

// leafPaths lists the mapped leaf fields at or below path (for exists on
// an object field).
func (m *mapping) leafPaths(path string) []*fieldMapping {
	var out []*fieldMapping
	prefix := path + "."
	for p, fm := range m.byPath {
		if (p == path || strings.HasPrefix(p, prefix)) && !fm.typ.isObject() {
			out = append(out, fm)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
