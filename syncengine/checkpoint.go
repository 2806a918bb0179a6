package syncengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/config"
)

// loadRuns builds the job's per-index state, resuming from the checkpoints
// of an earlier run of the same job where there are any.
func (e *Engine) loadRuns(ctx context.Context, j *Job, env *config.Environment) ([]*indexRun, error) {
	specs, err := indexesOf(env, j.Index)
	if err != nil {
		return nil, err
	}
	var h map[string]string
	err = e.retryRedis(ctx, func() error {
		var err error
		h, err = e.rdb.HGetAll(ctx, e.keys.cursor(j.ID)).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load checkpoints of job %s: %w", j.ID, err)
	}
	runs := make([]*indexRun, 0, len(specs))
	for _, spec := range specs {
		a := spec.Alias + "."
		r := &indexRun{
			spec:    spec,
			index:   spec.Alias + "-" + j.Generation,
			cursor:  h[a+"cursor"],
			created: h[a+"created"] == "1",
			copied:  h[a+"copied"] == "1",
			total:   -1,
		}
		r.written, _ = strconv.ParseInt(h[a+"written"], 10, 64)
		r.bad, _ = strconv.ParseInt(h[a+"bad"], 10, 64)
		r.retries, _ = strconv.ParseInt(h[a+"retries"], 10, 64)
		if t, ok := h[a+"total"]; ok {
			r.total, _ = strconv.ParseInt(t, 10, 64)
			r.totalKnown = r.total >= 0
		}
		if b := h[a+"badkeys"]; b != "" {
			_ = json.Unmarshal([]byte(b), &r.badKeys)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// openSources makes each index's source and asks it for its size, so that
// progress has a total (and an ETA) from the first batch on.
func (e *Engine) openSources(ctx context.Context, runs []*indexRun) error {
	for _, r := range runs {
		if r.copied {
			continue // its source is not read again; its counts are checkpointed
		}
		src, err := NewSource(r.spec.Source, e.cfg.Dir, e.http)
		if err != nil {
			return fmt.Errorf("source of %s: %w", r.spec.Alias, err)
		}
		n, known, err := src.Total(ctx)
		if err != nil {
			return fmt.Errorf("count source of %s: %w", r.spec.Alias, err)
		}
		r.src, r.total, r.totalKnown = src, n, known
		if !known {
			r.total = -1
		}
	}
	return nil
}

// checkpoint saves r's position and counts, and the job's totals, in one
// round trip, and reports whether someone has asked the job to abort. It is
// called only after the batch it covers was acknowledged by Elasticsearch,
// and writes only while lease still holds the lock (fencing).
func (e *Engine) checkpoint(ctx context.Context, j *Job, lease Lease, r *indexRun, runs []*indexRun) (aborted bool, err error) {
	a := r.spec.Alias + "."
	cursor := []any{
		a + "cursor", r.cursor,
		a + "written", r.written,
		a + "bad", r.bad,
		a + "retries", r.retries,
		a + "total", r.total,
		a + "created", boolFlag(r.created),
		a + "copied", boolFlag(r.copied),
	}
	if len(r.badKeys) > 0 {
		b, _ := json.Marshal(r.badKeys)
		cursor = append(cursor, a+"badkeys", string(b))
	}
	written, total, retries := sums(runs)
	j.Written, j.Total, j.Retries = written, total, retries
	args := append([]any{lease.Token, len(cursor)}, cursor...)
	args = append(args, "written", written, "total", total, "retries", retries)
	var res int64
	err = e.retryRedis(ctx, func() error {
		var err error
		res, err = checkpointScript.Run(ctx, e.rdb, []string{e.keys.lock(j.Env), e.keys.cursor(j.ID), e.keys.job(j.ID), e.keys.abort(j.ID)}, args...).Int64()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("checkpoint %s of job %s: %w", r.spec.Alias, j.ID, err)
	}
	if res < 0 {
		return false, fmt.Errorf("checkpoint %s of job %s: %w", r.spec.Alias, j.ID, ErrLockLost)
	}
	return res > 0, nil
}

// abortRequested reads the job's abort flag.
func (e *Engine) abortRequested(ctx context.Context, id string) (bool, error) {
	n, err := e.rdb.Exists(ctx, e.keys.abort(id)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("read abort flag of job %s: %w", id, err)
	}
	return n > 0, nil
}

// sums adds the runs' counts up; total is -1 when any is unknown.
func sums(runs []*indexRun) (written, total, retries int64) {
	for _, r := range runs {
		written += r.written
		retries += r.retries
		if total >= 0 {
			if r.totalKnown {
				total += r.total
			} else {
				total = -1
			}
		}
	}
	return written, total, retries
}

func boolFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
