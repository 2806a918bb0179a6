// Package teamsfake is a fake Microsoft Teams Workflows webhook endpoint for
// tests ("When a Teams webhook request is received"). Each named webhook
// has a URL shaped like a real one, signature included, and checks what it
// is sent as strictly as PROTOCOLS.md describes Teams: a JSON POST of
// {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
// "content":{"type":"AdaptiveCard","version":"1.4","body":[…]}}]} under 28 KB.
//
// A valid card is answered 202 Accepted and recorded; a malformed one 400,
// an oversized one 413, a wrong signature 401, an unknown webhook 404.
// Tests script answers per webhook (Script: 500 five times, then a 429 with
// Retry-After, …), hold requests to play a slow destination (Hold), read
// the cards accepted (Cards) and every request (Requests), and wait for
// state to change without sleeping (WaitFor). Where the fake and Teams
// disagree, the fake is wrong.
package teamsfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// MaxBytes is the size a Teams message must stay under.
const MaxBytes = 28 * 1024

// Response is one scripted answer.
type Response struct {
	// Status is the HTTP status; 0 means 202.
	Status int
	// RetryAfter, if set, is sent as the Retry-After header (seconds or a date).
	RetryAfter string
	// Body is the response body; empty means Teams' usual one for the status.
	Body string
	// Delay holds the answer back, as a slow service would.
	Delay time.Duration
}

// Repeat returns n copies of r, for Script.
func Repeat(n int, r Response) []Response {
	out := make([]Response, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// Request is one request a webhook received.
type Request struct {
	At time.Time
	// Status is what was answered; 0 if the client went away first.
	Status int
	// Bytes is the body's size.
	Bytes int
	// Problem says why a card was refused; "" if it was well formed.
	Problem string
	// Body is the raw request body.
	Body []byte
}

// Server serves any number of named webhooks.
type Server struct {
	hs *httptest.Server

	mu      sync.Mutex
	hooks   map[string]*hook
	changed chan struct{}
}

type hook struct {
	name     string
	sig      string
	script   []Response
	cards    []Card
	requests []Request
	// hold, while non-nil, blocks requests until it is closed.
	hold chan struct{}
	// waiting counts requests held or delayed right now.
	waiting int
}

// New starts a server with the named webhooks, closed when tb ends.
func New(tb testing.TB, names ...string) *Server {
	tb.Helper()
	s := NewServer(names...)
	tb.Cleanup(s.Close)
	return s
}

// NewServer starts a server with the named webhooks; Close stops it.
func NewServer(names ...string) *Server {
	s := &Server{hooks: map[string]*hook{}, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/workflows/{name}/triggers/manual/paths/invoke", s.handle)
	s.hs = httptest.NewServer(mux)
	for _, n := range names {
		s.Add(n)
	}
	return s
}

// Close stops the server, releasing held requests first.
func (s *Server) Close() {
	s.mu.Lock()
	for _, h := range s.hooks {
		if h.hold != nil {
			close(h.hold)
			h.hold = nil
		}
	}
	s.mu.Unlock()
	s.hs.Close()
}

// Add creates the webhook name (if new) and returns its URL.
func (s *Server) Add(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.hooks[name]; !ok {
		var b [16]byte
		_, _ = rand.Read(b[:])
		s.hooks[name] = &hook{name: name, sig: hex.EncodeToString(b[:])}
	}
	return s.urlLocked(name)
}

// URL returns the webhook's URL, signature included: a secret, as in Teams.
func (s *Server) URL(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urlLocked(name)
}

func (s *Server) urlLocked(name string) string {
	h := s.hooks[name]
	if h == nil {
		return ""
	}
	q := url.Values{"api-version": {"2016-06-01"}, "sp": {"/triggers/manual/run"}, "sv": {"1.0"}, "sig": {h.sig}}
	return s.hs.URL + "/workflows/" + url.PathEscape(name) + "/triggers/manual/paths/invoke?" + q.Encode()
}

// Webhooks maps every webhook name to its URL, as platforms.teams.webhooks.
func (s *Server) Webhooks() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.hooks))
	for name := range s.hooks {
		out[name] = s.urlLocked(name)
	}
	return out
}

// Signature returns the webhook's sig parameter, for tests that check it
// never leaks into logs or errors.
func (s *Server) Signature(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.hooks[name]; h != nil {
		return h.sig
	}
	return ""
}

// Script queues answers for the webhook's next well-formed requests, in
// order; once they are used up it answers 202 again.
func (s *Server) Script(name string, rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.mustHook(name)
	h.script = append(h.script, rs...)
}

