package syncengine

// keys names every Redis key the engine uses, under one prefix (DESIGN.md, "State in Redis").
type keys struct{ prefix string }

func (k keys) lock(env string) string        { return k.prefix + "lock:" + env }
func (k keys) job(id string) string          { return k.prefix + "job:" + id }
func (k keys) cursor(id string) string       { return k.prefix + "job:" + id + ":cursor" }
func (k keys) abort(id string) string        { return k.prefix + "job:" + id + ":abort" }
func (k keys) abortChannel() string          { return k.prefix + "abort" }
func (k keys) generations(env string) string { return k.prefix + "env:" + env + ":generations" }
func (k keys) pruned(env string) string      { return k.prefix + "env:" + env + ":pruned" }
func (k keys) envJobs(env string) string     { return k.prefix + "env:" + env + ":jobs" }
func (k keys) active() string                { return k.prefix + "jobs:active" }
func (k keys) audit() string                 { return k.prefix + "audit" }
