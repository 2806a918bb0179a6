package syncengine

import (
	"sync"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

// Event kinds. Progress events may be coalesced for a slow subscriber; the
// others are always delivered, in order.
const (
	EventProgress EventKind = "progress"
	EventStage    EventKind = "stage"
	EventWarning  EventKind = "warning"
	EventFinished EventKind = "finished"
)

// IndexProgress is one index's part of a progress event.
type IndexProgress struct {
	Alias   string
	Index   string
	Written int64
	// Total is -1 when the source cannot tell.
	Total int64
	Bad   int64
}

// Event reports a job's progress to subscribers (notify renders them).
type Event struct {
	Kind    EventKind
	Time    time.Time
	JobID   string
	Env     string
	State   State
	Stage   Stage
	Indexes []IndexProgress
	Written int64
	// Total is -1 when unknown; then there is no ETA either.
	Total      int64
	Retries    int64
	DocsPerSec float64
	// ETA is 0 when unknown.
	ETA     time.Duration
	Message string
	Error   string
	Job     Job
}

// Subscriber receives events. Publish may be slow: the engine never waits for it.
type Subscriber interface {
	Publish(Event)
}

// SubscriberFunc adapts a function to Subscriber.
type SubscriberFunc func(Event)

// Publish calls f.
func (f SubscriberFunc) Publish(ev Event) { f(ev) }

// maxQueued bounds the events kept for one slow subscriber.
const maxQueued = 1024

// subscription feeds one subscriber from its own goroutine, so a slow
// subscriber delays nobody. Progress events are coalesced to the latest.
type subscription struct {
	sub  Subscriber
	mu   sync.Mutex
	cond *sync.Cond
	q    []Event
	// progress is the latest undelivered progress event, if any.
	progress *Event
	closed   bool
}

func (s *subscription) push(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.Kind == EventProgress {
		s.progress = &ev
	} else {
		if s.progress != nil {
			s.q = append(s.q, *s.progress)
			s.progress = nil
		}
		if len(s.q) >= maxQueued {
			s.q = s.q[1:]
		}
		s.q = append(s.q, ev)
	}
	s.cond.Signal()
}

func (s *subscription) loop() {
	for {
		s.mu.Lock()
		for !s.closed && len(s.q) == 0 && s.progress == nil {
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		var ev Event
		if len(s.q) > 0 {
			ev, s.q = s.q[0], s.q[1:]
		} else {
			ev, s.progress = *s.progress, nil
		}
		s.mu.Unlock()
		s.sub.Publish(ev)
	}
}

// Subscribe delivers the events of every job this process runs to sub until
// the returned function is called.
func (e *Engine) Subscribe(sub Subscriber) (unsubscribe func()) {
	s := &subscription{sub: sub}
	s.cond = sync.NewCond(&s.mu)
	e.mu.Lock()
	id := e.nextSub
	e.nextSub++
	e.subs[id] = s
	e.mu.Unlock()
	go s.loop()
	return func() {
		e.mu.Lock()
		delete(e.subs, id)
		e.mu.Unlock()
		s.mu.Lock()
		s.closed = true
		s.cond.Signal()
		s.mu.Unlock()
	}
}

func (e *Engine) publish(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.subs {
		s.push(ev)
	}
}

// event snapshots j and runs as an event.
func (e *Engine) event(kind EventKind, j *Job, runs []*indexRun, msg string) Event {
	ev := Event{
		Kind:    kind,
		Time:    e.now(),
		JobID:   j.ID,
		Env:     j.Env,
		State:   j.State,
		Stage:   j.Stage,
		Message: msg,
		Job:     *j,
	}
	if len(runs) > 0 {
		ev.Written, ev.Total, ev.Retries = sums(runs)
		for _, r := range runs {
			total := r.total
			if !r.totalKnown {
				total = -1
			}
			ev.Indexes = append(ev.Indexes, IndexProgress{Alias: r.spec.Alias, Index: r.index, Written: r.written, Total: total, Bad: r.bad})
		}
	} else {
		ev.Written, ev.Total, ev.Retries = j.Written, j.Total, j.Retries
	}
	return ev
}

func (e *Engine) publishProgress(j *Job, runs []*indexRun, docsPerSec float64) {
	ev := e.event(EventProgress, j, runs, "")
	ev.DocsPerSec = docsPerSec
	if ev.Total >= 0 && docsPerSec > 0 && ev.Total > ev.Written {
		ev.ETA = time.Duration(float64(ev.Total-ev.Written) / docsPerSec * float64(time.Second))
	}
	e.publish(ev)
}

// rateMeter measures documents per second over a sliding window.
type rateMeter struct {
	times  [16]time.Time
	counts [16]int64
	n      int
}

func newRateMeter(now time.Time, written int64) *rateMeter {
	m := &rateMeter{}
	m.observe(now, written)
	return m
}

// observe records a count and returns the rate over the window.
func (m *rateMeter) observe(now time.Time, written int64) float64 {
	i := m.n % len(m.times)
	m.times[i], m.counts[i] = now, written
	m.n++
	oldest := 0
	if m.n > len(m.times) {
		oldest = m.n % len(m.times)
	}
	dt := now.Sub(m.times[oldest]).Seconds()
	if dt <= 0 {
		return 0
	}
	return float64(written-m.counts[oldest]) / dt
}
