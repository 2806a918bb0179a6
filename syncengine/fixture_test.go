package syncengine_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/internal/redistest"
	"github.com/resyncbot/resyncbot/syncengine"
)

// fixture is one engine against a private emulator and a private corner of Redis.
type fixture struct {
	t      *testing.T
	es     *esemu.Emulator
	esURL  string
	redis  *redistest.Redis
	cfg    *config.Config
	engine *syncengine.Engine
	events *recorder
}

// envYAML is the environment the tests rebuild; %s is the Elasticsearch URL,
// and extra is spliced into the first index.
const envYAML = `
people:
  alice: {slack: UALICE}
  bob: {slack: UBOB}
roles:
  engineers: {people: [alice, bob]}
  approvers: {people: [bob]}
environments:
  prod:
    production: true
    approvals: {resync: 1}
    ops_channel: {slack: COPS}
    elasticsearch: {urls: ["%s"]}
    batch_size: 100
    workers: 2
    generations_kept: 2
    indexes:
      - alias: masterdoctorindex
        mapping: %s/masterdoctorindex.json
        source: {type: generate, count: %d, kind: doctor, seed: 7%s}
        transform: {id_field: gmcReferenceNumber}
        required_fields: [gmcReferenceNumber, designatedBody]
      - alias: recommendationindex
        mapping: %s
        source: {type: generate, count: %d, kind: recommendation, seed: 8}
        transform: {id_field: gmcReferenceNumber, rename: %s}
        required_fields: [gmcReferenceNumber, recommendationInfo]
`

type envOpts struct {
	docs, recDocs int
	corrupt       string // spliced into the doctor source, e.g. ", corrupt: {…}"
	recMapping    string // path of the recommendation mapping file
	rename        string // the recommendation transform's rename map
	esURL         string // overrides the emulator's URL
	extra         func(*config.Config)
}

func mappings(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../examples/mappings")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func loadConfig(t *testing.T, esURL string, o envOpts) *config.Config {
	t.Helper()
	if o.docs == 0 {
		o.docs = 1000
	}
	if o.recDocs == 0 {
		o.recDocs = 300
	}
	if o.recMapping == "" {
		o.recMapping = mappings(t) + "/recommendationindex.json"
	}
	if o.rename == "" {
		o.rename = "{traineeInfo: recommendationInfo}"
	}
	if o.esURL != "" {
		esURL = o.esURL
	}
	text := fmt.Sprintf(envYAML, esURL, mappings(t), o.docs, o.corrupt, o.recMapping, o.recDocs, o.rename)
	cfg, err := config.Parse([]byte(text), t.TempDir(), func(string) string { return "" })
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	if o.extra != nil {
		o.extra(cfg)
	}
	return cfg
}

func newFixture(t *testing.T, o envOpts) *fixture {
	t.Helper()
	es := esemu.New()
	srv := httptest.NewServer(es)
	t.Cleanup(srv.Close)
	f := &fixture{t: t, es: es, esURL: srv.URL, redis: redistest.New(t), events: &recorder{}}
	f.cfg = loadConfig(t, srv.URL, o)
	f.engine = f.newEngine(f.cfg)
	t.Cleanup(f.engine.Subscribe(f.events))
	return f
}

// newEngine makes another engine (a replica) on the same Redis and cluster.
func (f *fixture) newEngine(cfg *config.Config) *syncengine.Engine {
	f.t.Helper()
	e, err := syncengine.New(f.redis.Client, cfg, syncengine.Options{
		Prefix:    f.redis.Prefix,
		LockTTL:   time.Second,
		RetryBase: 5 * time.Millisecond,
		Logger:    zerolog.New(zerolog.NewTestWriter(f.t)).Level(zerolog.WarnLevel),
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.Stop(ctx)
	})
	return e
}

func (f *fixture) start(req syncengine.Request) *syncengine.Job {
	f.t.Helper()
	if req.Env == "" {
		req.Env = "prod"
	}
	if req.Requester == "" {
		req.Requester = "alice"
	}
	res, err := f.engine.StartJob(context.Background(), req)
	if err != nil {
		f.t.Fatalf("start job: %v", err)
	}
	if res.Job == nil {
		f.t.Fatalf("start job: busy: %+v", res.Busy)
	}
	return res.Job
}

// waitState polls the job record until it reaches a final state.
func (f *fixture) waitDone(id string) *syncengine.Job {
	f.t.Helper()
	var j *syncengine.Job
	poll(f.t, 30*time.Second, func() bool {
		var err error
		j, err = f.engine.Job(context.Background(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		return j.State.Done()
	})
	return j
}

// run starts a job and waits for it to end.
func (f *fixture) run(req syncengine.Request) *syncengine.Job {
	f.t.Helper()
	return f.waitDone(f.start(req).ID)
}

// aliasTarget returns the single index alias points at ("" if none).
func (f *fixture) aliasTarget(alias string) string {
	f.t.Helper()
	names, err := f.engine.Target("prod").AliasIndexes(context.Background(), alias)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(names) > 1 {
		f.t.Fatalf("alias %s points at %v", alias, names)
	}
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

func (f *fixture) exists(index string) bool {
	f.t.Helper()
	ok, err := f.engine.Target("prod").Exists(context.Background(), index)
	if err != nil {
		f.t.Fatal(err)
	}
	return ok
}

func (f *fixture) count(index string) int64 {
	f.t.Helper()
	n, err := f.engine.Target("prod").Count(context.Background(), index, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// poll calls cond until it is true, failing the test after limit.
func poll(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder is a subscriber that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []syncengine.Event
	hook   func(syncengine.Event)
}

func (r *recorder) Publish(ev syncengine.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(ev)
	}
}

func (r *recorder) setHook(h func(syncengine.Event)) {
	r.mu.Lock()
	r.hook = h
	r.mu.Unlock()
}

func (r *recorder) messages(job string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		if ev.JobID == job && ev.Message != "" {
			out = append(out, ev.Message)
		}
	}
	return out
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func contains(t *testing.T, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Errorf("%q does not contain %q", s, want)
	}
}

func isErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v is not %v", err, target)
	}
}
