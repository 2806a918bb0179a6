package syncengine

import (
	"context"
	"fmt"
	"time"
)

// Plan is what a resync would do, worked out without changing anything.
type Plan struct {
	Env     string
	Indexes []PlanIndex
	// Live is the live generation (nil when resyncbot has recorded none).
	Live *Generation
	// KeptForRestore lists the generations kept after the run, besides the new one.
	KeptForRestore []string
	// Total is the number of source records, -1 when a source cannot tell.
	Total int64
	// Rate is the docs/s of the last successful run (0 when there was none),
	// and Estimate the duration it predicts (0 when unknown).
	Rate     float64
	Estimate time.Duration
	// Busy is set when a job or restore holds the environment now.
	Busy *Busy
}

// PlanIndex is one index of a plan.
type PlanIndex struct {
	Alias      string
	SourceType string
	// Total is the source's record count, -1 when unknown.
	Total int64
	// LiveIndex is the index the alias points at now ("" if none) and LiveDocs its count.
	LiveIndex string
	LiveDocs  int64
}

// Plan works out a dry run of a resync of env (one index, or all when index
// is ""): the indexes, source counts, live generation, what stays for restore,
// and an estimated duration from the last successful run's rate.
func (e *Engine) Plan(ctx context.Context, env, index string) (*Plan, error) {
	cfg, err := e.env(env)
	if err != nil {
		return nil, err
	}
	specs, err := indexesOf(cfg, index)
	if err != nil {
		return nil, err
	}
	p := &Plan{Env: env, Total: 0}
	t := e.target(env)
	for _, spec := range specs {
		pi := PlanIndex{Alias: spec.Alias, SourceType: spec.Source.Type, Total: -1}
		src, err := NewSource(spec.Source, e.cfg.Dir, e.http)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", spec.Alias, err)
		}
		n, known, err := src.Total(ctx)
		if err != nil {
			return nil, fmt.Errorf("plan %s: count source: %w", spec.Alias, err)
		}
		if known {
			pi.Total = n
		}
		if pi.Total < 0 || p.Total < 0 {
			p.Total = -1
		} else {
			p.Total += pi.Total
		}
		names, err := t.AliasIndexes(ctx, spec.Alias)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", spec.Alias, err)
		}
		if len(names) > 0 {
			pi.LiveIndex = names[0]
			if pi.LiveDocs, err = t.Count(ctx, spec.Alias, nil); err != nil {
				return nil, fmt.Errorf("plan %s: %w", spec.Alias, err)
			}
		}
		p.Indexes = append(p.Indexes, pi)
	}
	if p.Live, err = e.Live(ctx, env); err != nil {
		return nil, err
	}
	gens, err := e.Generations(ctx, env)
	if err != nil {
		return nil, err
	}
	keep := max(cfg.GenerationsKept, 1)
	for i, g := range gens {
		// After the run the new generation is live and the current one is kept
		// as the restore point, plus older ones up to generations_kept.
		if (i < keep-1 || i == 0 || g.Action == ActionAdopted) && !g.Pruned {
			p.KeptForRestore = append(p.KeptForRestore, g.ID)
		}
	}
	if p.Live == nil && len(p.Indexes) > 0 && p.Indexes[0].LiveIndex != "" {
		p.KeptForRestore = append(p.KeptForRestore, "the current indexes (adopted at the first swap)")
	}
	hist, err := e.History(ctx, env, 20)
	if err != nil {
		return nil, err
	}
	for _, j := range hist {
		if j.State == StateSucceeded && j.Written > 0 && j.Duration(e.now()) > 0 {
			p.Rate = float64(j.Written) / j.Duration(e.now()).Seconds()
			break
		}
	}
	if p.Rate > 0 && p.Total > 0 {
		p.Estimate = time.Duration(float64(p.Total) / p.Rate * float64(time.Second))
	}
	if holder, err := e.lockHolder(ctx, env); err != nil {
		return nil, err
	} else if holder != "" {
		if p.Busy, err = e.busy(ctx, env); err != nil {
			return nil, err
		}
	}
	return p, nil
}
