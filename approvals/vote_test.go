package approvals_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/approvals"
)

// step is one click, or the clock moving on. Requests are by alice.
type step struct {
	op     string // "approve", "deny", "cancel", "wait"
	person string
	wait   time.Duration
}

func approve(p string) step     { return step{op: "approve", person: p} }
func deny(p string) step        { return step{op: "deny", person: p} }
func cancel(p string) step      { return step{op: "cancel", person: p} }
func wait(d time.Duration) step { return step{op: "wait", wait: d} }

// do performs s on request id; "wait" gives a zero Outcome.
func (f *fixture) do(id string, s step) approvals.Outcome {
	f.t.Helper()
	var (
		o   approvals.Outcome
		err error
	)
	ctx := context.Background()
	switch s.op {
	case "approve":
		o, err = f.store.Vote(ctx, id, s.person, true)
	case "deny":
		o, err = f.store.Vote(ctx, id, s.person, false)
	case "cancel":
		o, err = f.store.Cancel(ctx, id, s.person)
	case "wait":
		f.clock.Advance(s.wait)
	default:
		f.t.Fatalf("unknown step %q", s.op)
	}
	if err != nil {
		f.t.Fatalf("%s by %s: %v", s.op, s.person, err)
	}
	return o
}

func TestTransitions(t *testing.T) {
	f := newFixture(t)
	const ttl = 30 * time.Minute
	tests := []struct {
		name   string
		needed int
		before []step
		click  step

		state     approvals.State
		changed   bool
		refusal   approvals.Refusal
		decidedBy string
		votes     int
	}{
		{name: "approve decides when one is needed", needed: 1, click: approve("bob"),
			state: approvals.StateApproved, changed: true, decidedBy: "bob", votes: 1},
		{name: "deny decides", needed: 1, click: deny("bob"),
			state: approvals.StateDenied, changed: true, decidedBy: "bob", votes: 1},
		{name: "requester cannot approve", needed: 1, click: approve("alice"),
			state: approvals.StatePending, refusal: approvals.RefusedOwnRequest},
		{name: "requester cannot vote at all", needed: 1, click: deny("alice"),
			state: approvals.StatePending, refusal: approvals.RefusedOwnRequest},
		{name: "first of two approvals is recorded", needed: 2, click: approve("bob"),
			state: approvals.StatePending, changed: true, votes: 1},
		{name: "second approval by the same person is a no-op", needed: 2, before: []step{approve("bob")}, click: approve("bob"),
			state: approvals.StatePending, refusal: approvals.RefusedAlreadyVoted, votes: 1},
		{name: "a deny after one's own approve is a no-op", needed: 2, before: []step{approve("bob")}, click: deny("bob"),
			state: approvals.StatePending, refusal: approvals.RefusedAlreadyVoted, votes: 1},
		{name: "second distinct approver decides", needed: 2, before: []step{approve("bob")}, click: approve("carol"),
			state: approvals.StateApproved, changed: true, decidedBy: "carol", votes: 2},
		{name: "deny after one of two approvals", needed: 2, before: []step{approve("bob")}, click: deny("carol"),
			state: approvals.StateDenied, changed: true, decidedBy: "carol", votes: 2},
		{name: "approve after approved", needed: 1, before: []step{approve("bob")}, click: approve("carol"),
			state: approvals.StateApproved, refusal: approvals.RefusedResolved, decidedBy: "bob", votes: 1},
		{name: "same approver clicks again after approved", needed: 1, before: []step{approve("bob")}, click: approve("bob"),
			state: approvals.StateApproved, refusal: approvals.RefusedResolved, decidedBy: "bob", votes: 1},
		{name: "approve after denied", needed: 1, before: []step{deny("bob")}, click: approve("carol"),
			state: approvals.StateDenied, refusal: approvals.RefusedResolved, decidedBy: "bob", votes: 1},
		{name: "approve after cancelled", needed: 1, before: []step{cancel("alice")}, click: approve("bob"),
			state: approvals.StateCancelled, refusal: approvals.RefusedResolved, decidedBy: "alice"},
		{name: "cancel by the requester", needed: 1, click: cancel("alice"),
			state: approvals.StateCancelled, changed: true, decidedBy: "alice"},
		{name: "cancel by someone else", needed: 1, click: cancel("bob"),
			state: approvals.StatePending, refusal: approvals.RefusedNotRequester},
		{name: "cancel after approved", needed: 1, before: []step{approve("bob")}, click: cancel("alice"),
			state: approvals.StateApproved, refusal: approvals.RefusedResolved, decidedBy: "bob", votes: 1},
		{name: "approve just before expiry", needed: 1, before: []step{wait(ttl - time.Millisecond)}, click: approve("bob"),
			state: approvals.StateApproved, changed: true, decidedBy: "bob", votes: 1},
		{name: "approve at expiry expires it", needed: 1, before: []step{wait(ttl)}, click: approve("bob"),
			state: approvals.StateExpired, changed: true, refusal: approvals.RefusedExpired},
		{name: "the next click after expiry changes nothing", needed: 1, before: []step{wait(ttl + time.Minute), approve("bob")}, click: approve("carol"),
			state: approvals.StateExpired, refusal: approvals.RefusedExpired},
		{name: "the requester's click also notices expiry", needed: 1, before: []step{wait(ttl + time.Minute)}, click: approve("alice"),
			state: approvals.StateExpired, changed: true, refusal: approvals.RefusedExpired},
		{name: "cancel after expiry", needed: 1, before: []step{wait(ttl + time.Minute)}, click: cancel("alice"),
			state: approvals.StateExpired, changed: true, refusal: approvals.RefusedExpired},
		{name: "an approval recorded before expiry does not count after it", needed: 2, before: []step{approve("bob"), wait(ttl)}, click: approve("carol"),
			state: approvals.StateExpired, changed: true, refusal: approvals.RefusedExpired, votes: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			f.clock.Set(start)
			r := f.create(tc.needed, ttl)
			for _, s := range tc.before {
				f.do(r.ID, s)
			}
			o := f.do(r.ID, tc.click)
			if o.Request == nil {
				t.Fatal("outcome without request")
			}
			got := o.Request
			if got.ID != r.ID || got.State != tc.state || o.Changed != tc.changed || o.Refusal != tc.refusal ||
				got.DecidedBy != tc.decidedBy || len(got.Votes) != tc.votes {
				t.Errorf("got state %s changed %v refusal %v decided by %q, %d votes;\nwant state %s changed %v refusal %v decided by %q, %d votes",
					got.State, o.Changed, o.Refusal, got.DecidedBy, len(got.Votes),
					tc.state, tc.changed, tc.refusal, tc.decidedBy, tc.votes)
			}
			if got.State.Final() == got.DecidedAt.IsZero() {
				t.Errorf("state %s with DecidedAt %v", got.State, got.DecidedAt)
			}
			if got.State == approvals.StateExpired && !got.DecidedAt.Equal(got.Expires) {
				t.Errorf("expired with DecidedAt %v, want its expiry %v", got.DecidedAt, got.Expires)
			}
			stored, err := f.store.Get(context.Background(), r.ID)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if !reflect.DeepEqual(stored, got) {
				t.Errorf("stored\n %+v\nthe outcome said\n %+v", stored, got)
			}
			inIndex := f.redis.Client.ZScore(context.Background(), f.redis.Prefix+"approvals:pending", r.ID).Err() == nil
			if inIndex != (got.State == approvals.StatePending) {
				t.Errorf("in pending index: %v, state %s", inIndex, got.State)
			}
		})
	}
}

