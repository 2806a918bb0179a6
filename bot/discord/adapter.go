// Package discord connects resyncbot to Discord over HTTP interactions (no
// gateway): slash commands and button clicks arrive signed with Ed25519 at
// one endpoint and go to a bot.Handler; messages go out through the REST API
// as embeds with buttons.
//
// Discord gives an interaction 3 seconds for its first answer, so every
// interaction is answered at once (deferred) and the bot's replies follow
// through chat.Chat: Ephemeral becomes a follow-up on the interaction's token
// while one is valid, and everything else is a channel message.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
)

// Defaults of the Adapter's options.
const (
	// DefaultHandlerTimeout bounds one command or click handler.
	DefaultHandlerTimeout = 10 * time.Second
	// DefaultMaxAttempts is how many times a rate-limited REST call is tried.
	DefaultMaxAttempts = 4
	// DefaultMaxBody caps an interaction's body. A click carries the whole
	// message clicked (embeds and components), which stays well under this.
	DefaultMaxBody = 1 << 20
	// DefaultRequestTimeout bounds one REST request.
	DefaultRequestTimeout = 20 * time.Second
)

// errClosed is why interactions that arrive after Close are refused.
var errClosed = errors.New("discord adapter closed")

// Adapter is resyncbot's Discord connection: the interactions endpoint
// Discord calls and the chat.Chat the bot answers through.
type Adapter struct {
	cfg     config.Discord
	key     ed25519.PublicKey
	h       bot.Handler
	guard   *bot.ReplayGuard
	log     zerolog.Logger
	chat    *Client
	now     func() time.Time
	timeout time.Duration
	maxBody int64

	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
}

// Option changes a default of the Adapter (and of Register).
type Option func(*options)

type options struct {
	now         func() time.Time
	timeout     time.Duration
	maxBody     int64
	maxAttempts int
	httpClient  *http.Client
}

// WithClock sets the clock that signatures' timestamps and the validity of
// interaction tokens are checked against.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithHandlerTimeout bounds each command and click handler; zero or less
// keeps the default (10 s), so an unset config value cannot disable handlers.
func WithHandlerTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithMaxBody caps the size of an interaction body; zero or less keeps the
// default.
func WithMaxBody(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// WithMaxAttempts bounds how often a rate-limited REST call is tried; zero
// or less keeps the default.
func WithMaxAttempts(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxAttempts = n
		}
	}
}

// WithHTTPClient sets the HTTP client of REST calls. It is copied, never
// changed: a configured api_url is applied to the copy.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

func newOptions(opts []Option) options {
	o := options{now: time.Now, timeout: DefaultHandlerTimeout, maxBody: DefaultMaxBody, maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// NewAdapter returns a Discord adapter handing events to h. guard refuses
// replayed interactions and must be set; without it every interaction is
// refused. log never receives the bot token.
//
// REST calls go to cfg.APIURL when it is set (a fake in tests), else to
// Discord; this is per adapter, not process-global (see newSession).
func NewAdapter(cfg config.Discord, h bot.Handler, guard *bot.ReplayGuard, log zerolog.Logger, opts ...Option) *Adapter {
	o := newOptions(opts)
	log = log.With().Str("platform", chat.Discord).Logger()
	key, err := hex.DecodeString(cfg.PublicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		// Validation refuses such a config; a zero key verifies nothing.
		log.Error().Msg("discord public_key is not a hex Ed25519 public key: every interaction will be refused")
		key = nil
	}
	return &Adapter{
		cfg:     cfg,
		key:     key,
		h:       h,
		guard:   guard,
		log:     log,
		chat:    newClient(newSession(cfg, o.httpClient), cfg.ApplicationID, log, o),
		now:     o.now,
		timeout: o.timeout,
		maxBody: o.maxBody,
	}
}

// Chat is the chat.Chat that posts to Discord.
func (a *Adapter) Chat() chat.Chat { return a.chat }

// Wait blocks until every handler started so far has returned.
func (a *Adapter) Wait() { a.running.Wait() }

// Close refuses new interactions and waits for the running handlers, each
// bounded by the handler timeout, or until ctx is done.
func (a *Adapter) Close(ctx context.Context) error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	done := make(chan struct{})
	go func() {
		a.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("discord: waiting for handlers: %w", ctx.Err())
	}
}

// reserve counts one handler as running before it starts, so Close waits
// for it; it reports false once Close was called.
func (a *Adapter) reserve() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	a.running.Add(1)
	return true
}

// start runs a reserved handler in the background under parent's values but
// not its cancellation (Discord has its answer; the request is over),
// bounded by the handler timeout. after runs once the handler returned,
// with whether it ran out of time.
func (a *Adapter) start(parent context.Context, what string, fn func(ctx context.Context), after func(ctx context.Context, timedOut bool)) {
	go func() {
		defer a.running.Done()
		timedOut := a.run(parent, what, fn)
		if after != nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), a.timeout)
			defer cancel()
			after(ctx, timedOut)
		}
	}()
}

// run is one background handler; it recovers a panic so a bug in one
// command cannot take down the bot, and reports whether it ran out of time.
func (a *Adapter) run(parent context.Context, what string, fn func(ctx context.Context)) (timedOut bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), a.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			a.log.Error().Str("event", what).Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("discord handler panicked")
		}
	}()
	fn(ctx)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		a.log.Warn().Str("event", what).Dur("timeout", a.timeout).Msg("discord handler ran out of time")
		return true
	}
	return false
}

// interactionAPI names an interaction for the REST calls made with its token.
func interactionAPI(appID, token string) *discordgo.Interaction {
	return &discordgo.Interaction{AppID: appID, Token: token}
}
