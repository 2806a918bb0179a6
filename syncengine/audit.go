package syncengine

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// auditLen bounds the audit stream (approximately, as XADD MAXLEN ~ does).
const auditLen = 100000

// audit appends one entry to the audit stream. Losing an audit entry must not
// fail a job, so errors are logged, not returned.
func (e *Engine) audit(ctx context.Context, actor, action, env, job, detail string) {
	err := e.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: e.keys.audit(),
		MaxLen: auditLen,
		Approx: true,
		Values: map[string]any{
			"time":   fmtTime(e.now()),
			"actor":  actor,
			"action": action,
			"env":    env,
			"job":    job,
			"detail": detail,
		},
	}).Err()
	if err != nil {
		e.log.Warn().Err(err).Str("action", action).Msg("could not write audit entry")
	}
}
