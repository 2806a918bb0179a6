package esemu

import (
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
