package esemu

import (
	"math"
	"strings"
)

// termValue converts a query value into the field's indexed form.
func (c *compiler) termValue(fm *fieldMapping, v *jnode) (typedVal, bool, *esError) {
	if v == nil || v.kind == jNull || v.kind == jObj || v.kind == jArr {
		return typedVal{}, false, errParsing("[term] query does not support a value of this type")
	}
	text := v.text()
	bad := func(cause string) *esError {
		return errQueryShard(c.ix, "failed to create query: "+cause, newErr(0, "number_format_exception", cause))
	}
	switch t := fm.typ; {
	case t == ftKeyword, t == ftText:
		return typedVal{s: text}, true, nil
	case t.isInteger():
		f, ok := parseJavaDouble(text)
		if !ok {
			return typedVal{}, false, bad("For input string: \"" + text + "\"")
		}
		if f != math.Trunc(f) {
			return typedVal{}, false, nil
		}
		n, _, _, _ := parseLongValue(text, v.kind == jNum, v.kind == jNum && !strings.ContainsAny(text, ".eE"), true)
		return typedVal{i: n, f: float64(n)}, true, nil
	case t.isFloat():
		f, ok := parseJavaDouble(text)
		if !ok {
			return typedVal{}, false, bad("For input string: \"" + text + "\"")
		}
		return typedVal{f: roundFloat(fm, f)}, true, nil
	case t.isDate():
		ms, err := c.dateValue(fm, text, nil, false)
		if err != nil {
			return typedVal{}, false, err
		}
		return typedVal{i: ms, f: float64(ms)}, true, nil
	case t == ftBoolean:
		switch text {
		case "true":
			return typedVal{b: true, i: 1}, true, nil
		case "false":
			return typedVal{i: 0}, true, nil
		}
		return typedVal{}, false, errQueryShard(c.ix, "failed to create query: Can't parse boolean value ["+text+"], expected [true] or [false]", nil)
	case t == ftIP:
		tv, ok := toTyped(fm, jval{kind: jStr, raw: []byte(text)})
		if !ok {
			return typedVal{}, false, errQueryShard(c.ix, "failed to create query: '"+text+"' is not an IP string literal.", nil)
		}
		return tv, true, nil
	}
	return typedVal{}, false, nil
}

// termQ matches documents with a value equal to one of vals.
type termQ struct {
	slot int
	fm   *fieldMapping
	strs map[string]bool
	nums map[int64]bool
	flts map[float64]bool
	bool int // bitmask: 1 false, 2 true
}

func (q *termQ) match(d *docView) bool {
	for _, v := range d.values(q.slot) {
		tv, ok := toTyped(q.fm, v)
		if !ok {
			continue
		}
		switch t := q.fm.typ; {
		case t == ftText:
			for _, tok := range analyze(tv.s) {
				if q.strs[tok] {
					return true
				}
			}
		case t == ftKeyword || t == ftIP:
			if q.strs[tv.s] {
				return true
			}
		case t.isInteger() || t.isDate():
			if q.nums[tv.i] {
				return true
			}
		case t.isFloat():
			if q.flts[tv.f] {
				return true
			}
		case t == ftBoolean:
			bit := 1
			if tv.b {
				bit = 2
			}
			if q.bool&bit != 0 {
				return true
			}
		}
	}
	return false
}

func (c *compiler) newTermQ(fm *fieldMapping, values []*jnode) (query, *esError) {
	q := &termQ{slot: c.plan.slot(c.sourcePath(fm), false), fm: fm,
		strs: map[string]bool{}, nums: map[int64]bool{}, flts: map[float64]bool{}}
	any := false
	for _, v := range values {
		tv, ok, err := c.termValue(fm, v)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		any = true
		q.strs[tv.s] = true
		q.nums[tv.i] = true
		q.flts[tv.f] = true
		if fm.typ == ftBoolean {
			if tv.b {
				q.bool |= 2
			} else {
				q.bool |= 1
			}
		}
	}
	if !any {
		return matchNone{}, nil
	}
	return q, nil
}

