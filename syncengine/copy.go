package syncengine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/resyncbot/resyncbot/config"
)

// maxNamed is how many offending records or documents an error names.
const maxNamed = 10

// batch holds one batch of transformed documents in a reused arena.
type batch struct {
	ids   []string
	ends  []int // ends[i] is where document i ends in arena
	arena []byte
}

func (b *batch) reset() { b.ids, b.ends, b.arena = b.ids[:0], b.ends[:0], b.arena[:0] }

func (b *batch) add(id string, doc []byte) {
	b.ids = append(b.ids, id)
	b.arena = append(b.arena, doc...)
	b.ends = append(b.ends, len(b.arena))
}

func (b *batch) doc(i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.arena[start:b.ends[i]]
}

// copyIndex fills r's new index from its source, batch by batch, saving a
// checkpoint after each batch Elasticsearch acknowledged.
func (e *Engine) copyIndex(ctx context.Context, j *Job, lease Lease, env *config.Environment, r *indexRun, runs []*indexRun) error {
	if r.copied {
		return nil
	}
	t := e.target(env.Name)
	if !r.created {
		if err := t.CreateIndex(ctx, r.index, r.spec.MappingJSON); err != nil {
			var ee *ESError
			if !errors.As(err, &ee) || ee.Type != "resource_already_exists_exception" {
				return err
			}
			// Created by an earlier run of this job that died before its checkpoint.
		}
		r.created = true
	}
	if aborted, err := e.checkpoint(ctx, j, lease, r, runs); err != nil || aborted {
		return abortOr(err, aborted)
	}

	tf, err := NewTransform(r.spec.Transform)
	if err != nil {
		return fmt.Errorf("transform of %s: %w", r.spec.Alias, err)
	}
	rd, err := r.src.Open(ctx, r.cursor)
	if err != nil {
		return fmt.Errorf("open source of %s: %w", r.spec.Alias, err)
	}
	defer rd.Close()

	size := firstPositive(r.spec.BatchSize, env.BatchSize, 1000)
	workers := firstPositive(r.spec.Workers, env.Workers, 2)
	bi, err := t.NewBulkIndexer(r.index, workers, firstPositive(env.FlushBytes, 5<<20), nil)
	if err != nil {
		return err
	}
	// Close waits for anything in flight; nothing is added after an abort.
	defer bi.Close(context.WithoutCancel(ctx))

	rate := newRateMeter(e.now(), r.written)
	var b batch
	for {
		if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
			return err
		}
		b.reset()
		eof := false
		for len(b.ids) < size {
			rec, err := rd.Next(ctx)
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return fmt.Errorf("read source of %s: %w", r.spec.Alias, err)
			}
			id, doc, err := tf.Apply(rec.Doc)
			if err != nil {
				if err := e.badRecord(env, r, rec, err); err != nil {
					return err
				}
				continue
			}
			b.add(id, doc)
		}
		if len(b.ids) > 0 {
			if err := e.writeBatch(ctx, j, bi, r, &b); err != nil {
				return err
			}
		}
		r.written += int64(len(b.ids))
		r.cursor = rd.Cursor()
		r.copied = eof
		aborted, err := e.checkpoint(ctx, j, lease, r, runs)
		if err != nil || aborted {
			return abortOr(err, aborted)
		}
		e.publishProgress(j, runs, rate.observe(e.now(), r.written))
		if eof {
			return nil
		}
	}
}

func abortOr(err error, aborted bool) error {
	if err != nil {
		return err
	}
	if aborted {
		return errAborted
	}
	return nil
}

// badRecord counts a record the transform refused; past the env's limit the job fails.
func (e *Engine) badRecord(env *config.Environment, r *indexRun, rec Record, err error) error {
	var bad *BadRecordError
	if !errors.As(err, &bad) {
		return fmt.Errorf("transform record %d of %s: %w", rec.Pos, r.spec.Alias, err)
	}
	bad.Pos = rec.Pos
	r.bad++
	if len(r.badKeys) < maxNamed {
		r.badKeys = append(r.badKeys, describeBad(bad))
	}
	if r.bad > int64(env.MaxBadRecords) {
		return &BadRecordsError{Alias: r.spec.Alias, Count: r.bad, Limit: env.MaxBadRecords, First: r.badKeys}
	}
	return nil
}

// itemFailure is one document Elasticsearch refused.
type itemFailure struct {
	ID     string
	Status int
	Type   string
	Reason string
}

// retryable reports whether the document may succeed if sent again.
func (f itemFailure) retryable() bool { return f.Status == 0 || f.Status == 429 || f.Status >= 500 }

