package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis layout of the outbox, under the configured prefix:
//
//	notice:{id}          hash: notice (JSON), env, created, and per destination key
//	                     delivered:{dest}, attempts:{dest}, error:{dest}, gaveup:{dest};
//	                     reported (ops warned), done (every destination settled)
//	notice:{id}:lease    string, PX: the delivery worker working on the notice
//	outbox               stream of {id}: notices not yet settled; consumer group "delivery"
//	env:{env}:notices    sorted set of notice ids by creation time (history)
//	audit                stream: one "notice" entry per notice enqueued
const (
	// deliveryGroup is the outbox stream's consumer group.
	deliveryGroup = "delivery"
	// noticeTTL is how long a notice and its delivery record are kept: far
	// longer than any retry, and long enough for /resync history.
	noticeTTL = 30 * 24 * time.Hour
	// recentKept bounds each environment's notice history.
	recentKept = 500
	// auditLen bounds the audit stream (approximately).
	auditLen = 100000
)

// Hash fields of a notice record.
const (
	fieldNotice    = "notice"
	fieldEnv       = "env"
	fieldCreated   = "created"
	fieldReported  = "reported"
	fieldDone      = "done"
	fieldDelivered = "delivered:"
	fieldAttempts  = "attempts:"
	fieldError     = "error:"
	fieldGaveUp    = "gaveup:"
)

// ErrNoticeNotFound is returned for an unknown (or expired) notice id.
var ErrNoticeNotFound = errors.New("no such notice")

// Outbox is the durable queue of notices: a notice is written here before
// anything is sent, so a crash loses none, and delivery marks each
// destination done so a retry never posts twice where the first send is
// known to have succeeded.
type Outbox struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewOutbox returns the outbox whose keys start with prefix.
func NewOutbox(rdb redis.UniversalClient, prefix string) *Outbox {
	return &Outbox{rdb: rdb, prefix: prefix}
}

func (o *Outbox) noticeKey(id string) string { return o.prefix + "notice:" + id }
func (o *Outbox) leaseKey(id string) string  { return o.prefix + "notice:" + id + ":lease" }
func (o *Outbox) streamKey() string          { return o.prefix + "outbox" }
func (o *Outbox) envKey(env string) string   { return o.prefix + "env:" + env + ":notices" }
func (o *Outbox) auditKey() string           { return o.prefix + "audit" }

// enqueueScript stores a notice and queues it, unless its id is known.
//
//	KEYS[1] notice hash, KEYS[2] outbox stream, KEYS[3] env history, KEYS[4] audit stream
//	ARGV[1] id, ARGV[2] notice JSON, ARGV[3] env, ARGV[4] created (RFC 3339),
//	ARGV[5] created (unix ms), ARGV[6] TTL seconds, ARGV[7] history kept,
//	ARGV[8] audit length, ARGV[9] actor, ARGV[10] audit detail
var enqueueScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], "notice", ARGV[2], "env", ARGV[3], "created", ARGV[4])
redis.call("EXPIRE", KEYS[1], ARGV[6])
redis.call("XADD", KEYS[2], "*", "id", ARGV[1])
redis.call("ZADD", KEYS[3], ARGV[5], ARGV[1])
redis.call("ZREMRANGEBYRANK", KEYS[3], 0, -tonumber(ARGV[7]) - 1)
redis.call("XADD", KEYS[4], "MAXLEN", "~", ARGV[8], "*",
  "time", ARGV[4], "actor", ARGV[9], "action", "notice", "env", ARGV[3], "job", "", "detail", ARGV[10])
