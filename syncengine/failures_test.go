package syncengine_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/syncengine"
)

func TestAbortMidCopyLeavesLiveUntouched(t *testing.T) {
	f := newFixture(t, envOpts{docs: 20000, recDocs: 100})
	first := f.run(syncengine.Request{})
	live := f.aliasTarget("masterdoctorindex")

	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 20 * time.Millisecond})
	j := f.start(syncengine.Request{})
	var writtenAtAbort int64
	poll(t, 20*time.Second, func() bool {
		cur, _ := f.engine.Job(context.Background(), j.ID)
		writtenAtAbort = cur.Written
		return cur.Written >= 500
	})
	res, err := f.engine.Abort(context.Background(), j.ID, "bob")
	if err != nil || res.Ended {
		t.Fatalf("abort: %+v %v", res, err)
	}
	done := f.waitDone(j.ID)
	if done.State != syncengine.StateAborted || done.AbortedBy != "bob" {
		t.Fatalf("job after abort: %s by %q (%s)", done.State, done.AbortedBy, done.Error)
	}
	poll(t, 5*time.Second, func() bool {
		for _, ev := range snapshot(f.events) {
			if ev.Kind == syncengine.EventFinished && ev.JobID == j.ID {
				return ev.Job.AbortedBy == "bob"
			}
		}
		return false
	})
	// Seen before the next batch: at most the batch in flight and the one after it.
	if extra := done.Written - writtenAtAbort; extra > 2*100 {
		t.Errorf("%d documents written after the abort, want at most two batches", extra)
	}
	if got := f.aliasTarget("masterdoctorindex"); got != live {
		t.Errorf("live alias moved to %s", got)
	}
	if f.exists("masterdoctorindex-" + j.Generation) {
		t.Error("the aborted job's new index still exists")
	}
	if n := f.count("masterdoctorindex"); n != 20000 {
		t.Errorf("live data holds %d documents, want 20000", n)
	}
	again, err := f.engine.Abort(context.Background(), j.ID, "bob")
	if err != nil || !again.Ended || again.Swapped {
		t.Errorf("second abort = %+v %v", again, err)
	}
	fin, err := f.engine.Abort(context.Background(), first.ID, "bob")
	if err != nil || !fin.Ended || !fin.Swapped {
		t.Errorf("abort of a finished job = %+v %v; want ended and swapped (offer restore)", fin, err)
	}
}