// Hold makes the webhook's requests wait until release is called (or the
// client gives up): a destination that hangs. A request whose client gives
// up while held is recorded with status 0 and its card is not accepted.
func (s *Server) Hold(name string) (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.mustHook(name)
	if h.hold == nil {
		h.hold = make(chan struct{})
	}
	ch := h.hold
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if h.hold == ch {
				close(ch)
				h.hold = nil
			}
		})
	}
}

// Cards returns the cards the webhook accepted, in order.
func (s *Server) Cards(name string) []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Card(nil), s.mustHook(name).cards...)
}

// Requests returns every request the webhook received, in order.
func (s *Server) Requests(name string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.mustHook(name).requests...)
}

// Waiting returns how many of the webhook's requests are held (Hold) or
// delayed (Response.Delay) right now, unanswered.
func (s *Server) Waiting(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustHook(name).waiting
}

// Names returns the webhook names, sorted.
func (s *Server) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.hooks))
	for n := range s.hooks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// WaitFor returns once cond holds, checking it after every request, or
// ctx's error.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("teamsfake: waiting: %w", ctx.Err())
		case <-ch:
		}
	}
}

func (s *Server) mustHook(name string) *hook {
	h := s.hooks[name]
	if h == nil {
		panic("teamsfake: no webhook " + strconv.Quote(name))
	}
	return h
}

// notifyLocked wakes WaitFor.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, readErr := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	req := Request{At: time.Now(), Bytes: len(body), Body: body}

	s.mu.Lock()
	h := s.hooks[name]
	if h == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "WorkflowNotFound", "The workflow '"+name+"' could not be found.")
		return
	}
	record := func(status int, problem string) {
		req.Status, req.Problem = status, problem
		h.requests = append(h.requests, req)
		s.notifyLocked()
	}
	if r.URL.Query().Get("sig") != h.sig {
		record(http.StatusUnauthorized, "wrong signature")
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "DirectApiInvalidAuthorizationSignature", "The provided shared access signature is not valid.")
		return
	}
	if r.Method != http.MethodPost {
		record(http.StatusMethodNotAllowed, "method "+r.Method)
		s.mu.Unlock()
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use POST.")
		return
	}
	card, status, problem := parse(r.Header.Get("Content-Type"), body, readErr)
	if problem != "" {
		record(status, problem)
		s.mu.Unlock()
		writeError(w, status, "InvalidRequestContent", problem)
		return
	}
	hold := h.hold
	if hold != nil {
		h.waiting++
		s.notifyLocked()
	}
	s.mu.Unlock()

	// Hold and Delay play a slow service; a client that gives up while
	// waiting is never answered, and its card never arrives.
	if hold != nil {
		select {
		case <-hold:
			s.mu.Lock()
			h.waiting--
			s.mu.Unlock()
		case <-r.Context().Done():
			s.abandon(h, req)
			return
		}
	}
	s.mu.Lock()
	resp := Response{Status: http.StatusAccepted}
	if len(h.script) > 0 {
		resp, h.script = h.script[0], h.script[1:]
		if resp.Status == 0 {
			resp.Status = http.StatusAccepted
		}
	}
	s.mu.Unlock()
	if resp.Delay > 0 {
		s.mu.Lock()
		h.waiting++
		s.mu.Unlock()
		t := time.NewTimer(resp.Delay)
		select {
		case <-t.C:
			s.mu.Lock()
			h.waiting--
			s.mu.Unlock()
		case <-r.Context().Done():
			t.Stop()
			s.abandon(h, req)
			return
		}
	}

	s.mu.Lock()
	if resp.Status/100 == 2 {
		h.cards = append(h.cards, card)
	}
	record(resp.Status, "")
	s.mu.Unlock()

	if resp.RetryAfter != "" {
		w.Header().Set("Retry-After", resp.RetryAfter)
	}
	if resp.Body == "" && resp.Status/100 == 2 {
		w.WriteHeader(resp.Status)
		return
	}
	if resp.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.Status)
		_, _ = io.WriteString(w, resp.Body)
		return
	}
	writeError(w, resp.Status, http.StatusText(resp.Status), "Scripted failure.")
}

// abandon records a request whose client went away before it was answered.
func (s *Server) abandon(h *hook, req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req.Problem = "client went away before the answer"
	h.waiting--
	h.requests = append(h.requests, req)
	s.notifyLocked()
}

// writeError answers in the shape of a Logic Apps error.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, message)
}
