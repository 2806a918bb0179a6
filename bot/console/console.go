// Package console is resyncbot's local web console: a chat-like page, served
// from the binary, where people pick who they are, type the same commands as
// in Slack or Discord and click the same buttons. It is a platform adapter
// like bot/slack: commands and clicks go to a bot.Handler, and the bot
// answers through the chat.Chat the console implements. Messages are kept in
// memory, per channel, and pushed to the open pages over server-sent events.
//
// The console has no authentication: whoever reaches it may act as any
// person it lists. It is meant for the embedded demo on 127.0.0.1.
package console

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/chat"
)

// Defaults of the Console's options.
const (
	// DefaultHistory is how many messages a channel keeps (replies and
	// ephemerals included); older ones are forgotten.
	DefaultHistory = 500
	// DefaultHandlerTimeout bounds one command or click handler.
	DefaultHandlerTimeout = 10 * time.Second
	// DefaultPanelDelay is how long a panel refresh waits for more changes,
	// so a burst of progress becomes one push.
	DefaultPanelDelay = 150 * time.Millisecond
)

// ErrClosed is returned for events and messages after Close.
var ErrClosed = errors.New("console closed")

// ErrNoMessage is returned by Update and Reply for a message the console
// does not have (never posted, or forgotten to keep the history bounded).
var ErrNoMessage = errors.New("no such console message")

// Person is someone the console lets you be: ID is their console user id
// (people.*.console in the configuration), Roles what they may do.
type Person struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// Channel is a channel listed in the page, with the environment it is about
// ("" for none) so the page can colour it.
type Channel struct {
	Name       string `json:"name"`
	Topic      string `json:"topic,omitempty"`
	Env        string `json:"env,omitempty"`
	Colour     string `json:"colour,omitempty"`
	Production bool   `json:"production,omitempty"`
}

// Console is the web console: a chat.Chat for the bot and the HTTP handlers
// of the page. It is safe for concurrent use.
type Console struct {
	h          bot.Handler
	panel      PanelSource
	log        zerolog.Logger
	people     []Person
	byID       map[string]Person
	channels   []Channel
	help       string
	history    int
	timeout    time.Duration
	panelDelay time.Duration
	now        func() time.Time

	mu       sync.Mutex
	closed   bool
	seq      int64
	msgs     map[string][]*entry // channel → messages, oldest first
	subs     map[*subscriber]struct{}
	running  sync.WaitGroup
	streams  sync.WaitGroup
	stop     chan struct{}
	panelMu  sync.Mutex // serialises panel refreshes
	panelSet bool       // a refresh is scheduled
	lastPan  []byte     // the panel last pushed, as JSON
}

// Option changes a default of the Console.
type Option func(*Console)

// WithPeople sets the people the page offers to be. Commands and clicks
// from anyone else are refused. Without it, any user id is accepted.
func WithPeople(people ...Person) Option {
	return func(c *Console) { c.people = append(c.people, people...) }
}

// WithChannels sets the channels listed in the page, in order. Messages the
// bot posts elsewhere still appear, after them.
func WithChannels(channels ...Channel) Option {
	return func(c *Console) { c.channels = append(c.channels, channels...) }
}

// WithHelp sets the command help the page shows as you type (the text of
// commands.HelpText: one line per command, starting with its usage).
func WithHelp(text string) Option { return func(c *Console) { c.help = text } }

// WithHistory sets how many messages each channel keeps; zero or less keeps
// the default.
func WithHistory(n int) Option {
	return func(c *Console) {
		if n > 0 {
			c.history = n
		}
	}
}

// WithHandlerTimeout bounds each command and click handler; zero or less
// keeps the default.
func WithHandlerTimeout(d time.Duration) Option {
	return func(c *Console) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithPanelDelay sets how long a panel refresh waits to gather changes.
func WithPanelDelay(d time.Duration) Option {
	return func(c *Console) {
		if d > 0 {
			c.panelDelay = d
		}
	}
}

// WithClock sets the clock messages are stamped with.
func WithClock(now func() time.Time) Option { return func(c *Console) { c.now = now } }

// New returns a console handing commands and clicks to h. panel feeds the
// side panel; nil shows none.
func New(h bot.Handler, panel PanelSource, log zerolog.Logger, opts ...Option) *Console {
	c := &Console{
		h:          h,
		panel:      panel,
		log:        log.With().Str("platform", chat.Console).Logger(),
		byID:       map[string]Person{},
		history:    DefaultHistory,
		timeout:    DefaultHandlerTimeout,
		panelDelay: DefaultPanelDelay,
		now:        time.Now,
		msgs:       map[string][]*entry{},
		subs:       map[*subscriber]struct{}{},
		stop:       make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	for _, p := range c.people {
		c.byID[p.ID] = p
	}
	return c
}

var _ chat.Chat = (*Console)(nil)

// person returns who user is, and whether the console knows them.
func (c *Console) person(user string) (Person, bool) {
	if len(c.people) == 0 {
		return Person{ID: user, Name: user}, user != ""
	}
	p, ok := c.byID[user]
	return p, ok
}

// knownChannel reports whether the page may act in channel.
func (c *Console) knownChannel(channel string) bool {
	if channel == "" {
		return false
	}
	for _, ch := range c.channels {
		if ch.Name == channel {
			return true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.msgs[channel]
	return ok || len(c.channels) == 0
}

// Close refuses new events, ends the pages' event streams and waits for the
// running handlers (each bounded by the handler timeout), or until ctx ends.
func (c *Console) Close(ctx context.Context) error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	done := make(chan struct{})
	go func() {
		c.running.Wait()
		c.streams.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("console: waiting for handlers: %w", ctx.Err())
	}
}

// reserve counts a handler as running before it starts, so Close waits for
// it; it reports false once Close was called.
func (c *Console) reserve() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.running.Add(1)
	return true
}

// dispatch runs fn in the background, detached from the request that asked
// for it, bounded by the handler timeout; a panic is logged, not fatal.
func (c *Console) dispatch(what string, fn func(ctx context.Context)) {
	go func() {
		defer c.running.Done()
		defer func() {
			if p := recover(); p != nil {
				c.log.Error().Str("event", what).Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("console handler panicked")
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		defer cancel()
		fn(ctx)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			c.log.Warn().Str("event", what).Dur("timeout", c.timeout).Msg("console handler ran out of time")
		}
	}()
}
