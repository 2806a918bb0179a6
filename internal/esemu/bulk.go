package esemu

import (
	"net/http"
	"strconv"
	"strings"
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
		if it.idStart >= 0 && it.id == "" {
			missing = append(missing, "if _id is specified it must not be empty")
		}
		if len(it.id) > 512 {
			missing = append(missing, "id ["+it.id+"] is too long, must be no longer than 512 bytes but was: "+strconv.Itoa(len(it.id)))
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
	if terr := e.translog.commit(body); terr != nil {
		c.fail(terr)
		return
	}
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
