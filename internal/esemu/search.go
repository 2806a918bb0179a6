package esemu

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// searchReq is a parsed _search request.
type searchReq struct {
	query, postFilter *jnode
	size, from        int
	sortNode          *jnode
	searchAfter       *jnode
	source            sourceFilter
	// trackTotal: -1 disabled, math.MaxInt exact, else the threshold.
	trackTotal   int
	pitID        string
	pitKeepAlive time.Duration
	version      bool
	seqNo        bool
	trackScores  bool
	totalAsInt   bool
}

// searchTarget is one index searched, at a fixed snapshot.
type searchTarget struct {
	ix      *index
	snap    *snapshot
	filters []*jnode
	m       *mapping
}

// hit is one matching document; its sort keys live in searchResult.keys.
type hit struct {
	rec *docRec
	tgt int32
	pos int32
	k   int32
}

// searchResult is the full sorted match list of a search (cacheable).
type searchResult struct {
	count int
	hits  []hit
	keys  []sortKey
	specs []*sortSpec
}

var unsupportedSearchKeys = map[string]bool{
	"aggs": true, "aggregations": true, "highlight": true, "suggest": true, "collapse": true,
	"rescore": true, "script_fields": true, "docvalue_fields": true, "fields": true,
	"stored_fields": true, "knn": true, "runtime_mappings": true, "indices_boost": true,
	"min_score": true, "slice": true, "ext": true, "retriever": true, "rank": true,
}

func parseTrackTotal(n *jnode) (int, *esError) {
	if b, ok := n.asBool(); ok {
		if b {
			return math.MaxInt, nil
		}
		return -1, nil
	}
	if v, ok := n.asInt(); ok {
		if v < -1 {
			return 0, errValidation("[track_total_hits] parameter must be positive or equals to -1, got " + strconv.FormatInt(v, 10))
		}
		return int(v), nil
	}
	return 0, errIllegalArgument("Failed to parse value [" + n.text() + "] as only [true] or [false] are allowed.")
}

// parseSearchRequest reads the body and the URL parameters (which win).
func parseSearchRequest(c *call, body *jnode) (*searchReq, *esError) {
	req := &searchReq{size: 10, trackTotal: 10000}
	if body != nil {
		if body.kind != jObj {
			return nil, errParsing("Expected [START_OBJECT] but found [" + kindName(body) + "]")
		}
		for i, k := range body.keys {
			v := body.vals[i]
			switch k {
			case "query":
				req.query = v
			case "post_filter":
				req.postFilter = v
			case "size":
				n, ok := v.asInt()
				if !ok {
					return nil, errParsing("[size] failed to parse field [size]")
				}
				req.size = int(n)
			case "from":
				n, ok := v.asInt()
				if !ok {
					return nil, errParsing("[from] failed to parse field [from]")
				}
				req.from = int(n)
			case "sort":
				req.sortNode = v
			case "search_after":
				if v.kind != jArr {
					return nil, errParsing("[search_after] must be an array")
				}
				req.searchAfter = v
			case "_source":
				f, err := parseSourceFilter(v)
				if err != nil {
					return nil, err
				}
				req.source = f
			case "track_total_hits":
				t, err := parseTrackTotal(v)
				if err != nil {
					return nil, err
				}
				req.trackTotal = t
			case "pit":
				id := v.get("id")
				if id == nil {
					return nil, errParsing("[point_in_time] required [id] is missing")
				}
				req.pitID = id.text()
				if ka := v.get("keep_alive"); ka != nil {
					d, err := parseTimeValue("keep_alive", ka.text())
					if err != nil {
						return nil, err
					}
					req.pitKeepAlive = d
				}
			case "version":
				req.version, _ = v.asBool()
			case "seq_no_primary_term":
				req.seqNo, _ = v.asBool()
			case "track_scores":
				req.trackScores, _ = v.asBool()
			case "timeout", "terminate_after", "explain", "profile", "stats", "_name":
			default:
				if unsupportedSearchKeys[k] {
					return nil, errIllegalArgument("esemu does not implement [" + k + "] in search requests")
				}
				return nil, errParsing("Unknown key for a " + startToken(v) + " in [" + k + "].")
			}
		}
	}
	q := c.query
	if q.Has("q") {
		return nil, errIllegalArgument("esemu does not implement the [q] query-string parameter; send a query body")
	}
	if q.Has("scroll") {
		return nil, errIllegalArgument("esemu does not implement scroll; use a point in time with search_after")
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"size", &req.size}, {"from", &req.from}} {
		if q.Has(p.name) {
			n, err := strconv.Atoi(q.Get(p.name))
			if err != nil {
				return nil, errIllegalArgument("Failed to parse int parameter [" + p.name + "] with value [" + q.Get(p.name) + "]")
			}
			*p.dst = n
		}
	}
	if q.Has("sort") {
		req.sortNode = parseSortParam(q.Get("sort"))
	}
	if q.Has("_source") || q.Has("_source_includes") || q.Has("_source_excludes") {
		f, _ := sourceFilterFromParams(c)
		req.source = f
	}
	if q.Has("track_total_hits") {
		t, err := parseTrackTotal(strNode(q.Get("track_total_hits")))
		if err != nil {
			return nil, err
		}
		req.trackTotal = t
	}
	req.totalAsInt, _ = c.boolParam("rest_total_hits_as_int", false)
	if v, _ := c.boolParam("version", false); v {
		req.version = true
	}
	if v, _ := c.boolParam("seq_no_primary_term", false); v {
		req.seqNo = true
	}
	return req, nil
}

