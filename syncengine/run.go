package syncengine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/config"
)

// errAborted ends a job that someone aborted.
var errAborted = errors.New("aborted")

// indexRun is one index's part of a job, as checkpointed in Redis.
type indexRun struct {
	spec       *config.Index
	src        Source
	index      string // the new generation index
	cursor     string
	written    int64
	bad        int64
	badKeys    []string
	retries    int64
	total      int64
	totalKnown bool
	created    bool
	copied     bool
}

// execute runs (or resumes) j through its stages and records how it ended.
func (e *Engine) execute(ctx context.Context, j *Job, lease Lease) {
	env := e.cfg.Environments[j.Env]
	runs, err := e.loadRuns(ctx, j, env)
	if err == nil {
		err = e.markRunning(ctx, j)
	}
	if err == nil {
		err = e.stages(ctx, j, env, runs, lease)
	}
	e.finish(ctx, j, env, runs, lease, err)
}

func (e *Engine) markRunning(ctx context.Context, j *Job) error {
	j.State = StateRunning
	if j.Started.IsZero() {
		j.Started = e.now()
	}
	err := e.retryRedis(ctx, func() error {
		return e.setJob(ctx, j.ID, "state", string(j.State), "started", fmtTime(j.Started))
	})
	if err != nil {
		return err
	}
	e.publish(e.event(EventStage, j, nil, "started"))
	return nil
}

// stages runs copy, verify, swap and prune, skipping what a previous run of
// the same job already finished.
func (e *Engine) stages(ctx context.Context, j *Job, env *config.Environment, runs []*indexRun, lease Lease) error {
	// An earlier run of this job may have swapped already (and someone may
	// have restored since): the job record says, not the live generation.
	var swapped bool
	if err := e.retryRedis(ctx, func() error {
		v, err := e.rdb.HGet(ctx, e.keys.job(j.ID), "swapped").Result()
		if errors.Is(err, redis.Nil) {
			err = nil
		}
		swapped = v == "1"
		return err
	}); err != nil {
		return err
	}
	if !swapped {
		if err := e.openSources(ctx, runs); err != nil {
			return err
		}
		if err := e.setStage(ctx, j, StageCopy, runs); err != nil {
			return err
		}
		for _, r := range runs {
			if err := e.copyIndex(ctx, j, lease, env, r, runs); err != nil {
				return err
			}
		}
		e.publish(e.event(EventStage, j, runs, "copy done"))

		if err := e.setStage(ctx, j, StageVerify, runs); err != nil {
			return err
		}
		report, err := e.verify(ctx, env, runs)
		if err != nil {
			return err
		}
		j.Checks = report
		if err := e.retryRedis(ctx, func() error { return e.setJob(ctx, j.ID, "checks", encodeChecks(report)) }); err != nil {
			return err
		}
		if failed := failedChecks(report); len(failed) > 0 {
			return &VerifyError{Checks: failed}
		}
		e.publish(e.event(EventStage, j, runs, "verified: every check passed"))

		if err := e.enterSwap(ctx, j, lease, runs); err != nil {
			return err
		}
		if err := e.swap(ctx, j, env, runs, lease); err != nil {
			return err
		}
		e.publish(e.event(EventStage, j, runs, "swapped: the new data is live"))
	}

	if err := e.setStage(ctx, j, StagePrune, runs); err != nil {
		return err
	}
	pruned, err := e.prune(ctx, env.Name, env.GenerationsKept)
	if err != nil {
		// The new data is live; a failed prune only leaves old indexes behind.
		e.publish(e.event(EventWarning, j, runs, "could not delete old generations: "+err.Error()))
	} else if len(pruned) > 0 {
		e.publish(e.event(EventStage, j, runs, "pruned generations "+strings.Join(pruned, ", ")))
	}
	return nil
}

// enterSwap moves the job into the swap stage, unless an abort was asked
// for first: from here on an abort is refused, so the two cannot both win.
func (e *Engine) enterSwap(ctx context.Context, j *Job, lease Lease, runs []*indexRun) error {
	var res int64
	err := e.retryRedis(ctx, func() error {
		var err error
		res, err = enterSwapScript.Run(ctx, e.rdb, []string{e.keys.lock(j.Env), e.keys.job(j.ID), e.keys.abort(j.ID)}, lease.Token).Int64()
		return err
	})
	switch {
	case err != nil:
		return err
	case res < 0:
		return ErrLockLost
	case res == 0:
		return errAborted
	}
	j.Stage = StageSwap
	e.publish(e.event(EventStage, j, runs, string(StageSwap)))
	return nil
}

func (e *Engine) setStage(ctx context.Context, j *Job, s Stage, runs []*indexRun) error {
	j.Stage = s
	if err := e.retryRedis(ctx, func() error { return e.setJob(ctx, j.ID, "stage", string(s)) }); err != nil {
		return err
	}
	e.publish(e.event(EventStage, j, runs, string(s)))
	return nil
}

