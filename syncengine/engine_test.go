package syncengine_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/syncengine"
)

func TestMain(m *testing.M) { childOrTests(m) }

func TestResyncBuildsNewIndexesAndSwapsAtomically(t *testing.T) {
	f := newFixture(t, envOpts{docs: 1000, recDocs: 300})
	first := f.run(syncengine.Request{Reason: "first"})
	if first.State != syncengine.StateSucceeded {
		t.Fatalf("first job: %s %s", first.State, first.Error)
	}
	liveDoc := f.aliasTarget("masterdoctorindex")
	if want := "masterdoctorindex-" + first.Generation; liveDoc != want {
		t.Fatalf("alias points at %q, want %q", liveDoc, want)
	}
	if n := f.count("masterdoctorindex"); n != 1000 {
		t.Errorf("masterdoctorindex holds %d documents, want 1000", n)
	}
	if n := f.count("recommendationindex"); n != 300 {
		t.Errorf("recommendationindex holds %d documents, want 300", n)
	}
	if first.Written != 1300 || first.Total != 1300 {
		t.Errorf("job counts written=%d total=%d, want 1300/1300", first.Written, first.Total)
	}
	for _, c := range first.Checks {
		if !c.OK {
			t.Errorf("check failed: %+v", c)
		}
	}
	if len(first.Checks) != 6 {
		t.Errorf("got %d checks, want 6 (count + 2 required per index)", len(first.Checks))
	}

	// A second run builds beside the live data and moves both aliases in one _aliases call.
	f.es.ResetRequests()
	second := f.run(syncengine.Request{Reason: "second"})
	if second.State != syncengine.StateSucceeded {
		t.Fatalf("second job: %s %s", second.State, second.Error)
	}
	var aliasCalls int
	for _, r := range f.es.Requests() {
		if r.Path == "/_aliases" {
			aliasCalls++
		}
		if r.Method == "DELETE" && strings.Contains(r.Path, first.Generation) {
			t.Errorf("the previous generation was deleted: %s %s", r.Method, r.Path)
		}
	}
	if aliasCalls != 1 {
		t.Errorf("%d _aliases calls, want exactly 1", aliasCalls)
	}
	if got := f.aliasTarget("recommendationindex"); got != "recommendationindex-"+second.Generation {
		t.Errorf("recommendation alias points at %s", got)
	}
	if !f.exists(liveDoc) {
		t.Errorf("previous generation %s was not kept for restore", liveDoc)
	}
	gens, err := f.engine.Generations(context.Background(), "prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != 2 || gens[0].ID != second.Generation || gens[1].ID != first.Generation {
		t.Fatalf("generations = %v", genIDs(gens))
	}
	if gens[0].Replaced != first.Generation || gens[0].Counts["masterdoctorindex"] != 1000 {
		t.Errorf("live generation record = %+v", gens[0])
	}

	msgs := strings.Join(f.events.messages(second.ID), "|")
	for _, want := range []string{"copy", "verify", "swapped", "prune"} {
		contains(t, msgs, want)
	}
}

func TestSingleIndexResyncLeavesOtherAliases(t *testing.T) {
	f := newFixture(t, envOpts{docs: 300, recDocs: 200})
	first := f.run(syncengine.Request{})
	j := f.run(syncengine.Request{Index: "recommendationindex"})
	if j.State != syncengine.StateSucceeded {
		t.Fatalf("job: %s %s", j.State, j.Error)
	}
	if got := f.aliasTarget("masterdoctorindex"); got != "masterdoctorindex-"+first.Generation {
		t.Errorf("untouched alias moved to %s", got)
	}
	if got := f.aliasTarget("recommendationindex"); got != "recommendationindex-"+j.Generation {
		t.Errorf("rebuilt alias points at %s", got)
	}
	if j.Total != 200 {
		t.Errorf("single-index job total = %d, want 200", j.Total)
	}
}

