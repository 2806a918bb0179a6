package syncengine_test

import (
	"context"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/syncengine"
)

// TestLostSwapAnswerNeverDeletesLiveData: Elasticsearch moves the aliases
// but its answer is lost, so the job fails. Its new indexes are now live
// and must not be deleted as "the failed job's".
func TestLostSwapAnswerNeverDeletesLiveData(t *testing.T) {
	f := newFixture(t, envOpts{docs: 500, recDocs: 100})
	f.es.AddFault(esemu.Fault{Method: "POST", Path: "/_aliases", Status: 500, AfterHandling: true})
	j := f.run(syncengine.Request{})
	if j.State != syncengine.StateFailed {
		t.Fatalf("job: %s (want failed: the swap's answer was lost)", j.State)
	}
	live := f.aliasTarget("masterdoctorindex")
	if live != "masterdoctorindex-"+j.Generation {
		t.Fatalf("alias points at %q", live)
	}
	if !f.exists(live) || f.count("masterdoctorindex") != 500 {
		t.Errorf("the live index was deleted or emptied after a lost swap answer")
	}
	contains(t, j.Error, "the new data is live")
}

// TestAbortRefusedOnceTheSwapBegan: once a job is in its swap, an abort can
// no longer promise "live data unchanged".
func TestAbortRefusedOnceTheSwapBegan(t *testing.T) {
	f := newFixture(t, envOpts{docs: 20000})
	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 20 * time.Millisecond})
	j := f.start(syncengine.Request{})
	poll(t, 10*time.Second, func() bool {
		cur, _ := f.engine.Job(context.Background(), j.ID)
		return cur.Written > 0
	})
	// The runner entering its swap, as enterSwap records it.
	if err := f.redis.Client.HSet(context.Background(), f.redis.Prefix+"job:"+j.ID, "stage", "swap").Err(); err != nil {
		t.Fatal(err)
	}
	res, err := f.engine.Abort(context.Background(), j.ID, "bob")
	if err != nil || !res.Swapped {
		t.Fatalf("abort during the swap = %+v %v, want Swapped", res, err)
	}
	if n := f.redis.Client.Exists(context.Background(), f.redis.Prefix+"job:"+j.ID+":abort").Val(); n != 0 {
		t.Error("the abort flag was set although the job is swapping")
	}
	f.es.ClearFaults()
	if done := f.waitDone(j.ID); done.State != syncengine.StateSucceeded {
		t.Errorf("job: %s %s", done.State, done.Error)
	}
}

// TestResumedJobDoesNotUndoARestore: a job that swapped and died before it
// ended is resumed after someone restored the previous data; it must finish
// without swapping again.
func TestResumedJobDoesNotUndoARestore(t *testing.T) {
	f := newFixture(t, envOpts{docs: 200, recDocs: 50})
	g1 := f.run(syncengine.Request{}).Generation
	j2 := f.run(syncengine.Request{})
	if _, err := f.engine.Restore(context.Background(), "prod", g1, "bob"); err != nil {
		t.Fatal(err)
	}
	// As if j2's process had died during prune: still running, lock lapsed.
	ctx := context.Background()
	f.redis.Client.HSet(ctx, f.redis.Prefix+"job:"+j2.ID, "state", "running", "stage", "prune")
	f.redis.Client.SAdd(ctx, f.redis.Prefix+"jobs:active", j2.ID)
	resumed, err := f.engine.Recover(ctx)
	if err != nil || len(resumed) != 1 {
		t.Fatalf("recover: %v %v", resumed, err)
	}
	if done := f.waitDone(j2.ID); done.State != syncengine.StateSucceeded {
		t.Fatalf("resumed job: %s %s", done.State, done.Error)
	}
	if got := f.aliasTarget("masterdoctorindex"); got != "masterdoctorindex-"+g1 {
		t.Errorf("the resumed job swapped back over the restore: alias at %s", got)
	}
}
