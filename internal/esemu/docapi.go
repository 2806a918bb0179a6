package esemu

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// writeIndexFor resolves (or auto-creates) the index a single-document
// write goes to.
func (e *Emulator) writeIndexFor(name string) (*index, *esError) {
	items := []bulkItem{{indexName: name, op: "index"}}
	e.resolveBulkTargets(items)
	return items[0].ix, items[0].err
}

// refreshParam reads ?refresh= (true, wait_for, false).
func (c *call) refreshParam() (string, bool) {
	refresh := c.query.Get("refresh")
	if c.query.Has("refresh") && refresh == "" {
		refresh = "true"
	}
	switch refresh {
	case "", "true", "false", "wait_for":
		return refresh, true
	}
	c.fail(errIllegalArgument("Unknown value for refresh: [" + refresh + "]."))
	return "", false
}

// versionParams reads if_seq_no, if_primary_term, version, version_type
// into a bulk item.
func (c *call) versionParams(it *bulkItem) bool {
	for _, k := range []string{"if_seq_no", "if_primary_term", "version", "version_type"} {
		if c.query.Has(k) {
			if err := it.setParam(k, []byte(c.query.Get(k)), 1); err != nil {
				c.fail(err)
				return false
			}
		}
	}
	return true
}

// handleIndexDoc is PUT/POST /{index}/_doc/{id} and POST /{index}/_doc.
func (e *Emulator) handleIndexDoc(c *call) {
	op := "index"
	if c.query.Get("op_type") == "create" {
		op = "create"
	}
	e.writeOne(c, op)
}

// handleCreateDoc is PUT /{index}/_create/{id}.
func (e *Emulator) handleCreateDoc(c *call) { e.writeOne(c, "create") }

func (e *Emulator) writeOne(c *call, op string) {
	refresh, ok := c.refreshParam()
	if !ok {
		return
	}
	raw, ok := c.body()
	if !ok {
		return
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		c.fail(newErr(http.StatusBadRequest, "parse_exception", "request body is required"))
		return
	}
	src := bytes.Clone(raw)
	it := bulkItem{op: op, indexName: c.param("index"), id: c.param("id"), ifSeqNo: -1, src: src}
	if it.id == "" {
		it.id = e.newDocID()
	}
	if !c.versionParams(&it) {
		return
	}
	c.items, c.ids = 1, []string{it.id}
	ix, err := e.writeIndexFor(it.indexName)
	if err != nil {
		c.fail(err)
		return
	}
	m := ix.mapping.Load()
	adds, perr := parseDocument(src, it.id, m)
	if perr != nil {
		c.fail(perr)
		return
	}
	if ferr := c.itemFailure(it.id); ferr != nil {
		c.fail(ferr)
		return
	}
	ix.mu.Lock()
	if verr := ix.checkVersioning(&it); verr != nil {
		ix.mu.Unlock()
		c.fail(verr)
		return
	}
	if len(adds) > 0 || ix.mapping.Load() != m {
		if verr := ix.validateLocked(src, it.id); verr != nil {
			ix.mu.Unlock()
			c.fail(verr)
			return
		}
	}
	res, werr := ix.put(it.id, src, op == "create", nil)
	if werr == nil && it.external {
		res.rec.version, res.version = it.version, it.version
	}
	e.finishWrite(ix, refresh)
	ix.mu.Unlock()
	if werr == nil {
		werr = e.translog.commit(src)
	}
	if werr != nil {
		c.fail(werr)
		return
	}
	e.replyWrite(c, ix, it.id, res, false, refresh)
}

// finishWrite refreshes or schedules after a write. Callers hold ix.mu.
func (e *Emulator) finishWrite(ix *index, refresh string) {
	if refresh == "true" {
		ix.refreshNow()
		return
	}
	ix.afterWrite(e.now(), e.refreshDefault)
}

func (e *Emulator) replyWrite(c *call, ix *index, id string, res writeResult, noop bool, refresh string) {
	if refresh == "wait_for" {
		e.waitForRefresh(c, ix)
	}
	b := []byte(`{"_index":`)
	b = appendString(b, ix.name)
	b = append(b, `,"_id":`...)
	b = appendString(b, id)
	b = appendWriteResult(b, res, ix, noop, refresh == "true")
	c.reply(res.status, append(b, '}'))
}

