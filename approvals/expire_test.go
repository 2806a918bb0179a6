package approvals_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/approvals"
)

func TestExpire(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	soon := f.create(1, 10*time.Minute)
	later := f.create(1, time.Hour)
	decided := f.create(1, 10*time.Minute)
	f.do(decided.ID, approve("bob"))

	if got, err := f.store.Expire(ctx); err != nil || len(got) != 0 {
		t.Fatalf("expire before any is due: %v (%v), want none", got, err)
	}
	f.clock.Advance(10 * time.Minute)
	got, err := f.store.Expire(ctx)
	if err != nil {
		t.Fatalf("expire: %v", err)
	}
	if len(got) != 1 || got[0].ID != soon.ID || got[0].State != approvals.StateExpired ||
		!got[0].DecidedAt.Equal(soon.Expires) || got[0].DecidedBy != "" {
		t.Fatalf("expired %+v, want only %s, expired at %v", got, soon.ID, soon.Expires)
	}
	if again, err := f.store.Expire(ctx); err != nil || len(again) != 0 {
		t.Errorf("second sweep: %v (%v), want nothing", again, err)
	}
	for id, want := range map[string]approvals.State{soon.ID: approvals.StateExpired, later.ID: approvals.StatePending, decided.ID: approvals.StateApproved} {
		r, err := f.store.Get(ctx, id)
		if err != nil || r.State != want {
			t.Errorf("%s: %v (%v), want %s", id, r, err, want)
		}
	}
	o := f.do(soon.ID, approve("bob"))
	if o.Changed || o.Refusal != approvals.RefusedExpired {
		t.Errorf("vote after the sweep: changed %v refusal %v, want an unchanged expired", o.Changed, o.Refusal)
	}
}

// A click that notices the expiry reports it; the sweep must not report it again.
func TestExpireAfterClickNoticedIt(t *testing.T) {
	f := newFixture(t)
	r := f.create(1, time.Minute)
	f.clock.Advance(2 * time.Minute)
	if o := f.do(r.ID, approve("bob")); !o.Changed || o.Refusal != approvals.RefusedExpired {
		t.Fatalf("vote after expiry: changed %v refusal %v, want the change to expired", o.Changed, o.Refusal)
	}
	if got, err := f.store.Expire(context.Background()); err != nil || len(got) != 0 {
		t.Errorf("sweep after the click: %v (%v), want nothing", got, err)
	}
}

func TestConcurrentSweepsReportEachExpiryOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const due = 30
	want := map[string]bool{}
	for range due {
		want[f.create(1, time.Minute).ID] = true
	}
	open := f.create(1, time.Hour)
	f.clock.Advance(time.Minute)

	stores := []*approvals.Store{f.store, f.replica(), f.replica(), f.replica()}
	results := make([][]*approvals.Request, len(stores))
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i, s := range stores {
		wg.Go(func() {
			<-ready
			results[i], errs[i] = s.Expire(ctx)
		})
	}
	close(ready)
	wg.Wait()

	seen := map[string]int{}
	for i, rs := range results {
		if errs[i] != nil {
			t.Fatalf("store %d: %v", i, errs[i])
		}
		for _, r := range rs {
			seen[r.ID]++
			if r.State != approvals.StateExpired {
				t.Errorf("%s returned in state %s", r.ID, r.State)
			}
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("%s reported %d times, want once", id, seen[id])
		}
	}
	if len(seen) != due {
		t.Errorf("%d requests reported, want %d", len(seen), due)
	}
	expiredEntries := 0
	for id := range want {
		for _, e := range f.audit(id) {
			if e.Action == "approval.expired" {
				expiredEntries++
			}
		}
	}
	if expiredEntries != due {
		t.Errorf("%d approval.expired audit entries, want %d", expiredEntries, due)
	}
	pending, err := f.store.Pending(ctx, "prod")
	if err != nil || len(pending) != 1 || pending[0].ID != open.ID {
		t.Errorf("pending after the sweeps: %v (%v), want only %s", pending, err, open.ID)
	}
}
