package esemu

import (
	"sync"
	"sync/atomic"
	"time"
)

// docRec is one version of a document. Records are immutable except for
// killedAt, which is set once when a later operation supersedes or deletes
// the version; searchers decide visibility from it and their snapshot's
// sequence number, so a refresh never copies documents.
type docRec struct {
	id      string
	src     []byte
	version int64
	seqNo   int64
	// killedAt is the superseding operation's seq_no + 1; 0 while current.
	killedAt atomic.Int64
}

// snapshot is what a refresh publishes (and a PIT keeps): the prefix of the
// index's append-only record log plus the last sequence number it covers.
type snapshot struct {
	docs   []*docRec
	maxSeq int64
}

// visible reports whether r is the current version of its document as of
// the snapshot.
func (s *snapshot) visible(r *docRec) bool {
	k := r.killedAt.Load()
	return k == 0 || k-1 > s.maxSeq
}

// refreshMark remembers the state after a write so that the scheduled
// refresh that follows it can publish exactly that state.
type refreshMark struct {
	seq  int64
	docs []*docRec
	at   time.Time
}

// index is one Elasticsearch index: settings, mapping, documents and the
// refresh state. mu guards everything but the mapping pointer, which is
// replaced copy-on-write so the bulk path can validate without the lock.
type index struct {
	name    string
	uuid    string
	created time.Time

	mapping atomic.Pointer[mapping]
	// replicas mirrors settings.replicas for lock-free response rendering.
	replicas atomic.Int32

	mu       sync.Mutex
	settings indexSettings
	live     map[string]*docRec
	// tomb keeps the last version of deleted ids, as ES does for a while.
	tomb    map[string]int64
	seg     []*docRec
	dead    int
	nextSeq int64
	search  *snapshot
	marks   []refreshMark
	// phase is when the refresh schedule (re)started.
	phase time.Time
	// refreshed is closed and replaced at each refresh (wait_for).
	refreshed chan struct{}
}

func newIndex(name, uuid string, now time.Time, st indexSettings, m *mapping) *index {
	ix := &index{
		name: name, uuid: uuid, created: now, settings: st,
		live: map[string]*docRec{}, search: &snapshot{maxSeq: -1},
		phase: now, refreshed: make(chan struct{}),
	}
	ix.mapping.Store(m)
	ix.replicas.Store(int32(st.replicas))
	return ix
}

// interval is the effective refresh interval; <= 0 means none.
func (ix *index) interval(def time.Duration) time.Duration {
	if ix.settings.refreshSet {
		return ix.settings.refresh
	}
	return def
}

// applyTicks publishes the state as of the last scheduled refresh at or
// before now. Callers hold mu.
func (ix *index) applyTicks(now time.Time, def time.Duration) {
	iv := ix.interval(def)
	if iv <= 0 || len(ix.marks) == 0 {
		return
	}
	k := now.Sub(ix.phase) / iv
	tick := ix.phase.Add(k * iv)
	n := 0
	for n < len(ix.marks) && ix.marks[n].at.Before(tick) {
		n++
	}
	if n == 0 {
		return
	}
	m := ix.marks[n-1]
	ix.publish(&snapshot{docs: m.docs, maxSeq: m.seq})
	ix.marks = append([]refreshMark(nil), ix.marks[n:]...)
}

func (ix *index) publish(s *snapshot) {
	ix.search = s
	close(ix.refreshed)
	ix.refreshed = make(chan struct{})
}

// afterWrite records the state for the next scheduled refresh. Callers
// hold mu.
func (ix *index) afterWrite(now time.Time, def time.Duration) {
	iv := ix.interval(def)
	if iv <= 0 {
		return
	}
	ix.applyTicks(now, def)
	m := refreshMark{seq: ix.nextSeq - 1, docs: ix.seg, at: now}
	if n := len(ix.marks); n > 0 && ix.marks[n-1].at.Sub(ix.phase)/iv == now.Sub(ix.phase)/iv {
		ix.marks[n-1] = m
		return
	}
	ix.marks = append(ix.marks, m)
}

