package esemu

import (
	"math"
	"time"
)

// rangeQ is the range query, with bounds converted to the field's type.
// Integer and date bounds are normalised to inclusive ones.
type rangeQ struct {
	slot         int
	fm           *fieldMapping
	hasLo, hasHi bool
	incLo, incHi bool
	loI, hiI     int64
	loF, hiF     float64
	loS, hiS     string
}

func (q *rangeQ) match(d *docView) bool {
	for _, v := range d.values(q.slot) {
		tv, ok := toTyped(q.fm, v)
		if !ok {
			continue
		}
		switch t := q.fm.typ; {
		case t.isInteger() || t.isDate() || t == ftBoolean:
			if (!q.hasLo || tv.i >= q.loI) && (!q.hasHi || tv.i <= q.hiI) {
				return true
			}
		case t.isFloat():
			if q.inFloat(tv.f) {
				return true
			}
		case t == ftText:
			for _, tok := range analyze(tv.s) {
				if q.inString(tok) {
					return true
				}
			}
		default:
			if q.inString(tv.s) {
				return true
			}
		}
	}
	return false
}

func (q *rangeQ) inFloat(f float64) bool {
	if q.hasLo && (f < q.loF || !q.incLo && f == q.loF) {
		return false
	}
	if q.hasHi && (f > q.hiF || !q.incHi && f == q.hiF) {
		return false
	}
	return true
}

func (q *rangeQ) inString(s string) bool {
	if q.hasLo && (s < q.loS || !q.incLo && s == q.loS) {
		return false
	}
	if q.hasHi && (s > q.hiS || !q.incHi && s == q.hiS) {
		return false
	}
	return true
}

func (c *compiler) rangeQuery(n *jnode) (query, *esError) {
	name, body, err := singleField("range", n)
	if err != nil {
		return nil, err
	}
	if body.kind != jObj {
		return nil, errParsing("[range] query malformed, no start_object after query name")
	}
	var lo, hi *jnode
	incLo, incHi := true, true
	var format *dateFormat
	var loc *time.Location
	for i, k := range body.keys {
		v := body.vals[i]
		switch k {
		case "gte":
			lo, incLo = v, true
		case "gt":
			lo, incLo = v, false
		case "lte":
			hi, incHi = v, true
		case "lt":
			hi, incHi = v, false
		case "from":
			lo = v
		case "to":
			hi = v
		case "include_lower":
			incLo, _ = v.asBool()
		case "include_upper":
			incHi, _ = v.asBool()
		case "format":
			f, ferr := compileDateFormat(v.text())
			if ferr != nil {
				return nil, errIllegalArgument(ferr.Error())
			}
			format = f
		case "time_zone":
			l, lerr := parseTimeZone(v.text())
			if lerr != nil {
				return nil, lerr
			}
			loc = l
		case "boost", "_name", "relation":
		default:
			return nil, errParsing("[range] query does not support [" + k + "]")
		}
	}
	if lo != nil && lo.kind == jNull {
		lo = nil
	}
	if hi != nil && hi.kind == jNull {
		hi = nil
	}
	fm := c.field(name)
	if fm == nil {
		return matchNone{}, nil
	}
	q := &rangeQ{slot: c.plan.slot(c.sourcePath(fm), false), fm: fm, hasLo: lo != nil, hasHi: hi != nil, incLo: incLo, incHi: incHi}
	switch t := fm.typ; {
	case t.isInteger():
		if lo != nil {
			f, ok := parseJavaDouble(lo.text())
			if !ok {
				return nil, errQueryShard(c.ix, "failed to create query: For input string: \""+lo.text()+"\"", nil)
			}
			if incLo {
				q.loI = ceilInt(f)
			} else {
				q.loI = floorInt(f) + 1
			}
		}
		if hi != nil {
			f, ok := parseJavaDouble(hi.text())
			if !ok {
				return nil, errQueryShard(c.ix, "failed to create query: For input string: \""+hi.text()+"\"", nil)
			}
			if incHi {
				q.hiI = floorInt(f)
			} else {
				q.hiI = ceilInt(f) - 1
			}
		}
	case t.isDate():
		if lo != nil {
			ms, derr := c.dateBound(fm, lo.text(), format, loc, !incLo)
			if derr != nil {
				return nil, derr
			}
			q.loI = ms
			if !incLo {
				q.loI++
			}
		}
		if hi != nil {
			ms, derr := c.dateBound(fm, hi.text(), format, loc, incHi)
			if derr != nil {
				return nil, derr
			}
			q.hiI = ms
			if !incHi {
				q.hiI--
			}
		}
	case t.isFloat():
		if lo != nil {
			f, ok := parseJavaDouble(lo.text())
			if !ok {
				return nil, errQueryShard(c.ix, "failed to create query: For input string: \""+lo.text()+"\"", nil)
			}
			q.loF = roundFloat(fm, f)
		}
		if hi != nil {
			f, ok := parseJavaDouble(hi.text())
			if !ok {
				return nil, errQueryShard(c.ix, "failed to create query: For input string: \""+hi.text()+"\"", nil)
			}
			q.hiF = roundFloat(fm, f)
		}
	case t == ftBoolean:
		for _, b := range []struct {
			n   *jnode
			dst *int64
		}{{lo, &q.loI}, {hi, &q.hiI}} {
			if b.n == nil {
				continue
			}
			v, ok := b.n.asBool()
			if !ok {
				return nil, errQueryShard(c.ix, "failed to create query: Can't parse boolean value ["+b.n.text()+"], expected [true] or [false]", nil)
			}
			if v {
				*b.dst = 1
			}
		}
		if lo != nil && !incLo {
			q.loI++
		}
		if hi != nil && !incHi {
			q.hiI--
		}
	default:
		if lo != nil {
			q.loS = lo.text()
		}
		if hi != nil {
			q.hiS = hi.text()
		}
	}
	return q, nil
}

func ceilInt(f float64) int64 {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	if f <= math.MinInt64 {
		return math.MinInt64
	}
	return int64(math.Ceil(f))
}

func floorInt(f float64) int64 {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	if f <= math.MinInt64 {
		return math.MinInt64
	}
	return int64(math.Floor(f))
}
