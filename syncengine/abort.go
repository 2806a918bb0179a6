package syncengine

import (
	"context"
	"fmt"
	"time"
)

// abortFlagTTL keeps an abort flag long enough for any resume to see it.
const abortFlagTTL = 7 * 24 * time.Hour

// AbortResult is the outcome of Abort.
type AbortResult struct {
	Job *Job
	// Ended is set when the job had already ended: there is nothing to abort.
	Ended bool
	// Swapped is set when the new data is already live: offer Restore instead.
	Swapped bool
}

// Abort asks a job to stop. Whichever process runs it sees the flag before
// its next batch, stops adding, lets in-flight requests finish, deletes the
// new indexes (unless the env keeps them) and marks it aborted; the live
// aliases never moved. A job no process holds is aborted here and now.
func (e *Engine) Abort(ctx context.Context, id, by string) (AbortResult, error) {
	j, err := e.Job(ctx, id)
	if err != nil {
		return AbortResult{}, err
	}
	if j.State.Done() {
		return AbortResult{Job: j, Ended: true, Swapped: j.State == StateSucceeded}, nil
	}
	set, err := abortScript.Run(ctx, e.rdb, []string{e.keys.job(id), e.keys.abort(id)}, by, abortFlagTTL.Milliseconds()).Int64()
	if err != nil {
		return AbortResult{}, fmt.Errorf("abort job %s: %w", id, err)
	}
	if set == 0 {
		// It reached its swap first: the new data is (or is about to be) live.
		return AbortResult{Job: j, Swapped: true}, nil
	}
	_ = e.rdb.Publish(ctx, e.keys.abortChannel(), id).Err()
	j.AbortedBy = by
	e.audit(ctx, by, "abort", j.Env, id, "")

	holder, err := e.lockHolder(ctx, j.Env)
	if err != nil {
		return AbortResult{}, err
	}
	if holder == id {
		return AbortResult{Job: j}, nil // its runner will see the flag
	}
	// Nobody runs it (its process died): finish the abort here.
	lease, ok, err := e.tryLock(ctx, j.Env, id)
	if err != nil || !ok {
		return AbortResult{Job: j}, err
	}
	env, err := e.env(j.Env)
	if err != nil {
		_ = e.release(ctx, lease)
		return AbortResult{}, err
	}
	runs, err := e.loadRuns(ctx, j, env)
	if err != nil {
		_ = e.release(ctx, lease)
		return AbortResult{}, err
	}
	e.finish(ctx, j, env, runs, lease, errAborted)
	return AbortResult{Job: j}, nil
}
