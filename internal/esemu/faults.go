package esemu

import (
	"hash/fnv"
	"net/http"
	"path"
	"sync"
	"time"
)

// Fault describes a failure to inject into matching requests. A fault with
// Status or CloseConn affects whole requests; one with ItemIDs or ItemRate
// fails chosen items of _bulk (and single-document writes) while the HTTP
// status stays 200, as ES does for per-item rejections.
type Fault struct {
	// Method matches the HTTP method; "" matches any.
	Method string
	// Path is a path.Match glob on the URL path ("/_bulk", "/*/_bulk");
	// "" matches any.
	Path string
	// Status answers the whole request with this status and an ES error
	// body of ErrorType/Reason (defaults by status: 429
	// es_rejected_execution_exception, 503 cluster_block_exception, …).
	Status            int
	ErrorType, Reason string
	// ItemIDs fails the bulk items with these document ids …
	ItemIDs []string
	// … or ItemRate, a deterministic fraction of items chosen by a hash of
	// the document id (0..1).
	ItemRate float64
	// ItemStatus is the failed items' status: 429 (the default,
	// es_rejected_execution_exception), 400 (mapper_parsing_exception) or
	// another status with ErrorType/Reason.
	ItemStatus int
	// Latency delays the response.
	Latency time.Duration
	// CloseConn drops the connection without a response.
	CloseConn bool
	// AfterHandling applies Status or CloseConn after the request has been
	// processed: the write happened but the client never learns it.
	AfterHandling bool
	// Times limits how many matching requests the fault affects; 0 means
	// unlimited. Item faults count the requests in which they failed at
	// least one item.
	Times int
}

// Request is one entry of the request log.
type Request struct {
	Method string
	Path   string
	// Query is the raw query string.
	Query  string
	Status int
	// Items is the number of actions of a _bulk request (1 for a
	// single-document write).
	Items int
	// IDs are the document ids of those actions, in request order
	// (generated ids included).
	IDs []string
	// Fault is the id of the first fault that affected the request, or 0.
	Fault int
}

// faultState is a registered fault and its remaining uses.
type faultState struct {
	id        int
	f         Fault
	remaining int // -1 = unlimited
	ids       map[string]bool
	applied   int
}

// faultSet holds the registered faults.
type faultSet struct {
	mu   sync.Mutex
	list []*faultState
	next int
}

// faultPlan is what applies to one request.
type faultPlan struct {
	latency time.Duration
	whole   *Fault
	items   []*faultState
	faultID int
}

// AddFault registers a fault and returns its id.
func (e *Emulator) AddFault(f Fault) int {
	fs := &e.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.next++
	st := &faultState{id: fs.next, f: f, remaining: f.Times}
	if f.Times <= 0 {
		st.remaining = -1
	}
	if st.f.ItemStatus == 0 {
		st.f.ItemStatus = http.StatusTooManyRequests
	}
	if len(f.ItemIDs) > 0 {
		st.ids = make(map[string]bool, len(f.ItemIDs))
		for _, id := range f.ItemIDs {
			st.ids[id] = true
		}
	}
	fs.list = append(fs.list, st)
	return st.id
}

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.list = nil
}

// Requests returns a copy of the request log (control requests under
// /_esemu are not logged).
func (e *Emulator) Requests() []Request {
	return e.log.snapshot()
}

// ResetRequests empties the request log.
func (e *Emulator) ResetRequests() {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	e.log.items = nil
}

func (f *Fault) matches(method, p string) bool {
	if f.Method != "" && f.Method != method {
		return false
	}
	if f.Path != "" {
		ok, err := path.Match(f.Path, p)
		if err != nil || !ok {
			return false
		}
	}
	return true
}

func (f *Fault) isItemFault() bool { return len(f.ItemIDs) > 0 || f.ItemRate > 0 }

// match decides which faults apply to a request. Whole-request faults and
// pure latency faults use up one of their Times here; item faults only
// when they fail an item.
func (fs *faultSet) match(method, p string) faultPlan {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var plan faultPlan
	for _, st := range fs.list {
		if st.remaining == 0 || !st.f.matches(method, p) {
			continue
		}
		switch {
		case st.f.Status != 0 || st.f.CloseConn:
			if plan.whole != nil {
				continue
			}
			f := st.f
			plan.whole = &f
			plan.latency += st.f.Latency
			if plan.faultID == 0 {
				plan.faultID = st.id
			}
			st.use()
		case st.f.isItemFault():
			plan.items = append(plan.items, st)
			plan.latency += st.f.Latency
		case st.f.Latency > 0:
			plan.latency += st.f.Latency
			if plan.faultID == 0 {
				plan.faultID = st.id
			}
			st.use()
		}
	}
	return plan
}

func (st *faultState) use() {
	st.applied++
	if st.remaining > 0 {
		st.remaining--
	}
}

// selects reports whether the fault picks this document.
func (st *faultState) selects(id string) bool {
	if st.ids != nil && st.ids[id] {
		return true
	}
	if st.f.ItemRate > 0 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(id))
		return float64(h.Sum64()>>11)/float64(1<<53) < st.f.ItemRate
	}
	return false
}

func (st *faultState) itemError() *esError {
	status := st.f.ItemStatus
	typ, reason := st.f.ErrorType, st.f.Reason
	var dt, dr string
	switch status {
	case http.StatusTooManyRequests:
		dt, dr = "es_rejected_execution_exception", "rejected execution of primary operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, primary_operation_bytes=0, max_coordinating_and_primary_bytes=0]"
	case http.StatusBadRequest:
		dt, dr = "mapper_parsing_exception", "failed to parse (injected by esemu)"
	default:
		dt, dr = defaultErrorType(status)
	}
	if typ == "" {
		typ = dt
	}
	if reason == "" {
		reason = dr
	}
	return newErr(status, typ, reason)
}

// itemFailure returns the injected error for one item, or nil. The first
// item a fault fails in a request uses up one of its Times.
func (c *call) itemFailure(id string) *esError {
	if len(c.itemFaults) == 0 {
		return nil
	}
	fs := &c.e.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, st := range c.itemFaults {
		if !st.selects(id) {
			continue
		}
		if !c.consumed[st] {
			if st.remaining == 0 {
				continue
			}
			st.use()
			if c.consumed == nil {
				c.consumed = map[*faultState]bool{}
			}
			c.consumed[st] = true
		}
		if c.faultID == 0 {
			c.faultID = st.id
		}
		return st.itemError()
	}
	return nil
}

// requestLog is the log tests read.
type requestLog struct {
	mu    sync.Mutex
	items []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, r)
}

func (l *requestLog) snapshot() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, len(l.items))
	copy(out, l.items)
	return out
}
