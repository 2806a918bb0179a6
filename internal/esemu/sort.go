package esemu

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// sortKind is what a sort clause orders by.
type sortKind uint8

const (
	sortField sortKind = iota
	sortScore
	sortDoc
	sortShardDoc
	sortIndex
)

// valueKind is how a sort field's values compare and render.
type valueKind uint8

const (
	vkString valueKind = iota
	vkInt
	vkFloat
)

// sortSpec is one parsed sort clause.
type sortSpec struct {
	name         string
	kind         sortKind
	desc         bool
	missing      *jnode
	mode         string
	unmappedType string
	vk           valueKind
	// per target: the field mapping and its extraction slot.
	fms   []*fieldMapping
	slots []int
}

// sortKey is one sort value of a hit.
type sortKey struct {
	i       int64
	f       float64
	s       string
	missing bool
}

// parseSort reads the "sort" element (or the sort URL parameter).
func parseSort(n *jnode) ([]*sortSpec, *esError) {
	var specs []*sortSpec
	for _, el := range n.list() {
		sp := &sortSpec{}
		switch el.kind {
		case jStr:
			sp.name = el.text()
		case jObj:
			if len(el.keys) != 1 {
				return nil, errParsing("[sort] expected a single field per sort object")
			}
			sp.name = el.keys[0]
			opts := el.vals[0]
			switch opts.kind {
			case jStr:
				if err := sp.setOrder(opts.text()); err != nil {
					return nil, err
				}
			case jObj:
				for i, k := range opts.keys {
					v := opts.vals[i]
					switch k {
					case "order":
						if err := sp.setOrder(v.text()); err != nil {
							return nil, err
						}
					case "missing":
						sp.missing = v
					case "mode":
						sp.mode = v.text()
					case "unmapped_type":
						sp.unmappedType = v.text()
					case "numeric_type", "format":
					default:
						return nil, errParsing("[field_sort] unknown field [" + k + "]")
					}
				}
			default:
				return nil, errParsing("[sort] malformed sort element")
			}
		default:
			return nil, errParsing("[sort] malformed sort element")
		}
		switch sp.name {
		case "_score":
			sp.kind = sortScore
			sp.vk = vkFloat
			if el.kind == jStr || !sp.hasExplicitOrder(el) {
				sp.desc = true
			}
		case "_doc":
			sp.kind = sortDoc
			sp.vk = vkInt
		case "_shard_doc":
			sp.kind = sortShardDoc
			sp.vk = vkInt
		case "_geo_distance", "_script":
			return nil, errIllegalArgument("esemu does not implement [" + sp.name + "] sorting")
		}
		specs = append(specs, sp)
	}
	return specs, nil
}

func (sp *sortSpec) hasExplicitOrder(el *jnode) bool {
	opts := el.vals[0]
	if opts.kind == jStr {
		return true
	}
	return opts.get("order") != nil
}

func (sp *sortSpec) setOrder(o string) *esError {
	switch strings.ToLower(o) {
	case "asc":
		sp.desc = false
	case "desc":
		sp.desc = true
	default:
		return errIllegalArgument("Unknown SortOrder [" + o + "]")
	}
	return nil
}

// parseSortParam reads ?sort=field:desc,other.
func parseSortParam(v string) *jnode {
	arr := &jnode{kind: jArr}
	for _, part := range strings.Split(v, ",") {
		name, order, has := strings.Cut(part, ":")
		if !has {
			arr.vals = append(arr.vals, strNode(name))
			continue
		}
		o := objNode()
		o.set(name, strNode(order))
		arr.vals = append(arr.vals, o)
	}
	return arr
}

// bindSort resolves a field sort against one target's mapping, registering
// its source path in the plan.
func (sp *sortSpec) bindSort(c *compiler, ix *index, first bool) *esError {
	if sp.kind != sortField {
		return nil
	}
	switch sp.name {
	case "_id":
		return errIllegalArgument("Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled")
	case "_index":
		sp.kind = sortIndex
		sp.vk = vkString
		return nil
	}
	fm := c.m.byPath[sp.name]
	if fm != nil && fm.nestedPath != "" {
		return errIllegalArgument("it is mandatory to set the [nested] context on the nested sort field: [" + sp.name + "].")
	}
	if fm == nil || fm.typ.isObject() {
		if sp.unmappedType == "" {
			return errQueryShard(ix, "No mapping found for ["+sp.name+"] in order to sort on", nil)
		}
		t, ok := fieldTypeNames[sp.unmappedType]
		if !ok {
			return errIllegalArgument("No handler for type [" + sp.unmappedType + "] declared on field [" + sp.name + "]")
		}
		sp.fms = append(sp.fms, nil)
		sp.slots = append(sp.slots, -1)
		return sp.setKind(t, first)
	}
	if fm.typ == ftText && !fm.fielddata {
		return errIllegalArgument("Fielddata is disabled on [" + sp.name + "] in [" + ix.name + "]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [" + sp.name + "] in order to load field data by uninverting the inverted index. Note that this can use significant memory.")
	}
	sp.fms = append(sp.fms, fm)
	sp.slots = append(sp.slots, c.plan.slot(c.sourcePath(fm), false))
	return sp.setKind(fm.typ, first)
}

func (sp *sortSpec) setKind(t fieldType, first bool) *esError {
	vk := vkString
	switch {
	case t.isInteger() || t.isDate() || t == ftBoolean:
		vk = vkInt
	case t.isFloat():
		vk = vkFloat
	}
	if !first && vk != sp.vk {
		return errIllegalArgument("Can't sort on field [" + sp.name + "]; the field has incompatible sort types in different indices")
	}
	sp.vk = vk
	return nil
}

