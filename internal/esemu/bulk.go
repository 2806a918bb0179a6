package esemu

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bulkItem is one action of a _bulk request.
type bulkItem struct {
	op        string // index, create, update, delete
	indexName string
	idStart   int // offsets into the request's id buffer; -1 = none
	idEnd     int
	id        string
	src       []byte
	line      int

	ifSeqNo       int64
	ifPrimaryTerm int64
	version       int64
	external      bool
	requireAlias  bool

	ix       *index
	m        *mapping
	needLock bool
	err      *esError
	res      writeResult
	noop     bool
	update   *jnode
}

// handleBulk is POST /_bulk and POST /{index}/_bulk. Items are validated
// against the mapping without locks, then applied in request order under
// the index lock; the response has exactly one item per action, in order.
func (e *Emulator) handleBulk(c *call) {
	body, release, ok := c.bodyPooled()
	defer release()
	if !ok {
		return
	}
	if len(body) == 0 {
		c.fail(errValidation("no requests added"))
		return
	}
	if body[len(body)-1] != '\n' {
		c.fail(errIllegalArgument("The bulk request must be terminated by a newline [\\n]"))
		return
	}
	refresh := c.query.Get("refresh")
	if c.query.Has("refresh") && refresh == "" {
		refresh = "true"
	}
	switch refresh {
	case "", "true", "false", "wait_for":
	default:
		c.fail(errIllegalArgument("Unknown value for refresh: [" + refresh + "]."))
		return
	}
	defRequireAlias, berr := c.boolParam("require_alias", false)
	if berr != nil {
		c.fail(berr)
		return
	}
	items, idBuf, perr := parseBulkBody(body, c.param("index"), defRequireAlias)
	if perr != nil {
		c.fail(perr)
		return
	}
	// Ids share one allocation per request; missing ids are generated.
	ids := string(idBuf)
	c.items = len(items)
	c.ids = make([]string, len(items))
	for i := range items {
		it := &items[i]
		if it.idStart >= 0 {
			it.id = ids[it.idStart:it.idEnd]
		} else {
			it.id = e.newDocID()
		}
		c.ids[i] = it.id
	}
	var missing []string
	for i := range items {
		it := &items[i]
		if it.indexName == "" {
			missing = append(missing, "index is missing")
		}
		if it.op != "delete" && it.src == nil {
			missing = append(missing, "source is missing")
		}
	}
	if len(missing) > 0 {
		c.fail(errValidation(missing...))
		return
	}
	e.resolveBulkTargets(items)
	// Phase A: validate sources against the published mappings.
	for i := range items {
		it := &items[i]
		if it.err != nil || it.ix == nil {
			continue
		}
		switch it.op {
		case "index", "create":
			it.m = it.ix.mapping.Load()
			adds, err := parseDocument(it.src, it.id, it.m)
			if err != nil {
				it.err = err
				continue
			}
			it.needLock = len(adds) > 0
		case "update":
			n, serr := parseTree(it.src)
			if serr != nil {
				it.err = newErr(http.StatusBadRequest, "x_content_parse_exception", locPrefix(it.src, serr.off)+serr.msg)
				continue
			}
			it.update = n
		}
	}
	// Phase B: apply in order under each index's lock.
	touched := e.applyBulk(c, items, refresh == "true")
	if refresh == "wait_for" {
		for _, ix := range touched {
			e.waitForRefresh(c, ix)
		}
	}
	out, releaseOut := e.renderBulk(c, items, refresh == "true")
	c.reply(http.StatusOK, out)
	c.onWritten(releaseOut)
}

// peekBulk records the items and ids of a _bulk request that a fault
// answers without handling it, so the request log still shows what the
// client sent. Items without an id are logged with an empty id.
func (c *call) peekBulk() {
	if !strings.HasSuffix(c.r.URL.Path, "/_bulk") || c.r.Body == nil {
		return
	}
	body, release, ok := c.bodyPooled()
	defer release()
	if !ok {
		return
	}
	items, idBuf, err := parseBulkBody(body, c.param("index"), false)
	if err != nil {
		return
	}
	ids := string(idBuf)
	c.items = len(items)
	c.ids = make([]string, len(items))
	for i, it := range items {
		if it.idStart >= 0 {
			c.ids[i] = ids[it.idStart:it.idEnd]
		}
	}
	c.status = 0
	c.out = nil
}

