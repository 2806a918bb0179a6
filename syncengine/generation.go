package syncengine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// Generation actions: how a generation became live.
const (
	ActionSync    = "sync"
	ActionRestore = "restore"
	// ActionAdopted marks what the aliases pointed at before resyncbot's first
	// run. Its indexes were not made by resyncbot, so they are never pruned.
	ActionAdopted = "adopted"
)

// historyLen bounds the generation history kept per environment.
const historyLen = 100

// Generation is one state of an environment's aliases: which concrete index
// each alias pointed at. The history is newest first; its head is live.
type Generation struct {
	ID string `json:"id"`
	// Indexes maps each alias of the environment to its concrete index.
	Indexes map[string]string `json:"indexes"`
	Counts  map[string]int64  `json:"counts,omitempty"`
	Time    time.Time         `json:"time"`
	Job     string            `json:"job,omitempty"`
	Action  string            `json:"action"`
	By      string            `json:"by,omitempty"`
	// Replaced is the generation that was live before this one.
	Replaced string `json:"replaced,omitempty"`
	// Pruned is set when the generation's own indexes were deleted.
	Pruned bool `json:"-"`
}

// Aliases returns the generation's aliases in a stable order.
func (g *Generation) Aliases() []string {
	out := make([]string, 0, len(g.Indexes))
	for a := range g.Indexes {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// History returns env's generation changes, newest (live) first.
func (e *Engine) GenerationHistory(ctx context.Context, env string) ([]*Generation, error) {
	raw, err := e.rdb.LRange(ctx, e.keys.generations(env), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("generations of %s: %w", env, err)
	}
	pruned, err := e.rdb.SMembers(ctx, e.keys.pruned(env)).Result()
	if err != nil {
		return nil, fmt.Errorf("pruned generations of %s: %w", env, err)
	}
	isPruned := make(map[string]bool, len(pruned))
	for _, p := range pruned {
		isPruned[p] = true
	}
	out := make([]*Generation, 0, len(raw))
	for _, r := range raw {
		var g Generation
		if err := json.Unmarshal([]byte(r), &g); err != nil {
			return nil, fmt.Errorf("generations of %s: decode: %w", env, err)
		}
		g.Pruned = isPruned[g.ID]
		out = append(out, &g)
	}
	return out, nil
}

// Generations returns env's distinct generations, live first, each as it was
// last made live. Restore can target any that is not pruned.
func (e *Engine) Generations(ctx context.Context, env string) ([]*Generation, error) {
	hist, err := e.GenerationHistory(ctx, env)
	if err != nil {
		return nil, err
	}
	return distinct(hist), nil
}

// Live returns env's live generation, or nil if resyncbot has none recorded.
func (e *Engine) Live(ctx context.Context, env string) (*Generation, error) {
	raw, err := e.rdb.LIndex(ctx, e.keys.generations(env), 0).Result()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("live generation of %s: %w", env, err)
	}
	var g Generation
	if err := json.Unmarshal([]byte(raw), &g); err != nil {
		return nil, fmt.Errorf("live generation of %s: decode: %w", env, err)
	}
	return &g, nil
}

// pushGeneration records g as env's new live generation.
func (e *Engine) pushGeneration(ctx context.Context, env string, g *Generation) error {
	buf, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode generation: %w", err)
	}
	_, err = e.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, e.keys.generations(env), buf)
		p.LTrim(ctx, e.keys.generations(env), 0, historyLen-1)
		p.SRem(ctx, e.keys.pruned(env), g.ID)
		if g.Action == ActionSync && g.Job != "" {
			// With the history: a resumed job then knows it swapped already.
			p.HSet(ctx, e.keys.job(g.Job), "swapped", 1)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record generation %s of %s: %w", g.ID, env, err)
	}
	return nil
}

func distinct(hist []*Generation) []*Generation {
	seen := map[string]bool{}
	var out []*Generation
	for _, g := range hist {
		if !seen[g.ID] {
			seen[g.ID] = true
			out = append(out, g)
		}
	}
	return out
}

// prune deletes the indexes of generations beyond keep, never touching the
// live generation, the one it replaced, adopted indexes, or an index that a
// kept generation still uses. It returns the pruned generation ids.
func (e *Engine) prune(ctx context.Context, env string, keep int) ([]string, error) {
	if keep < 1 {
		keep = 1
	}
	gens, err := e.Generations(ctx, env)
	if err != nil {
		return nil, err
	}
	// Whatever the records say, an index an alias points at is live.
	aliased, err := e.aliasedIndexes(ctx, env)
	if err != nil {
		return nil, err
	}
	kept := map[string]bool{}
	inUse := map[string]bool{}
	for i, g := range gens {
		if i < keep || i < 2 || g.Action == ActionAdopted {
			kept[g.ID] = true
			for _, idx := range g.Indexes {
				inUse[idx] = true
			}
		}
	}
	var ids []string
	for _, g := range gens {
		if kept[g.ID] || g.Pruned {
			continue
		}
		var doomed []string
		for _, idx := range g.Indexes {
			if !inUse[idx] && !aliased[idx] && isGenerationIndex(idx) {
				doomed = append(doomed, idx)
			}
		}
		sort.Strings(doomed)
		if err := e.target(env).DeleteIndexes(ctx, doomed...); err != nil {
			return ids, fmt.Errorf("prune generation %s: %w", g.ID, err)
		}
		if err := e.rdb.SAdd(ctx, e.keys.pruned(env), g.ID).Err(); err != nil {
			return ids, fmt.Errorf("mark generation %s pruned: %w", g.ID, err)
		}
		ids = append(ids, g.ID)
	}
	return ids, nil
}
