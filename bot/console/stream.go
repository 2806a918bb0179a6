package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Event stream tuning.
const (
	// streamBuffer is how many frames a page may fall behind before its
	// stream is ended; the browser reconnects and starts from a snapshot.
	streamBuffer = 512
	// keepAlive is how often an idle stream gets a comment, so proxies and
	// browsers do not take it for dead. It sends no data the page reads.
	keepAlive = 20 * time.Second
	// reconnectMillis is how long a browser waits before reconnecting.
	reconnectMillis = 1000
)

// Server-sent event names.
const (
	eventSnapshot = "snapshot"
	eventMessage  = "message"
	eventPanel    = "panel"
)

// subscriber is one open page: the frames waiting to be written to it.
type subscriber struct {
	user string
	out  chan []byte
	// gone is closed when the console drops the page (it fell behind).
	gone chan struct{}
}

// snapshot is the first event of a stream: everything the page shows.
type snapshot struct {
	Me       Person          `json:"me"`
	People   []Person        `json:"people"`
	Channels []Channel       `json:"channels"`
	Messages []wireMessage   `json:"messages"`
	Panel    json.RawMessage `json:"panel,omitempty"`
	Help     string          `json:"help,omitempty"`
}

// frame encodes one server-sent event.
func frame(event string, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", event, data)
}

// broadcast pushes e to the pages allowed to see it. c.mu must be held, so
// every page gets the events in the order they happened.
func (c *Console) broadcast(e *entry) {
	if len(c.subs) == 0 {
		return
	}
	f := frame(eventMessage, wireOf(e))
	for s := range c.subs {
		if e.user != "" && e.user != s.user {
			continue
		}
		c.send(s, f)
	}
}

// send queues f for s, dropping s if it fell too far behind. c.mu must be held.
func (c *Console) send(s *subscriber, f []byte) {
	select {
	case s.out <- f:
	default:
		delete(c.subs, s)
		close(s.gone)
		c.log.Warn().Str("user", s.user).Msg("a console page fell behind; it will reconnect")
	}
}

// subscribe registers a page of p and queues its snapshot first. It
// returns nil after Close.
func (c *Console) subscribe(p Person) *subscriber {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	s := &subscriber{user: p.ID, out: make(chan []byte, streamBuffer), gone: make(chan struct{})}
	snap := snapshot{Me: p, People: c.people, Help: c.help, Panel: c.lastPan, Messages: []wireMessage{}}
	if snap.People == nil {
		snap.People = []Person{p}
	}
	known := map[string]Channel{}
	for _, ch := range c.channels {
		known[ch.Name] = ch
	}
	for _, name := range c.channelOrder() {
		ch, ok := known[name]
		if !ok {
			ch = Channel{Name: name}
		}
		snap.Channels = append(snap.Channels, ch)
	}
	for _, e := range c.visible(p.ID) {
		snap.Messages = append(snap.Messages, wireOf(e))
	}
	s.out <- frame(eventSnapshot, snap)
	c.subs[s] = struct{}{}
	c.streams.Add(1)
	return s
}

// unsubscribe forgets s.
func (c *Console) unsubscribe(s *subscriber) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.subs[s]; ok {
		delete(c.subs, s)
		close(s.gone)
	}
}

// handleEvents is GET /console/events?user=…: the page's event stream, a
// snapshot and then every change the user may see, until the page goes.
// With no user, the page is the first person's.
func (c *Console) handleEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("user")
		if user == "" && len(c.people) > 0 {
			user = c.people[0].ID // a first visit: be the first person
		}
		p, ok := c.person(user)
		if !ok {
			httpError(w, http.StatusForbidden, textUnknownUser)
			return
		}
		if c.panel != nil && c.panelSnapshot() == nil {
			c.refreshPanel(r.Context())
		}
		s := c.subscribe(p)
		if s == nil {
			httpError(w, http.StatusServiceUnavailable, textShuttingDown)
			return
		}
		defer c.streams.Done()
		defer c.unsubscribe(s)
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{})
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		if _, err := fmt.Fprintf(w, "retry: %d\n\n", reconnectMillis); err != nil {
			return
		}
		tick := time.NewTicker(keepAlive)
		defer tick.Stop()
		for {
			var f []byte
			select {
			case f = <-s.out:
			case <-tick.C:
				f = []byte(": keep-alive\n\n")
			case <-s.gone:
				return
			case <-c.stop:
				return
			case <-r.Context().Done():
				return
			}
			if _, err := w.Write(f); err != nil {
				return
			}
			// Write whatever else is queued before flushing once.
			for more := true; more; {
				select {
				case f = <-s.out:
					if _, err := w.Write(f); err != nil {
						return
					}
				default:
					more = false
				}
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
}