func TestConcurrentApprovesDecideOnce(t *testing.T) {
	f := newFixture(t)
	r := f.create(1, time.Minute)
	const clicks = 50
	outcomes := make([]approvals.Outcome, clicks)
	errs := make([]error, clicks)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range clicks {
		wg.Go(func() {
			<-ready
			outcomes[i], errs[i] = f.store.Vote(context.Background(), r.ID, fmt.Sprintf("approver-%02d", i), true)
		})
	}
	close(ready)
	wg.Wait()

	var winner string
	for i, o := range outcomes {
		if errs[i] != nil {
			t.Fatalf("click %d: %v", i, errs[i])
		}
		if o.Changed {
			if winner != "" {
				t.Errorf("two clicks changed the request: %s and approver-%02d", winner, i)
			}
			winner = fmt.Sprintf("approver-%02d", i)
			if o.Refusal != approvals.RefusedNone || o.Request.State != approvals.StateApproved || o.Request.DecidedBy != winner {
				t.Errorf("deciding click: %+v refusal %v", o.Request, o.Refusal)
			}
		}
	}
	if winner == "" {
		t.Fatal("no click changed the request")
	}
	for i, o := range outcomes {
		if o.Changed {
			continue
		}
		if o.Refusal != approvals.RefusedResolved || o.Request.State != approvals.StateApproved || o.Request.DecidedBy != winner {
			t.Errorf("click %d: refusal %v state %s decided by %q, want resolved, approved by %s",
				i, o.Refusal, o.Request.State, o.Request.DecidedBy, winner)
		}
	}
	stored, err := f.store.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if len(stored.Votes) != 1 || stored.Votes[0].Person != winner {
		t.Errorf("votes %+v, want only %s's", stored.Votes, winner)
	}

	count := map[string]int{}
	for _, e := range f.audit(r.ID) {
		count[e.Action]++
	}
	want := map[string]int{"approval.request": 1, "approval.vote": clicks, "approval.approved": 1}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("audit actions %v, want %v", count, want)
	}
}

