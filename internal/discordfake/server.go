package discordfake

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Identities the fake answers with unless options change them. Discord ids
// are snowflakes: decimal strings of a 64-bit number.
const (
	// DefaultToken is the bot token the server accepts by default; clients
	// send it as "Authorization: Bot <token>".
	DefaultToken = "fake-discord-bot-token.resyncbot"
	// AppID is the application's id; its bot user has the same id.
	AppID = "1200000000000000001"
	// BotUserID is the bot user's id.
	BotUserID = AppID
	// BotName is the bot user's name.
	BotName = "resyncbot"
	// DefaultGuildID is the guild (server) every fake has.
	DefaultGuildID = "1300000000000000001"
	// DefaultChannelID is the text channel every fake has, in that guild.
	DefaultChannelID = "1400000000000000001"
)

// apiPrefix is where the REST API lives, as on discord.com.
const apiPrefix = "/api/v9"

// discordEpoch is the first millisecond of 2015, where snowflakes start.
const discordEpoch = 1420070400000

// tokenLife is how long an interaction token accepts follow-ups and edits;
// answerWindow is how long the interaction waits for its first answer.
const (
	tokenLife    = 15 * time.Minute
	answerWindow = 3 * time.Second
)

// Server is a fake Discord REST API on a local httptest server. It is safe
// for concurrent use; every method locks one mutex.
type Server struct {
	hs    *httptest.Server
	token string
	appID string
	now   func() time.Time

	mu           sync.Mutex
	lastID       int64
	guilds       map[string]bool
	channels     map[string]*channel
	byID         map[string]*record // every message, ephemeral ones included
	ephemeral    map[string][]*record
	interactions map[string]*interaction // by token
	intrByID     map[string]*interaction
	commands     map[string][]*command // by guild id, "" for global
	overwrites   map[string]int
	calls        []Call
	faults       map[string][]fault
	changed      chan struct{}
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes token the only bot token the server accepts.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithChannel adds a text channel in DefaultGuildID.
func WithChannel(id, name string) Option {
	return func(s *Server) { s.channels[id] = &channel{id: id, guild: DefaultGuildID, name: name} }
}

// WithClock sets the clock behind message timestamps, snowflakes and token
// expiry. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

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
		token:        DefaultToken,
		appID:        AppID,
		now:          time.Now,
		guilds:       map[string]bool{DefaultGuildID: true},
		channels:     map[string]*channel{DefaultChannelID: {id: DefaultChannelID, guild: DefaultGuildID, name: "general"}},
		byID:         map[string]*record{},
		ephemeral:    map[string][]*record{},
		interactions: map[string]*interaction{},
		intrByID:     map[string]*interaction{},
		commands:     map[string][]*command{},
		overwrites:   map[string]int{},
		faults:       map[string][]fault{},
		changed:      make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.hs = httptest.NewServer(s.routes())
	return s
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.hs.Close() }

// URL is the REST API base with its trailing slash, what discordgo calls
// EndpointAPI ("https://discord.com/api/v9/" on Discord): config's api_url.
func (s *Server) URL() string { return s.hs.URL + apiPrefix + "/" }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// AppID is the application's id.
func (s *Server) AppID() string { return s.appID }

// AddGuild adds a guild the application is in (Discord answers 403 Missing
// Access for commands in any other).
func (s *Server) AddGuild(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guilds[id] = true
	s.notifyLocked()
}

// AddChannel adds a text channel in DefaultGuildID while the server runs.
func (s *Server) AddChannel(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[id]; !ok {
		s.channels[id] = &channel{id: id, guild: DefaultGuildID, name: name}
	}
	s.notifyLocked()
}

