package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Background runs event handlers after the platform has had its answer:
// each under the handler timeout and the request's values but not its
// cancellation, at most a fixed number at once (a burst is acknowledged
// first and worked through after), with a panic contained. Close refuses new
// work and waits for what runs. Every platform adapter uses one.
type Background struct {
	log     zerolog.Logger
	timeout time.Duration
	slots   chan struct{}

	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
}

// NewBackground returns a Background running at most concurrency handlers
// at once, each for at most timeout.
func NewBackground(timeout time.Duration, concurrency int, log zerolog.Logger) *Background {
	return &Background{log: log, timeout: timeout, slots: make(chan struct{}, max(concurrency, 1))}
}

// Reserve counts n handlers as running before they start, so that Close
// waits for them; it reserves nothing and reports false once Close was called.
func (g *Background) Reserve(n int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.running.Add(n)
	return true
}

// Unreserve gives back n reservations whose handlers will not run.
func (g *Background) Unreserve(n int) { g.running.Add(-n) }

// Closed reports whether Close was called.
func (g *Background) Closed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// Go runs one reserved handler in the background. what names it in logs;
// after, if set, runs once fn returned, with whether fn ran out of time.
func (g *Background) Go(parent context.Context, what string, fn func(ctx context.Context), after func(ctx context.Context, timedOut bool)) {
	go func() {
		defer g.running.Done()
		g.slots <- struct{}{}
		timedOut := g.run(parent, what, fn)
		<-g.slots
		if after != nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), g.timeout)
			defer cancel()
			after(ctx, timedOut)
		}
	}()
}

func (g *Background) run(parent context.Context, what string, fn func(ctx context.Context)) (timedOut bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), g.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			g.log.Error().Str("event", what).Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("handler panicked")
		}
	}()
	fn(ctx)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		g.log.Warn().Str("event", what).Dur("timeout", g.timeout).Msg("handler ran out of time")
		return true
	}
	return false
}

// Wait blocks until every handler started so far has returned.
func (g *Background) Wait() { g.running.Wait() }

// Close refuses new handlers and waits for the running ones, or for ctx.
func (g *Background) Close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	done := make(chan struct{})
	go func() {
		g.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for handlers: %w", ctx.Err())
	}
}