func startToken(n *jnode) string {
	switch n.kind {
	case jObj:
		return "START_OBJECT"
	case jArr:
		return "START_ARRAY"
	}
	return "VALUE_" + map[jkind]string{jStr: "STRING", jNum: "NUMBER", jBool: "BOOLEAN", jNull: "NULL"}[n.kind]
}

// handleSearch is GET/POST /_search and /{index}/_search.
func (e *Emulator) handleSearch(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	req, err := parseSearchRequest(c, body)
	if err != nil {
		c.fail(err)
		return
	}
	specs, err := e.validateSearch(c, req)
	if err != nil {
		c.fail(err)
		return
	}
	var targets []searchTarget
	var p *pit
	if req.pitID != "" {
		p, err = e.pits.use(req.pitID, req.pitKeepAlive, e.now())
		if err != nil {
			c.fail(err)
			return
		}
		targets = p.targets
		if len(specs) > 0 && specs[len(specs)-1].kind != sortShardDoc {
			specs = append(specs, &sortSpec{name: "_shard_doc", kind: sortShardDoc, vk: vkInt})
		}
	} else {
		targets, ok = e.searchTargets(c)
		if !ok {
			return
		}
	}
	for _, t := range targets {
		if req.from+req.size > t.ix.maxResultWindow() {
			c.fail(errShardFailure(t.ix.name, errIllegalArgument("Result window is too large, from + size must be less than or equal to: ["+strconv.Itoa(t.ix.maxResultWindow())+"] but was ["+strconv.Itoa(req.from+req.size)+"]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.")))
			return
		}
	}
	res, serr := e.execute(targets, req.query, req.postFilter, specs, false)
	if serr != nil {
		c.fail(serr)
		return
	}
	out, rerr := e.renderSearch(c, req, targets, res, p)
	if rerr != nil {
		c.fail(rerr)
		return
	}
	c.reply(http.StatusOK, out)
}

// validateSearch applies SearchRequest.validate and parses the sort.
func (e *Emulator) validateSearch(c *call, req *searchReq) ([]*sortSpec, *esError) {
	var specs []*sortSpec
	if req.sortNode != nil {
		var err *esError
		if specs, err = parseSort(req.sortNode); err != nil {
			return nil, err
		}
	}
	var msgs []string
	if req.pitID != "" && c.param("index") != "" {
		msgs = append(msgs, "[indices] cannot be used with point in time. Do not specify any index with point in time.")
	}
	if req.pitID == "" {
		for _, sp := range specs {
			if sp.kind == sortShardDoc {
				msgs = append(msgs, "[_shard_doc] sort field cannot be used without [point in time]")
			}
		}
	}
	if req.searchAfter != nil && req.from > 0 {
		msgs = append(msgs, "[from] parameter must be set to 0 when [search_after] is used")
	}
	if req.size < 0 {
		msgs = append(msgs, "[size] parameter cannot be negative, found ["+strconv.Itoa(req.size)+"]")
	}
	if req.from < 0 {
		msgs = append(msgs, "[from] parameter cannot be negative, found ["+strconv.Itoa(req.from)+"]")
	}
	if len(msgs) > 0 {
		return nil, errValidation(msgs...)
	}
	return specs, nil
}

// searchTargets resolves the request's index expression and takes each
// index's current searchable snapshot.
func (e *Emulator) searchTargets(c *call) ([]searchTarget, bool) {
	o, err := c.resolveOpts(resolveOpts{allowNoIndices: true})
	if err != nil {
		c.fail(err)
		return nil, false
	}
	e.mu.RLock()
	ts, err := e.resolveTargets(c.param("index"), o)
	e.mu.RUnlock()
	if err != nil {
		c.fail(err)
		return nil, false
	}
	now := e.now()
	out := make([]searchTarget, len(ts))
	for i, t := range ts {
		out[i] = searchTarget{ix: t.ix, snap: t.ix.snapshotAt(now, e.refreshDefault), filters: t.filters, m: t.ix.mapping.Load()}
	}
	return out, true
}
