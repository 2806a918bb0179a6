// Package esemu is an in-memory Elasticsearch 8 emulator: an http.Handler
// that speaks the REST subset resyncbot uses (index admin, aliases, _bulk,
// single documents, _count/_search with point in time, _cat) with ES's
// semantics — mappings, refresh visibility, versions, error bodies — plus
// fault injection and a request log for tests. See docs/esemu.md.
package esemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Emulator is an in-memory Elasticsearch cluster of one node. It is an
// http.Handler and is safe for concurrent use.
type Emulator struct {
	refreshDefault time.Duration
	now            func() time.Time
	realClock      bool

	mu      sync.RWMutex
	indices map[string]*index
	// aliases maps alias name → index name → alias properties.
	aliases map[string]map[string]*aliasProps
	// destructiveRequiresName is the cluster setting
	// action.destructive_requires_name (true by default in ES 8).
	destructiveRequiresName bool

	pits pitTable

	seq     atomic.Uint64
	idSalt  [6]byte
	started time.Time

	faults faultSet
	log    requestLog
	// translog, when set, makes writes durable before they are acknowledged.
	translog *translog
	routes   []route
	cache    searchCache
	bufs     sync.Pool
}

// Option configures an Emulator.
type Option func(*Emulator)

// WithRefreshInterval sets the refresh interval of indexes that do not set
// index.refresh_interval themselves (ES's default is 1s). Zero or a
// negative value disables scheduled refreshes for them.
func WithRefreshInterval(d time.Duration) Option {
	return func(e *Emulator) { e.refreshDefault = d }
}

// WithClock replaces the wall clock used for scheduled refreshes, PIT
// keep-alives and creation dates, so tests can step time. refresh=wait_for
// then forces a refresh instead of sleeping until the next tick.
func WithClock(now func() time.Time) Option {
	return func(e *Emulator) {
		e.now = now
		e.realClock = false
	}
}

// New returns an empty emulator.
func New(opts ...Option) *Emulator {
	e := &Emulator{
		refreshDefault:          time.Second,
		now:                     time.Now,
		realClock:               true,
		indices:                 map[string]*index{},
		aliases:                 map[string]map[string]*aliasProps{},
		destructiveRequiresName: true,
	}
	_, _ = rand.Read(e.idSalt[:])
	for _, o := range opts {
		o(e)
	}
	e.started = e.now()
	e.pits.items = map[string]*pit{}
	e.routes = e.routeTable()
	e.cache.init()
	return e
}

// DocCount returns the number of documents in an index (or behind a single
// index alias), including documents not yet visible to search because no
// refresh has happened. It returns 0 for an unknown name.
func (e *Emulator) DocCount(name string) int {
	e.mu.RLock()
	ix := e.indices[name]
	if ix == nil {
		if members := e.aliases[name]; len(members) == 1 {
			for n := range members {
				ix = e.indices[n]
			}
		}
	}
	e.mu.RUnlock()
	if ix == nil {
		return 0
	}
	return ix.docCount()
}

// IndexNames lists the existing indexes, sorted.
func (e *Emulator) IndexNames() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	names := make([]string, 0, len(e.indices))
	for n := range e.indices {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// newUUID returns a 22-character URL-safe id like ES index UUIDs.
func (e *Emulator) newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newDocID returns a 20-character time-based id like ES auto-generated ids.
func (e *Emulator) newDocID() string {
	var b [15]byte
	ms := uint64(e.now().UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	binary.BigEndian.PutUint32(b[6:10], uint32(e.seq.Add(1)))
	copy(b[10:], e.idSalt[:5])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ServeHTTP answers one REST request. Every response carries
// X-Elastic-Product: Elasticsearch, which the Go client checks.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	if r.URL.Path == "/_esemu" || strings.HasPrefix(r.URL.Path, "/_esemu/") {
		e.control(w, r)
		return
	}
	c := newCall(e, r)
	plan := e.faults.match(r.Method, r.URL.Path)
	if plan.latency > 0 {
		t := time.NewTimer(plan.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if plan.whole != nil && !plan.whole.AfterHandling {
		c.peekBulk()
		e.applyWholeFault(w, c, plan)
		return
	}
	c.itemFaults = plan.items
	e.dispatch(c)
	defer c.finish()
	if plan.whole != nil {
		e.applyWholeFault(w, c, plan)
		return
	}
	c.prepare()
	e.log.add(c.logEntry(plan.faultID))
	c.write(w)
}

// applyWholeFault answers with the fault's status, or drops the connection.
func (e *Emulator) applyWholeFault(w http.ResponseWriter, c *call, plan faultPlan) {
	f := plan.whole
	if f.CloseConn {
		c.status = 0
		e.log.add(c.logEntry(plan.faultID))
		closeConnection(w)
		return
	}
	typ, reason := f.ErrorType, f.Reason
	dt, dr := defaultErrorType(f.Status)
	if typ == "" {
		typ = dt
	}
	if reason == "" {
		reason = dr
	}
	c.fail(newErr(f.Status, typ, reason))
	c.prepare()
	e.log.add(c.logEntry(plan.faultID))
	c.write(w)
}

// closeConnection drops the client connection without a response.
func closeConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
