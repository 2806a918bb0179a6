package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/slack"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/redistest"
	"github.com/resyncbot/resyncbot/internal/slackfake"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// call is one handler invocation as the recorder saw it.
type call struct {
	ctx   context.Context
	cmd   bot.CommandEvent
	click bot.ClickEvent
}

// recorder is a bot.Handler that reports every call and, while gate is
// open, holds each call until gate is closed or its context ends.
type recorder struct {
	calls chan call
	gate  chan struct{}
}

func newRecorder() *recorder { return &recorder{calls: make(chan call, 16)} }

func (r *recorder) Command(ctx context.Context, ev bot.CommandEvent) {
	r.calls <- call{ctx: ctx, cmd: ev}
	r.hold(ctx)
}

func (r *recorder) Click(ctx context.Context, ev bot.ClickEvent) {
	r.calls <- call{ctx: ctx, click: ev}
	r.hold(ctx)
}

func (r *recorder) hold(ctx context.Context) {
	if r.gate == nil {
		return
	}
	select {
	case <-r.gate:
	case <-ctx.Done():
	}
}

// next waits for the next handler call.
func (r *recorder) next(t *testing.T) call {
	t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was never called")
		return call{}
	}
}

// none checks that the handler was not called; callers Wait first.
func (r *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case c := <-r.calls:
		t.Errorf("handler called with %+v, want no call", c)
	default:
	}
}

// syncBuffer is a log sink safe for the adapter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is an adapter behind a real HTTP server, a fake Slack it posts to,
// a Driver playing Slack towards it and a real Redis for the replay guard.
type harness struct {
	fake     *slackfake.Server
	driver   *slackfake.Driver
	adapter  *slack.Adapter
	rec      *recorder
	logs     *syncBuffer
	commands string
	clicks   string
}

func newHarness(t *testing.T, rec *recorder, opts ...slack.Option) *harness {
	t.Helper()
	fake := slackfake.New(t)
	rdb := redistest.New(t)
	logs := &syncBuffer{}
	cfg := config.Slack{BotToken: fake.Token(), SigningSecret: signingSecret, APIURL: fake.URL()}
	a := slack.NewAdapter(cfg, rec, bot.NewReplayGuard(rdb.Client, rdb.Prefix), zerolog.New(logs).Level(zerolog.DebugLevel), opts...)
	mux := http.NewServeMux()
	mux.Handle("/slack/commands", a.Commands())
	mux.Handle("/slack/interactions", a.Interactions())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		if rec.gate != nil {
			select {
			case <-rec.gate:
			default:
				close(rec.gate)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		srv.Close()
		for _, secret := range []string{signingSecret, fake.Token()} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a secret reached the log:\n%s", logs.String())
			}
		}
	})
	return &harness{
		fake:     fake,
		driver:   slackfake.NewDriver(signingSecret, slackfake.WithServer(fake)),
		adapter:  a,
		rec:      rec,
		logs:     logs,
		commands: srv.URL + "/slack/commands",
		clicks:   srv.URL + "/slack/interactions",
	}
}

// post puts the approval message in the default channel, for clicks.
func (h *harness) post(t *testing.T) chat.Ref {
	t.Helper()
	ref, err := h.adapter.Chat().Post(t.Context(), slackfake.DefaultChannelID, approval())
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestCommandAcknowledgedBeforeHandlerFinishes(t *testing.T) {
	rec := newRecorder()
	rec.gate = make(chan struct{})
	h := newHarness(t, rec)

	resp, body, err := h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{
		Command: "/resync", Text: `prod reason="GMC data refresh"`, UserID: "U0BOB", UserName: "bob", ChannelID: "C0OPS",
	})
	if err != nil {
		t.Fatal(err)
	}
	// The handler is still blocked on the gate: the answer came first.
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d (%s), want 200", resp.StatusCode, body)
	}
	var ack struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(body, &ack); err != nil || ack.ResponseType != "ephemeral" || ack.Text == "" {
		t.Errorf("ack body %s, want an ephemeral text (%v)", body, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("ack Content-Type %q", ct)
	}

	c := rec.next(t)
	want := bot.CommandEvent{
		User:    bot.User{Platform: "slack", ID: "U0BOB", Name: "bob"},
		Channel: "C0OPS", Slash: "/resync", Text: `prod reason="GMC data refresh"`,
	}
	if c.cmd.User.Platform != want.User.Platform || c.cmd.User.ID != want.User.ID || c.cmd.User.Name != want.User.Name ||
		c.cmd.Channel != want.Channel || c.cmd.Slash != want.Slash || c.cmd.Text != want.Text {
		t.Errorf("event %+v, want %+v", c.cmd, want)
	}
	// The request is over, yet the handler's context lives on.
	if err := c.ctx.Err(); err != nil {
		t.Errorf("handler context ended with the request: %v", err)
	}
	if _, ok := c.ctx.Deadline(); !ok {
		t.Error("handler context has no deadline")
	}
	close(rec.gate)
	h.adapter.Wait()
}

