package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReplayWindow is how long a signed request stays acceptable; platforms
// refuse older timestamps and the guard remembers signatures this long.
const ReplayWindow = 5 * time.Minute

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
