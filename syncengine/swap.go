package syncengine

import (
	"context"
	"fmt"
	"sort"

	"github.com/resyncbot/resyncbot/config"
)

// swap moves the job's aliases to its new indexes in one atomic _aliases
// request and records the new live generation. Until this call the
// application reads the old data; after it, the new, with nothing between.
func (e *Engine) swap(ctx context.Context, j *Job, env *config.Environment, runs []*indexRun, lease Lease) error {
	t := e.target(env.Name)
	live, err := e.Live(ctx, env.Name)
	if err != nil {
		return fmt.Errorf("swap: %w", err)
	}
	current, err := e.currentAliases(ctx, env)
	if err != nil {
		return fmt.Errorf("swap: %w", err)
	}
	if live == nil && len(current) > 0 {
		// First run: remember what the aliases pointed at so Restore can return to it.
		live = &Generation{ID: e.newID(), Indexes: firstOf(current), Time: e.now(), Action: ActionAdopted}
		if err := e.retryRedis(ctx, func() error { return e.pushGeneration(ctx, env.Name, live) }); err != nil {
			return fmt.Errorf("swap: %w", err)
		}
	}
	var actions []AliasAction
	gen := &Generation{
		ID:      j.Generation,
		Indexes: firstOf(current),
		Counts:  map[string]int64{},
		Time:    e.now(),
		Job:     j.ID,
		Action:  ActionSync,
		By:      j.Requester,
	}
	if live != nil {
		gen.Replaced = live.ID
		for a, n := range live.Counts {
			gen.Counts[a] = n
		}
	}
	for _, r := range runs {
		for _, old := range current[r.spec.Alias] {
			actions = append(actions, AliasAction{Remove: true, Index: old, Alias: r.spec.Alias})
		}
		actions = append(actions, AliasAction{Index: r.index, Alias: r.spec.Alias, WriteIndex: r.spec.WriteIndex})
		gen.Indexes[r.spec.Alias] = r.index
		gen.Counts[r.spec.Alias] = r.written
	}
	// Fencing: only the lock's holder may move the aliases, checked last.
	if err := e.extend(ctx, lease); err != nil {
		return fmt.Errorf("swap: %w", err)
	}
	if err := t.UpdateAliases(ctx, actions); err != nil {
		return err
	}
	if err := e.retryRedis(ctx, func() error { return e.pushGeneration(ctx, env.Name, gen) }); err != nil {
		return fmt.Errorf("record generation after swap: %w", err)
	}
	e.audit(ctx, j.Requester, "swap", env.Name, j.ID, "generation "+gen.ID)
	return nil
}

// currentAliases returns, per alias of env, the indexes it points at now.
func (e *Engine) currentAliases(ctx context.Context, env *config.Environment) (map[string][]string, error) {
	out := map[string][]string{}
	for _, ix := range env.Indexes {
		names, err := e.target(env.Name).AliasIndexes(ctx, ix.Alias)
		if err != nil {
			return nil, err
		}
		if len(names) > 0 {
			sort.Strings(names)
			out[ix.Alias] = names
		}
	}
	return out, nil
}

func firstOf(m map[string][]string) map[string]string {
	out := make(map[string]string, len(m))
	for a, names := range m {
		if len(names) > 0 {
			out[a] = names[0]
		}
	}
	return out
}

// aliasedIndexes is the set of indexes any alias of env points at now.
func (e *Engine) aliasedIndexes(ctx context.Context, env string) (map[string]bool, error) {
	cfg, err := e.env(env)
	if err != nil {
		return nil, err
	}
	current, err := e.currentAliases(ctx, cfg)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, names := range current {
		for _, n := range names {
			out[n] = true
		}
	}
	return out, nil
}
