package syncengine

import (
	"context"
	"errors"
	"fmt"
)

// Restore refusals callers branch on; each error's text says which generation and why.
var (
	ErrNothingToRestore   = errors.New("nothing to restore")
	ErrGenerationNotFound = errors.New("no such generation")
	ErrGenerationPruned   = errors.New("generation was pruned")
	ErrGenerationEmpty    = errors.New("generation's indexes are missing or empty")
)

// RestoreResult is the outcome of Restore: the change made, or Busy.
type RestoreResult struct {
	// From was live before; To is live now.
	From, To *Generation
	Busy     *Busy
}

// Restore makes an earlier generation live again: by default the one before
// the live one. It checks that the generation's indexes exist and hold
// documents, then moves every alias of the environment back in one atomic
// request, under the environment's lock. The restore is recorded as a new
// generation change, so restoring again undoes it.
func (e *Engine) Restore(ctx context.Context, env, generation, by string) (RestoreResult, error) {
	if _, err := e.env(env); err != nil {
		return RestoreResult{}, err
	}
	lease, ok, err := e.tryLock(ctx, env, "restore-"+e.newID())
	if err != nil {
		return RestoreResult{}, err
	}
	if !ok {
		busy, err := e.busy(ctx, env)
		return RestoreResult{Busy: busy}, err
	}
	defer func() { _ = e.release(context.WithoutCancel(ctx), lease) }()

	gens, err := e.Generations(ctx, env)
	if err != nil {
		return RestoreResult{}, err
	}
	if len(gens) == 0 {
		return RestoreResult{}, fmt.Errorf("%w: %s has no recorded generations yet", ErrNothingToRestore, env)
	}
	live := gens[0]
	var to *Generation
	if generation == "" {
		if len(gens) < 2 {
			return RestoreResult{}, fmt.Errorf("%w: %s has only its live generation %s", ErrNothingToRestore, env, live.ID)
		}
		to = gens[1]
	} else {
		for _, g := range gens {
			if g.ID == generation {
				to = g
			}
		}
		if to == nil {
			return RestoreResult{}, fmt.Errorf("%w: %s has no generation %q", ErrGenerationNotFound, env, generation)
		}
		if to.ID == live.ID {
			return RestoreResult{}, fmt.Errorf("%w: generation %s is already live in %s", ErrNothingToRestore, to.ID, env)
		}
	}
	if to.Pruned {
		return RestoreResult{}, fmt.Errorf("%w: the indexes of generation %s of %s were deleted to keep only the newest generations", ErrGenerationPruned, to.ID, env)
	}
	t := e.target(env)
	for _, alias := range to.Aliases() {
		idx := to.Indexes[alias]
		exists, err := t.Exists(ctx, idx)
		if err != nil {
			return RestoreResult{}, fmt.Errorf("restore %s: %w", env, err)
		}
		if !exists {
			return RestoreResult{}, fmt.Errorf("%w: index %s of generation %s no longer exists", ErrGenerationEmpty, idx, to.ID)
		}
		n, err := t.Count(ctx, idx, nil)
		if err != nil {
			return RestoreResult{}, fmt.Errorf("restore %s: %w", env, err)
		}
		if n == 0 {
			return RestoreResult{}, fmt.Errorf("%w: index %s of generation %s holds no documents", ErrGenerationEmpty, idx, to.ID)
		}
	}

	envCfg, _ := e.env(env)
	writeIndex := map[string]bool{}
	for _, ix := range envCfg.Indexes {
		writeIndex[ix.Alias] = ix.WriteIndex
	}
	var actions []AliasAction
	for _, alias := range to.Aliases() {
		cur, err := t.AliasIndexes(ctx, alias)
		if err != nil {
			return RestoreResult{}, fmt.Errorf("restore %s: %w", env, err)
		}
		for _, old := range cur {
			actions = append(actions, AliasAction{Remove: true, Index: old, Alias: alias})
		}
		actions = append(actions, AliasAction{Index: to.Indexes[alias], Alias: alias, WriteIndex: writeIndex[alias]})
	}
	if err := e.extend(ctx, lease); err != nil { // fencing, checked last
		return RestoreResult{}, fmt.Errorf("restore %s: %w", env, err)
	}
	if err := t.UpdateAliases(ctx, actions); err != nil {
		return RestoreResult{}, fmt.Errorf("restore %s: %w", env, err)
	}
	now := &Generation{
		ID:       to.ID,
		Indexes:  to.Indexes,
		Counts:   to.Counts,
		Time:     e.now(),
		Job:      to.Job,
		Action:   ActionRestore,
		By:       by,
		Replaced: live.ID,
	}
	if err := e.retryRedis(ctx, func() error { return e.pushGeneration(ctx, env, now) }); err != nil {
		return RestoreResult{}, fmt.Errorf("record restore of %s: %w", env, err)
	}
	e.audit(ctx, by, "restore", env, "", fmt.Sprintf("generation %s replaced %s", to.ID, live.ID))
	return RestoreResult{From: live, To: now}, nil
}
