package approvals

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// auditLen bounds the audit stream (approximately, as XADD MAXLEN ~ does); the
// sync engine caps the same stream at the same length.
const auditLen = 100000

// idAttempts is how many fresh ids Create tries before giving up; with 40
// random bits a single collision is already unlikely.
const idAttempts = 5

// idEncoding spells ids in lowercase base32 without padding.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Store keeps approval requests in Redis. It holds no state of its own, so
// any number of Stores (one per replica) can share the same keys.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewStore returns a Store whose keys all start with prefix (DESIGN.md, "State
// in Redis"). now is the clock that decides expiry; nil means time.Now.
func NewStore(rdb redis.UniversalClient, prefix string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: rdb, prefix: prefix, now: now}
}

func (s *Store) requestKey(id string) string { return s.prefix + "approval:" + id }
func (s *Store) pendingKey() string          { return s.prefix + "approvals:pending" }
func (s *Store) auditKey() string            { return s.prefix + "audit" }

// keys are the KEYS every transition script takes.
func (s *Store) keys(id string) []string {
	return []string{s.requestKey(id), s.pendingKey(), s.auditKey()}
}

// clockArgs are the leading ARGV every transition script takes.
func (s *Store) clockArgs() (time.Time, []any) {
	now := s.now().UTC()
	return now, []any{now.UnixMilli(), now.Format(time.RFC3339Nano), auditLen}
}

// Create stores r as a new pending request open for ttl (DefaultTTL when
// ttl <= 0) and returns it with its ID, State, Created and Expires set. The
// ID, State, Votes and decision fields of r are ignored. The request is kept
// for ttl plus Retention.
func (s *Store) Create(ctx context.Context, r Request, ttl time.Duration) (*Request, error) {
	switch {
	case r.Needed < 1:
		return nil, fmt.Errorf("create approval request: needs %d approvals, want at least 1", r.Needed)
	case r.Env == "":
		return nil, errors.New("create approval request: no environment")
	case r.Requester == "":
		return nil, errors.New("create approval request: no requester")
	case !r.Action.Valid():
		return nil, fmt.Errorf("create approval request: unknown action %q", r.Action)
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	now, clock := s.clockArgs()
	req := &Request{
		Env:       r.Env,
		Action:    r.Action,
		Requester: r.Requester,
		Reason:    r.Reason,
		Needed:    r.Needed,
		Payload:   maps.Clone(r.Payload),
		State:     StatePending,
		Created:   now.Truncate(time.Millisecond),
		Expires:   now.Add(ttl).Truncate(time.Millisecond),
		Message:   r.Message,
	}
	detail := func(id string) string {
		d := fmt.Sprintf("%s %s needs %d", id, req.Action, req.Needed)
		if req.Reason != "" {
			d += ": " + req.Reason
		}
		return d
	}
	for range idAttempts {
		id, err := newID()
		if err != nil {
			return nil, fmt.Errorf("create approval request: %w", err)
		}
		req.ID = id
		fields, err := encode(req)
		if err != nil {
			return nil, fmt.Errorf("create approval request: %w", err)
		}
		args := slices.Concat(clock, []any{(ttl + Retention).Milliseconds(), req.Expires.UnixMilli(), id, req.Env, req.Requester, detail(id)}, fields)
		created, err := createScript.Run(ctx, s.rdb, s.keys(id), args...).Int()
		if err != nil {
			return nil, fmt.Errorf("create approval request: %w", err)
		}
		if created == 1 {
			return req, nil
		}
	}
	return nil, fmt.Errorf("create approval request: no free id after %d attempts", idAttempts)
}

// newID draws a short id: "a-" and 8 lowercase base32 characters (40 bits).
func newID() (string, error) {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return "a-" + idEncoding.EncodeToString(b[:]), nil
}

// Get returns the request with id, whatever its state, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*Request, error) {
	h, err := s.rdb.HGetAll(ctx, s.requestKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("get approval request %s: %w", id, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("get approval request %s: %w", id, ErrNotFound)
	}
	r, err := decode(h)
	if err != nil {
		return nil, fmt.Errorf("get approval request %s: %w", id, err)
	}
	return r, nil
}

// SetMessage records where the request was posted, so it can be edited when
// it is decided or expires. It returns ErrNotFound if the request is gone.
func (s *Store) SetMessage(ctx context.Context, id string, ref MessageRef) error {
	n, err := setMessageScript.Run(ctx, s.rdb, []string{s.requestKey(id)}, ref.Platform, ref.Channel, ref.ID).Int()
	if err != nil {
		return fmt.Errorf("set message of approval request %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("set message of approval request %s: %w", id, ErrNotFound)
	}
	return nil
}

// Pending returns the pending requests of env ("" for every environment)
// that have not expired by the store's clock, soonest to expire first.
// Requests past their expiry that no sweep has reached yet are left out:
// nobody can approve them any more.
func (s *Store) Pending(ctx context.Context, env string) ([]*Request, error) {
	now := s.now()
	ids, err := s.rdb.ZRangeByScore(ctx, s.pendingKey(), &redis.ZRangeBy{
		Min: fmt.Sprintf("(%d", now.UnixMilli()),
		Max: "+inf",
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("list pending approval requests: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.requestKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pending approval requests: %w", err)
	}
	var out []*Request
	for i, cmd := range cmds {
		h := cmd.Val()
		if len(h) == 0 {
			continue // forgotten between the two reads
		}
		r, err := decode(h)
		if err != nil {
			return nil, fmt.Errorf("list pending approval requests: %s: %w", ids[i], err)
		}
		if r.State == StatePending && (env == "" || r.Env == env) {
			out = append(out, r)
		}
	}
	return out, nil
}
