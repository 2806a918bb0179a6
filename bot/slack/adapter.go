// Package slack connects resyncbot to Slack: slash commands and button clicks
// come in over HTTP (signed by Slack) or Socket Mode and go to a bot.Handler;
// messages go out through the Web API as Block Kit.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"
	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
)

// Defaults of the Adapter's options.
const (
	// DefaultHandlerTimeout bounds one command or click handler.
	DefaultHandlerTimeout = 10 * time.Second
	// DefaultMaxAttempts is how many times a rate-limited Web API call is tried.
	DefaultMaxAttempts = 4
	// DefaultMaxBody caps a request body. Slack's interaction payloads carry
	// the whole message clicked, blocks included, so they can reach a few
	// hundred kilobytes.
	DefaultMaxBody = 1 << 20
	// DefaultConcurrency is how many handlers run at once; the rest wait
	// their turn (their timeout starts when they run).
	DefaultConcurrency = 16
)

// ErrClosed is returned by Run after Close, and is why events that arrive
// during shutdown are refused.
var ErrClosed = errors.New("slack adapter closed")

// Adapter is resyncbot's Slack connection: the HTTP endpoints Slack calls,
// the Socket Mode loop that replaces them when an app token is set, and the
// chat.Chat the bot answers through.
type Adapter struct {
	cfg     config.Slack
	h       bot.Handler
	guard   *bot.ReplayGuard
	log     zerolog.Logger
	api     *slackapi.Client
	chat    *Client
	now     func() time.Time
	maxBody int64
	// bg runs the handlers once Slack has its answer.
	bg *bot.Background
}

// Option changes a default of the Adapter.
type Option func(*options)

type options struct {
	now         func() time.Time
	timeout     time.Duration
	maxBody     int64
	maxAttempts int
	httpClient  *http.Client
}

// WithClock sets the clock signatures' timestamps are checked against.
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

// WithMaxBody caps the size of a request body Slack sends us; zero or less
// keeps the default.
func WithMaxBody(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// WithMaxAttempts bounds how often a rate-limited Web API call is tried;
// zero or less keeps the default.
func WithMaxAttempts(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxAttempts = n
		}
	}
}

// WithHTTPClient sets the HTTP client of Web API calls, apps.connections.open
// included (the Socket Mode WebSocket itself uses its own dialer).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// NewAdapter returns a Slack adapter handing events to h. guard refuses
// replayed HTTP requests and must be set unless only Socket Mode is used;
// log never receives a token or the signing secret.
func NewAdapter(cfg config.Slack, h bot.Handler, guard *bot.ReplayGuard, log zerolog.Logger, opts ...Option) *Adapter {
	o := options{now: time.Now, timeout: DefaultHandlerTimeout, maxBody: DefaultMaxBody, maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	log = log.With().Str("platform", chat.Slack).Logger()
	api := newAPI(cfg, o.httpClient, log)
	return &Adapter{
		cfg:     cfg,
		h:       h,
		guard:   guard,
		log:     log,
		api:     api,
		chat:    &Client{api: api, log: log, maxAttempts: o.maxAttempts},
		now:     o.now,
		maxBody: o.maxBody,
		bg:      bot.NewBackground(o.timeout, DefaultConcurrency, log),
	}
}

// newAPI builds the slack-go client. Its debug output stays off: slack-go
// logs request bodies in debug mode, and those carry the token.
func newAPI(cfg config.Slack, hc *http.Client, log zerolog.Logger) *slackapi.Client {
	opts := []slackapi.Option{slackapi.OptionLog(logWriter{log})}
	if cfg.APIURL != "" {
		opts = append(opts, slackapi.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	if hc != nil {
		opts = append(opts, slackapi.OptionHTTPClient(hc))
	}
	return slackapi.New(cfg.BotToken, opts...)
}

// Chat is the chat.Chat that posts to this Slack workspace.
func (a *Adapter) Chat() chat.Chat { return a.chat }

// SocketMode reports whether the configuration asks for Socket Mode (an app
// token is set): then Run receives the events and the HTTP endpoints are
// not needed.
func (a *Adapter) SocketMode() bool { return a.cfg.AppToken != "" }

// Wait blocks until every handler started so far has returned.
func (a *Adapter) Wait() { a.bg.Wait() }

// Close refuses new events and waits for the running handlers, each bounded
// by the handler timeout, or until ctx is done.
func (a *Adapter) Close(ctx context.Context) error {
	if err := a.bg.Close(ctx); err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	return nil
}

// handler is one bot call waiting to run: what names it in logs.
type handler struct {
	what string
	fn   func(ctx context.Context)
}

// start runs reserved handlers in the background (Slack has its answer; the
// request is over).
func (a *Adapter) start(parent context.Context, hs []handler) {
	for _, h := range hs {
		a.bg.Go(parent, h.what, h.fn, nil)
	}
}

// logWriter sends slack-go's own log lines to zerolog at debug level.
type logWriter struct{ log zerolog.Logger }

// Output implements slack-go's logger interface.
func (w logWriter) Output(_ int, s string) error {
	w.log.Debug().Str("from", "slack-go").Msg(s)
	return nil
}
