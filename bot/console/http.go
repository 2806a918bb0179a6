package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/chat"
)

// static is the page: plain HTML, CSS and a small script, no build step.
//
//go:embed static
var static embed.FS

// Request limits.
const (
	maxBody    = 64 << 10
	maxCommand = 4000
)

// contentSecurityPolicy lets the page load only what the binary serves.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Routes adds the console's routes to mux:
//
//	GET  /{$}                redirects to the page
//	GET  /console/{$}        the page
//	GET  /console/static/…   its CSS and script
//	GET  /console/events     the page's event stream (?user=…)
//	POST /console/command    {user, channel, text}: a typed command line
//	POST /console/click      {user, channel, message, action_id, value}: a button
//	GET  /console/panel      the side panel as JSON
//
// Every route answers only requests addressed to an IP address or to
// localhost, so that a web page elsewhere cannot reach the console through
// a name of its own that resolves to 127.0.0.1 (DNS rebinding).
func (c *Console) Routes(mux *http.ServeMux) {
	mux.Handle("GET /{$}", localOnly(http.RedirectHandler("/console/", http.StatusFound)))
	mux.Handle("GET /console", localOnly(http.RedirectHandler("/console/", http.StatusMovedPermanently)))
	mux.Handle("GET /console/{$}", localOnly(c.handlePage()))
	mux.Handle("GET /console/static/", localOnly(c.handleStatic()))
	mux.Handle("GET /console/events", localOnly(c.handleEvents()))
	mux.Handle("POST /console/command", localOnly(c.handleCommand()))
	mux.Handle("POST /console/click", localOnly(c.handleClick()))
	mux.Handle("GET /console/panel", localOnly(c.handlePanel()))
}

// localOnly refuses requests whose Host is a name other than localhost.
func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if name, _, err := net.SplitHostPort(host); err == nil {
			host = name
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if net.ParseIP(host) == nil && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
			httpError(w, http.StatusMisdirectedRequest, textWrongHost)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Handler returns the console's routes on their own.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	c.Routes(mux)
	return mux
}

func (c *Console) handlePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, err := static.ReadFile("static/index.html")
		if err != nil {
			httpError(w, http.StatusInternalServerError, err.Error())
			return
		}
		securityHeaders(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
}

func (c *Console) handleStatic() http.Handler {
	sub, _ := fs.Sub(static, "static")
	files := http.StripPrefix("/console/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		// The page and its files change with the binary: always revalidate.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// commandRequest is what the page posts when someone sends a command.
type commandRequest struct {
	User    string `json:"user"`
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

// clickRequest is what the page posts when someone clicks a button (after
// its confirm dialog, if it has one).
type clickRequest struct {
	User     string `json:"user"`
	Channel  string `json:"channel"`
	Message  string `json:"message"`
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
}

// handleCommand is POST /console/command. A command line is split as Slack
// splits it, "/resync" and the rest, and handed to the bot in the
// background; the answer is 202 at once, and the bot's replies arrive over
// the event stream.
func (c *Console) handleCommand() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req commandRequest
		p, ok := c.readEvent(w, r, &req, func() (string, string) { return req.User, req.Channel })
		if !ok {
			return
		}
		line := strings.TrimSpace(req.Text)
		switch {
		case line == "":
			httpError(w, http.StatusBadRequest, textEmptyCommand)
			return
		case len(line) > maxCommand:
			httpError(w, http.StatusRequestEntityTooLarge, textTooLong)
			return
		case !strings.HasPrefix(line, "/"):
			httpError(w, http.StatusBadRequest, textNotACommand)
			return
		}
		slash, rest := line, ""
		if i := strings.IndexFunc(line, unicode.IsSpace); i >= 0 {
			slash, rest = line[:i], strings.TrimSpace(line[i:])
		}
		if !c.reserve() {
			httpError(w, http.StatusServiceUnavailable, textShuttingDown)
			return
		}
		c.echo(req.Channel, p, line)
		ev := bot.CommandEvent{User: c.botUser(p), Channel: req.Channel, Slash: slash, Text: rest}
		c.log.Debug().Str("user", p.ID).Str("channel", req.Channel).Str("command", slash).Msg("console command")
		writeJSON(w, http.StatusAccepted, map[string]bool{"accepted": true})
		c.dispatch(slash, func(ctx context.Context) { c.h.Command(ctx, ev) })
	})
}

// handleClick is POST /console/click: a button on a message (message set)
// or on the side panel (message empty), handed to the bot in the background.
func (c *Console) handleClick() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req clickRequest
		p, ok := c.readEvent(w, r, &req, func() (string, string) { return req.User, req.Channel })
		if !ok {
			return
		}
		if req.ActionID == "" {
			httpError(w, http.StatusBadRequest, textNoAction)
			return
		}
		var ref chat.Ref
		if req.Message != "" {
			c.mu.Lock()
			e := c.find(req.Channel, req.Message)
			c.mu.Unlock()
			if e == nil || e.user != "" && e.user != p.ID {
				httpError(w, http.StatusNotFound, ErrNoMessage.Error())
				return
			}
			ref = chat.Ref{Platform: chat.Console, Channel: req.Channel, ID: req.Message}
		}
		if !c.reserve() {
			httpError(w, http.StatusServiceUnavailable, textShuttingDown)
			return
		}
		ev := bot.ClickEvent{User: c.botUser(p), Channel: req.Channel, Message: ref, ActionID: req.ActionID, Value: req.Value}
		c.log.Debug().Str("user", p.ID).Str("channel", req.Channel).Str("action", req.ActionID).Msg("console click")
		writeJSON(w, http.StatusAccepted, map[string]bool{"accepted": true})
		c.dispatch(req.ActionID, func(ctx context.Context) { c.h.Click(ctx, ev) })
	})
}

// readEvent checks that a POST comes from the page, decodes its JSON body
// into v, and checks the user and channel ids names. It answers the request
// itself when something is wrong.
func (c *Console) readEvent(w http.ResponseWriter, r *http.Request, v any, ids func() (user, channel string)) (Person, bool) {
	if !sameOrigin(r) {
		httpError(w, http.StatusForbidden, textCrossOrigin)
		return Person{}, false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		httpError(w, http.StatusUnsupportedMediaType, textBadRequest)
		return Person{}, false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, textTooLong)
			return Person{}, false
		}
		httpError(w, http.StatusBadRequest, textBadRequest)
		return Person{}, false
	}
	user, channel := ids()
	p, ok := c.person(user)
	if !ok {
		httpError(w, http.StatusForbidden, textUnknownUser)
		return Person{}, false
	}
	if !c.knownChannel(channel) {
		httpError(w, http.StatusNotFound, textUnknownChannel)
		return Person{}, false
	}
	return p, true
}

func (c *Console) botUser(p Person) bot.User {
	return bot.User{Platform: chat.Console, ID: p.ID, Name: p.Name}
}

// sameOrigin refuses requests another site's page makes from the browser
// (a form or fetch to 127.0.0.1): the page's own requests carry its origin
// or none at all.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// httpError answers with {"error": text}, which the page shows.
func httpError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, map[string]string{"error": text})
}
