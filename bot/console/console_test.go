package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/console"
	"github.com/resyncbot/resyncbot/chat"
)

// recorder is a bot.Handler that records what it is handed.
type recorder struct {
	mu       sync.Mutex
	commands []bot.CommandEvent
	clicks   []bot.ClickEvent
	got      chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 16)} }

func (r *recorder) Command(_ context.Context, ev bot.CommandEvent) {
	r.mu.Lock()
	r.commands = append(r.commands, ev)
	r.mu.Unlock()
	r.got <- struct{}{}
}

func (r *recorder) Click(_ context.Context, ev bot.ClickEvent) {
	r.mu.Lock()
	r.clicks = append(r.clicks, ev)
	r.mu.Unlock()
	r.got <- struct{}{}
}

func (r *recorder) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.got:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler was not called")
	}
}

var people = []console.Person{
	{ID: "alice", Name: "Alice", Roles: []string{"engineer"}},
	{ID: "chloe", Name: "Chloe", Roles: []string{"approver"}},
}

var channels = []console.Channel{
	{Name: "ops-prod", Env: "prod", Colour: "#d40000", Production: true},
	{Name: "status"},
}

func newConsole(t *testing.T, h bot.Handler, panel console.PanelSource, opts ...console.Option) (*console.Console, *httptest.Server) {
	t.Helper()
	opts = append([]console.Option{console.WithPeople(people...), console.WithChannels(channels...), console.WithPanelDelay(time.Millisecond)}, opts...)
	c := console.New(h, panel, zerolog.Nop(), opts...)
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	return c, srv
}

func post(t *testing.T, srv *httptest.Server, path string, body any, header ...string) (int, string) {
	t.Helper()
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(buf))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	msg, _ := out["error"].(string)
	return res.StatusCode, msg
}

func TestCommandGoesToTheBot(t *testing.T) {
	h := newRecorder()
	_, srv := newConsole(t, h, nil)
	code, _ := post(t, srv, "/console/command", map[string]string{"user": "alice", "channel": "ops-prod", "text": `  /resync prod reason="demo run"  `})
	if code != http.StatusAccepted {
		t.Fatalf("HTTP %d, want 202", code)
	}
	h.wait(t)
	want := bot.CommandEvent{User: bot.User{Platform: chat.Console, ID: "alice", Name: "Alice"}, Channel: "ops-prod", Slash: "/resync", Text: `prod reason="demo run"`}
	if got := h.commands[0]; got.User.Platform != want.User.Platform || got.User.ID != want.User.ID || got.User.Name != want.User.Name ||
		got.Channel != want.Channel || got.Slash != want.Slash || got.Text != want.Text {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestRefusedRequests(t *testing.T) {
	_, srv := newConsole(t, newRecorder(), nil)
	ok := map[string]string{"user": "alice", "channel": "ops-prod", "text": "/resync help"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name   string
		body   any
		header []string
		want   int
	}{
		{"unknown user", with("user", "mallory"), nil, http.StatusForbidden},
		{"no user", with("user", ""), nil, http.StatusForbidden},
		{"unknown channel", with("channel", "random"), nil, http.StatusNotFound},
		{"not a command", with("text", "hello"), nil, http.StatusBadRequest},
		{"empty", with("text", "   "), nil, http.StatusBadRequest},
		{"too long", with("text", "/resync "+strings.Repeat("x", 5000)), nil, http.StatusRequestEntityTooLarge},
		{"unknown field", map[string]string{"user": "alice", "channel": "ops-prod", "text": "/abort", "as": "chloe"}, nil, http.StatusBadRequest},
		{"another site's page", ok, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"a cross-site fetch", ok, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a form post", ok, []string{"Content-Type", "text/plain"}, http.StatusUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := post(t, srv, "/console/command", tc.body, tc.header...)
			if code != tc.want {
				t.Errorf("HTTP %d (%s), want %d", code, msg, tc.want)
			}
			if msg == "" {
				t.Errorf("no error text for the page")
			}
		})
	}
}

// stream reads a page's server-sent events.
type stream struct {
	t      *testing.T
	events chan sse
}

type sse struct {
	name string
	data string
}

func open(t *testing.T, srv *httptest.Server, user string) *stream {
	t.Helper()
	res, err := http.Get(srv.URL + "/console/events?user=" + user)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: HTTP %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &stream{t: t, events: make(chan sse, 100)}
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[len("data: "):]
			case line == "" && ev.name != "":
				s.events <- ev
				ev = sse{}
			}
		}
	}()
	t.Cleanup(func() { res.Body.Close() })
	return s
}

// next returns the next event called name, skipping others.
func (s *stream) next(name string) map[string]any {
	s.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("the stream ended while waiting for %s", name)
			}
			if ev.name != name {
				continue
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(ev.data), &v); err != nil {
				s.t.Fatalf("%s: %v", ev.data, err)
			}
			return v
		case <-timeout:
			s.t.Fatalf("no %s event", name)
		}
	}
}

