package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/redistest"
	"github.com/resyncbot/resyncbot/internal/teamsfake"
	"github.com/resyncbot/resyncbot/notify"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// configYAML is the configuration the tests use: prod posts notices to a
// Slack status channel and two Teams webhooks; %s holds the notices block.
const configYAML = `
people:
  alice: {slack: UALICE}
roles:
  engineers: {people: [alice]}
  approvers: {people: [alice]}
platforms:
  teams:
    webhooks:
      users: ${TEAMS_USERS}
      status: ${TEAMS_STATUS}
notify:
  max_attempts: ${MAX_ATTEMPTS:-8}
environments:
  staging:
    label: Staging
    timezone: America/New_York
    ops_channel: {slack: CSTAGOPS}
    status_channels: {slack: [CSTAGSTATUS]}
    elasticsearch: {urls: ["http://localhost:9200"]}
    indexes: &ix
      - alias: masterdoctorindex
        mapping: m.json
        source: {type: generate, count: 10}
  prod:
    label: Production
    production: true
    timezone: Europe/London
    ops_channel: {slack: COPS}
    status_channels:
      slack: [CSTATUS]
      teams: [users, status]
    elasticsearch: {urls: ["http://localhost:9200"]}
    indexes: *ix
%s
`

// parseConfig parses configYAML with notices (indented under prod) and vars.
func parseConfig(t *testing.T, notices string, vars map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.json"), []byte(`{"mappings":{"properties":{"a":{"type":"keyword"}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if vars == nil {
		vars = map[string]string{}
	}
	for _, k := range []string{"TEAMS_USERS", "TEAMS_STATUS"} {
		if vars[k] == "" {
			vars[k] = "https://teams.invalid/workflows/" + k + "/invoke?sig=unused-" + k
		}
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(configYAML, notices)), dir, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// fakeChat is a chat platform that records posts per channel. fail, when
// set, injects a fault into a post (the n-th to that channel, from 1).
type fakeChat struct {
	mu      sync.Mutex
	posts   map[string][]chat.Message
	calls   map[string]int
	fail    func(channel string, n int) error
	changed chan struct{}
}

func newFakeChat() *fakeChat {
	return &fakeChat{posts: map[string][]chat.Message{}, calls: map[string]int{}, changed: make(chan struct{})}
}

func (f *fakeChat) Post(ctx context.Context, channel string, m chat.Message) (chat.Ref, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer func() { close(f.changed); f.changed = make(chan struct{}) }()
	f.calls[channel]++
	if f.fail != nil {
		if err := f.fail(channel, f.calls[channel]); err != nil {
			return chat.Ref{}, err
		}
	}
	f.posts[channel] = append(f.posts[channel], m)
	return chat.Ref{Platform: chat.Slack, Channel: channel, ID: fmt.Sprint(len(f.posts[channel]))}, nil
}

func (f *fakeChat) Update(context.Context, chat.Ref, chat.Message) error {
	return errors.New("fakeChat: update not expected")
}

func (f *fakeChat) Ephemeral(context.Context, string, string, chat.Message) error {
	return errors.New("fakeChat: ephemeral not expected")
}

func (f *fakeChat) Reply(context.Context, chat.Ref, chat.Message) (chat.Ref, error) {
	return chat.Ref{}, errors.New("fakeChat: reply not expected")
}

func (f *fakeChat) Posts(channel string) []chat.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chat.Message(nil), f.posts[channel]...)
}

// lockedBuffer is a log sink safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fixture is a configuration wired to fakes and a private corner of Redis.
type fixture struct {
	t      *testing.T
	redis  *redistest.Redis
	teams  *teamsfake.Server
	chat   *fakeChat
	cfg    *config.Config
	outbox *notify.Outbox
	logs   *lockedBuffer
	log    zerolog.Logger

	mu     sync.Mutex
	sleeps []time.Duration
}