func TestMisconfiguredRenameIsRefusedBeforeSwap(t *testing.T) {
	// The incident: traineeInfo should become recommendationInfo; a typo in the
	// rename and a non-strict mapping index the data under the wrong name.
	loose := writeFile(t, "recommendationindex.json", `{"settings":{"number_of_shards":1},"mappings":{"dynamic":true,"properties":{"gmcReferenceNumber":{"type":"keyword"}}}}`)
	f := newFixture(t, envOpts{docs: 100, recDocs: 250, recMapping: loose, rename: "{traineeInfo: recommendationinfo}"})
	first := f.run(syncengine.Request{Index: "masterdoctorindex"})
	_ = first
	j := f.run(syncengine.Request{Index: "recommendationindex"})
	if j.State != syncengine.StateFailed {
		t.Fatalf("job: %s", j.State)
	}
	contains(t, j.Error, "documents missing recommendationInfo expected 0, found 250")
	contains(t, j.Error, "Live data unchanged")
	if f.aliasTarget("recommendationindex") != "" {
		t.Error("the alias was created despite the failed check")
	}
	if !f.exists("recommendationindex-" + j.Generation) {
		t.Error("the refused index was not kept for inspection")
	}
	var failed int
	for _, c := range j.Checks {
		if !c.OK {
			failed++
			if len(c.Examples) == 0 {
				t.Errorf("failed check without example ids: %+v", c)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d failed checks, want 1: %+v", failed, j.Checks)
	}
}

func TestCountMismatchIsRefused(t *testing.T) {
	// Two source records share a key: 3 written, 2 documents in the index.
	nd := writeFile(t, "doctors.ndjson", `{"gmcReferenceNumber":"1000001","designatedBody":"1-AIIDR8"}
{"gmcReferenceNumber":"1000002","designatedBody":"1-AIIDWA"}
{"gmcReferenceNumber":"1000001","designatedBody":"1-AIIDVS"}
`)
	f := newFixture(t, envOpts{extra: func(c *config.Config) {
		c.Environments["prod"].Indexes[0].Source = config.Source{Type: config.SourceNDJSON, Path: nd}
	}})
	j := f.run(syncengine.Request{Index: "masterdoctorindex"})
	if j.State != syncengine.StateFailed {
		t.Fatalf("job: %s", j.State)
	}
	contains(t, j.Error, "document count expected 3, found 2")
	if f.aliasTarget("masterdoctorindex") != "" {
		t.Error("alias created despite the count mismatch")
	}
}

func TestItem429StormFinishesCorrect(t *testing.T) {
	f := newFixture(t, envOpts{docs: 3000, recDocs: 100})
	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", ItemRate: 0.4, ItemStatus: 429, Times: 8})
	j := f.run(syncengine.Request{})
	if j.State != syncengine.StateSucceeded {
		t.Fatalf("job: %s %s", j.State, j.Error)
	}
	if j.Retries == 0 {
		t.Error("no retries counted under a 429 storm")
	}
	if n := f.count("masterdoctorindex"); n != 3000 {
		t.Errorf("index holds %d documents, want 3000", n)
	}
}

func TestPersistentMappingErrorFailsNamingIDs(t *testing.T) {
	// Every 250th record carries a field the strict mapping does not know.
	f := newFixture(t, envOpts{docs: 1000, corrupt: ", corrupt: {rename: {tcsPersonId: tcsPersonID}, every: 250}"})
	f.run(syncengine.Request{Index: "recommendationindex"}) // something live to protect
	live := f.aliasTarget("recommendationindex")
	j := f.run(syncengine.Request{})
	if j.State != syncengine.StateFailed {
		t.Fatalf("job: %s", j.State)
	}
	contains(t, j.Error, "strict_dynamic_mapping_exception")
	contains(t, j.Error, "masterdoctorindex-"+j.Generation)
	gen, _ := syncengine.NewGenerator(syncengine.KindDoctor, 7, nil)
	contains(t, j.Error, "id "+gen.ID(249)) // the first damaged record
	if strings.Contains(j.Error, "id "+gen.ID(248)+":") {
		t.Errorf("error names an undamaged document: %s", j.Error)
	}
	if f.aliasTarget("recommendationindex") != live || f.aliasTarget("masterdoctorindex") != "" {
		t.Error("aliases moved")
	}
	if f.exists("masterdoctorindex-" + j.Generation) {
		t.Error("the failed job's index was left behind")
	}
}

func TestElasticsearchDownAtStartCreatesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	f := newFixture(t, envOpts{esURL: dead, extra: func(c *config.Config) {
		c.Environments["prod"].Elasticsearch.MaxRetries = 1
	}})
	res, err := f.engine.StartJob(context.Background(), syncengine.Request{Env: "prod", Requester: "alice"})
	if err == nil {
		t.Fatalf("start succeeded against a dead cluster: %+v", res)
	}
	contains(t, err.Error(), "reach elasticsearch")
	hist, _ := f.engine.History(context.Background(), "prod", 10)
	if len(hist) != 0 {
		t.Errorf("a job was recorded: %+v", hist[0])
	}
	if j, _ := f.engine.Running(context.Background(), "prod"); j != nil {
		t.Errorf("the lock is held by %s", j.ID)
	}
	if n := f.redis.Client.Exists(context.Background(), f.redis.Prefix+"lock:prod").Val(); n != 0 {
		t.Error("the environment lock was left behind")
	}
}

func TestRedisUnavailableMidRunFailsCleanlyWithoutSwap(t *testing.T) {
	f := newFixture(t, envOpts{docs: 20000, recDocs: 100})
	f.run(syncengine.Request{Index: "masterdoctorindex"})
	live := f.aliasTarget("masterdoctorindex")

	proxy := newTCPProxy(t, f.redis.Addr)
	client := redis.NewClient(&redis.Options{Addr: proxy.addr(), DB: f.redis.DB, MaxRetries: -1, DialerRetries: 1, DialTimeout: 100 * time.Millisecond, ReadTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { client.Close() })
	e, err := syncengine.New(client, f.cfg, syncengine.Options{Prefix: f.redis.Prefix, LockTTL: 30 * time.Second, RetryBase: 10 * time.Millisecond, RedisAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	t.Cleanup(e.Subscribe(rec))
	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 10 * time.Millisecond})
	res, err := e.StartJob(context.Background(), syncengine.Request{Env: "prod", Index: "masterdoctorindex", Requester: "alice"})
	if err != nil || res.Job == nil {
		t.Fatalf("start: %+v %v", res, err)
	}
	poll(t, 20*time.Second, func() bool {
		j, _ := f.engine.Job(context.Background(), res.Job.ID)
		return j.Written >= 300
	})
	proxy.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.Wait(ctx, res.Job.ID); err != nil {
		t.Fatalf("job did not stop with Redis gone: %v", err)
	}
	var final syncengine.Event
	poll(t, 5*time.Second, func() bool {
		for _, ev := range snapshot(rec) {
			if ev.Kind == syncengine.EventFinished {
				final = ev
				return true
			}
		}
		return false
	})
	if final.State != syncengine.StateFailed {
		t.Fatalf("final event = %+v", final)
	}
	contains(t, final.Error, "Redis could not be reached")
	if got := f.aliasTarget("masterdoctorindex"); got != live {
		t.Errorf("alias moved to %s without Redis", got)
	}
}

func snapshot(r *recorder) []syncengine.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]syncengine.Event(nil), r.events...)
}

func TestWholeRequest429sAreRetriedByTheTransport(t *testing.T) {
	f := newFixture(t, envOpts{docs: 1000, recDocs: 100})
	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", Status: 429, Times: 2})
	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", Status: 503, Times: 1})
	j := f.run(syncengine.Request{})
	if j.State != syncengine.StateSucceeded {
		t.Fatalf("job: %s %s", j.State, j.Error)
	}
	if n := f.count("masterdoctorindex"); n != 1000 {
		t.Errorf("index holds %d documents, want 1000", n)
	}
	var refused int
	for _, r := range f.es.Requests() {
		if r.Status == 429 || r.Status == 503 {
			refused++
		}
	}
	if refused != 3 {
		t.Errorf("%d refused bulk requests seen, want the 3 injected", refused)
	}
}
