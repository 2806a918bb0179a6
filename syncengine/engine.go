// Package syncengine rebuilds an environment's Elasticsearch indexes safely:
// into new generation indexes, in acknowledged batches checkpointed in Redis,
// verified before one atomic alias swap, abortable at any moment, resumable
// after a crash, and restorable to the previous generation in one call.
//
// It knows nothing of chat: callers submit requests and subscribe to events.
package syncengine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/config"
)

// Options tunes an Engine; zero values take the defaults.
type Options struct {
	// Prefix namespaces every Redis key (default "resyncbot:").
	Prefix string
	// LockTTL is how long a lock outlives a silent holder (default 15s).
	// A crashed process's job is resumed by another about this long after.
	LockTTL time.Duration
	// RedisAttempts bounds the tries of a checkpoint or state write before
	// the job fails (default 5, with capped backoff from 100ms).
	RedisAttempts int
	// ItemAttempts bounds the tries of a document Elasticsearch keeps
	// rejecting with 429 or 5xx (default 10).
	ItemAttempts int
	// RetryBase is the first backoff between such tries (default 100ms).
	RetryBase time.Duration
	// HTTPClient is used by http sources (default: a client with no timeout of its own).
	HTTPClient *http.Client
	Logger     zerolog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Engine runs jobs. One Engine per process; several processes (replicas)
// may share one Redis, and each environment runs one job at a time.
type Engine struct {
	rdb     redis.UniversalClient
	cfg     *config.Config
	keys    keys
	targets map[string]*Target
	log     zerolog.Logger
	now     func() time.Time
	http    *http.Client

	lockTTL       time.Duration
	redisAttempts int
	itemAttempts  int
	retryBase     time.Duration

	mu       sync.Mutex
	stopping bool
	running  map[string]*runningJob
	subs     map[int]*subscription
	nextSub  int
	wg       sync.WaitGroup
}

// runningJob is a job this process is working on.
type runningJob struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// errStopping cancels jobs when the process shuts down; they are left
// interrupted for another process (or the next start) to resume.
var errStopping = errors.New("resyncbot is shutting down")

// New returns an engine for every environment of cfg. It makes no network calls.
func New(rdb redis.UniversalClient, cfg *config.Config, opts Options) (*Engine, error) {
	e := &Engine{
		rdb:           rdb,
		cfg:           cfg,
		keys:          keys{prefix: opts.Prefix},
		targets:       map[string]*Target{},
		log:           opts.Logger,
		now:           opts.Now,
		http:          opts.HTTPClient,
		lockTTL:       opts.LockTTL,
		redisAttempts: opts.RedisAttempts,
		itemAttempts:  opts.ItemAttempts,
		retryBase:     opts.RetryBase,
		running:       map[string]*runningJob{},
		subs:          map[int]*subscription{},
	}
	if e.keys.prefix == "" {
		e.keys.prefix = "resyncbot:"
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.http == nil {
		e.http = &http.Client{}
	}
	if e.lockTTL <= 0 {
		e.lockTTL = 15 * time.Second
	}
	if e.redisAttempts <= 0 {
		e.redisAttempts = 5
	}
	if e.itemAttempts <= 0 {
		e.itemAttempts = 10
	}
	if e.retryBase <= 0 {
		e.retryBase = 100 * time.Millisecond
	}
	for name, env := range cfg.Environments {
		es := env.Elasticsearch
		if es.CACert != "" {
			es.CACert = cfg.Resolve(es.CACert)
		}
		t, err := NewTarget(es)
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", name, err)
		}
		e.targets[name] = t
	}
	return e, nil
}

func (e *Engine) target(env string) *Target { return e.targets[env] }

// Target returns env's Elasticsearch target (nil for an unknown env).
func (e *Engine) Target(env string) *Target { return e.targets[env] }

// ErrUnknownEnv is returned for an environment the configuration does not name.
var ErrUnknownEnv = errors.New("unknown environment")

// ErrUnknownIndex is returned for an alias the environment does not have.
var ErrUnknownIndex = errors.New("unknown index")

func (e *Engine) env(name string) (*config.Environment, error) {
	env, ok := e.cfg.Environments[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownEnv, name)
	}
	return env, nil
}

// indexesOf returns the env's index specs a job works on: all, or the one named.
func indexesOf(env *config.Environment, alias string) ([]*config.Index, error) {
	if alias == "" {
		return env.Indexes, nil
	}
	for _, ix := range env.Indexes {
		if ix.Alias == alias {
			return []*config.Index{ix}, nil
		}
	}
	return nil, fmt.Errorf("%w %q in %s", ErrUnknownIndex, alias, env.Name)
}

// Run looks for interrupted jobs at start-up and then every interval,
// resuming any whose lock has lapsed. It returns when ctx ends, after the
// jobs this process runs have been left in a resumable state.
func (e *Engine) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.Recover(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn().Err(err).Msg("looking for interrupted jobs failed; will retry")
		}
		select {
		case <-ctx.Done():
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			e.Stop(stopCtx)
			return nil
		case <-t.C:
		}
	}
}

// Stop interrupts the jobs this process runs, leaving each resumable, and
// waits for them (or for ctx).
func (e *Engine) Stop(ctx context.Context) {
	e.mu.Lock()
	e.stopping = true
	for _, r := range e.running {
		r.cancel(errStopping)
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Wait blocks until the job with id, if this process runs it, has stopped.
func (e *Engine) Wait(ctx context.Context, id string) error {
	e.mu.Lock()
	r := e.running[id]
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newID returns a sortable, readable, lowercase job and generation id.
func (e *Engine) newID() string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return e.now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

var generationSuffix = regexp.MustCompile(`-\d{8}-\d{6}-[0-9a-f]{4}$`)

// isGenerationIndex reports whether name is an index resyncbot made.
func isGenerationIndex(name string) bool { return generationSuffix.MatchString(name) }

// backoff is capped exponential backoff: base·2^attempt, at most max.
func backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
