package slackfake

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Identities the fake answers with unless options change them.
const (
	// DefaultToken is the bot token the server accepts by default.
	DefaultToken = "xoxb-0000000000-fake-resyncbot"
	// DefaultChannelID names the channel every server has ("general").
	DefaultChannelID = "C0GENERAL"
	// BotUserID is the user ID of the bot the token belongs to.
	BotUserID = "U0BOT"
	// BotID is the bot ID of that bot.
	BotID = "B0BOT"
	// AppID is the app the bot belongs to.
	AppID = "A0RESYNC"
	// TeamID is the workspace's ID.
	TeamID = "T0FAKE"
	// TeamDomain is the workspace's domain.
	TeamDomain = "resyncbot-fake"
	// BotName is the bot's user name.
	BotName = "resyncbot"
)

// Server is a fake Slack Web API on a local httptest server. It is safe for
// concurrent use; every method locks one mutex.
type Server struct {
	hs         *httptest.Server
	token      string
	now        func() time.Time
	keepBlocks bool

	mu        sync.Mutex
	channels  map[string]*channel
	ephemeral map[string][]*record // by recipient
	hooks     map[string]*hook
	nextHook  int
	calls     map[string]int
	log       []Call
	faults    map[string][]fault
	changed   chan struct{}
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes token the only bot token the server accepts.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithChannel adds a channel the bot can post in, besides DefaultChannelID.
func WithChannel(id, name string) Option {
	return func(s *Server) { s.channels[id] = newChannel(id, name) }
}

// WithClock sets the clock behind message timestamps, edit times and
// response_url expiry. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithUpdateKeepingBlocks makes chat.update without a blocks field keep the
// message's blocks, as Slack's older method documentation described, instead
// of dropping them as PROTOCOLS.md says. A bot that always sends blocks on
// update behaves the same under both.
func WithUpdateKeepingBlocks() Option { return func(s *Server) { s.keepBlocks = true } }

// New starts a Server that t closes when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a Server; the caller must Close it.
func NewServer(opts ...Option) *Server {
	s := &Server{
		token:     DefaultToken,
		now:       time.Now,
		channels:  map[string]*channel{DefaultChannelID: newChannel(DefaultChannelID, "general")},
		ephemeral: map[string][]*record{},
		hooks:     map[string]*hook{},
		calls:     map[string]int{},
		faults:    map[string][]fault{},
		changed:   make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	for _, ch := range s.channels {
		ch.created = s.now()
	}
	s.hs = httptest.NewServer(s.routes())
	return s
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.hs.Close() }

// URL is the Web API base URL with its trailing slash, for
// slack.OptionAPIURL.
func (s *Server) URL() string { return s.hs.URL + "/api/" }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.handleAPI)
	mux.HandleFunc("/response/{id}", s.handleResponseURL)
	return mux
}

// AddChannel adds a channel the bot can post in while the server runs.
func (s *Server) AddChannel(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[id]; !ok {
		ch := newChannel(id, name)
		ch.created = s.now()
		s.channels[id] = ch
	}
	s.notifyLocked()
}

// Changes returns a channel that is closed at the next change of the server's
// state, including every API call received. Take it before checking a
// condition, then wait on it, so no change is missed.
func (s *Server) Changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitFor returns nil once cond is true, checking it now and after every
// change, or an error when ctx ends first. cond may call the Server's methods.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := s.Changes()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("slackfake: wait: %w", context.Cause(ctx))
		}
	}
}

// WaitForMessage waits until channel holds a live message that match accepts
// and returns the first such message.
func (s *Server) WaitForMessage(ctx context.Context, channel string, match func(Message) bool) (Message, error) {
	var found Message
	err := s.WaitFor(ctx, func() bool {
		for _, m := range s.Messages(channel) {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found, err
}

// notifyLocked wakes every waiter. The caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// bearer extracts the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