// key computes the sort value of a document for spec sp on target t.
func (sp *sortSpec) key(d *docView, t int, pos int, indexName string) sortKey {
	switch sp.kind {
	case sortScore:
		return sortKey{f: 1}
	case sortDoc:
		return sortKey{i: int64(pos)}
	case sortShardDoc:
		return sortKey{i: int64(t)<<32 | int64(pos)}
	case sortIndex:
		return sortKey{s: indexName}
	}
	fm := sp.fms[t]
	var vals []typedVal
	if fm != nil {
		for _, v := range d.values(sp.slots[t]) {
			tv, ok := toTyped(fm, v)
			if !ok {
				continue
			}
			if fm.typ == ftText {
				for _, tok := range analyze(tv.s) {
					vals = append(vals, typedVal{s: tok})
				}
				continue
			}
			vals = append(vals, tv)
		}
	}
	if len(vals) == 0 {
		return sp.missingKey()
	}
	mode := sp.mode
	if mode == "" {
		mode = "min"
		if sp.desc {
			mode = "max"
		}
	}
	k := sortKey{}
	switch sp.vk {
	case vkString:
		k.s = vals[0].s
		for _, v := range vals[1:] {
			if mode == "max" && v.s > k.s || mode != "max" && v.s < k.s {
				k.s = v.s
			}
		}
	case vkInt:
		k.i = reduceInts(vals, mode)
	case vkFloat:
		k.f = reduceFloats(vals, mode)
	}
	return k
}

func reduceInts(vals []typedVal, mode string) int64 {
	r := vals[0].i
	var sum int64
	for _, v := range vals {
		sum += v.i
		if mode == "max" && v.i > r || mode == "min" && v.i < r {
			r = v.i
		}
	}
	switch mode {
	case "sum":
		return sum
	case "avg", "median":
		return sum / int64(len(vals))
	}
	return r
}

func reduceFloats(vals []typedVal, mode string) float64 {
	r := vals[0].f
	var sum float64
	for _, v := range vals {
		sum += v.f
		if mode == "max" && v.f > r || mode == "min" && v.f < r {
			r = v.f
		}
	}
	switch mode {
	case "sum":
		return sum
	case "avg", "median":
		return sum / float64(len(vals))
	}
	return r
}

// missingKey is the sort value of a document without a value: ES uses the
// extreme of the type so that "_last"/"_first" hold in both orders.
func (sp *sortSpec) missingKey() sortKey {
	if sp.missing != nil && sp.missing.text() != "_last" && sp.missing.text() != "_first" {
		switch sp.vk {
		case vkInt:
			v, _ := sp.missing.asInt()
			return sortKey{i: v}
		case vkFloat:
			v, _ := sp.missing.asFloat()
			return sortKey{f: v}
		default:
			return sortKey{s: sp.missing.text()}
		}
	}
	first := sp.missing != nil && sp.missing.text() == "_first"
	high := sp.desc == first // asc+_last or desc+_first sorts as the maximum
	switch sp.vk {
	case vkInt:
		if high {
			return sortKey{i: math.MaxInt64}
		}
		return sortKey{i: math.MinInt64}
	case vkFloat:
		if high {
			return sortKey{f: math.Inf(1)}
		}
		return sortKey{f: math.Inf(-1)}
	}
	return sortKey{missing: true}
}

// compare orders two keys for this spec (direction applied).
func (sp *sortSpec) compare(a, b sortKey) int {
	var c int
	switch sp.vk {
	case vkString:
		if a.missing || b.missing {
			if a.missing == b.missing {
				return 0
			}
			first := sp.missing != nil && sp.missing.text() == "_first"
			if a.missing == first {
				return -1
			}
			return 1
		}
		c = strings.Compare(a.s, b.s)
	case vkInt:
		c = cmpOrdered(a.i, b.i)
	default:
		c = cmpOrdered(a.f, b.f)
	}
	if sp.desc {
		return -c
	}
	return c
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendValue renders a sort value in a hit's "sort" array.
func (sp *sortSpec) appendValue(b []byte, k sortKey) []byte {
	switch sp.vk {
	case vkString:
		if k.missing {
			return append(b, "null"...)
		}
		return appendString(b, k.s)
	case vkInt:
		return strconv.AppendInt(b, k.i, 10)
	}
	return appendFloat(b, k.f)
}

// afterKey converts one search_after value for this spec.
func (sp *sortSpec) afterKey(v *jnode, ix *index) (sortKey, *esError) {
	if v.kind == jNull {
		if sp.vk == vkString {
			return sortKey{missing: true}, nil
		}
		return sp.missingKey(), nil
	}
	switch sp.vk {
	case vkString:
		return sortKey{s: v.text()}, nil
	case vkInt:
		if n, ok := v.asInt(); ok {
			return sortKey{i: n}, nil
		}
		if b, ok := v.asBool(); ok {
			if b {
				return sortKey{i: 1}, nil
			}
			return sortKey{i: 0}, nil
		}
		for _, fm := range sp.fms {
			if fm != nil && fm.typ.isDate() {
				if ms, msg := fm.format.parseMillis(v.text()); msg == "" {
					return sortKey{i: ms}, nil
				}
			}
		}
		return sortKey{}, errIllegalArgument("Failed to parse search_after value for field ["+sp.name+"].").
			withCause(newErr(0, "number_format_exception", "For input string: \""+v.text()+"\""), false)
	}
	f, ok := v.asFloat()
	if !ok {
		return sortKey{}, errIllegalArgument("Failed to parse search_after value for field [" + sp.name + "].")
	}
	return sortKey{f: f}, nil
}

func errSearchAfterLen(after, sort int) *esError {
	return newErr(http.StatusBadRequest, "illegal_argument_exception",
		"search_after has "+strconv.Itoa(after)+" value(s) but sort has "+strconv.Itoa(sort)+".")
}