// writeBatch sends b through bi and waits (Flush) until every document is
// acknowledged. Documents refused with 429 or 5xx are sent again with capped
// exponential backoff; any other refusal fails the job naming the documents.
func (e *Engine) writeBatch(ctx context.Context, j *Job, bi esutil.BulkIndexer, r *indexRun, b *batch) error {
	pending := make([]int, len(b.ids))
	for i := range pending {
		pending[i] = i
	}
	for attempt := 0; ; attempt++ {
		var mu sync.Mutex
		var failed []itemFailure
		onFailure := func(_ context.Context, item esutil.BulkIndexerItem, res esutil.BulkIndexerResponseItem, err error) {
			f := itemFailure{ID: item.DocumentID, Status: res.Status, Type: res.Error.Type, Reason: res.Error.Reason}
			if err != nil {
				f.Status, f.Reason = 0, err.Error()
			}
			mu.Lock()
			failed = append(failed, f)
			mu.Unlock()
		}
		for _, i := range pending {
			err := bi.Add(ctx, esutil.BulkIndexerItem{
				Action:     "index",
				DocumentID: b.ids[i],
				Body:       bytes.NewReader(b.doc(i)),
				OnFailure:  onFailure,
			})
			if err != nil {
				return fmt.Errorf("queue documents for %s: %w", r.index, causeOr(ctx, err))
			}
		}
		if err := bi.Flush(ctx); err != nil {
			return fmt.Errorf("flush documents to %s: %w", r.index, causeOr(ctx, err))
		}
		if len(failed) == 0 {
			return nil
		}
		var fatal, again []itemFailure
		for _, f := range failed {
			if f.retryable() {
				again = append(again, f)
			} else {
				fatal = append(fatal, f)
			}
		}
		if len(fatal) > 0 {
			return newItemErrors(r.spec.Alias, r.index, fatal, false)
		}
		if attempt+1 >= e.itemAttempts {
			return newItemErrors(r.spec.Alias, r.index, again, true)
		}
		r.retries += int64(len(again))
		pos := make(map[string]int, len(pending))
		for _, i := range pending {
			pos[b.ids[i]] = i
		}
		pending = pending[:0]
		for _, f := range again {
			pending = append(pending, pos[f.ID])
		}
		sort.Ints(pending)
		if err := sleep(ctx, backoff(attempt, e.retryBase, 5*e.retryBase*10)); err != nil {
			return err
		}
		if aborted, err := e.abortRequested(ctx, j.ID); err == nil && aborted {
			return errAborted
		}
	}
}

// ItemErrors reports documents Elasticsearch refused.
type ItemErrors struct {
	Alias string
	Index string
	// Exhausted is set when the documents were retryable but kept failing.
	Exhausted bool
	Count     int
	First     []itemFailure
}

func newItemErrors(alias, index string, fails []itemFailure, exhausted bool) *ItemErrors {
	sort.Slice(fails, func(a, b int) bool { return fails[a].ID < fails[b].ID })
	first := fails
	if len(first) > maxNamed {
		first = first[:maxNamed]
	}
	return &ItemErrors{Alias: alias, Index: index, Exhausted: exhausted, Count: len(fails), First: first}
}

func (e *ItemErrors) Error() string {
	var sb strings.Builder
	docs := "documents"
	if e.Count == 1 {
		docs = "document"
	}
	if e.Exhausted {
		fmt.Fprintf(&sb, "elasticsearch kept refusing %d %s of %s after every retry", e.Count, docs, e.Index)
	} else {
		fmt.Fprintf(&sb, "elasticsearch refused %d %s of %s", e.Count, docs, e.Index)
	}
	for _, f := range e.First {
		fmt.Fprintf(&sb, "; id %s: ", f.ID)
		if f.Type != "" {
			fmt.Fprintf(&sb, "%s: ", f.Type)
		}
		sb.WriteString(f.Reason)
	}
	return sb.String()
}

// IDs returns the ids of the first refused documents.
func (e *ItemErrors) IDs() []string {
	ids := make([]string, len(e.First))
	for i, f := range e.First {
		ids[i] = f.ID
	}
	return ids
}

// BadRecordsError reports more unusable source records than the env tolerates.
type BadRecordsError struct {
	Alias string
	Count int64
	Limit int
	First []string
}

func (e *BadRecordsError) Error() string {
	return fmt.Sprintf("%d bad source records for %s (max_bad_records is %d); first: %s",
		e.Count, e.Alias, e.Limit, strings.Join(e.First, "; "))
}

func causeOr(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && ctx.Err() != nil {
		return c
	}
	return err
}

func firstPositive(vs ...int) int {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}