func (c *compiler) termQuery(n *jnode) (query, *esError) {
	name, v, err := singleField("term", n)
	if err != nil {
		return nil, err
	}
	if v.kind == jObj {
		val := v.get("value")
		for _, k := range v.keys {
			switch k {
			case "value", "boost", "_name", "case_insensitive":
			default:
				return nil, errParsing("[term] query does not support [" + k + "]")
			}
		}
		if val == nil {
			return nil, errIllegalArgument("value cannot be null")
		}
		v = val
	}
	if v.kind == jNull {
		return nil, errIllegalArgument("value cannot be null")
	}
	return c.fieldTerms(name, []*jnode{v})
}

// fieldTerms builds a term(s) query on a field or a metadata field.
func (c *compiler) fieldTerms(name string, values []*jnode) (query, *esError) {
	switch name {
	case "_id":
		return c.idsFrom(values), nil
	case "_index":
		set := map[string]bool{}
		for _, v := range values {
			set[v.text()] = true
		}
		return indexQ{set}, nil
	}
	fm := c.field(name)
	if fm == nil {
		return matchNone{}, nil
	}
	return c.newTermQ(fm, values)
}

func (c *compiler) termsQuery(n *jnode) (query, *esError) {
	if n.kind != jObj {
		return nil, errParsing("[terms] query malformed, no start_object after query name")
	}
	var field string
	var values *jnode
	for i, k := range n.keys {
		switch k {
		case "boost", "_name":
			continue
		}
		if field != "" {
			return nil, errParsing("[terms] query does not support multiple fields")
		}
		field, values = k, n.vals[i]
	}
	if field == "" {
		return nil, errParsing("[terms] query requires a field")
	}
	if values.kind != jArr {
		return nil, errParsing("[terms] query does not support [" + field + "]")
	}
	return c.fieldTerms(field, values.vals)
}

// idsQ matches documents by _id.
type idsQ struct{ set map[string]bool }

func (q idsQ) match(d *docView) bool { return q.set[d.id] }

// indexQ matches documents by _index.
type indexQ struct{ set map[string]bool }

func (q indexQ) match(d *docView) bool { return q.set[d.index] }

func (c *compiler) idsFrom(values []*jnode) query {
	set := map[string]bool{}
	for _, v := range values {
		set[v.text()] = true
	}
	return idsQ{set}
}

func (c *compiler) idsQuery(n *jnode) (query, *esError) {
	if n.kind != jObj {
		return nil, errParsing("[ids] query malformed, no start_object after query name")
	}
	var values []*jnode
	for i, k := range n.keys {
		switch k {
		case "values":
			values = n.vals[i].list()
		case "boost", "_name", "type", "types":
		default:
			return nil, errParsing("[ids] query does not support [" + k + "]")
		}
	}
	return c.idsFrom(values), nil
}

// existsQ matches documents with at least one indexed value in any slot.
type existsQ struct {
	slots []int
	fms   []*fieldMapping
}

func (q *existsQ) match(d *docView) bool {
	for i, s := range q.slots {
		for _, v := range d.values(s) {
			if _, ok := toTyped(q.fms[i], v); ok {
				return true
			}
		}
	}
	return false
}

func (c *compiler) existsQuery(n *jnode) (query, *esError) {
	f := n.get("field")
	if f == nil {
		return nil, errParsing("[exists] must be provided with a [field]")
	}
	name := f.text()
	switch name {
	case "_id", "_index", "_source":
		return matchAll{}, nil
	}
	var fields []*fieldMapping
	if fm := c.m.byPath[name]; fm != nil && fm.typ.isObject() {
		for _, leaf := range c.m.leafPaths(name) {
			if c.field(leaf.path) != nil {
				fields = append(fields, leaf)
			}
		}
	} else if strings.Contains(name, "*") {
		for _, leaf := range c.m.leafPaths("") {
			if globMatch(name, leaf.path) && c.field(leaf.path) != nil {
				fields = append(fields, leaf)
			}
		}
	} else if fm := c.field(name); fm != nil {
		fields = append(fields, fm)
	}
	if len(fields) == 0 {
		return matchNone{}, nil
	}
	q := &existsQ{}
	for _, fm := range fields {
		q.slots = append(q.slots, c.plan.slot(c.sourcePath(fm), false))
		q.fms = append(q.fms, fm)
	}
	return q, nil
}
