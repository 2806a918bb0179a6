package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReplayWindow is how long a signed request stays acceptable; platforms
// refuse older timestamps and the guard remembers signatures this long.
const ReplayWindow = 5 * time.Minute

// Why a signed request is refused as stale or replayed; adapters log these,
// never show them.
var (
	ErrNoTimestamp  = errors.New("missing timestamp header")
	ErrBadTimestamp = errors.New("timestamp is not a number")
	ErrStale        = errors.New("timestamp too old")
	ErrFuture       = errors.New("timestamp in the future")
	ErrReplay       = errors.New("signature already seen (replay)")
	ErrNoGuard      = errors.New("no replay guard configured")
)

// CheckTimestamp checks a signed request's timestamp header (Unix seconds)
// lies within ReplayWindow of now, either way. Slack and Discord sign the
// timestamp with the body, so an accepted one cannot be forged.
func CheckTimestamp(header string, now time.Time) error {
	if header == "" {
		return ErrNoTimestamp
	}
	secs, err := strconv.ParseInt(header, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	switch age := now.Sub(time.Unix(secs, 0)); {
	case age > ReplayWindow:
		return ErrStale
	case age < -ReplayWindow:
		return ErrFuture
	}
	return nil
}

// ReplayGuard remembers the signatures of accepted requests in Redis, so a
// captured request sent again inside the window is refused — on every replica.
type ReplayGuard struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewReplayGuard returns a guard keeping seen:{hash} keys under prefix.
func NewReplayGuard(rdb redis.UniversalClient, prefix string) *ReplayGuard {
	return &ReplayGuard{rdb: rdb, prefix: prefix}
}

// Admit accepts a verified signature once: ErrReplay when it was seen
// before, ErrNoGuard on a nil guard, and an error when Redis cannot say —
// a replay that cannot be ruled out is refused.
func (g *ReplayGuard) Admit(ctx context.Context, sig string) error {
	if g == nil {
		return ErrNoGuard
	}
	fresh, err := g.Fresh(ctx, sig)
	switch {
	case err != nil:
		return err
	case !fresh:
		return ErrReplay
	}
	return nil
}

// Fresh records sig and reports whether it had not been seen before.
// Signatures are hex, which verifiers accept in either case, so the guard
// compares them case-blind: a replay with "ABC…" for "abc…" is still a replay.
// A signature is remembered for twice the window, since a timestamp may be
// up to a window in the future as well as in the past.
func (g *ReplayGuard) Fresh(ctx context.Context, sig string) (bool, error) {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(sig))))
	ok, err := g.rdb.SetNX(ctx, g.prefix+"seen:"+hex.EncodeToString(sum[:16]), 1, 2*ReplayWindow).Result()
	if err != nil {
		return false, fmt.Errorf("replay check: %w", err)
	}
	return ok, nil
}
