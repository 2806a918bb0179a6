package approvals_test

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/approvals"
)

func TestCreate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	payload := map[string]string{"index": "masterdoctorindex", "dry-run": "false"}
	in := approvals.Request{
		ID:        "ignored",
		Env:       "prod",
		Action:    approvals.ActionResync,
		Requester: "alice",
		Reason:    "GMC data refresh",
		Needed:    1,
		Payload:   payload,
		State:     approvals.StateApproved,
		Votes:     []approvals.Vote{{Person: "mallory", Approve: true}},
		DecidedBy: "mallory",
	}
	r, err := f.store.Create(ctx, in, 10*time.Minute)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	payload["index"] = "changed after create"

	if !regexp.MustCompile(`^a-[a-z2-7]{8}$`).MatchString(r.ID) {
		t.Errorf("id %q, want a- and 8 lowercase base32 characters", r.ID)
	}
	created := start.Truncate(time.Millisecond)
	want := &approvals.Request{
		ID:        r.ID,
		Env:       "prod",
		Action:    approvals.ActionResync,
		Requester: "alice",
		Reason:    "GMC data refresh",
		Needed:    1,
		Payload:   map[string]string{"index": "masterdoctorindex", "dry-run": "false"},
		State:     approvals.StatePending,
		Created:   created,
		Expires:   created.Add(10 * time.Minute),
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("created\n %+v\nwant\n %+v", r, want)
	}
	got, err := f.store.Get(ctx, r.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored\n %+v\nwant\n %+v", got, want)
	}

	key := f.redis.Prefix + "approval:" + r.ID
	ttl := f.redis.Client.PTTL(ctx, key).Val()
	if keep := 10*time.Minute + approvals.Retention; ttl <= keep-time.Minute || ttl > keep {
		t.Errorf("hash TTL %v, want about %v", ttl, keep)
	}
	score, err := f.redis.Client.ZScore(ctx, f.redis.Prefix+"approvals:pending", r.ID).Result()
	if err != nil || int64(score) != want.Expires.UnixMilli() {
		t.Errorf("pending index score %v (%v), want %d", int64(score), err, want.Expires.UnixMilli())
	}

	entries := f.audit(r.ID)
	if len(entries) != 1 {
		t.Fatalf("audit entries %+v, want one approval.request", entries)
	}
	e := entries[0]
	if e.Action != "approval.request" || e.Actor != "alice" || e.Env != "prod" || e.Job != "" ||
		e.Detail != r.ID+" resync needs 1: GMC data refresh" || e.Time != start.Format(time.RFC3339Nano) {
		t.Errorf("audit entry %+v", e)
	}
}

func TestCreateDefaultTTLAndDistinctIDs(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	for range 20 {
		r := f.create(1, 0)
		if seen[r.ID] {
			t.Fatalf("id %s given twice", r.ID)
		}
		seen[r.ID] = true
		if got := r.Expires.Sub(r.Created); got != approvals.DefaultTTL {
			t.Fatalf("ttl %v, want the default %v", got, approvals.DefaultTTL)
		}
	}
}

func TestCreateRefusesBadRequests(t *testing.T) {
	f := newFixture(t)
	ok := approvals.Request{Env: "prod", Action: approvals.ActionRestore, Requester: "alice", Needed: 1}
	tests := map[string]func(r *approvals.Request){
		"needs none":     func(r *approvals.Request) { r.Needed = 0 },
		"needs negative": func(r *approvals.Request) { r.Needed = -1 },
		"no env":         func(r *approvals.Request) { r.Env = "" },
		"no requester":   func(r *approvals.Request) { r.Requester = "" },
		"unknown action": func(r *approvals.Request) { r.Action = "drop" },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			r := ok
			spoil(&r)
			if got, err := f.store.Create(context.Background(), r, time.Minute); err == nil {
				t.Fatalf("created %+v, want an error", got)
			}
		})
	}
	n, err := f.redis.Client.ZCard(context.Background(), f.redis.Prefix+"approvals:pending").Result()
	if err != nil || n != 0 {
		t.Errorf("%d pending after refused creates (%v), want 0", n, err)
	}
}

func TestGetAndVoteUnknown(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.Get(ctx, "a-nothere"); !errors.Is(err, approvals.ErrNotFound) {
		t.Errorf("get: %v, want ErrNotFound", err)
	}
	if _, err := f.store.Vote(ctx, "a-nothere", "bob", true); !errors.Is(err, approvals.ErrNotFound) {
		t.Errorf("vote: %v, want ErrNotFound", err)
	}
	if _, err := f.store.Cancel(ctx, "a-nothere", "alice"); !errors.Is(err, approvals.ErrNotFound) {
		t.Errorf("cancel: %v, want ErrNotFound", err)
	}
	if err := f.store.SetMessage(ctx, "a-nothere", approvals.MessageRef{Platform: "slack"}); !errors.Is(err, approvals.ErrNotFound) {
		t.Errorf("set message: %v, want ErrNotFound", err)
	}
	r := f.create(1, time.Minute)
	if _, err := f.store.Vote(ctx, r.ID, "", true); err == nil {
		t.Error("a vote by nobody was accepted")
	}
	if _, err := f.store.Cancel(ctx, r.ID, ""); err == nil {
		t.Error("a cancel by nobody was accepted")
	}
	if n := f.redis.Client.Exists(ctx, f.redis.Prefix+"approval:a-nothere").Val(); n != 0 {
		t.Error("a vote on an unknown request created its hash")
	}
}

func TestSetMessage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(1, time.Minute)
	ref := approvals.MessageRef{Platform: "slack", Channel: "COPS", ID: "1741957200.000100"}
	if err := f.store.SetMessage(ctx, r.ID, ref); err != nil {
		t.Fatalf("set message: %v", err)
	}
	if _, err := f.store.Vote(ctx, r.ID, "bob", true); err != nil {
		t.Fatalf("vote: %v", err)
	}
	got, err := f.store.Get(ctx, r.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Message != ref || got.State != approvals.StateApproved {
		t.Errorf("message %+v state %s, want %+v and approved", got.Message, got.State, ref)
	}
}

func TestPending(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	create := func(env string, ttl time.Duration) *approvals.Request {
		r, err := f.store.Create(ctx, approvals.Request{Env: env, Action: approvals.ActionResync, Requester: "alice", Needed: 1}, ttl)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		return r
	}
	later := create("prod", 20*time.Minute)
	sooner := create("prod", 10*time.Minute)
	decided := create("prod", 15*time.Minute)
	staging := create("staging", 30*time.Minute)
	if _, err := f.store.Vote(ctx, decided.ID, "bob", false); err != nil {
		t.Fatalf("deny: %v", err)
	}
	ids := func(env string) []string {
		t.Helper()
		rs, err := f.store.Pending(ctx, env)
		if err != nil {
			t.Fatalf("pending %q: %v", env, err)
		}
		var out []string
		for _, r := range rs {
			if r.State != approvals.StatePending {
				t.Errorf("pending returned %s in state %s", r.ID, r.State)
			}
			out = append(out, r.ID)
		}
		return out
	}
	if got, want := ids("prod"), []string{sooner.ID, later.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending prod %v, want %v (soonest first, decided left out)", got, want)
	}
	if got, want := ids(""), []string{sooner.ID, later.ID, staging.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending everywhere %v, want %v", got, want)
	}
	f.clock.Advance(10 * time.Minute)
	if got, want := ids("prod"), []string{later.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending prod after 10m %v, want %v (expired left out before any sweep)", got, want)
	}
	if got := ids("dev"); len(got) != 0 {
		t.Errorf("pending dev %v, want none", got)
	}
}
