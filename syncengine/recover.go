package syncengine

import (
	"context"
	"errors"
	"fmt"
)

// Recover resumes every unfinished job whose lock has lapsed — its process
// died or shut down — from its last checkpoint. It returns the resumed ids.
// Serve calls it at start-up and periodically; any replica may win a job.
func (e *Engine) Recover(ctx context.Context) ([]string, error) {
	ids, err := e.rdb.SMembers(ctx, e.keys.active()).Result()
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", err)
	}
	var resumed []string
	for _, id := range ids {
		j, err := e.Job(ctx, id)
		if errors.Is(err, ErrJobNotFound) {
			_ = e.rdb.SRem(ctx, e.keys.active(), id).Err()
			continue
		}
		if err != nil {
			return resumed, err
		}
		if j.State.Done() {
			_ = e.rdb.SRem(ctx, e.keys.active(), id).Err()
			continue
		}
		if _, ok := e.cfg.Environments[j.Env]; !ok {
			e.log.Warn().Str("job", id).Str("env", j.Env).Msg("unfinished job of an environment no longer configured; leaving it")
			continue
		}
		holder, err := e.lockHolder(ctx, j.Env)
		if err != nil {
			return resumed, err
		}
		if holder != "" {
			continue
		}
		lease, ok, err := e.tryLock(ctx, j.Env, j.ID)
		if err != nil {
			return resumed, err
		}
		if !ok {
			continue
		}
		e.audit(ctx, "resyncbot", "job.resume", j.Env, j.ID, fmt.Sprintf("from %d documents", j.Written))
		e.log.Info().Str("job", j.ID).Str("env", j.Env).Int64("written", j.Written).Msg("resuming interrupted job")
		e.launch(ctx, j, lease)
		resumed = append(resumed, j.ID)
	}
	return resumed, nil
}
