package syncengine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease is a held environment lock. Its token fences it: only the holder can
// extend or release it, so a process that lost the lock cannot touch it.
type Lease struct {
	Env   string
	Token string
	// Job is the job holding the lock ("" for a restore).
	Job string
}

// ErrLockLost means the lease expired and someone else may hold the lock now.
var ErrLockLost = errors.New("environment lock lost")

var (
	// extendScript extends the lock only while it still holds our token.
	extendScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)
	// releaseScript deletes the lock only while it still holds our token.
	releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)
	// checkpointScript saves a checkpoint only for the lock's holder: -1 when
	// the lock is someone else's, else whether an abort was asked for.
	// KEYS: lock, cursor hash, job hash, abort flag. ARGV: token, the number
	// of cursor field/value items, then those items, then the job's.
	checkpointScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return -1 end
local n = tonumber(ARGV[2])
redis.call("HSET", KEYS[2], unpack(ARGV, 3, 2 + n))
redis.call("HSET", KEYS[3], unpack(ARGV, 3 + n))
return redis.call("EXISTS", KEYS[4])`)
	// enterSwapScript moves a job into the swap stage unless an abort was
	// asked for; abortScript refuses once the job is in it. Exactly one of
	// "aborted" and "swapped" can happen. KEYS: lock, job hash, abort flag.
	enterSwapScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call("EXISTS", KEYS[3]) == 1 then return 0 end
redis.call("HSET", KEYS[2], "stage", "swap")
return 1`)
	// abortScript sets the abort flag unless the job has reached its swap.
	// KEYS: job hash, abort flag. ARGV: who, flag TTL in ms.
	abortScript = redis.NewScript(`
local stage = redis.call("HGET", KEYS[1], "stage")
if stage == "swap" or stage == "prune" or redis.call("HGET", KEYS[1], "swapped") == "1" then return 0 end
redis.call("SET", KEYS[2], ARGV[1], "PX", ARGV[2])
redis.call("HSET", KEYS[1], "aborted_by", ARGV[1])
return 1`)
	// finishScript records a job's end, drops it from the active set and
	// releases the lock, only for the lock's holder.
	// KEYS: lock, job hash, active set. ARGV: token, state, finished, error, job id.
	finishScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[2], "state", ARGV[2], "finished", ARGV[3], "error", ARGV[4])
redis.call("SREM", KEYS[3], ARGV[5])
redis.call("DEL", KEYS[1])
return 1`)
)

// tryLock takes env's lock for holder (a job id, or "restore:…") if nobody holds it.
func (e *Engine) tryLock(ctx context.Context, env, holder string) (Lease, bool, error) {
	tok := make([]byte, 12)
	if _, err := rand.Read(tok); err != nil {
		return Lease{}, false, fmt.Errorf("lock token: %w", err)
	}
	lease := Lease{Env: env, Token: holder + "/" + hex.EncodeToString(tok), Job: holder}
	ok, err := e.rdb.SetNX(ctx, e.keys.lock(env), lease.Token, e.lockTTL).Result()
	if err != nil {
		return Lease{}, false, fmt.Errorf("take lock of %s: %w", env, err)
	}
	return lease, ok, nil
}

// extend pushes the lease's expiry out by the lock TTL.
func (e *Engine) extend(ctx context.Context, l Lease) error {
	n, err := extendScript.Run(ctx, e.rdb, []string{e.keys.lock(l.Env)}, l.Token, e.lockTTL.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("extend lock of %s: %w", l.Env, err)
	}
	if n == 0 {
		return fmt.Errorf("extend lock of %s: %w", l.Env, ErrLockLost)
	}
	return nil
}

// release gives the lock up if we still hold it.
func (e *Engine) release(ctx context.Context, l Lease) error {
	if err := releaseScript.Run(ctx, e.rdb, []string{e.keys.lock(l.Env)}, l.Token).Err(); err != nil {
		return fmt.Errorf("release lock of %s: %w", l.Env, err)
	}
	return nil
}

// lockHolder returns the holder of env's lock ("" if free).
func (e *Engine) lockHolder(ctx context.Context, env string) (string, error) {
	v, err := e.rdb.Get(ctx, e.keys.lock(env)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read lock of %s: %w", env, err)
	}
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] == '/' {
			return v[:i], nil
		}
	}
	return v, nil
}

// heartbeat extends the lease every third of the TTL until ctx ends. When the
// lease is lost, or Redis stays unreachable past the TTL, it calls lost.
func (e *Engine) heartbeat(ctx context.Context, l Lease, lost func(error)) {
	every := e.lockTTL / 3
	t := time.NewTicker(every)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := e.extend(ctx, l)
		switch {
		case err == nil:
			lastOK = time.Now()
		case errors.Is(err, ErrLockLost):
			lost(err)
			return
		case ctx.Err() != nil:
			return
		case time.Since(lastOK) > e.lockTTL:
			lost(fmt.Errorf("%w: %w", ErrLockLost, err))
			return
		default:
			e.log.Warn().Err(err).Str("env", l.Env).Msg("lock heartbeat failed; retrying")
		}
	}
}