func TestLateClickSaysWhoDecidedAndWhen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(2, time.Hour)
	f.clock.Advance(3 * time.Minute)
	f.do(r.ID, approve("bob"))
	f.clock.Advance(2 * time.Minute)
	decidedAt := f.clock.Now().Truncate(time.Millisecond)
	f.do(r.ID, approve("carol"))

	f.clock.Advance(4 * time.Hour) // long past the expiry: a decided request stays decided
	o, err := f.store.Vote(ctx, r.ID, "dave", true)
	if err != nil {
		t.Fatalf("late vote: %v", err)
	}
	if o.Changed || o.Refusal != approvals.RefusedResolved || o.Request.State != approvals.StateApproved {
		t.Fatalf("late vote: changed %v refusal %v state %s", o.Changed, o.Refusal, o.Request.State)
	}
	if o.Request.DecidedBy != "carol" || !o.Request.DecidedAt.Equal(decidedAt) {
		t.Errorf("decided by %q at %v, want carol at %v", o.Request.DecidedBy, o.Request.DecidedAt, decidedAt)
	}
	want := []approvals.Vote{
		{Person: "bob", Approve: true, At: start.Add(3 * time.Minute).Truncate(time.Millisecond)},
		{Person: "carol", Approve: true, At: decidedAt},
	}
	if !reflect.DeepEqual(o.Request.Votes, want) {
		t.Errorf("votes %+v, want %+v", o.Request.Votes, want)
	}
	if o.Request.Approvals() != 2 {
		t.Errorf("%d approvals, want 2", o.Request.Approvals())
	}
	expired, err := f.store.Expire(ctx)
	if err != nil || len(expired) != 0 {
		t.Errorf("expire after approval: %v (%v), want nothing", expired, err)
	}
}

func TestAuditTrail(t *testing.T) {
	f := newFixture(t)
	r := f.create(2, time.Hour)
	steps := []step{approve("alice"), approve("bob"), approve("bob"), deny("carol")}
	for _, s := range steps {
		f.clock.Advance(time.Second)
		f.do(r.ID, s)
	}
	c := f.create(1, time.Hour)
	f.do(c.ID, cancel("bob"))
	f.do(c.ID, cancel("alice"))
	x := f.create(1, time.Minute)
	f.clock.Advance(time.Minute)
	if _, err := f.store.Expire(context.Background()); err != nil {
		t.Fatalf("expire: %v", err)
	}
	f.do(x.ID, approve("bob"))

	tests := []struct {
		id   string
		want []auditEntry
	}{
		{r.ID, []auditEntry{
			{Actor: "alice", Action: "approval.request", Detail: r.ID + " resync needs 2: GMC data refresh"},
			{Actor: "alice", Action: "approval.vote", Detail: r.ID + " approve refused: own request"},
			{Actor: "bob", Action: "approval.vote", Detail: r.ID + " approve"},
			{Actor: "bob", Action: "approval.vote", Detail: r.ID + " approve refused: already voted"},
			{Actor: "carol", Action: "approval.vote", Detail: r.ID + " deny"},
			{Actor: "carol", Action: "approval.denied", Detail: r.ID + " resync"},
		}},
		{c.ID, []auditEntry{
			{Actor: "alice", Action: "approval.request", Detail: c.ID + " resync needs 1: GMC data refresh"},
			{Actor: "bob", Action: "approval.cancel", Detail: c.ID + " cancel refused: not the requester"},
			{Actor: "alice", Action: "approval.cancelled", Detail: c.ID + " resync"},
		}},
		{x.ID, []auditEntry{
			{Actor: "alice", Action: "approval.request", Detail: x.ID + " resync needs 1: GMC data refresh"},
			{Actor: "resyncbot", Action: "approval.expired", Detail: x.ID + " resync"},
			{Actor: "bob", Action: "approval.vote", Detail: x.ID + " approve refused: expired"},
		}},
	}
	for _, tc := range tests {
		got := f.audit(tc.id)
		for i := range got {
			if got[i].Env != "prod" || got[i].Job != "" {
				t.Errorf("%s entry %d: env %q job %q, want prod and none", tc.id, i, got[i].Env, got[i].Job)
			}
			if _, err := time.Parse(time.RFC3339Nano, got[i].Time); err != nil {
				t.Errorf("%s entry %d: time %q: %v", tc.id, i, got[i].Time, err)
			}
			got[i].Env, got[i].Time = "", ""
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("audit of %s:\n got %+v\nwant %+v", tc.id, got, tc.want)
		}
	}
	// Times are the store's clock, not Redis's, so an audit trail replays in
	// the order and at the times the bot saw.
	if got := f.audit(r.ID)[2].Time; got != start.Add(2*time.Second).Format(time.RFC3339Nano) {
		t.Errorf("bob's vote audited at %s, want %s", got, start.Add(2*time.Second).Format(time.RFC3339Nano))
	}
}
