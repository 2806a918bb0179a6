package esemu

import (
	"fmt"
	"strings"
	"sync"
)

// searchCache keeps the last few full, sorted match lists so that paging
// through the same snapshot (a PIT with search_after, or from/size between
// refreshes) does not rescan and resort every document per page. Keys name
// the snapshots and mappings, so a refresh or mapping change misses.
type searchCache struct {
	mu      sync.Mutex
	entries []cacheEntry
}

type cacheEntry struct {
	key string
	res *searchResult
}

const cacheEntries = 4

func (sc *searchCache) init() { sc.entries = nil }

func (sc *searchCache) get(key string) *searchResult {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for i, e := range sc.entries {
		if e.key == key {
			copy(sc.entries[1:i+1], sc.entries[:i])
			sc.entries[0] = e
			return e.res
		}
	}
	return nil
}

func (sc *searchCache) put(key string, res *searchResult) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.entries = append([]cacheEntry{{key, res}}, sc.entries...)
	if len(sc.entries) > cacheEntries {
		sc.entries = sc.entries[:cacheEntries]
	}
}

func (sc *searchCache) invalidate() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.entries = nil
}

// cacheKey identifies a search by its snapshots, mappings, filters, query
// and sort.
func cacheKey(targets []searchTarget, qn, post *jnode, specs []*sortSpec) string {
	var sb strings.Builder
	for _, t := range targets {
		fmt.Fprintf(&sb, "%s/%p/%p/%d|", t.ix.uuid, t.snap, t.m, len(t.snap.docs))
		for _, f := range t.filters {
			sb.Write(f.appendJSON(nil))
		}
	}
	if qn != nil {
		sb.Write(qn.appendJSON(nil))
	}
	sb.WriteString("|")
	if post != nil {
		sb.Write(post.appendJSON(nil))
	}
	for _, sp := range specs {
		fmt.Fprintf(&sb, "|%s/%d/%v/%s/%s", sp.name, sp.kind, sp.desc, sp.mode, sp.unmappedType)
		if sp.missing != nil {
			sb.Write(sp.missing.appendJSON(nil))
		}
	}
	return sb.String()
}