// handleUpdateDoc is POST /{index}/_update/{id} with a partial doc.
func (e *Emulator) handleUpdateDoc(c *call) {
	refresh, ok := c.refreshParam()
	if !ok {
		return
	}
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	if body == nil {
		c.fail(errValidation("script or doc is missing"))
		return
	}
	id := c.param("id")
	c.items, c.ids = 1, []string{id}
	ix, err := e.writeIndexFor(c.param("index"))
	if err != nil {
		c.fail(err)
		return
	}
	if ferr := c.itemFailure(id); ferr != nil {
		c.fail(ferr)
		return
	}
	ix.mu.Lock()
	res, noop, uerr := ix.updateLocked(id, body)
	if uerr == nil && !noop {
		e.finishWrite(ix, refresh)
	}
	ix.mu.Unlock()
	if uerr == nil && !noop {
		uerr = e.translog.commit([]byte(id))
	}
	if uerr != nil {
		c.fail(uerr)
		return
	}
	e.replyWrite(c, ix, id, res, noop, refresh)
}

// updateLocked applies a partial update ({"doc":…}, doc_as_upsert,
// upsert, detect_noop). Callers hold ix.mu.
func (ix *index) updateLocked(id string, n *jnode) (writeResult, bool, *esError) {
	if n.kind != jObj {
		return writeResult{}, false, errParsing("[UpdateRequest] failed to parse object")
	}
	for _, k := range n.keys {
		switch k {
		case "doc", "upsert", "doc_as_upsert", "detect_noop", "_source", "scripted_upsert":
		case "script":
			return writeResult{}, false, errIllegalArgument("esemu does not run scripts; send a partial [doc] instead")
		default:
			return writeResult{}, false, errParsing("[UpdateRequest] unknown field [" + k + "]")
		}
	}
	doc, upsert := n.get("doc"), n.get("upsert")
	docAsUpsert, _ := n.get("doc_as_upsert").asBool()
	detectNoop := true
	if v := n.get("detect_noop"); v != nil {
		detectNoop, _ = v.asBool()
	}
	if doc == nil && upsert == nil {
		return writeResult{}, false, errValidation("script or doc is missing")
	}
	if doc != nil && doc.kind != jObj {
		return writeResult{}, false, errParsing("[UpdateRequest] doc must be an object")
	}
	cur := ix.live[id]
	var src []byte
	if cur == nil {
		switch {
		case docAsUpsert && doc != nil:
			src = doc.appendJSON(nil)
		case upsert != nil:
			src = upsert.appendJSON(nil)
		default:
			return writeResult{}, false, errDocumentMissing(id, ix)
		}
	} else {
		if doc == nil {
			return writeResult{version: cur.version, seqNo: cur.seqNo, result: "noop", status: 200}, true, nil
		}
		old, serr := parseTree(cur.src)
		if serr != nil {
			return writeResult{}, false, errIllegalArgument("stored source of [" + id + "] is not valid JSON")
		}
		changed := mergeDoc(old, doc)
		if !changed && detectNoop {
			return writeResult{version: cur.version, seqNo: cur.seqNo, result: "noop", status: 200}, true, nil
		}
		src = old.appendJSON(nil)
	}
	if err := ix.validateLocked(src, id); err != nil {
		return writeResult{}, false, err
	}
	res, err := ix.put(id, src, false, nil)
	return res, false, err
}

// mergeDoc merges a partial document into dst as XContentHelper.update
// does: objects merge recursively, everything else replaces. It reports
// whether anything changed.
func mergeDoc(dst, src *jnode) bool {
	changed := false
	for i, k := range src.keys {
		v := src.vals[i]
		old := dst.get(k)
		if old != nil && old.kind == jObj && v.kind == jObj {
			if mergeDoc(old, v) {
				changed = true
			}
			continue
		}
		if old != nil && old.equal(v) {
			continue
		}
		dst.set(k, v)
		changed = true
	}
	return changed
}

