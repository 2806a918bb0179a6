package syncengine

import (
	"context"
	"errors"
	"fmt"
)

// Busy says who holds an environment's lock, when a request could not take it.
// It is an outcome, not an error.
type Busy struct {
	Env string
	// Holder is the holding job's id, or "restore-…" for a restore in progress.
	Holder string
	// Job is the holding job, when it is one (its requester and progress).
	Job *Job
}

// StartResult is the outcome of StartJob: a started job, or Busy.
type StartResult struct {
	Job  *Job
	Busy *Busy
}

// StartJob takes the environment's lock and starts rebuilding it in the
// background. When another job (or a restore) holds the lock it returns Busy
// instead. Elasticsearch is checked first: if it does not answer, nothing is
// created and the error says so.
func (e *Engine) StartJob(ctx context.Context, req Request) (StartResult, error) {
	env, err := e.env(req.Env)
	if err != nil {
		return StartResult{}, err
	}
	if _, err := indexesOf(env, req.Index); err != nil {
		return StartResult{}, err
	}
	id := e.newID()
	lease, ok, err := e.tryLock(ctx, env.Name, id)
	if err != nil {
		return StartResult{}, err
	}
	if !ok {
		busy, err := e.busy(ctx, env.Name)
		return StartResult{Busy: busy}, err
	}
	if err := e.target(env.Name).Ping(ctx); err != nil {
		_ = e.release(context.WithoutCancel(ctx), lease)
		return StartResult{}, fmt.Errorf("start resync of %s: %w", env.Name, err)
	}
	now := e.now()
	j := &Job{
		ID:         id,
		Env:        env.Name,
		Index:      req.Index,
		State:      StateQueued,
		Stage:      StagePlan,
		Requester:  req.Requester,
		Approvers:  req.Approvers,
		Reason:     req.Reason,
		Generation: id,
		Created:    now,
		Total:      -1,
	}
	if err := e.createJob(ctx, j); err != nil {
		_ = e.release(context.WithoutCancel(ctx), lease)
		return StartResult{}, err
	}
	e.audit(ctx, req.Requester, "job.start", env.Name, id, req.Reason)
	snapshot := *j // the running job's record is the engine's to change
	e.launch(ctx, j, lease)
	return StartResult{Job: &snapshot}, nil
}

// busy describes who holds env's lock.
func (e *Engine) busy(ctx context.Context, env string) (*Busy, error) {
	holder, err := e.lockHolder(ctx, env)
	if err != nil {
		return nil, err
	}
	b := &Busy{Env: env, Holder: holder}
	if holder == "" {
		// Released between our attempt and this read: still report busy, the caller may retry.
		return b, nil
	}
	j, err := e.Job(ctx, holder)
	if err != nil && !errors.Is(err, ErrJobNotFound) {
		return nil, err
	}
	b.Job = j
	return b, nil
}

// Running returns the job holding env's lock, or nil if none does.
func (e *Engine) Running(ctx context.Context, env string) (*Job, error) {
	holder, err := e.lockHolder(ctx, env)
	if err != nil || holder == "" {
		return nil, err
	}
	j, err := e.Job(ctx, holder)
	if errors.Is(err, ErrJobNotFound) {
		return nil, nil
	}
	return j, err
}

// launch runs j in the background under lease until it ends or this process stops.
func (e *Engine) launch(ctx context.Context, j *Job, lease Lease) {
	jobCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	r := &runningJob{cancel: cancel, done: make(chan struct{})}
	e.mu.Lock()
	if e.stopping {
		// Shutting down: leave the job for another replica (or the next start).
		e.mu.Unlock()
		cancel(errStopping)
		_ = e.release(context.WithoutCancel(ctx), lease)
		return
	}
	e.running[j.ID] = r
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		defer close(r.done)
		defer func() {
			e.mu.Lock()
			delete(e.running, j.ID)
			e.mu.Unlock()
			cancel(nil)
		}()
		go e.heartbeat(jobCtx, lease, func(err error) { cancel(err) })
		e.execute(jobCtx, j, lease)
	}()
}
