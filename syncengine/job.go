package syncengine

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

// State is where a job is in its life.
type State string

// Job states. A job is Running while some process works on it; Interrupted
// when it was running and no live process holds its lock (Recover resumes it).
const (
	StateQueued      State = "queued"
	StateRunning     State = "running"
	StateInterrupted State = "interrupted"
	StateSucceeded   State = "succeeded"
	StateFailed      State = "failed"
	StateAborted     State = "aborted"
)

// Done reports whether the job has ended for good.
func (s State) Done() bool {
	return s == StateSucceeded || s == StateFailed || s == StateAborted
}

// Stage is the step a running job is at.
type Stage string

// Stages of a running job, in order.
const (
	StagePlan   Stage = "plan"
	StageCopy   Stage = "copy"
	StageVerify Stage = "verify"
	StageSwap   Stage = "swap"
	StagePrune  Stage = "prune"
)

// Request asks for one environment (or one index of it) to be rebuilt.
type Request struct {
	Env string
	// Index limits the job to one alias; "" rebuilds them all.
	Index     string
	Requester string
	Approvers []string
	Reason    string
}

// Job is the durable record of one rebuild, as kept in Redis.
type Job struct {
	ID         string
	Env        string
	Index      string
	State      State
	Stage      Stage
	Requester  string
	Approvers  []string
	Reason     string
	Generation string
	Created    time.Time
	Started    time.Time
	Finished   time.Time
	// Written and Total are summed over the job's indexes; Total is -1 when unknown.
	Written int64
	Total   int64
	Retries int64
	// Error is the reason a person can act on, for failed jobs.
	Error string
	// AbortedBy names who aborted the job.
	AbortedBy string
	// Checks are the verification results, once verified.
	Checks []CheckResult
}

// Duration is how long the job ran (so far, if it has not finished).
func (j *Job) Duration(now time.Time) time.Duration {
	if j.Started.IsZero() {
		return 0
	}
	end := j.Finished
	if end.IsZero() {
		end = now
	}
	return end.Sub(j.Started)
}

// ErrJobNotFound is returned for an unknown job id.
var ErrJobNotFound = errors.New("no such job")

func (j *Job) fields() map[string]any {
	return map[string]any{
		"id":         j.ID,
		"env":        j.Env,
		"index":      j.Index,
		"state":      string(j.State),
		"stage":      string(j.Stage),
		"requester":  j.Requester,
		"approvers":  strings.Join(j.Approvers, ","),
		"reason":     j.Reason,
		"generation": j.Generation,
		"created":    fmtTime(j.Created),
		"started":    fmtTime(j.Started),
		"finished":   fmtTime(j.Finished),
		"written":    j.Written,
		"total":      j.Total,
		"retries":    j.Retries,
		"error":      j.Error,
		"aborted_by": j.AbortedBy,
	}
}

func jobFromHash(h map[string]string) *Job {
	j := &Job{
		ID:         h["id"],
		Env:        h["env"],
		Index:      h["index"],
		State:      State(h["state"]),
		Stage:      Stage(h["stage"]),
		Requester:  h["requester"],
		Reason:     h["reason"],
		Generation: h["generation"],
		Created:    parseTime(h["created"]),
		Started:    parseTime(h["started"]),
		Finished:   parseTime(h["finished"]),
		Error:      h["error"],
		AbortedBy:  h["aborted_by"],
	}
	if a := h["approvers"]; a != "" {
		j.Approvers = strings.Split(a, ",")
	}
	if c := h["checks"]; c != "" {
		_ = json.Unmarshal([]byte(c), &j.Checks)
	}
	j.Written, _ = strconv.ParseInt(h["written"], 10, 64)
	j.Total, _ = strconv.ParseInt(h["total"], 10, 64)
	j.Retries, _ = strconv.ParseInt(h["retries"], 10, 64)
	return j
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

// Job loads a job record.
func (e *Engine) Job(ctx context.Context, id string) (*Job, error) {
	h, err := e.rdb.HGetAll(ctx, e.keys.job(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("load job %s: %w", id, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("job %s: %w", id, ErrJobNotFound)
	}
	j := jobFromHash(h)
	if j.State == StateRunning || j.State == StateQueued {
		// Its process died (or shut down) if it no longer holds the lock:
		// the job is interrupted until a replica resumes it.
		holder, err := e.lockHolder(ctx, j.Env)
		if err != nil {
			return nil, err
		}
		if holder != j.ID {
			j.State = StateInterrupted
		}
	}
	return j, nil
}

// History returns the env's last n jobs, newest first.
func (e *Engine) History(ctx context.Context, env string, n int) ([]*Job, error) {
	ids, err := e.rdb.ZRevRange(ctx, e.keys.envJobs(env), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("job history of %s: %w", env, err)
	}
	jobs := make([]*Job, 0, len(ids))
	for _, id := range ids {
		j, err := e.Job(ctx, id)
		if errors.Is(err, ErrJobNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// setJob updates some fields of a job record.
func (e *Engine) setJob(ctx context.Context, id string, kv ...any) error {
	if err := e.rdb.HSet(ctx, e.keys.job(id), kv...).Err(); err != nil {
		return fmt.Errorf("update job %s: %w", id, err)
	}
	return nil
}

// createJob records a new job and indexes it by env and as active.
func (e *Engine) createJob(ctx context.Context, j *Job) error {
	_, err := e.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, e.keys.job(j.ID), j.fields())
		p.ZAdd(ctx, e.keys.envJobs(j.Env), redis.Z{Score: float64(j.Created.UnixMilli()), Member: j.ID})
		p.SAdd(ctx, e.keys.active(), j.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("create job %s: %w", j.ID, err)
	}
	return nil
}