// readIndex resolves the index a single-document read addresses.
func (e *Emulator) readIndex(name string) (*index, *esError) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if ix := e.indices[name]; ix != nil {
		return ix, nil
	}
	members, ok := e.aliases[name]
	if !ok {
		return nil, errIndexNotFound(name)
	}
	if len(members) == 1 {
		for n := range members {
			return e.indices[n], nil
		}
	}
	var names []string
	for n := range members {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, errIllegalArgument("alias [" + name + "] has more than one index associated with it [" + strings.Join(names, ", ") + "], can't execute a single index op")
}

// lookupDoc reads the current version (realtime) or the searchable one.
func (e *Emulator) lookupDoc(c *call) (*index, *docRec, bool) {
	ix, err := e.readIndex(c.param("index"))
	if err != nil {
		c.fail(err)
		return nil, nil, false
	}
	id := c.param("id")
	realtime, berr := c.boolParam("realtime", true)
	if berr != nil {
		c.fail(berr)
		return nil, nil, false
	}
	if realtime {
		ix.mu.Lock()
		rec := ix.live[id]
		ix.mu.Unlock()
		return ix, rec, true
	}
	snap := ix.snapshotAt(e.now(), e.refreshDefault)
	for i := len(snap.docs) - 1; i >= 0; i-- {
		if r := snap.docs[i]; r.id == id && snap.visible(r) {
			return ix, r, true
		}
	}
	return ix, nil, true
}

// handleGetDoc is GET/HEAD /{index}/_doc/{id}; it is realtime, as in ES.
func (e *Emulator) handleGetDoc(c *call) {
	ix, rec, ok := e.lookupDoc(c)
	if !ok {
		return
	}
	id := c.param("id")
	b := []byte(`{"_index":`)
	b = appendString(b, ix.name)
	b = append(b, `,"_id":`...)
	b = appendString(b, id)
	if rec == nil {
		c.reply(http.StatusNotFound, append(b, `,"found":false}`...))
		return
	}
	b = append(b, `,"_version":`...)
	b = strconv.AppendInt(b, rec.version, 10)
	b = append(b, `,"_seq_no":`...)
	b = strconv.AppendInt(b, rec.seqNo, 10)
	b = append(b, `,"_primary_term":1,"found":true`...)
	filter, ferr := sourceFilterFromParams(c)
	if ferr != nil {
		c.fail(ferr)
		return
	}
	if filter.enabled() {
		b = append(b, `,"_source":`...)
		b = filter.apply(b, rec.src)
	}
	c.reply(http.StatusOK, append(b, '}'))
}

// handleGetSource is GET /{index}/_source/{id}.
func (e *Emulator) handleGetSource(c *call) {
	ix, rec, ok := e.lookupDoc(c)
	if !ok {
		return
	}
	if rec == nil {
		c.fail(newErr(http.StatusNotFound, "resource_not_found_exception", "Document not found ["+ix.name+"]/["+c.param("id")+"]"))
		return
	}
	filter, ferr := sourceFilterFromParams(c)
	if ferr != nil {
		c.fail(ferr)
		return
	}
	c.reply(http.StatusOK, filter.apply(nil, rec.src))
}

// handleDeleteDoc is DELETE /{index}/_doc/{id}.
func (e *Emulator) handleDeleteDoc(c *call) {
	refresh, ok := c.refreshParam()
	if !ok {
		return
	}
	id := c.param("id")
	c.items, c.ids = 1, []string{id}
	e.mu.RLock()
	ix, err := e.writeIndex(c.param("index"))
	e.mu.RUnlock()
	if err == nil && ix == nil {
		err = errIndexNotFound(c.param("index"))
	}
	if err != nil {
		c.fail(err)
		return
	}
	it := bulkItem{id: id, ifSeqNo: -1}
	if !c.versionParams(&it) {
		return
	}
	if ferr := c.itemFailure(id); ferr != nil {
		c.fail(ferr)
		return
	}
	ix.mu.Lock()
	if verr := ix.checkVersioning(&it); verr != nil {
		ix.mu.Unlock()
		c.fail(verr)
		return
	}
	res := ix.remove(id)
	e.finishWrite(ix, refresh)
	ix.mu.Unlock()
	if terr := e.translog.commit([]byte(id)); terr != nil {
		c.fail(terr)
		return
	}
	e.replyWrite(c, ix, id, res, false, refresh)
}