func TestHandlerTimeout(t *testing.T) {
	rec := newRecorder()
	rec.gate = make(chan struct{})
	h := newHarness(t, rec, slack.WithHandlerTimeout(50*time.Millisecond))
	if resp, body, err := h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: "help"}); err != nil || resp.StatusCode != 200 {
		t.Fatalf("slash: %v %v %s", err, resp, body)
	}
	c := rec.next(t)
	h.adapter.Wait() // returns only because the deadline released the handler
	if err := c.ctx.Err(); err != context.DeadlineExceeded {
		t.Errorf("handler context error %v, want deadline exceeded", err)
	}
}

func TestRefusedRequests(t *testing.T) {
	tests := []struct {
		name string
		opts []slackfake.SendOption
	}{
		{"unsigned", []slackfake.SendOption{slackfake.Unsigned()}},
		{"no timestamp", []slackfake.SendOption{slackfake.NoTimestamp()}},
		{"wrong secret", []slackfake.SendOption{slackfake.SignWith("not-the-secret")}},
		{"tampered body", []slackfake.SendOption{slackfake.Tampered()}},
		{"six minutes old", []slackfake.SendOption{slackfake.StaleTimestamp()}},
		{"six minutes in the future", []slackfake.SendOption{slackfake.Aged(-6 * time.Minute)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			h := newHarness(t, rec)
			ref := h.post(t)
			for _, target := range []string{"commands", "interactions"} {
				var resp *http.Response
				var err error
				if target == "commands" {
					resp, _, err = h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: "prod"}, tt.opts...)
				} else {
					resp, _, err = h.driver.Click(t.Context(), h.clicks, slackfake.Click{ActionID: bot.ActionApprove, MessageTS: ref.ID}, tt.opts...)
				}
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", target, resp.StatusCode)
				}
			}
			h.adapter.Wait()
			rec.none(t)
			if !strings.Contains(h.logs.String(), "slack request refused") {
				t.Errorf("refusal not logged:\n%s", h.logs.String())
			}
		})
	}
}

func TestReplayRefused(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	ref := h.post(t)
	for _, target := range []string{"commands", "interactions"} {
		var resp *http.Response
		var err error
		if target == "commands" {
			resp, _, err = h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: "prod"})
		} else {
			resp, _, err = h.driver.Click(t.Context(), h.clicks, slackfake.Click{ActionID: bot.ActionApprove, MessageTS: ref.ID})
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: first request: %v, %v", target, err, resp)
		}
		rec.next(t)
		resp, _, err = h.driver.Replay(t.Context(), h.driver.Last())
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: replay answered %d, want 401", target, resp.StatusCode)
		}
		h.adapter.Wait()
		rec.none(t)
	}
}

func TestClockIsInjectable(t *testing.T) {
	then := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rec := newRecorder()
	h := newHarness(t, rec, slack.WithClock(func() time.Time { return then }))

	// Signed now, checked against a clock stopped in March: stale.
	resp, _, err := h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: "prod"})
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("request signed now, clock in the past: %v %v, want 401", err, resp)
	}
	// Signed four minutes before the adapter's clock: fresh.
	d := slackfake.NewDriver(signingSecret, slackfake.WithDriverClock(func() time.Time { return then.Add(-4 * time.Minute) }))
	resp, _, err = d.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: "prod"})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("request four minutes old by the adapter's clock: %v %v, want 200", err, resp)
	}
	rec.next(t)
}

