package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot/slack"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
)

const appToken = "xapp-1-A0FAKE-0000-socketsecret"

// socketSlack is Slack's side of Socket Mode: apps.connections.open answers
// with a WebSocket URL; the socket says hello, then sends the envelopes
// given to send and passes back every frame the app writes.
type socketSlack struct {
	srv  *httptest.Server
	send chan string
	acks chan map[string]any
}

func newSocketSlack(t *testing.T) *socketSlack {
	t.Helper()
	s := &socketSlack{send: make(chan string), acks: make(chan map[string]any, 16)}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+appToken {
			_, _ = w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link"})
	})
	mux.HandleFunc("GET /link", func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"fake"},"connection_info":{"app_id":"A0FAKE"}}`
		if err := conn.WriteMessage(websocket.TextMessage, []byte(hello)); err != nil {
			return
		}
		go func() {
			for {
				var ack map[string]any
				if err := conn.ReadJSON(&ack); err != nil {
					return
				}
				s.acks <- ack
			}
		}()
		for {
			select {
			case env := <-s.send:
				if err := conn.WriteMessage(websocket.TextMessage, []byte(env)); err != nil {
					return
				}
			case <-r.Context().Done():
				return
			}
		}
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *socketSlack) ack(t *testing.T) map[string]any {
	t.Helper()
	select {
	case a := <-s.acks:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no ack")
		return nil
	}
}

func TestSocketMode(t *testing.T) {
	fake := newSocketSlack(t)
	rec := newRecorder()
	rec.gate = make(chan struct{})
	logs := &syncBuffer{}
	cfg := config.Slack{BotToken: "xoxb-socket", AppToken: appToken, APIURL: fake.srv.URL + "/api/"}
	a := slack.NewAdapter(cfg, rec, nil, zerolog.New(logs).Level(zerolog.DebugLevel))
	if !a.SocketMode() {
		t.Fatal("SocketMode() false with an app token")
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx) }()

	slash := `{"envelope_id":"env-1","type":"slash_commands","accepts_response_payload":true,"payload":{
		"token":"x","team_id":"T0FAKE","channel_id":"C0OPS","channel_name":"prod-ops","user_id":"U0BOB","user_name":"bob",
		"command":"/abort","text":"job-7","response_url":"https://hooks.invalid/1","trigger_id":"1.2.3"}}`
	select {
	case fake.send <- slash:
	case <-time.After(10 * time.Second):
		t.Fatal("the adapter never connected")
	}
	ack := fake.ack(t) // the handler is still held at the gate
	if ack["envelope_id"] != "env-1" {
		t.Errorf("ack %v, want envelope env-1", ack)
	}
	if p, _ := ack["payload"].(map[string]any); p["response_type"] != "ephemeral" || p["text"] == "" {
		t.Errorf("slash ack payload %v, want an ephemeral text", ack["payload"])
	}
	c := rec.next(t)
	if u := c.cmd.User; u.Platform != "slack" || u.ID != "U0BOB" || u.Name != "bob" || c.cmd.Channel != "C0OPS" || c.cmd.Slash != "/abort" || c.cmd.Text != "job-7" {
		t.Errorf("command %+v", c.cmd)
	}
	close(rec.gate)

	click := `{"envelope_id":"env-2","type":"interactive","accepts_response_payload":false,"payload":{
		"type":"block_actions","user":{"id":"U0CAROL","username":"carol","name":"carol","team_id":"T0FAKE"},
		"container":{"type":"message","message_ts":"1700000000.000100","channel_id":"C0OPS","is_ephemeral":false},
		"channel":{"id":"C0OPS","name":"prod-ops"},
		"actions":[{"action_id":"approve","block_id":"actions","value":"apr-1","type":"button","action_ts":"1700000001.1"}]}}`
	fake.send <- click
	if ack := fake.ack(t); ack["envelope_id"] != "env-2" {
		t.Errorf("ack %v, want envelope env-2", ack)
	}
	c = rec.next(t)
	wantRef := chat.Ref{Platform: "slack", Channel: "C0OPS", ID: "1700000000.000100"}
	if c.click.User.ID != "U0CAROL" || c.click.Message != wantRef || c.click.ActionID != "approve" || c.click.Value != "apr-1" {
		t.Errorf("click %+v", c.click)
	}

	// An Events API envelope is acknowledged and otherwise ignored.
	fake.send <- `{"envelope_id":"env-3","type":"events_api","payload":{"type":"event_callback","event":{"type":"app_mention","text":"hi"}}}`
	if ack := fake.ack(t); ack["envelope_id"] != "env-3" {
		t.Errorf("ack %v, want envelope env-3", ack)
	}

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after cancel: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if err := a.Close(t.Context()); err != nil {
		t.Error(err)
	}
	rec.none(t)
	out := logs.String()
	if strings.Contains(out, `"level":"error"`) || strings.Contains(out, appToken) {
		t.Errorf("log has an error or the app token:\n%s", out)
	}
}

func TestSocketModeNeedsAppToken(t *testing.T) {
	a := slack.NewAdapter(config.Slack{BotToken: "xoxb-x"}, newRecorder(), nil, zerolog.Nop())
	if a.SocketMode() {
		t.Error("SocketMode() true without an app token")
	}
	if err := a.Run(t.Context()); err == nil {
		t.Error("Run without an app token returned nil")
	}
}

func TestSocketModeBadAppToken(t *testing.T) {
	fake := newSocketSlack(t)
	cfg := config.Slack{BotToken: "xoxb-x", AppToken: "xapp-wrong", APIURL: fake.srv.URL + "/api/"}
	a := slack.NewAdapter(cfg, newRecorder(), nil, zerolog.Nop())
	err := a.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run with a refused token: %v, want invalid_auth", err)
	}
}
