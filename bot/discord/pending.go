package discord

import (
	"context"
	"sync"
	"time"
)

// tokenValidity is how long an interaction token is used for follow-ups.
// Discord accepts one for 15 minutes; stopping a little earlier keeps a
// follow-up sent at the last moment from failing on the way.
const tokenValidity = 15*time.Minute - 30*time.Second

// sweepEvery is how often expired interactions are dropped from the map.
const sweepEvery = time.Minute

// interaction is one interaction whose token can still carry replies to the
// user who made it.
type interaction struct {
	id      string
	token   string
	appID   string
	channel string
	user    string
	expires time.Time
	// received is when the interaction arrived, by the wall clock.
	received time.Time
	// thinking is true for a command answered "deferred": Discord shows
	// "thinking…" until a follow-up (the first replaces it) or an edit.
	thinking bool

	mu       sync.Mutex
	answered bool
}

// markAnswered records that a follow-up went out on the token.
func (it *interaction) markAnswered() {
	it.mu.Lock()
	it.answered = true
	it.mu.Unlock()
}

// wasAnswered reports whether a follow-up went out on the token.
func (it *interaction) wasAnswered() bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.answered
}

// pending remembers the interactions of the last 15 minutes by channel and
// user, so that the bot's Ephemeral answers go to the user privately, as
// follow-ups, even though chat.Chat knows nothing of interactions.
type pending struct {
	now func() time.Time

	mu        sync.Mutex
	by        map[pendingKey][]*interaction // oldest first
	lastSweep time.Time
}

type pendingKey struct{ channel, user string }

func newPending(now func() time.Time) *pending {
	return &pending{now: now, by: map[pendingKey][]*interaction{}}
}

// add remembers it until it expires.
func (p *pending) add(it *interaction) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if now.Sub(p.lastSweep) >= sweepEvery {
		p.sweepLocked(now)
	}
	k := pendingKey{it.channel, it.user}
	p.by[k] = append(p.by[k], it)
}

// find returns the newest valid interaction of user in channel, or nil.
func (p *pending) find(channel, user string) *interaction {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.by[pendingKey{channel, user}]
	now := p.now()
	for i := len(list) - 1; i >= 0; i-- {
		if now.Before(list[i].expires) {
			return list[i]
		}
	}
	return nil
}

// sweepLocked drops expired interactions. The caller holds p.mu.
func (p *pending) sweepLocked(now time.Time) {
	p.lastSweep = now
	for k, list := range p.by {
		live := list[:0]
		for _, it := range list {
			if now.Before(it.expires) {
				live = append(live, it)
			}
		}
		if len(live) == 0 {
			delete(p.by, k)
		} else {
			p.by[k] = live
		}
	}
}

// ctxKey carries the interaction a handler is answering.
type ctxKey struct{}

func withInteraction(ctx context.Context, it *interaction) context.Context {
	return context.WithValue(ctx, ctxKey{}, it)
}

func interactionFrom(ctx context.Context) *interaction {
	it, _ := ctx.Value(ctxKey{}).(*interaction)
	return it
}
