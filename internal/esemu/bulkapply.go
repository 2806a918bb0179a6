package esemu

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

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
	unlock := func() {
		if locked == nil {
			return
		}
		if refreshNow {
			locked.refreshNow()
		} else {
			locked.afterWrite(e.now(), e.refreshDefault)
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
