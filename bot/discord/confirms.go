package discord

import (
	"sync"
	"time"

	"github.com/resyncbot/resyncbot/chat"
)

// Bounds of the confirm texts remembered in memory.
const (
	confirmsKept = 1024
	confirmsTTL  = 24 * time.Hour
)

// confirms remembers, per message this process posted or edited, the
// question each of its confirm buttons asks. Discord buttons have no confirm
// dialog of their own, and a click carries the button but not the question.
// A click this process cannot answer from memory (another replica posted the
// message, or it restarted) still gets a confirm step, with a generic
// question built from the button and the message.
type confirms struct {
	now func() time.Time

	mu    sync.Mutex
	byMsg map[string]confirmEntry
}

type confirmEntry struct {
	at  time.Time
	ids map[string]chat.Confirm // by custom_id
}

func newConfirms(now func() time.Time) *confirms {
	return &confirms{now: now, byMsg: map[string]confirmEntry{}}
}

// remember records the confirm buttons of message id, replacing what an
// earlier version of the message had.
func (c *confirms) remember(id string, ids map[string]chat.Confirm) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(ids) == 0 {
		delete(c.byMsg, id)
		return
	}
	now := c.now()
	if len(c.byMsg) >= confirmsKept {
		c.evictLocked(now)
	}
	c.byMsg[id] = confirmEntry{at: now, ids: ids}
}

// lookup finds the question of the button customID on message id.
func (c *confirms) lookup(id, customID string) (chat.Confirm, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byMsg[id]
	if !ok || c.now().Sub(e.at) > confirmsTTL {
		return chat.Confirm{}, false
	}
	q, ok := e.ids[customID]
	return q, ok
}

// evictLocked drops expired entries and, if still full, the oldest one.
func (c *confirms) evictLocked(now time.Time) {
	var oldest string
	for id, e := range c.byMsg {
		if now.Sub(e.at) > confirmsTTL {
			delete(c.byMsg, id)
			continue
		}
		if oldest == "" || e.at.Before(c.byMsg[oldest].at) {
			oldest = id
		}
	}
	if len(c.byMsg) >= confirmsKept && oldest != "" {
		delete(c.byMsg, oldest)
	}
}