// refreshNow publishes everything written so far. Callers hold mu.
func (ix *index) refreshNow() {
	ix.marks = nil
	if ix.search.maxSeq == ix.nextSeq-1 && len(ix.search.docs) == len(ix.seg) {
		return
	}
	ix.publish(&snapshot{docs: ix.seg, maxSeq: ix.nextSeq - 1})
}

// setInterval changes the refresh interval: pending writes become visible
// at the first tick of the new schedule. Callers hold mu.
func (ix *index) setInterval(now time.Time, def time.Duration, set bool, iv time.Duration) {
	ix.applyTicks(now, def)
	ix.settings.refreshSet, ix.settings.refresh = set, iv
	ix.phase = now
	ix.marks = nil
	if ix.interval(def) > 0 && ix.search.maxSeq < ix.nextSeq-1 {
		ix.marks = []refreshMark{{seq: ix.nextSeq - 1, docs: ix.seg, at: now}}
	}
}

// snapshotAt returns the searchable state at time now.
func (ix *index) snapshotAt(now time.Time, def time.Duration) *snapshot {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.applyTicks(now, def)
	return ix.search
}

// writeResult is the outcome of one document operation.
type writeResult struct {
	rec     *docRec
	version int64
	seqNo   int64
	result  string
	status  int
}

// put indexes src under id (create refuses an existing id). rec, when not
// nil, is preallocated storage for the new record. Callers hold mu.
func (ix *index) put(id string, src []byte, create bool, rec *docRec) (writeResult, *esError) {
	old := ix.live[id]
	if create && old != nil {
		return writeResult{}, errVersionConflictExists(id, old.version, ix)
	}
	seq := ix.nextSeq
	ix.nextSeq++
	if rec == nil {
		rec = &docRec{}
	}
	rec.id, rec.src, rec.seqNo, rec.version = id, src, seq, 1
	res := writeResult{rec: rec, seqNo: seq, result: "created", status: 201}
	if old != nil {
		rec.version = old.version + 1
		old.killedAt.Store(seq + 1)
		ix.dead++
		res.result, res.status = "updated", 200
	} else if v, ok := ix.tomb[id]; ok {
		rec.version = v + 1
		delete(ix.tomb, id)
	}
	res.version = rec.version
	ix.live[id] = rec
	ix.seg = append(ix.seg, rec)
	ix.maybeCompact()
	return res, nil
}

// remove deletes id. Callers hold mu.
func (ix *index) remove(id string) writeResult {
	seq := ix.nextSeq
	ix.nextSeq++
	old := ix.live[id]
	if old == nil {
		v := int64(1)
		if tv, ok := ix.tomb[id]; ok {
			v = tv + 1
			ix.tomb[id] = v
		}
		return writeResult{version: v, seqNo: seq, result: "not_found", status: 404}
	}
	old.killedAt.Store(seq + 1)
	ix.dead++
	delete(ix.live, id)
	if ix.tomb == nil {
		ix.tomb = map[string]int64{}
	}
	ix.tomb[id] = old.version + 1
	ix.maybeCompact()
	return writeResult{version: old.version + 1, seqNo: seq, result: "deleted", status: 200}
}

// maybeCompact drops superseded records from the log once they dominate
// it, like a segment merge. Published snapshots keep their own prefix.
func (ix *index) maybeCompact() {
	if ix.dead < 1024 || ix.dead < len(ix.seg)/2 {
		return
	}
	seg := make([]*docRec, 0, len(ix.live)+len(ix.live)/4)
	for _, r := range ix.seg {
		if r.killedAt.Load() == 0 {
			seg = append(seg, r)
		}
	}
	ix.seg = seg
	ix.dead = 0
}

// isHidden reports index.hidden (hidden indexes do not match wildcards).
func (ix *index) isHidden() bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.settings.other["index.hidden"] == "true"
}

// docCount is the number of current documents, refreshed or not.
func (ix *index) docCount() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.live)
}

// stats counts what _cat/indices reports from the searchable state:
// visible documents, deleted ones not yet merged away, and bytes.
func (s *snapshot) stats() (count, deleted int, bytes int64) {
	for _, r := range s.docs {
		bytes += int64(len(r.src))
		if s.visible(r) {
			count++
		} else {
			deleted++
		}
	}
	return count, deleted, bytes
}
