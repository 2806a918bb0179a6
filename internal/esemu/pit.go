package esemu

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// pit is an open point in time: the snapshots of its indexes when opened.
type pit struct {
	id      string
	targets []searchTarget
	expires time.Time
}

// pitTable holds open points in time; expired ones are dropped lazily.
type pitTable struct {
	mu    sync.Mutex
	items map[string]*pit
	seq   int
}

func errPITMissing(id string) *esError {
	cause := newErr(http.StatusNotFound, "search_context_missing_exception", "No search context found for id ["+shortPIT(id)+"]")
	e := newErr(http.StatusNotFound, "search_phase_execution_exception", "all shards failed")
	e.extra = []byte(`"phase":"query","grouped":true,"failed_shards":[]`)
	e.roots = []*esError{cause}
	return e.withCause(cause, true)
}

func shortPIT(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}

func (t *pitTable) open(targets []searchTarget, keepAlive time.Duration, now time.Time) *pit {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(now)
	t.seq++
	var r [12]byte
	_, _ = rand.Read(r[:])
	raw := fmt.Sprintf("esemu-pit:%d:%s", t.seq, base64.RawURLEncoding.EncodeToString(r[:]))
	p := &pit{id: base64.URLEncoding.EncodeToString([]byte(raw)), targets: targets, expires: now.Add(keepAlive)}
	t.items[p.id] = p
	return p
}

// use returns a live PIT, extending its keep-alive when one is given.
// A PIT whose index was deleted is gone, as its search contexts would be.
func (t *pitTable) use(id string, keepAlive time.Duration, now time.Time) (*pit, *esError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(now)
	p := t.items[id]
	if p == nil {
		return nil, errPITMissing(id)
	}
	if keepAlive > 0 {
		p.expires = now.Add(keepAlive)
	}
	return p, nil
}

func (t *pitTable) close(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.items[id]; !ok {
		return false
	}
	delete(t.items, id)
	return true
}

func (t *pitTable) expireLocked(now time.Time) {
	for id, p := range t.items {
		if now.After(p.expires) {
			delete(t.items, id)
		}
	}
}

// dropIndex frees the PITs that read a deleted index.
func (t *pitTable) dropIndex(ix *index) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, p := range t.items {
		for _, tg := range p.targets {
			if tg.ix == ix {
				delete(t.items, id)
				break
			}
		}
	}
}

// handleOpenPIT is POST /{index}/_pit?keep_alive=1m.
func (e *Emulator) handleOpenPIT(c *call) {
	ka := c.query.Get("keep_alive")
	if ka == "" {
		c.fail(errValidation("[keep_alive] is not specified"))
		return
	}
	d, err := parseTimeValue("keep_alive", ka)
	if err != nil {
		c.fail(err)
		return
	}
	targets, ok := e.searchTargets(c)
	if !ok {
		return
	}
	p := e.pits.open(targets, d, e.now())
	b := []byte(`{"id":`)
	b = appendString(b, p.id)
	b = append(b, ',')
	b = appendShards(b, len(targets))
	c.reply(http.StatusOK, append(b, '}'))
}

// handleClosePIT is DELETE /_pit {"id":…}.
func (e *Emulator) handleClosePIT(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	id := body.get("id")
	if id == nil || strings.TrimSpace(id.text()) == "" {
		c.fail(errValidation("[id] is not specified"))
		return
	}
	if e.pits.close(id.text()) {
		c.reply(http.StatusOK, []byte(`{"succeeded":true,"num_freed":1}`))
		return
	}
	c.reply(http.StatusNotFound, []byte(`{"succeeded":true,"num_freed":0}`))
}
