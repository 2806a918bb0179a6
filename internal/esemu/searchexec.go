package esemu

import (
	"net/http"
	"slices"
	"strconv"
)

func (ix *index) maxResultWindow() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.settings.maxResultWindow
}

// execute finds every matching document of the targets, sorted. countOnly
// skips sort keys and ordering.
func (e *Emulator) execute(targets []searchTarget, qn, postFilter *jnode, specs []*sortSpec, countOnly bool) (*searchResult, *esError) {
	key := ""
	if !countOnly {
		key = cacheKey(targets, qn, postFilter, specs)
		if r := e.cache.get(key); r != nil {
			return r, nil
		}
	}
	res := &searchResult{specs: specs}
	nspec := len(specs)
	if countOnly {
		nspec = 0
	}
	var d docView
	for t, tg := range targets {
		comp := &compiler{m: tg.m, e: e, ix: tg.ix, plan: newPlan()}
		q, err := comp.compile(qn)
		if err != nil {
			return nil, errShardFailure(tg.ix.name, err)
		}
		var filter query
		if len(tg.filters) > 0 {
			or := &boolQ{msm: 1}
			for _, f := range tg.filters {
				fq, ferr := comp.compile(f)
				if ferr != nil {
					return nil, errShardFailure(tg.ix.name, ferr)
				}
				or.should = append(or.should, fq)
			}
			filter = or
		}
		var post query
		if postFilter != nil {
			if post, err = comp.compile(postFilter); err != nil {
				return nil, errShardFailure(tg.ix.name, err)
			}
		}
		if !countOnly {
			for _, sp := range specs {
				if err := sp.bindSort(comp, tg.ix, t == 0); err != nil {
					return nil, errShardFailure(tg.ix.name, err)
				}
			}
		}
		for pos, r := range tg.snap.docs {
			if !tg.snap.visible(r) {
				continue
			}
			d.reset(r.src, r.id, tg.ix.name, comp.plan)
			if !q.match(&d) || filter != nil && !filter.match(&d) || post != nil && !post.match(&d) {
				continue
			}
			res.count++
			if countOnly {
				continue
			}
			h := hit{rec: r, tgt: int32(t), pos: int32(pos), k: int32(len(res.keys))}
			for _, sp := range specs[:nspec] {
				res.keys = append(res.keys, sp.key(&d, t, pos, tg.ix.name))
			}
			res.hits = append(res.hits, h)
		}
	}
	if nspec > 0 {
		slices.SortFunc(res.hits, func(a, b hit) int {
			for i, sp := range specs {
				if c := sp.compare(res.keys[int(a.k)+i], res.keys[int(b.k)+i]); c != 0 {
					return c
				}
			}
			if a.tgt != b.tgt {
				return cmpOrdered(int64(a.tgt), int64(b.tgt))
			}
			return cmpOrdered(int64(a.pos), int64(b.pos))
		})
	}
	if !countOnly && len(res.hits) > 512 {
		e.cache.put(key, res)
	}
	return res, nil
}

