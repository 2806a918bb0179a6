package discord

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/config"
)

// newSession builds the discordgo REST session for cfg.
//
// discordgo builds every URL from package variables (discordgo.EndpointAPI
// and the ones concatenated from it at init). Reassigning them would point
// every session in the process at one place and race with requests in
// flight, so instead, when cfg.APIURL is set, this session's HTTP client
// moves each request from discordgo.EndpointAPI to cfg.APIURL. Several
// adapters (and fakes) can then live in one process; nothing global changes.
//
// discordgo's own retry on 429 is switched off: it sleeps without a context
// and retries without bound. Client.call waits out rate limits instead.
func newSession(cfg config.Discord, hc *http.Client) *discordgo.Session {
	s, _ := discordgo.New("Bot " + cfg.BotToken) // New cannot fail.
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 1
	s.StateEnabled = false
	c := &http.Client{Timeout: DefaultRequestTimeout}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	if cfg.APIURL != "" {
		next := c.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		base := cfg.APIURL
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		c.Transport = rebase{from: discordgo.EndpointAPI, to: base, next: next}
	}
	s.Client = c
	return s
}

// rebase is an http.RoundTripper that sends requests for URLs under from to
// the same path under to, and refuses any other URL (so a token meant for
// a fake never reaches Discord).
type rebase struct {
	from, to string
	next     http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t rebase) RoundTrip(r *http.Request) (*http.Response, error) {
	rest, ok := strings.CutPrefix(r.URL.String(), t.from)
	if !ok {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		// The URL may hold an interaction token: name only the host.
		return nil, fmt.Errorf("discord: a request to %s is outside the API base", r.URL.Host)
	}
	u, err := url.Parse(t.to + rest)
	if err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		// url.Parse's error quotes the URL, which may hold a token.
		return nil, errors.New("discord: api_url and the request path make no valid URL")
	}
	r2 := r.Clone(r.Context())
	r2.URL = u
	r2.Host = ""
	return t.next.RoundTrip(r2)
}