// resolveBulkTargets finds (or auto-creates) each item's concrete index.
func (e *Emulator) resolveBulkTargets(items []bulkItem) {
	type resolved struct {
		ix  *index
		err *esError
	}
	cache := map[string]resolved{}
	var create []string
	e.mu.RLock()
	last := ""
	for i := range items {
		it := &items[i]
		if i > 0 && it.indexName == last {
			continue
		}
		last = it.indexName
		r, ok := cache[it.indexName]
		if !ok {
			ix, err := e.writeIndex(it.indexName)
			r = resolved{ix, err}
			cache[it.indexName] = r
			if ix == nil && err == nil {
				if it.op == "delete" {
					// ES does not auto-create an index for a delete.
					delete(cache, it.indexName)
					last = ""
					continue
				}
				create = append(create, it.indexName)
			}
		}
	}
	e.mu.RUnlock()
	if len(create) > 0 {
		e.mu.Lock()
		for _, name := range create {
			if ix, err := e.writeIndex(name); ix != nil || err != nil {
				cache[name] = resolved{ix, err}
				continue
			}
			if err := e.validateIndexName(name); err != nil {
				cache[name] = resolved{nil, err}
				continue
			}
			ix, err := e.createIndexLocked(name, nil, nil)
			cache[name] = resolved{ix, err}
		}
		e.mu.Unlock()
	}
	var r resolved
	last = ""
	for i := range items {
		it := &items[i]
		if i == 0 || it.indexName != last {
			var found bool
			r, found = cache[it.indexName]
			last = it.indexName
			if !found {
				r = resolved{nil, errIndexNotFound(it.indexName)}
			}
		}
		switch {
		case r.err != nil:
			it.err = r.err
		case it.requireAlias && !e.isAlias(it.indexName):
			it.err = newErr(http.StatusNotFound, "index_not_found_exception",
				"["+it.indexName+"] is not an alias",
				metaField{"index_uuid", "_na_"}, metaField{"index", it.indexName})
		default:
			it.ix = r.ix
		}
	}
}

func (e *Emulator) isAlias(name string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.aliases[name]
	return ok
}

// applyBulk runs phase B. It returns the indexes written to.
func (e *Emulator) applyBulk(c *call, items []bulkItem, refreshNow bool) []*index {
	// Sources of new documents share one allocation per request.
	total := 0
	for i := range items {
		if it := &items[i]; it.err == nil && it.ix != nil && (it.op == "index" || it.op == "create") {
			total += len(it.src)
		}
	}
	slab := make([]byte, 0, total)
	// Records of new documents share one allocation per request too.
	nrec := 0
	for i := range items {
		if it := &items[i]; it.err == nil && it.ix != nil && (it.op == "index" || it.op == "create") {
			nrec++
		}
	}
	recs := make([]docRec, nrec)
	var locked *index
	var touched []*index
	now := e.now()
	unlock := func() {
		if locked == nil {
			return
		}
		if refreshNow {
			locked.refreshNow()
		} else {
			locked.afterWrite(now, e.refreshDefault)
		}
		locked.mu.Unlock()
		locked = nil
	}
	for i := range items {
		it := &items[i]
		if it.err != nil || it.ix == nil {
			continue
		}
		if ferr := c.itemFailure(it.id); ferr != nil {
			it.err = ferr
			continue
		}
		if locked != it.ix {
			unlock()
			locked = it.ix
			locked.mu.Lock()
			if !containsIndex(touched, locked) {
				touched = append(touched, locked)
			}
		}
		ix := it.ix
		if err := ix.checkVersioning(it); err != nil {
			it.err = err
			continue
		}
		switch it.op {
		case "index", "create":
			if it.needLock || ix.mapping.Load() != it.m {
				if err := ix.validateLocked(it.src, it.id); err != nil {
					it.err = err
					continue
				}
			}
			start := len(slab)
			if cap(slab)-len(slab) >= len(it.src) {
				slab = append(slab, it.src...)
			} else {
				slab = append([]byte(nil), it.src...)
				start = 0
			}
			src := slab[start:len(slab):len(slab)]
			var rec *docRec
			if len(recs) > 0 {
				rec, recs = &recs[0], recs[1:]
			}
			res, err := ix.put(it.id, src, it.op == "create", rec)
			if err != nil {
				it.err = err
				continue
			}
			if it.external {
				res.rec.version = it.version
				res.version = it.version
			}
			it.res = res
		case "update":
			res, noop, err := ix.updateLocked(it.id, it.update)
			if err != nil {
				it.err = err
				continue
			}
			it.res, it.noop = res, noop
		case "delete":
			it.res = ix.remove(it.id)
		}
	}
	unlock()
	return touched
}

func containsIndex(list []*index, ix *index) bool {
	for _, x := range list {
		if x == ix {
			return true
		}
	}
	return false
}

// checkVersioning applies if_seq_no/if_primary_term and external versions.
// Callers hold ix.mu.
func (ix *index) checkVersioning(it *bulkItem) *esError {
	cur := ix.live[it.id]
	if it.ifSeqNo >= 0 {
		curSeq, curTerm := int64(-2), int64(0)
		if cur != nil {
			curSeq, curTerm = cur.seqNo, 1
		}
		if cur == nil || curSeq != it.ifSeqNo || it.ifPrimaryTerm != curTerm {
			reason := "[" + it.id + "]: version conflict, required seqNo [" + strconv.FormatInt(it.ifSeqNo, 10) +
				"], primary term [" + strconv.FormatInt(it.ifPrimaryTerm, 10) + "]. "
			if cur == nil {
				reason += "but no document was found"
			} else {
				reason += "current document has seqNo [" + strconv.FormatInt(curSeq, 10) + "] and primary term [1]"
			}
			return newErr(http.StatusConflict, "version_conflict_engine_exception", reason,
				metaField{"index_uuid", ix.uuid}, metaField{"shard", "0"}, metaField{"index", ix.name})
		}
	}
	if it.external && cur != nil && cur.version >= it.version {
		return newErr(http.StatusConflict, "version_conflict_engine_exception",
			"["+it.id+"]: version conflict, current version ["+strconv.FormatInt(cur.version, 10)+
				"] is higher or equal to the one provided ["+strconv.FormatInt(it.version, 10)+"]",
			metaField{"index_uuid", ix.uuid}, metaField{"shard", "0"}, metaField{"index", ix.name})
	}
	return nil
}