// finish records how the job ended and lets go of the lock.
func (e *Engine) finish(ctx context.Context, j *Job, env *config.Environment, runs []*indexRun, lease Lease, err error) {
	cause := context.Cause(ctx)
	bg := context.WithoutCancel(ctx)
	log := e.log.With().Str("job", j.ID).Str("env", j.Env).Logger()

	switch {
	case err == nil:
		j.State = StateSucceeded
	case errors.Is(cause, errStopping):
		// Shutting down: leave it resumable and free the lock so another replica takes over now.
		j.State = StateInterrupted
		_ = e.setJob(bg, j.ID, "state", string(j.State))
		_ = e.release(bg, lease)
		log.Info().Msg("job interrupted by shutdown; it will resume")
		e.publish(e.event(EventStage, j, runs, "interrupted: will resume"))
		return
	case errors.Is(cause, ErrLockLost) || errors.Is(err, ErrLockLost):
		// Someone else may hold the lock and the job now; touch nothing.
		log.Warn().Err(err).Msg("lost the environment lock; leaving the job to its new holder")
		e.publish(e.event(EventWarning, j, runs, "this process lost the job's lock; another will resume it"))
		return
	case errors.Is(err, errAborted):
		j.State = StateAborted
		if by, err := e.rdb.HGet(bg, e.keys.job(j.ID), "aborted_by").Result(); err == nil {
			j.AbortedBy = by // Abort wrote it, possibly on another replica
		}
		if !env.KeepAbortedIndexes {
			if derr := e.deleteNew(bg, j, lease, runs); derr != nil {
				log.Warn().Err(derr).Msg("could not delete the aborted job's indexes")
			}
		}
	default:
		j.State = StateFailed
		j.Error = Reason(err)
		if j.Stage == StageSwap {
			// The switch may have reached Elasticsearch even though it failed
			// here (a lost answer): say what is live, not what was meant.
			if aliased, aerr := e.aliasedIndexes(bg, j.Env); aerr == nil {
				for _, r := range runs {
					if aliased[r.index] {
						j.Error = err.Error() + ". The switch did reach Elasticsearch: the new data is live; Restore goes back to the previous data."
						break
					}
				}
			}
		}
		var verr *VerifyError
		if !errors.As(err, &verr) {
			if derr := e.deleteNew(bg, j, lease, runs); derr != nil {
				log.Warn().Err(derr).Msg("could not delete the failed job's indexes")
			}
		}
	}
	j.Finished = e.now()
	// The end state, leaving the active set and releasing the lock happen in
	// one script, and only while this process still holds the lock: whoever
	// sees the job ended can start the next one.
	var held int64
	werr := e.retryRedis(bg, func() error {
		var err error
		held, err = finishScript.Run(bg, e.rdb, []string{e.keys.lock(lease.Env), e.keys.job(j.ID), e.keys.active()},
			lease.Token, string(j.State), fmtTime(j.Finished), j.Error, j.ID).Int64()
		return err
	})
	switch {
	case werr != nil:
		log.Error().Err(werr).Str("state", string(j.State)).Msg("could not record the job's end; it will be found and resumed once Redis answers")
	case held == 0:
		log.Warn().Str("state", string(j.State)).Msg("lost the lock before recording the job's end; leaving it to the new holder")
		return
	}
	e.audit(bg, "resyncbot", "job."+string(j.State), j.Env, j.ID, j.Error)
	ev := e.event(EventFinished, j, runs, "")
	ev.Error = j.Error
	e.publish(ev)
	log.Info().Str("state", string(j.State)).Str("error", j.Error).Msg("job ended")
}

// deleteNew deletes the job's own new indexes — only while this process
// still holds the lock, and never one an alias points at: Elasticsearch,
// not the Redis record, says what is live (a swap may have reached
// Elasticsearch and not Redis).
func (e *Engine) deleteNew(ctx context.Context, j *Job, lease Lease, runs []*indexRun) error {
	if err := e.extend(ctx, lease); err != nil {
		return fmt.Errorf("keep new indexes of job %s: %w", j.ID, err)
	}
	aliased, err := e.aliasedIndexes(ctx, j.Env)
	if err != nil {
		return fmt.Errorf("keep new indexes of job %s: %w", j.ID, err)
	}
	var names []string
	for _, r := range runs {
		if !aliased[r.index] {
			names = append(names, r.index)
		}
	}
	if err := e.target(j.Env).DeleteIndexes(ctx, names...); err != nil {
		return fmt.Errorf("delete new indexes of job %s: %w", j.ID, err)
	}
	return nil
}

// retryRedis runs op up to the configured attempts with capped backoff.
func (e *Engine) retryRedis(ctx context.Context, op func() error) error {
	var err error
	for attempt := 0; attempt < e.redisAttempts; attempt++ {
		if err = op(); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if attempt+1 < e.redisAttempts {
			if serr := sleep(ctx, backoff(attempt, e.retryBase, 2*e.retryBase*8)); serr != nil {
				return serr
			}
		}
	}
	return &RedisError{Attempts: e.redisAttempts, Err: err}
}

// RedisError means Redis stayed unreachable through every attempt.
type RedisError struct {
	Attempts int
	Err      error
}

func (e *RedisError) Error() string {
	return fmt.Sprintf("redis unavailable after %d attempts: %v", e.Attempts, e.Err)
}

func (e *RedisError) Unwrap() error { return e.Err }
