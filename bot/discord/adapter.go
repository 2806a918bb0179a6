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
	// DefaultConcurrency is how many handlers run at once; the rest wait
	// their turn (their timeout starts when they run).
	DefaultConcurrency = 16
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
	maxBody int64
	// bg runs the handlers once Discord has its answer.
	bg *bot.Background
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
		maxBody: o.maxBody,
		bg:      bot.NewBackground(o.timeout, DefaultConcurrency, log),
	}
}

// Chat is the chat.Chat that posts to Discord.
func (a *Adapter) Chat() chat.Chat { return a.chat }

// Wait blocks until every handler started so far has returned.
func (a *Adapter) Wait() { a.bg.Wait() }

// Close refuses new interactions and waits for the running handlers, each
// bounded by the handler timeout, or until ctx is done.
func (a *Adapter) Close(ctx context.Context) error {
	if err := a.bg.Close(ctx); err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	return nil
}

// interactionAPI names an interaction for the REST calls made with its token.
func interactionAPI(appID, token string) *discordgo.Interaction {
	return &discordgo.Interaction{AppID: appID, Token: token}
}