// validateLocked re-validates a document against the current mapping and
// publishes any dynamic additions. Callers hold ix.mu.
func (ix *index) validateLocked(src []byte, id string) *esError {
	m := ix.mapping.Load()
	adds, err := parseDocument(src, id, m)
	if err != nil {
		return err
	}
	if len(adds) > 0 {
		nm := m.clone()
		for _, a := range adds {
			parent := nm.root
			if a.parentPath != "" {
				parent = nm.byPath[a.parentPath]
			}
			parent.props[a.node.name] = cloneField(a.node)
		}
		nm.index()
		ix.mapping.Store(nm)
	}
	return nil
}

// waitForRefresh implements refresh=wait_for: wait for the next scheduled
// refresh; with no schedule (or a test clock) force one.
func (e *Emulator) waitForRefresh(c *call, ix *index) {
	ix.mu.Lock()
	target := ix.nextSeq - 1
	iv := ix.interval(e.refreshDefault)
	if ix.search.maxSeq >= target {
		ix.mu.Unlock()
		return
	}
	if iv <= 0 || !e.realClock {
		ix.refreshNow()
		ix.mu.Unlock()
		return
	}
	now := e.now()
	next := ix.phase.Add((now.Sub(ix.phase)/iv + 1) * iv)
	ix.mu.Unlock()
	t := time.NewTimer(time.Until(next) + time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.r.Context().Done():
	}
	ix.mu.Lock()
	ix.applyTicks(e.now(), e.refreshDefault)
	if ix.search.maxSeq < target {
		ix.refreshNow()
	}
	ix.mu.Unlock()
}

// renderBulk writes the response into a pooled buffer.
func (e *Emulator) renderBulk(c *call, items []bulkItem, forced bool) ([]byte, func()) {
	var buf *bytes.Buffer
	if v, ok := e.bufs.Get().(*bytes.Buffer); ok {
		buf = v
		buf.Reset()
	} else {
		buf = new(bytes.Buffer)
	}
	b := buf.Bytes()[:0]
	if cap(b) < len(items)*200+64 {
		b = make([]byte, 0, len(items)*200+64)
	}
	hasErrors := false
	for i := range items {
		if it := &items[i]; it.err != nil || it.res.status >= 300 {
			hasErrors = true
			break
		}
	}
	b = append(b, `{"errors":`...)
	b = strconv.AppendBool(b, hasErrors)
	b = append(b, `,"took":`...)
	b = strconv.AppendInt(b, c.took(), 10)
	b = append(b, `,"items":[`...)
	for i := range items {
		it := &items[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"`...)
		b = append(b, it.op...)
		b = append(b, `":{"_index":`...)
		if it.ix != nil {
			b = appendString(b, it.ix.name)
		} else {
			b = appendString(b, it.indexName)
		}
		b = append(b, `,"_id":`...)
		b = appendString(b, it.id)
		if it.err != nil {
			b = append(b, `,"status":`...)
			b = strconv.AppendInt(b, int64(it.err.status), 10)
			b = append(b, `,"error":`...)
			b = it.err.appendObject(b)
			b = append(b, "}}"...)
			continue
		}
		b = appendWriteResult(b, it.res, it.ix, it.noop, forced)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(it.res.status), 10)
		b = append(b, "}}"...)
	}
	b = append(b, "]}"...)
	buf = bytes.NewBuffer(b)
	return b, func() {
		if buf.Cap() <= 64<<20 {
			e.bufs.Put(buf)
		}
	}
}

// appendWriteResult writes the members shared by write responses:
// _version, result, _shards, _seq_no, _primary_term (after _index, _id).
func appendWriteResult(b []byte, r writeResult, ix *index, noop, forced bool) []byte {
	b = append(b, `,"_version":`...)
	b = strconv.AppendInt(b, r.version, 10)
	b = append(b, `,"result":"`...)
	b = append(b, r.result...)
	b = append(b, '"')
	if forced && !noop {
		b = append(b, `,"forced_refresh":true`...)
	}
	total := 1
	if ix != nil {
		total += int(ix.replicas.Load())
	}
	if noop {
		total = 0
	}
	b = append(b, `,"_shards":{"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"successful":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"failed":0},"_seq_no":`...)
	b = strconv.AppendInt(b, r.seqNo, 10)
	return append(b, `,"_primary_term":1`...)
}