func TestClickReachesHandlerWithMessageRef(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	ref := h.post(t)
	resp, body, err := h.driver.Click(t.Context(), h.clicks, slackfake.Click{
		ActionID: bot.ActionApprove, MessageTS: ref.ID, ChannelID: ref.Channel, UserID: "U0CAROL", UserName: "carol",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("click answered %d %q, want an empty 200", resp.StatusCode, body)
	}
	c := rec.next(t)
	want := bot.ClickEvent{
		User:     bot.User{Platform: "slack", ID: "U0CAROL", Name: "carol"},
		Channel:  slackfake.DefaultChannelID,
		Message:  chat.Ref{Platform: "slack", Channel: slackfake.DefaultChannelID, ID: ref.ID},
		ActionID: bot.ActionApprove,
		Value:    "apr-1",
	}
	if c.click.User.Platform != want.User.Platform || c.click.User.ID != want.User.ID || c.click.User.Name != want.User.Name ||
		c.click.Channel != want.Channel || c.click.Message != want.Message || c.click.ActionID != want.ActionID || c.click.Value != want.Value {
		t.Errorf("click %+v, want %+v", c.click, want)
	}
}

func TestClickOnDuplicateActionID(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	ref, err := h.adapter.Chat().Post(t.Context(), slackfake.DefaultChannelID, chat.Message{Text: "Restore which?", Buttons: []chat.Button{
		{ActionID: bot.ActionRestore, Value: "gen-3", Label: "gen-3"},
		{ActionID: bot.ActionRestore, Value: "gen-2", Label: "gen-2"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := h.fake.Message(ref.Channel, ref.ID)
	ids := msg.ActionIDs()
	if len(ids) != 2 {
		t.Fatalf("buttons %v", ids)
	}
	if _, _, err := h.driver.Click(t.Context(), h.clicks, slackfake.Click{ActionID: ids[1], MessageTS: ref.ID}); err != nil {
		t.Fatal(err)
	}
	c := rec.next(t)
	if c.click.ActionID != bot.ActionRestore || c.click.Value != "gen-2" {
		t.Errorf("click on the second button: action %q value %q, want restore gen-2", c.click.ActionID, c.click.Value)
	}
}

func TestOtherInteractionsIgnored(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	payload := `{"type":"view_closed","user":{"id":"U0ALICE"},"view":{"id":"V1"}}`
	resp, _, err := h.driver.Send(t.Context(), h.clicks, "application/x-www-form-urlencoded", []byte("payload="+url.QueryEscape(payload)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	h.adapter.Wait()
	rec.none(t)
}

func TestMalformedSignedRequests(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	for name, send := range map[string]func() (*http.Response, []byte, error){
		"slash without command": func() (*http.Response, []byte, error) {
			return h.driver.Send(t.Context(), h.commands, "application/x-www-form-urlencoded", []byte("user_id=U1&text=x"))
		},
		"interaction without payload": func() (*http.Response, []byte, error) {
			return h.driver.Send(t.Context(), h.clicks, "application/x-www-form-urlencoded", []byte("foo=bar"))
		},
		"interaction payload not JSON": func() (*http.Response, []byte, error) {
			return h.driver.Send(t.Context(), h.clicks, "application/x-www-form-urlencoded", []byte("payload=%7Bnope"))
		},
	} {
		resp, _, err := send()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
	}
	h.adapter.Wait()
	rec.none(t)
}

func TestMethodAndSize(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec, slack.WithMaxBody(512))
	resp, err := http.Get(h.commands)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET answered %d, want 405", resp.StatusCode)
	}
	resp, _, err = h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: strings.Repeat("x", 1000)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body answered %d, want 413", resp.StatusCode)
	}
	h.adapter.Wait()
	rec.none(t)
}

func TestCloseWaitsThenRefuses(t *testing.T) {
	rec := newRecorder()
	rec.gate = make(chan struct{})
	h := newHarness(t, rec)
	if resp, _, err := h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: "prod"}); err != nil || resp.StatusCode != 200 {
		t.Fatalf("slash: %v %v", err, resp)
	}
	rec.next(t)

	short, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := h.adapter.Close(short); err == nil {
		t.Error("Close returned while a handler was still running")
	}
	resp, _, err := h.driver.SlashCommand(t.Context(), h.commands, slackfake.Slash{Text: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("command after Close answered %d, want 503", resp.StatusCode)
	}
	close(rec.gate)
	if err := h.adapter.Close(t.Context()); err != nil {
		t.Errorf("Close after the handler finished: %v", err)
	}
	rec.none(t)
}

func TestNoReplayGuardRefuses(t *testing.T) {
	rec := newRecorder()
	a := slack.NewAdapter(config.Slack{SigningSecret: signingSecret, BotToken: "xoxb-x"}, rec, nil, zerolog.Nop())
	srv := httptest.NewServer(a.Commands())
	defer srv.Close()
	resp, _, err := slackfake.NewDriver(signingSecret).SlashCommand(t.Context(), srv.URL, slackfake.Slash{Text: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a replay guard: %d, want 401", resp.StatusCode)
	}
	a.Wait()
	rec.none(t)
}

func TestEmptySigningSecretRefuses(t *testing.T) {
	rec := newRecorder()
	rdb := redistest.New(t)
	a := slack.NewAdapter(config.Slack{BotToken: "xoxb-x"}, rec, bot.NewReplayGuard(rdb.Client, rdb.Prefix), zerolog.Nop())
	srv := httptest.NewServer(a.Commands())
	defer srv.Close()
	// A forger who guesses the secret is empty signs with the empty key.
	resp, _, err := slackfake.NewDriver("").SlashCommand(t.Context(), srv.URL, slackfake.Slash{Text: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("empty signing secret: %d, want 401", resp.StatusCode)
	}
	a.Wait()
	rec.none(t)
}
