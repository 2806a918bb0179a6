package esemu

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// query is a compiled query clause, evaluated per document.
type query interface {
	match(d *docView) bool
}

// compiler turns query JSON into clauses for one index's mapping. base is
// the enclosing nested path (field paths in slots are relative to it).
type compiler struct {
	m    *mapping
	e    *Emulator
	ix   *index
	plan *plan
	base string
}

// compileQuery compiles a query against a mapping, with its own plan.
func compileQuery(n *jnode, m *mapping, e *Emulator) (query, *esError) {
	c := &compiler{m: m, e: e, plan: newPlan()}
	return c.compile(n)
}

func errQueryShard(ix *index, reason string, cause *esError) *esError {
	var meta []metaField
	if ix != nil {
		meta = []metaField{{"index_uuid", ix.uuid}, {"index", ix.name}}
	}
	e := newErr(http.StatusBadRequest, "query_shard_exception", reason, meta...)
	if cause != nil {
		e.withCause(cause, false)
	}
	return e
}

func (c *compiler) compile(n *jnode) (query, *esError) {
	if n == nil {
		return matchAll{}, nil
	}
	if n.kind != jObj {
		return nil, errParsing("query malformed, must start with start_object")
	}
	if len(n.keys) == 0 {
		return matchAll{}, nil
	}
	if len(n.keys) > 1 {
		return nil, errParsing("[" + n.keys[0] + "] malformed query, expected [END_OBJECT] but found [FIELD_NAME]")
	}
	name, body := n.keys[0], n.vals[0]
	switch name {
	case "match_all":
		return matchAll{}, nil
	case "match_none":
		return matchNone{}, nil
	case "bool":
		return c.boolQuery(body)
	case "term":
		return c.termQuery(body)
	case "terms":
		return c.termsQuery(body)
	case "ids":
		return c.idsQuery(body)
	case "exists":
		return c.existsQuery(body)
	case "range":
		return c.rangeQuery(body)
	case "prefix":
		return c.prefixQuery(body)
	case "match":
		return c.matchQuery(body)
	case "constant_score":
		f := body.get("filter")
		if f == nil {
			return nil, errParsing("[constant_score] requires a 'filter' element")
		}
		return c.compile(f)
	case "nested":
		return c.nestedQuery(body)
	}
	e := errParsing("unknown query [" + name + "]")
	e.withCause(newErr(0, "named_object_not_found_exception", "[1:1] unknown field ["+name+"]"), false)
	return nil, e
}

type matchAll struct{}

func (matchAll) match(*docView) bool { return true }

type matchNone struct{}

func (matchNone) match(*docView) bool { return false }

// boolQ is the bool query.
type boolQ struct {
	must, should, mustNot []query
	msm                   int
}

func (q *boolQ) match(d *docView) bool {
	for _, c := range q.must {
		if !c.match(d) {
			return false
		}
	}
	for _, c := range q.mustNot {
		if c.match(d) {
			return false
		}
	}
	if q.msm <= 0 {
		return true
	}
	n := 0
	for _, c := range q.should {
		if c.match(d) {
			n++
			if n >= q.msm {
				return true
			}
		}
	}
	return false
}

func (c *compiler) boolQuery(n *jnode) (query, *esError) {
	if n.kind != jObj {
		return nil, errParsing("[bool] query malformed, no start_object after query name")
	}
	q := &boolQ{}
	var msmNode *jnode
	nMust := 0
	for i, k := range n.keys {
		v := n.vals[i]
		var list *[]query
		switch k {
		case "must", "filter":
			list = &q.must
		case "should":
			list = &q.should
		case "must_not", "mustNot":
			list = &q.mustNot
		case "minimum_should_match":
			msmNode = v
			continue
		case "boost", "_name", "adjust_pure_negative":
			continue
		default:
			return nil, errParsing("[bool] query does not support [" + k + "]")
		}
		for _, clause := range v.list() {
			cq, err := c.compile(clause)
			if err != nil {
				return nil, err
			}
			*list = append(*list, cq)
			if k == "must" || k == "filter" {
				nMust++
			}
		}
	}
	if len(q.should) > 0 && nMust == 0 {
		q.msm = 1
	}
	if msmNode != nil {
		msm, err := minimumShouldMatch(msmNode.text(), len(q.should))
		if err != nil {
			return nil, err
		}
		q.msm = msm
	}
	if len(q.should) == 0 {
		q.msm = 0
	}
	return q, nil
}

// minimumShouldMatch follows Queries.calculateMinShouldMatch for the
// integer and percentage forms.
func minimumShouldMatch(spec string, n int) (int, *esError) {
	spec = strings.TrimSpace(spec)
	if strings.HasSuffix(spec, "%") {
		p, err := strconv.Atoi(strings.TrimSuffix(spec, "%"))
		if err != nil {
			return 0, errIllegalArgument("Invalid minimum_should_match [" + spec + "]")
		}
		v := n * p / 100
		if p < 0 {
			v = n + v
		}
		return max(v, 0), nil
	}
	v, err := strconv.Atoi(spec)
	if err != nil {
		return 0, errIllegalArgument("Invalid minimum_should_match [" + spec + "]")
	}
	if v < 0 {
		v = n + v
	}
	return max(v, 0), nil
}

// field resolves a field name for querying. nil means unmapped (the
// query then matches nothing, as ES does).
func (c *compiler) field(name string) *fieldMapping {
	fm := c.m.byPath[name]
	if fm == nil || fm.typ.isObject() {
		return nil
	}
	// Fields inside a nested object are only reachable from a nested
	// query on that path.
	if fm.nestedPath != c.base {
		return nil
	}
	return fm
}

// sourcePath is the _source path a field reads, relative to the nested
// base (multi-fields read their parent).
func (c *compiler) sourcePath(fm *fieldMapping) string {
	p := fm.path
	if fm.multiParent != nil {
		p = fm.multiParent.path
	}
	if c.base != "" {
		p = strings.TrimPrefix(p, c.base+".")
	}
	return p
}

// singleField unpacks {"field": value-or-object} as term/range/prefix use.
func singleField(kind string, n *jnode) (string, *jnode, *esError) {
	if n.kind != jObj || len(n.keys) == 0 {
		return "", nil, errParsing("[" + kind + "] query malformed, no start_object after query name")
	}
	if len(n.keys) > 1 {
		return "", nil, errParsing("[" + kind + "] query doesn't support multiple fields, found [" + n.keys[0] + "] and [" + n.keys[1] + "]")
	}
	return n.keys[0], n.vals[0], nil
}

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
