package approvals_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// start is the tests' epoch; its sub-millisecond part checks that stored
// times are consistently truncated to milliseconds.
var start = time.Date(2025, 3, 14, 13, 0, 0, 123456789, time.UTC)

// clock is a settable time source shared by the stores of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fixture is one store on a private corner of a real Redis, with a clock
// the test moves.
type fixture struct {
	t     *testing.T
	redis *redistest.Redis
	clock *clock
	store *approvals.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	r := redistest.New(t)
	c := &clock{t: start}
	return &fixture{t: t, redis: r, clock: c, store: approvals.NewStore(r.Client, r.Prefix, c.Now)}
}

// with returns the fixture for subtest t: same store, Redis and clock.
func (f *fixture) with(t *testing.T) *fixture {
	g := *f
	g.t = t
	return &g
}

// replica is another Store on the same keys and clock, with a client of its
// own, as a second bot process would have.
func (f *fixture) replica() *approvals.Store {
	f.t.Helper()
	c := redis.NewClient(&redis.Options{Addr: f.redis.Addr, DB: f.redis.DB})
	f.t.Cleanup(func() { _ = c.Close() })
	return approvals.NewStore(c, f.redis.Prefix, f.clock.Now)
}

// create stores a request by alice in prod needing needed approvals, open for ttl.
func (f *fixture) create(needed int, ttl time.Duration) *approvals.Request {
	f.t.Helper()
	r, err := f.store.Create(context.Background(), approvals.Request{
		Env:       "prod",
		Action:    approvals.ActionResync,
		Requester: "alice",
		Reason:    "GMC data refresh",
		Needed:    needed,
		Payload:   map[string]string{"index": "masterdoctorindex"},
	}, ttl)
	if err != nil {
		f.t.Fatalf("create: %v", err)
	}
	return r
}

// auditEntry is one entry of the audit stream.
type auditEntry struct {
	Time, Actor, Action, Env, Job, Detail string
}

// audit returns the audit entries whose detail names the approval id, oldest first.
func (f *fixture) audit(id string) []auditEntry {
	f.t.Helper()
	msgs, err := f.redis.Client.XRange(context.Background(), f.redis.Prefix+"audit", "-", "+").Result()
	if err != nil {
		f.t.Fatalf("read audit: %v", err)
	}
	var out []auditEntry
	for _, m := range msgs {
		s := func(k string) string { v, _ := m.Values[k].(string); return v }
		e := auditEntry{s("time"), s("actor"), s("action"), s("env"), s("job"), s("detail")}
		if _, ok := m.Values["job"]; !ok {
			f.t.Errorf("audit entry %s has no job field: %v", m.ID, m.Values)
		}
		if strings.HasPrefix(e.Detail, id+" ") || e.Detail == id {
			out = append(out, e)
		}
	}
	return out
}

// actions lists the actions of entries.
func actions(entries []auditEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Action
	}
	return out
}
