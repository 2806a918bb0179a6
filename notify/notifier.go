package notify

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

// DefaultStartWait is how long the start notice waits for the engine's
// first estimate of the finish time.
const DefaultStartWait = 20 * time.Second

// finishRounding rounds an estimated finish time up: "around 16:30" reads
// better than "around 16:27", and an estimate is not that precise.
const finishRounding = 5 * time.Minute

// enqueueTimeout bounds how long the notifier keeps trying to queue one
// notice while Redis does not answer.
const enqueueTimeout = time.Minute

// NotifierOption tunes a Notifier.
type NotifierOption func(*Notifier)

// WithStartWait sets how long the start notice waits for a finish
// estimate; 0 sends it at once, without one.
func WithStartWait(d time.Duration) NotifierOption { return func(n *Notifier) { n.startWait = d } }

// WithNotifierClock sets the clock of restore and manual notices (job
// notices take the time of the engine's event).
func WithNotifierClock(now func() time.Time) NotifierOption { return func(n *Notifier) { n.now = now } }

// Notifier queues the automatic notices of jobs and restores. It is an
// engine subscriber: the engine calls Publish from a goroutine of its own,
// and Publish only writes to Redis, never to a destination.
//
// The start notice waits (up to the start wait) for the first progress
// event with an estimate, so it can say when the refresh should finish; a
// job that ends before then gets only its end notice. Every job notice's
// id is {job id}:{event}, so the same event published again (a job resumed
// by another replica says "started" again) is one notice.
type Notifier struct {
	cfg       *config.Config
	outbox    *Outbox
	log       zerolog.Logger
	startWait time.Duration
	now       func() time.Time

	mu      sync.Mutex
	pending map[string]*pendingStart
}

// pendingStart is a start notice waiting for an estimate.
type pendingStart struct {
	ev    syncengine.Event
	timer *time.Timer
}

// NewNotifier returns a Notifier queueing notices in outbox.
func NewNotifier(cfg *config.Config, outbox *Outbox, log zerolog.Logger, opts ...NotifierOption) *Notifier {
	n := &Notifier{cfg: cfg, outbox: outbox, log: log, startWait: DefaultStartWait, now: time.Now, pending: map[string]*pendingStart{}}
	for _, o := range opts {
		o(n)
	}
	return n
}

var _ syncengine.Subscriber = (*Notifier)(nil)

// Publish queues the notice ev calls for, if any.
func (n *Notifier) Publish(ev syncengine.Event) {
	env := n.cfg.Environments[ev.Env]
	if env == nil {
		return
	}
	switch {
	case ev.Kind == syncengine.EventStage && ev.Message == "started":
		if !Enabled(env, EventStart) {
			return
		}
		if n.startWait <= 0 {
			n.jobNotice(env, EventStart, ev, time.Time{})
			return
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		if _, ok := n.pending[ev.JobID]; ok {
			return
		}
		id := ev.JobID
		n.pending[id] = &pendingStart{ev: ev, timer: time.AfterFunc(n.startWait, func() {
			if p := n.takePending(id); p != nil {
				n.jobNotice(env, EventStart, p.ev, time.Time{})
			}
		})}
	case ev.Kind == syncengine.EventProgress && ev.ETA > 0:
		if p := n.takePending(ev.JobID); p != nil {
			finish := ev.Time.Add(ev.ETA).Add(finishRounding - 1).Truncate(finishRounding)
			n.jobNotice(env, EventStart, p.ev, finish)
		}
	case ev.Kind == syncengine.EventFinished:
		n.takePending(ev.JobID)
		var e Event
		switch ev.Job.State {
		case syncengine.StateSucceeded:
			e = EventSuccess
		case syncengine.StateFailed:
			e = EventFailure
		case syncengine.StateAborted:
			e = EventAbort
		default:
			return
		}
		if Enabled(env, e) {
			n.jobNotice(env, e, ev, time.Time{})
		}
	}
}

// takePending removes and returns job's waiting start notice, if any.
func (n *Notifier) takePending(job string) *pendingStart {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.pending[job]
	if p != nil {
		p.timer.Stop()
		delete(n.pending, job)
	}
	return p
}

// jobNotice renders and queues the notice of event e of ev's job.
func (n *Notifier) jobNotice(env *config.Environment, e Event, ev syncengine.Event, finishBy time.Time) {
	started := ev.Job.Started
	if started.IsZero() && e == EventStart {
		started = ev.Time
	}
	nt, err := RenderNotice(env, e, NoticeData{Started: started, FinishBy: finishBy, At: ev.Time, Reason: ev.Job.Reason})
	if err != nil {
		n.log.Error().Err(err).Str("job", ev.JobID).Str("env", env.Name).Msg("cannot render notice; it is not sent")
		return
	}
	nt.ID = ev.JobID + ":" + string(e)
	n.enqueue(nt)
}

// enqueue queues nt, retrying while Redis does not answer.
func (n *Notifier) enqueue(nt Notice) {
	ctx, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		_, err := n.outbox.Enqueue(ctx, nt)
		if err == nil {
			return
		}
		if sleepCtx(ctx, Backoff(min(attempt, 4))) != nil {
			n.log.Error().Err(err).Str("notice", nt.ID).Str("env", nt.Env).Msg("cannot queue notice; it is lost")
			return
		}
		n.log.Warn().Err(err).Str("notice", nt.ID).Msg("cannot queue notice yet; will retry")
	}
}

// RestoreNotice queues the notice that env's data was restored to what it
// was at restoredTo (zero if unknown), by person by. It reports false, and
// queues nothing, when env's restore notices are off.
func (n *Notifier) RestoreNotice(ctx context.Context, env string, restoredTo time.Time, by string) (Notice, bool, error) {
	e := n.cfg.Environments[env]
	if e == nil {
		return Notice{}, false, fmt.Errorf("restore notice: unknown environment %q", env)
	}
	if !Enabled(e, EventRestore) {
		return Notice{}, false, nil
	}
	at := n.now()
	nt, err := RenderNotice(e, EventRestore, NoticeData{RestoredTo: restoredTo, At: at, By: by})
	if err != nil {
		return Notice{}, false, err
	}
	nt.ID = fmt.Sprintf("%s:restore:%d-%s", env, at.UnixMilli(), newToken()[:6])
	if _, err := n.outbox.Enqueue(ctx, nt); err != nil {
		return Notice{}, false, err
	}
	return nt, true, nil
}

// Announce queues a manual notice (/notice): text in state, by person by.
func (n *Notifier) Announce(ctx context.Context, env string, state State, text, by string) (Notice, error) {
	e := n.cfg.Environments[env]
	if e == nil {
		return Notice{}, fmt.Errorf("notice: unknown environment %q", env)
	}
	at := n.now()
	nt, err := RenderNotice(e, EventManual, NoticeData{State: state, Text: text, At: at, By: by})
	if err != nil {
		return Notice{}, err
	}
	nt.ID = fmt.Sprintf("%s:%s:%d-%s", env, state, at.UnixMilli(), newToken()[:6])
	if _, err := n.outbox.Enqueue(ctx, nt); err != nil {
		return Notice{}, err
	}
	return nt, nil
}