func TestStreamShowsEachUserWhatTheyMaySee(t *testing.T) {
	c, srv := newConsole(t, newRecorder(), nil)
	ctx := context.Background()
	if _, err := c.Post(ctx, "ops-prod", chat.Message{Title: "before"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Ephemeral(ctx, "ops-prod", "chloe", chat.Message{Text: "for chloe, before"}); err != nil {
		t.Fatal(err)
	}
	alice := open(t, srv, "alice")
	snap := alice.next("snapshot")
	if me := snap["me"].(map[string]any); me["id"] != "alice" {
		t.Errorf("me = %v", me)
	}
	msgs := snap["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["title"] != "before" {
		t.Errorf("alice's snapshot: %v", msgs)
	}

	m := chat.Message{
		Title: "Resync of PRODUCTION (prod) requested", Style: chat.Style{Env: "prod", Label: "PRODUCTION", Colour: "#d40000", Production: true},
		Text: ":white_check_mark: ok", Bars: []chat.Bar{{Label: "masterdoctorindex", Done: 50, Total: 200}},
		Buttons: []chat.Button{{ActionID: bot.ActionApprove, Value: "a-1", Label: "Approve", Style: chat.Danger, Confirm: &chat.Confirm{Title: "Sure?", Text: "Really", OK: "Approve", Cancel: "Cancel"}}},
	}
	ref, err := c.Post(ctx, "ops-prod", m)
	if err != nil {
		t.Fatal(err)
	}
	got := alice.next("message")
	if got["id"] != ref.ID || got["text"] != "✔ ok" || got["style"].(map[string]any)["production"] != true {
		t.Errorf("posted message: %v", got)
	}
	bar := got["bars"].([]any)[0].(map[string]any)
	if bar["percent"] != 25.0 || bar["text"] != "50 / 200" {
		t.Errorf("bar %v", bar)
	}
	b := got["buttons"].([]any)[0].(map[string]any)
	if b["action_id"] != "approve" || b["style"] != "danger" || b["confirm"].(map[string]any)["ok"] != "Approve" {
		t.Errorf("button %v", b)
	}

	if err := c.Ephemeral(ctx, "ops-prod", "chloe", chat.Message{Text: "for chloe"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Ephemeral(ctx, "ops-prod", "alice", chat.Message{Text: "for alice"}); err != nil {
		t.Fatal(err)
	}
	if got := alice.next("message"); got["text"] != "for alice" || got["ephemeral"] != true {
		t.Errorf("alice got %v before her own ephemeral", got)
	}

	m.Title = "edited"
	if err := c.Update(ctx, ref, m); err != nil {
		t.Fatal(err)
	}
	if got := alice.next("message"); got["id"] != ref.ID || got["title"] != "edited" || got["edited"] == nil {
		t.Errorf("update: %v", got)
	}
	reply, err := c.Reply(ctx, ref, chat.Message{Text: "copy done"})
	if err != nil {
		t.Fatal(err)
	}
	if got := alice.next("message"); got["id"] != reply.ID || got["parent"] != ref.ID {
		t.Errorf("reply: %v", got)
	}

	chloe := open(t, srv, "chloe")
	var texts []string
	for _, m := range chloe.next("snapshot")["messages"].([]any) {
		text, _ := m.(map[string]any)["text"].(string)
		texts = append(texts, text)
	}
	if strings.Contains(strings.Join(texts, "|"), "for alice") || !strings.Contains(strings.Join(texts, "|"), "for chloe") {
		t.Errorf("chloe's snapshot: %q", texts)
	}
}

func TestHistoryIsBounded(t *testing.T) {
	c, srv := newConsole(t, newRecorder(), nil, console.WithHistory(3))
	ctx := context.Background()
	var refs []chat.Ref
	for _, title := range []string{"1", "2", "3", "4", "5"} {
		ref, err := c.Post(ctx, "status", chat.Message{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	var titles []string
	for _, m := range open(t, srv, "alice").next("snapshot")["messages"].([]any) {
		titles = append(titles, m.(map[string]any)["title"].(string))
	}
	if strings.Join(titles, ",") != "3,4,5" {
		t.Errorf("kept %v, want the last three", titles)
	}
	if err := c.Update(ctx, refs[0], chat.Message{}); !errors.Is(err, console.ErrNoMessage) {
		t.Errorf("update of a forgotten message: %v", err)
	}
	if _, err := c.Reply(ctx, refs[0], chat.Message{}); !errors.Is(err, console.ErrNoMessage) {
		t.Errorf("reply to a forgotten message: %v", err)
	}
}

func TestClickGoesToTheBot(t *testing.T) {
	h := newRecorder()
	c, srv := newConsole(t, h, nil)
	ctx := context.Background()
	ref, _ := c.Post(ctx, "ops-prod", chat.Message{Buttons: []chat.Button{{ActionID: bot.ActionApprove, Value: "a-1", Label: "Approve"}}})
	code, msg := post(t, srv, "/console/click", map[string]string{"user": "chloe", "channel": "ops-prod", "message": ref.ID, "action_id": "approve", "value": "a-1"})
	if code != http.StatusAccepted {
		t.Fatalf("HTTP %d %s", code, msg)
	}
	h.wait(t)
	got := h.clicks[0]
	if got.User.ID != "chloe" || got.User.Platform != chat.Console || got.Message != ref || got.ActionID != "approve" || got.Value != "a-1" || got.Channel != "ops-prod" {
		t.Errorf("click %+v", got)
	}

	// A panel button names no message.
	if code, msg := post(t, srv, "/console/click", map[string]string{"user": "alice", "channel": "ops-prod", "action_id": "abort", "value": "job-1"}); code != http.StatusAccepted {
		t.Fatalf("panel click: HTTP %d %s", code, msg)
	}
	h.wait(t)
	if got := h.clicks[1]; !got.Message.IsZero() || got.Value != "job-1" {
		t.Errorf("panel click %+v", got)
	}

	_ = c.Ephemeral(ctx, "ops-prod", "alice", chat.Message{Buttons: []chat.Button{{ActionID: "x", Value: "y"}}})
	for _, tc := range []struct {
		name string
		body map[string]string
		want int
	}{
		{"no such message", map[string]string{"user": "chloe", "channel": "ops-prod", "message": "m999", "action_id": "approve"}, http.StatusNotFound},
		{"someone else's ephemeral", map[string]string{"user": "chloe", "channel": "ops-prod", "message": "m2", "action_id": "x", "value": "y"}, http.StatusNotFound},
		{"no action", map[string]string{"user": "chloe", "channel": "ops-prod", "message": ref.ID}, http.StatusBadRequest},
	} {
		if code, _ := post(t, srv, "/console/click", tc.body); code != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, code, tc.want)
		}
	}
}

func TestPanelIsPushed(t *testing.T) {
	var mu sync.Mutex
	live := "gen-1"
	panel := console.PanelFunc(func(context.Context) (console.Panel, error) {
		mu.Lock()
		defer mu.Unlock()
		return console.Panel{Envs: []console.EnvPanel{{
			Name: "prod", Label: "PRODUCTION", Production: true, Channel: "ops-prod",
			Live:    &console.Generation{ID: live, Docs: 200000},
			Earlier: []console.Generation{{ID: "gen-0", Restore: &chat.Button{ActionID: bot.ActionRestore, Value: "prod " + live, Label: "Restore previous"}}, {ID: "gen-old", Command: "/restore prod gen-old"}},
			Running: &console.RunningJob{ID: "job-1", Bars: []chat.Bar{{Label: "all", Done: 1, Total: 4}}, Abort: &chat.Button{ActionID: bot.ActionAbort, Value: "job-1", Label: "Abort"}},
			Notices: []chat.Message{{Title: "PRODUCTION: Data refresh finished"}},
		}}}, nil
	})
	c, srv := newConsole(t, newRecorder(), panel)
	s := open(t, srv, "alice")
	p := s.next("snapshot")["panel"].(map[string]any)
	env := p["envs"].([]any)[0].(map[string]any)
	if env["live"].(map[string]any)["id"] != "gen-1" || env["channel"] != "ops-prod" {
		t.Errorf("panel %v", env)
	}
	earlier := env["earlier"].([]any)
	if r := earlier[0].(map[string]any)["restore"].(map[string]any); r["action_id"] != "restore" || r["value"] != "prod gen-1" {
		t.Errorf("restore button %v", r)
	}
	if r := earlier[1].(map[string]any)["restore"].(map[string]any); r["command"] != "/restore prod gen-old" {
		t.Errorf("restore command %v", r)
	}
	if a := env["running"].(map[string]any)["abort"].(map[string]any); a["action_id"] != "abort" || a["value"] != "job-1" {
		t.Errorf("abort button %v", a)
	}

	mu.Lock()
	live = "gen-2"
	mu.Unlock()
	c.PanelChanged()
	env = s.next("panel")["envs"].([]any)[0].(map[string]any)
	if env["live"].(map[string]any)["id"] != "gen-2" {
		t.Errorf("pushed panel %v", env)
	}
}

func TestPageAndShutdown(t *testing.T) {
	c, srv := newConsole(t, newRecorder(), nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/console/" {
		t.Errorf("GET /: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for path, want := range map[string]string{"/console/": "text/html", "/console/static/app.js": "javascript", "/console/static/app.css": "text/css"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), want) {
			t.Errorf("%s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, res.Header.Get("Content-Security-Policy"))
		}
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/console/", nil)
	req.Host = "rebound.example:8088"
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a request for another host name: HTTP %d, want 421", res.StatusCode)
	}

	s := open(t, srv, "")
	if me := s.next("snapshot")["me"].(map[string]any); me["id"] != "alice" {
		t.Errorf("a first visit is %v, want the first person", me)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-s.events:
		if ok {
			for range s.events {
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the page's stream")
	}
	if code, _ := post(t, srv, "/console/command", map[string]string{"user": "alice", "channel": "ops-prod", "text": "/abort"}); code != http.StatusServiceUnavailable {
		t.Errorf("a command after Close: HTTP %d, want 503", code)
	}
}
