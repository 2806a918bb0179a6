package notify

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

// JobRefs tells where a job's message was posted.
type JobRefs interface {
	JobMessage(ctx context.Context, jobID string) (chat.Ref, bool, error)
}

// Progress keeps each job's chat message current. It is an engine
// subscriber: the engine calls Publish from a goroutine of its own, so a slow
// platform delays nobody but this message.
//
// The message is edited at most once per interval (by event time, so a
// simulated clock tests it), skipping intermediate progress; stage changes
// and warnings go as thread replies; the final summary is always written.
type Progress struct {
	cfg      *config.Config
	chats    map[string]chat.Chat
	refs     JobRefs
	names    func(string) string
	interval time.Duration
	log      zerolog.Logger

	mu       sync.Mutex
	lastEdit map[string]time.Time
}

// NewProgress returns a Progress editing messages through chats (by platform).
// names turns person ids into display names; interval ≤ 0 means 3 s.
func NewProgress(cfg *config.Config, chats map[string]chat.Chat, refs JobRefs, names func(string) string, interval time.Duration, log zerolog.Logger) *Progress {
	if interval <= 0 {
		interval = 3 * time.Second
	}
	return &Progress{cfg: cfg, chats: chats, refs: refs, names: names, interval: interval, log: log, lastEdit: map[string]time.Time{}}
}

// Publish updates the job's message for ev.
func (p *Progress) Publish(ev syncengine.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref, ok, err := p.refs.JobMessage(ctx, ev.JobID)
	if err != nil {
		p.log.Warn().Err(err).Str("job", ev.JobID).Msg("cannot find the job's message")
		return
	}
	if !ok {
		return // started outside chat
	}
	c := p.chats[ref.Platform]
	env := p.cfg.Environments[ev.Env]
	if c == nil || env == nil {
		return
	}
	final := ev.Kind == syncengine.EventFinished
	if text := StageReply(ev); text != "" {
		if _, err := c.Reply(ctx, ref, chat.Message{Text: text, Style: Style(env)}); err != nil {
			p.log.Warn().Err(err).Str("job", ev.JobID).Msg("thread reply failed")
		}
	}
	if !final && !p.due(ev.JobID, ev.Time) {
		return
	}
	m := JobMessage(env, ev, p.names)
	err = c.Update(ctx, ref, m)
	// The summary must not be lost to a burst of rate limiting: keep trying
	// (this goroutine is ours alone) until the minute is up.
	for attempt := 0; err != nil && final && ctx.Err() == nil; attempt++ {
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Second<<attempt, 10*time.Second)):
			err = c.Update(ctx, ref, m)
		}
	}
	if err != nil {
		p.log.Warn().Err(err).Str("job", ev.JobID).Bool("summary", final).Msg("progress update failed")
	}
	if final {
		p.mu.Lock()
		delete(p.lastEdit, ev.JobID)
		p.mu.Unlock()
	}
}

// due reports whether the job's message may be edited at t, and if so
// records the edit.
func (p *Progress) due(job string, t time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	last, seen := p.lastEdit[job]
	if seen && t.Sub(last) < p.interval {
		return false
	}
	p.lastEdit[job] = t
	return true
}