func newFixture(t *testing.T, vars map[string]string) *fixture {
	t.Helper()
	f := &fixture{t: t, redis: redistest.New(t), teams: teamsfake.New(t, "users", "status"), chat: newFakeChat(), logs: &lockedBuffer{}}
	if vars == nil {
		vars = map[string]string{}
	}
	vars["TEAMS_USERS"], vars["TEAMS_STATUS"] = f.teams.URL("users"), f.teams.URL("status")
	f.cfg = parseConfig(t, "", vars)
	f.outbox = notify.NewOutbox(f.redis.Client, f.redis.Prefix)
	f.log = zerolog.New(f.logs)
	t.Cleanup(func() {
		for _, name := range f.teams.Names() {
			if sig := f.teams.Signature(name); strings.Contains(f.logs.String(), sig) {
				t.Errorf("the signature of webhook %s is in the logs:\n%s", name, f.logs.String())
			}
		}
	})
	return f
}

// delivery returns a Delivery over the fixture's fakes that records its
// waits instead of sleeping them, with a short visibility and poll.
func (f *fixture) delivery(consumer string, opts ...notify.DeliveryOption) *notify.Delivery {
	base := []notify.DeliveryOption{
		notify.WithConsumer(consumer),
		notify.WithVisibility(300 * time.Millisecond),
		notify.WithPoll(50 * time.Millisecond),
		notify.WithSleep(func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			f.sleeps = append(f.sleeps, d)
			f.mu.Unlock()
			return ctx.Err()
		}),
		notify.WithBackoff(func(int) time.Duration { return time.Millisecond }),
	}
	return notify.NewDelivery(f.cfg, f.outbox, map[string]chat.Chat{chat.Slack: f.chat}, nil, f.log, append(base, opts...)...)
}

// start runs d until the returned stop is called (or the test ends).
func (f *fixture) start(d *notify.Delivery) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					f.t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				f.t.Errorf("Run did not return after its context ended")
			}
		})
	}
	f.t.Cleanup(stop)
	return stop
}

func (f *fixture) waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// startNotice renders a start notice of prod with the given id.
func (f *fixture) startNotice(id string) notify.Notice {
	f.t.Helper()
	at := time.Date(2026, time.March, 3, 16, 5, 0, 0, time.UTC)
	n, err := notify.RenderNotice(f.cfg.Environments["prod"], notify.EventStart, notify.NoticeData{Started: at, FinishBy: at.Add(25 * time.Minute), At: at})
	if err != nil {
		f.t.Fatal(err)
	}
	n.ID = id
	return n
}

// notice renders a manual notice of prod whose text names id, so each
// destination's copy can be told apart.
func (f *fixture) notice(id string) notify.Notice {
	f.t.Helper()
	n, err := notify.RenderNotice(f.cfg.Environments["prod"], notify.EventManual,
		notify.NoticeData{State: notify.StateInvestigating, Text: "Problem " + id, At: time.Now()})
	if err != nil {
		f.t.Fatal(err)
	}
	n.ID = id
	return n
}

// cardsOf counts the cards of webhook that carry notice id's text.
func (f *fixture) cardsOf(webhook, id string) int {
	n := 0
	for _, c := range f.teams.Cards(webhook) {
		if strings.Contains(c.PlainText(), "Problem "+id+".") {
			n++
		}
	}
	return n
}

// postsOf counts the posts in channel that carry notice id's text.
func (f *fixture) postsOf(channel, id string) int {
	return countText(f.chat.Posts(channel), "Problem "+id+".")
}

func (f *fixture) enqueue(n notify.Notice) {
	f.t.Helper()
	ok, err := f.outbox.Enqueue(context.Background(), n)
	if err != nil || !ok {
		f.t.Fatalf("Enqueue(%s) = %v, %v; want true, nil", n.ID, ok, err)
	}
}

func (f *fixture) status(id string) notify.Status {
	f.t.Helper()
	st, err := f.outbox.Status(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settled waits until notice id is delivered or given up everywhere.
func (f *fixture) settled(id string) notify.Status {
	f.t.Helper()
	var st notify.Status
	eventually(f.t, "notice "+id+" to settle", func() bool {
		var err error
		st, err = f.outbox.Status(context.Background(), id)
		return err == nil && !st.Done.IsZero()
	})
	return st
}

// countText counts the messages whose title or text contains text.
func countText(ms []chat.Message, text string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Title+"\n"+m.Text, text) {
			n++
		}
	}
	return n
}