return 1
`)

// Enqueue stores n and queues it for delivery, in one step, and records it
// in the audit stream. It is idempotent by n.ID: a notice whose id is
// already known is not queued again, and Enqueue reports false. It only
// writes to Redis, so it never waits for a destination. A zero Created is
// set to now.
func (o *Outbox) Enqueue(ctx context.Context, n Notice) (bool, error) {
	if n.ID == "" || n.Env == "" {
		return false, errors.New("enqueue notice: id and env are required")
	}
	if n.Created.IsZero() {
		n.Created = time.Now()
	}
	data, err := json.Marshal(n)
	if err != nil {
		return false, fmt.Errorf("enqueue notice %s: %w", n.ID, err)
	}
	actor := n.By
	if actor == "" {
		actor = "resyncbot"
	}
	detail := fmt.Sprintf("%s %s %s: %s", n.ID, n.Event, n.State, n.Title)
	created := n.Created.UTC()
	res, err := enqueueScript.Run(ctx, o.rdb,
		[]string{o.noticeKey(n.ID), o.streamKey(), o.envKey(n.Env), o.auditKey()},
		n.ID, data, n.Env, created.Format(time.RFC3339Nano), created.UnixMilli(),
		int64(noticeTTL/time.Second), recentKept, auditLen, actor, detail,
	).Int()
	if err != nil {
		return false, fmt.Errorf("enqueue notice %s: %w", n.ID, err)
	}
	return res == 1, nil
}

// Recent returns up to n of env's latest notices, newest first.
func (o *Outbox) Recent(ctx context.Context, env string, n int) ([]Notice, error) {
	if n <= 0 {
		return nil, nil
	}
	ids, err := o.rdb.ZRevRange(ctx, o.envKey(env), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("recent notices of %s: %w", env, err)
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = o.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, o.noticeKey(id), fieldNotice)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("recent notices of %s: %w", env, err)
	}
	out := make([]Notice, 0, len(ids))
	for _, c := range cmds {
		data, err := c.Result()
		if errors.Is(err, redis.Nil) {
			continue // expired
		}
		if err != nil {
			return nil, fmt.Errorf("recent notices of %s: %w", env, err)
		}
		var nt Notice
		if err := json.Unmarshal([]byte(data), &nt); err != nil {
			return nil, fmt.Errorf("recent notices of %s: decode: %w", env, err)
		}
		out = append(out, nt)
	}
	return out, nil
}

// Status is a notice with its delivery record, by destination key.
type Status struct {
	Notice    Notice
	Delivered map[string]time.Time
	Attempts  map[string]int
	// Errors holds the last error per destination, without secrets.
	Errors map[string]string
	GaveUp map[string]time.Time
	// Reported is when the ops channel was told of destinations given up on.
	Reported time.Time
	// Done is when every destination was settled (delivered or given up).
	Done time.Time
}

// Settled reports whether dest needs no more attempts.
func (s Status) Settled(dest string) bool {
	_, delivered := s.Delivered[dest]
	_, gaveUp := s.GaveUp[dest]
	return delivered || gaveUp
}

// Status returns notice id with its delivery record.
func (o *Outbox) Status(ctx context.Context, id string) (Status, error) {
	h, err := o.rdb.HGetAll(ctx, o.noticeKey(id)).Result()
	if err != nil {
		return Status{}, fmt.Errorf("notice %s: %w", id, err)
	}
	if h[fieldNotice] == "" {
		return Status{}, fmt.Errorf("notice %s: %w", id, ErrNoticeNotFound)
	}
	s := Status{Delivered: map[string]time.Time{}, Attempts: map[string]int{}, Errors: map[string]string{}, GaveUp: map[string]time.Time{}}
	if err := json.Unmarshal([]byte(h[fieldNotice]), &s.Notice); err != nil {
		return Status{}, fmt.Errorf("notice %s: decode: %w", id, err)
	}
	for k, v := range h {
		switch {
		case strings.HasPrefix(k, fieldDelivered):
			s.Delivered[strings.TrimPrefix(k, fieldDelivered)] = parseTime(v)
		case strings.HasPrefix(k, fieldAttempts):
			s.Attempts[strings.TrimPrefix(k, fieldAttempts)], _ = strconv.Atoi(v)
		case strings.HasPrefix(k, fieldError):
			s.Errors[strings.TrimPrefix(k, fieldError)] = v
		case strings.HasPrefix(k, fieldGaveUp):
			s.GaveUp[strings.TrimPrefix(k, fieldGaveUp)] = parseTime(v)
		case k == fieldReported:
			s.Reported = parseTime(v)
		case k == fieldDone:
			s.Done = parseTime(v)
		}
	}
	return s, nil
}

// Pending returns the number of notices in the outbox not yet settled.
func (o *Outbox) Pending(ctx context.Context) (int64, error) {
	n, err := o.rdb.XLen(ctx, o.streamKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	return n, nil
}

// attempt counts one more attempt at dest and returns the count so far; the
// count survives restarts, so a crash loop cannot retry forever.
func (o *Outbox) attempt(ctx context.Context, id, dest string) (int, error) {
	n, err := o.rdb.HIncrBy(ctx, o.noticeKey(id), fieldAttempts+dest, 1).Result()
	if err != nil {
		return 0, fmt.Errorf("count attempt of notice %s at %s: %w", id, dest, err)
	}
	return int(n), nil
}

// set writes fields of notice id's record.
func (o *Outbox) set(ctx context.Context, id string, kv ...any) error {
	if err := o.rdb.HSet(ctx, o.noticeKey(id), kv...).Err(); err != nil {
		return fmt.Errorf("update notice %s: %w", id, err)
	}
	return nil
}

// settle acknowledges the outbox entry of notice id and removes it from the
// stream: every destination is delivered or given up.
func (o *Outbox) settle(ctx context.Context, entry, id string, at time.Time) error {
	_, err := o.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, o.noticeKey(id), fieldDone, fmtTime(at))
		p.XAck(ctx, o.streamKey(), deliveryGroup, entry)
		p.XDel(ctx, o.streamKey(), entry)
		return nil
	})
	if err != nil {
		return fmt.Errorf("settle notice %s: %w", id, err)
	}
	return nil
}

// drop acknowledges and removes an outbox entry that names no notice.
func (o *Outbox) drop(ctx context.Context, entry string) error {
	_, err := o.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, o.streamKey(), deliveryGroup, entry)
		p.XDel(ctx, o.streamKey(), entry)
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop outbox entry %s: %w", entry, err)
	}
	return nil
}

// ensureGroup creates the delivery group, reading from the stream's start
// so that notices queued before any worker ran are delivered.
func (o *Outbox) ensureGroup(ctx context.Context) error {
	err := o.rdb.XGroupCreateMkStream(ctx, o.streamKey(), deliveryGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create outbox consumer group: %w", err)
	}
	return nil
}

// takeLease makes token the only worker on notice id for ttl.
func (o *Outbox) takeLease(ctx context.Context, id, token string, ttl time.Duration) (bool, error) {
	ok, err := o.rdb.SetNX(ctx, o.leaseKey(id), token, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("lease notice %s: %w", id, err)
	}
	return ok, nil
}

var renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0
`)

var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`)

// renewLease extends token's lease on notice id; false if it was lost.
func (o *Outbox) renewLease(ctx context.Context, id, token string, ttl time.Duration) (bool, error) {
	n, err := renewScript.Run(ctx, o.rdb, []string{o.leaseKey(id)}, token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("renew lease of notice %s: %w", id, err)
	}
	return n == 1, nil
}

// releaseLease gives up token's lease on notice id, if it still holds it.
func (o *Outbox) releaseLease(ctx context.Context, id, token string) error {
	if err := releaseScript.Run(ctx, o.rdb, []string{o.leaseKey(id)}, token).Err(); err != nil {
		return fmt.Errorf("release lease of notice %s: %w", id, err)
	}
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
