package esemu

import "strings"

// prefixQ matches keyword values (or text tokens) with a prefix.
type prefixQ struct {
	slot   int
	fm     *fieldMapping
	prefix string
	ci     bool
}

func (q *prefixQ) match(d *docView) bool {
	for _, v := range d.values(q.slot) {
		tv, ok := toTyped(q.fm, v)
		if !ok {
			continue
		}
		cands := []string{tv.s}
		if q.fm.typ == ftText {
			cands = analyze(tv.s)
		}
		for _, s := range cands {
			if q.ci {
				s = strings.ToLower(s)
			}
			if strings.HasPrefix(s, q.prefix) {
				return true
			}
		}
	}
	return false
}

func (c *compiler) prefixQuery(n *jnode) (query, *esError) {
	name, v, err := singleField("prefix", n)
	if err != nil {
		return nil, err
	}
	ci := false
	if v.kind == jObj {
		ci, _ = v.get("case_insensitive").asBool()
		v = v.get("value")
		if v == nil {
			return nil, errParsing("[prefix] requires a value")
		}
	}
	fm := c.field(name)
	if fm == nil {
		return matchNone{}, nil
	}
	if fm.typ != ftKeyword && fm.typ != ftText {
		return nil, errQueryShard(c.ix, "failed to create query: Can only use prefix queries on keyword and text fields - not on ["+name+"] which is of type ["+fm.typeName+"]", nil)
	}
	p := v.text()
	if ci {
		p = strings.ToLower(p)
	}
	return &prefixQ{slot: c.plan.slot(c.sourcePath(fm), false), fm: fm, prefix: p, ci: ci}, nil
}

// matchQ is the match query: analyzed terms for text, exact for others.
type matchQ struct {
	inner    []query
	operator string
}

func (q *matchQ) match(d *docView) bool {
	if q.operator == "and" {
		for _, c := range q.inner {
			if !c.match(d) {
				return false
			}
		}
		return len(q.inner) > 0
	}
	for _, c := range q.inner {
		if c.match(d) {
			return true
		}
	}
	return false
}

func (c *compiler) matchQuery(n *jnode) (query, *esError) {
	name, v, err := singleField("match", n)
	if err != nil {
		return nil, err
	}
	op := "or"
	if v.kind == jObj {
		if o := v.get("operator"); o != nil {
			op = strings.ToLower(o.text())
		}
		v = v.get("query")
		if v == nil {
			return nil, errParsing("No text specified for text query")
		}
	}
	fm := c.field(name)
	if fm == nil {
		return matchNone{}, nil
	}
	if fm.typ != ftText {
		return c.newTermQ(fm, []*jnode{v})
	}
	q := &matchQ{operator: op}
	for _, tok := range analyze(v.text()) {
		tq, err := c.newTermQ(fm, []*jnode{strNode(tok)})
		if err != nil {
			return nil, err
		}
		q.inner = append(q.inner, tq)
	}
	return q, nil
}

// nestedQ matches when one object of a nested field matches inner.
type nestedQ struct {
	slot  int
	inner query
	plan  *plan
}

func (q *nestedQ) match(d *docView) bool {
	var sub docView
	for _, v := range d.values(q.slot) {
		if v.kind != jObj {
			continue
		}
		sub.reset(v.raw, d.id, d.index, q.plan)
		if q.inner.match(&sub) {
			return true
		}
	}
	return false
}

func (c *compiler) nestedQuery(n *jnode) (query, *esError) {
	p, inner := n.get("path"), n.get("query")
	if p == nil || inner == nil {
		return nil, errParsing("[nested] requires 'path' and 'query' fields")
	}
	path := p.text()
	fm := c.m.byPath[path]
	if fm == nil || fm.typ != ftNested {
		if ignore, _ := n.get("ignore_unmapped").asBool(); ignore && fm == nil {
			return matchNone{}, nil
		}
		return nil, errQueryShard(c.ix, "failed to create query: [nested] nested object under path ["+path+"] is not of nested type", nil)
	}
	sub := &compiler{m: c.m, e: c.e, ix: c.ix, plan: newPlan(), base: path}
	q, err := sub.compile(inner)
	if err != nil {
		return nil, err
	}
	rel := path
	if c.base != "" {
		rel = strings.TrimPrefix(path, c.base+".")
	}
	return &nestedQ{slot: c.plan.slot(rel, true), inner: q, plan: sub.plan}, nil
}