func TestFirstRunAdoptsExistingAliasForRestore(t *testing.T) {
	f := newFixture(t, envOpts{docs: 200, recDocs: 100})
	// The application's hand-made index, behind the alias before resyncbot existed.
	legacy := seedLegacy(t, f, "masterdoctorindex", "masterdoctorindex_v1", 5)
	j := f.run(syncengine.Request{})
	if j.State != syncengine.StateSucceeded {
		t.Fatalf("job: %s %s", j.State, j.Error)
	}
	res, err := f.engine.Restore(context.Background(), "prod", "", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if res.To.Action != syncengine.ActionRestore || f.aliasTarget("masterdoctorindex") != legacy {
		t.Fatalf("restore went to %+v; alias at %s", res.To, f.aliasTarget("masterdoctorindex"))
	}
}

func TestTwoEnginesRaceForOneEnvExactlyOneRuns(t *testing.T) {
	f := newFixture(t, envOpts{docs: 2000})
	replicas := []*syncengine.Engine{f.engine, f.newEngine(f.cfg), f.newEngine(f.cfg), f.newEngine(f.cfg)}
	var wg sync.WaitGroup
	results := make([]syncengine.StartResult, len(replicas))
	errs := make([]error, len(replicas))
	for i, e := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.StartJob(context.Background(), syncengine.Request{Env: "prod", Requester: "alice"})
		}()
	}
	wg.Wait()
	var started *syncengine.Job
	busy := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		switch {
		case r.Job != nil && started != nil:
			t.Fatalf("two jobs started: %s and %s", started.ID, r.Job.ID)
		case r.Job != nil:
			started = r.Job
		default:
			busy++
			if r.Busy.Holder == "" {
				t.Errorf("busy without a holder: %+v", r.Busy)
			}
		}
	}
	if started == nil || busy != len(replicas)-1 {
		t.Fatalf("started=%v busy=%d", started, busy)
	}
	for _, r := range results {
		if r.Busy != nil && r.Busy.Job != nil && r.Busy.Job.ID != started.ID {
			t.Errorf("busy names job %s, want %s", r.Busy.Job.ID, started.ID)
		}
	}
	if j := f.waitDone(started.ID); j.State != syncengine.StateSucceeded {
		t.Fatalf("job: %s %s", j.State, j.Error)
	}
	hist, _ := f.engine.History(context.Background(), "prod", 10)
	if len(hist) != 1 {
		t.Errorf("history holds %d jobs, want 1", len(hist))
	}
}

func TestBusyNamesRequesterAndProgress(t *testing.T) {
	f := newFixture(t, envOpts{docs: 3000})
	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 50_000_000}) // 50ms a batch
	j := f.start(syncengine.Request{Requester: "alice", Reason: "GMC refresh"})
	poll(t, 10e9, func() bool {
		cur, _ := f.engine.Job(context.Background(), j.ID)
		return cur.Written > 0
	})
	res, err := f.engine.StartJob(context.Background(), syncengine.Request{Env: "prod", Requester: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Job != nil || res.Busy == nil || res.Busy.Job == nil {
		t.Fatalf("second request = %+v", res)
	}
	if res.Busy.Job.Requester != "alice" || res.Busy.Job.Written == 0 || res.Busy.Job.Total != 3300 {
		t.Errorf("busy job = %+v", res.Busy.Job)
	}
	f.es.ClearFaults()
	f.waitDone(j.ID)
}

func TestPlanDescribesWithoutChanging(t *testing.T) {
	f := newFixture(t, envOpts{docs: 400, recDocs: 100})
	p, err := f.engine.Plan(context.Background(), "prod", "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 500 || len(p.Indexes) != 2 || p.Live != nil || p.Estimate != 0 {
		t.Fatalf("plan before any run = %+v", p)
	}
	first := f.run(syncengine.Request{})
	p, err = f.engine.Plan(context.Background(), "prod", "masterdoctorindex")
	if err != nil {
		t.Fatal(err)
	}
	if p.Live == nil || p.Live.ID != first.Generation || p.Rate <= 0 || p.Estimate < 0 {
		t.Fatalf("plan after a run = %+v", p)
	}
	if p.Indexes[0].LiveIndex != "masterdoctorindex-"+first.Generation || p.Indexes[0].LiveDocs != 400 {
		t.Errorf("plan index = %+v", p.Indexes[0])
	}
	if len(p.KeptForRestore) != 1 || p.KeptForRestore[0] != first.Generation {
		t.Errorf("kept for restore = %v", p.KeptForRestore)
	}
	if _, err := f.engine.Plan(context.Background(), "prd", ""); err == nil {
		t.Error("plan of an unknown env succeeded")
	}
}

func genIDs(gens []*syncengine.Generation) []string {
	var out []string
	for _, g := range gens {
		out = append(out, g.ID)
	}
	return out
}

func TestSlowSubscriberDoesNotSlowTheEngine(t *testing.T) {
	f := newFixture(t, envOpts{docs: 3000, recDocs: 100})
	release := make(chan struct{})
	var seen sync.Once
	started := make(chan struct{})
	unsubscribe := f.engine.Subscribe(syncengine.SubscriberFunc(func(syncengine.Event) {
		seen.Do(func() { close(started) })
		<-release // a destination that never answers
	}))
	defer unsubscribe()
	defer close(release)
	j := f.run(syncengine.Request{})
	if j.State != syncengine.StateSucceeded {
		t.Fatalf("job behind a stuck subscriber: %s %s", j.State, j.Error)
	}
	<-started
	// The other subscriber kept receiving events all along.
	if msgs := f.events.messages(j.ID); len(msgs) == 0 {
		t.Error("a stuck subscriber starved the others")
	}
}