// renderSearch writes the search response for one page of res.
func (e *Emulator) renderSearch(c *call, req *searchReq, targets []searchTarget, res *searchResult, p *pit) ([]byte, *esError) {
	specs := res.specs
	start := 0
	if req.searchAfter != nil {
		if len(specs) == 0 {
			return nil, errShardFailure(targetName(targets), errIllegalArgument("Sort must contain at least one field."))
		}
		if len(req.searchAfter.vals) != len(specs) {
			return nil, errShardFailure(targetName(targets), errSearchAfterLen(len(req.searchAfter.vals), len(specs)))
		}
		after := make([]sortKey, len(specs))
		for i, sp := range specs {
			k, err := sp.afterKey(req.searchAfter.vals[i], nil)
			if err != nil {
				return nil, errShardFailure(targetName(targets), err)
			}
			after[i] = k
		}
		start, _ = slices.BinarySearchFunc(res.hits, after, func(h hit, a []sortKey) int {
			for i, sp := range specs {
				if c := sp.compare(res.keys[int(h.k)+i], a[i]); c != 0 {
					return c
				}
			}
			return -1 // equal keys come before the cursor: strictly after
		})
	}
	start += req.from
	end := min(start+req.size, len(res.hits))
	start = min(start, len(res.hits))
	total := len(res.hits)
	b := make([]byte, 0, 256+(end-start)*700)
	b = append(b, '{')
	if p != nil {
		b = append(b, `"pit_id":`...)
		b = appendString(b, p.id)
		b = append(b, ',')
	}
	b = append(b, `"took":`...)
	b = strconv.AppendInt(b, c.took(), 10)
	b = append(b, `,"timed_out":false,`...)
	b = appendShards(b, len(targets))
	b = append(b, `,"hits":{`...)
	switch {
	case req.totalAsInt:
		b = append(b, `"total":`...)
		if req.trackTotal < 0 {
			b = append(b, "-1"...)
		} else {
			b = strconv.AppendInt(b, int64(min(total, req.trackTotal)), 10)
		}
		b = append(b, ',')
	case req.trackTotal >= 0:
		rel, v := "eq", total
		if total > req.trackTotal {
			rel, v = "gte", req.trackTotal
		}
		b = append(b, `"total":{"value":`...)
		b = strconv.AppendInt(b, int64(v), 10)
		b = append(b, `,"relation":"`...)
		b = append(b, rel...)
		b = append(b, `"},`...)
	}
	scored := len(specs) == 0 || req.trackScores
	b = append(b, `"max_score":`...)
	if scored && total > 0 && req.size > 0 {
		b = append(b, "1.0"...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"hits":[`...)
	for i := start; i < end; i++ {
		h := res.hits[i]
		if i > start {
			b = append(b, ',')
		}
		b = append(b, `{"_index":`...)
		b = appendString(b, targets[h.tgt].ix.name)
		b = append(b, `,"_id":`...)
		b = appendString(b, h.rec.id)
		if req.version {
			b = append(b, `,"_version":`...)
			b = strconv.AppendInt(b, h.rec.version, 10)
		}
		if req.seqNo {
			b = append(b, `,"_seq_no":`...)
			b = strconv.AppendInt(b, h.rec.seqNo, 10)
			b = append(b, `,"_primary_term":1`...)
		}
		b = append(b, `,"_score":`...)
		if scored {
			b = append(b, "1.0"...)
		} else {
			b = append(b, "null"...)
		}
		if req.source.enabled() {
			b = append(b, `,"_source":`...)
			b = req.source.apply(b, h.rec.src)
		}
		if len(specs) > 0 {
			b = append(b, `,"sort":[`...)
			for j, sp := range specs {
				if j > 0 {
					b = append(b, ',')
				}
				b = sp.appendValue(b, res.keys[int(h.k)+j])
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, "]}}"...)
	return b, nil
}

func targetName(ts []searchTarget) string {
	if len(ts) == 0 {
		return ""
	}
	return ts[0].ix.name
}

// handleCount is GET/POST /_count and /{index}/_count; the body may be
// empty.
func (e *Emulator) handleCount(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	var qn *jnode
	if body != nil {
		for i, k := range body.keys {
			switch k {
			case "query":
				qn = body.vals[i]
			default:
				c.fail(errParsing("request does not support [" + k + "]"))
				return
			}
		}
	}
	if c.query.Has("q") {
		c.fail(errIllegalArgument("esemu does not implement the [q] query-string parameter; send a query body"))
		return
	}
	targets, ok := e.searchTargets(c)
	if !ok {
		return
	}
	res, err := e.execute(targets, qn, nil, nil, true)
	if err != nil {
		c.fail(err)
		return
	}
	b := []byte(`{"count":`)
	b = strconv.AppendInt(b, int64(res.count), 10)
	b = append(b, ',')
	b = appendShards(b, len(targets))
	c.reply(http.StatusOK, append(b, '}'))
}