// handler is one endpoint; it runs with s.mu held and returns the status and
// the JSON body to send (nil for none), or an error answer.
type handler func(r *http.Request, body []byte) (int, any, *apiError)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	p := apiPrefix
	mux.Handle("POST "+p+"/channels/{channel}/messages", s.wrap(RouteMessageCreate, true, s.createMessageLocked))
	mux.Handle("PATCH "+p+"/channels/{channel}/messages/{message}", s.wrap(RouteMessageEdit, true, s.editMessageLocked))
	mux.Handle("GET "+p+"/channels/{channel}/messages/{message}", s.wrap(RouteMessageGet, true, s.getMessageLocked))
	mux.Handle("POST "+p+"/interactions/{id}/{token}/callback", s.wrap(RouteCallback, false, s.callbackLocked))
	mux.Handle("POST "+p+"/webhooks/{app}/{token}", s.wrap(RouteFollowupCreate, false, s.followupLocked))
	mux.Handle("PATCH "+p+"/webhooks/{app}/{token}/messages/{message}", s.wrap(RouteFollowupEdit, false, s.editFollowupLocked))
	mux.Handle("DELETE "+p+"/webhooks/{app}/{token}/messages/{message}", s.wrap(RouteFollowupDelete, false, s.deleteFollowupLocked))
	mux.Handle("GET "+p+"/webhooks/{app}/{token}/messages/{message}", s.wrap(RouteFollowupGet, false, s.getFollowupLocked))
	mux.Handle("PUT "+p+"/applications/{app}/commands", s.wrap(RouteCommandsOverwrite, true, s.overwriteLocked))
	mux.Handle("PUT "+p+"/applications/{app}/guilds/{guild}/commands", s.wrap(RouteCommandsOverwrite, true, s.overwriteLocked))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "404: Not Found", "code": 0})
	})
	return mux
}

// wrap records the call, applies a scheduled fault, checks the bot token
// where Discord wants one, and runs h under the lock.
func (s *Server) wrap(route string, auth bool, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		call := Call{Route: route, Method: r.Method, Path: r.URL.Path, At: s.now()}
		defer func() {
			s.calls = append(s.calls, call)
			s.notifyLocked()
		}()
		if f, ok := s.takeFaultLocked(route); ok {
			call.Status = f.write(w, s.now())
			return
		}
		// Webhook and callback routes are authorised by the token in
		// their path; Discord ignores a bot token sent with them.
		if auth && r.Header.Get("Authorization") != "Bot "+s.token {
			call.Status = errUnauthorized.write(w)
			return
		}
		status, out, aerr := h(r, body)
		if aerr != nil {
			call.Status = aerr.write(w)
			return
		}
		call.Status = status
		if out == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, out)
	})
}

// Call is one request the server received.
type Call struct {
	Route  string
	Method string
	Path   string
	// Status is the HTTP status answered.
	Status int
	// At is when it arrived, by the server's clock.
	At time.Time
}

// Calls lists the requests received on route ("" for all), oldest first.
func (s *Server) Calls(route string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if route == "" || c.Route == route {
			out = append(out, c)
		}
	}
	return out
}

// Changes returns a channel that is closed at the next change of the
// server's state, every request included. Take it before checking a
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
			return fmt.Errorf("discordfake: wait: %w", context.Cause(ctx))
		}
	}
}

// WaitForMessage waits until channel holds a live message that match
// accepts and returns the first such message.
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

// WaitForEphemeral waits until user has a live ephemeral message that match
// accepts and returns the first such message.
func (s *Server) WaitForEphemeral(ctx context.Context, user string, match func(Message) bool) (Message, error) {
	var found Message
	err := s.WaitFor(ctx, func() bool {
		for _, m := range s.Ephemerals(user) {
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

// snowflakeLocked hands out a new id from the clock, strictly increasing.
func (s *Server) snowflakeLocked() string {
	id := (s.now().UnixMilli() - discordEpoch) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return strconv.FormatInt(id, 10)
}

// newToken makes an interaction token: long, random, URL-safe.
func newToken() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return "aW50ZXJhY3Rpb24" + base64.RawURLEncoding.EncodeToString(b[:])
}
