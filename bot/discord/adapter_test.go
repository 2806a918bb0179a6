package discord_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/discord"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/discordfake"
	"github.com/resyncbot/resyncbot/internal/redistest"
)

// Environments and indexes the test commands offer.
var (
	testEnvs    = []string{"staging", "prod"}
	testIndexes = map[string][]string{
		"staging": {"masterdoctorindex", "recommendationindex"},
		"prod":    {"masterdoctorindex", "recommendationindex", "connectionindex"},
	}
)

const (
	bobID       = "1500000000000000002"
	engineerRID = "1600000000000000001"
)

// call is one handler invocation as the recorder saw it.
type call struct {
	ctx   context.Context
	cmd   bot.CommandEvent
	click bot.ClickEvent
}

// recorder is a bot.Handler that reports every call, runs do (if set) as
// the bot would answer, and while gate is set holds each call until gate is
// closed or its context ends.
type recorder struct {
	calls chan call
	gate  chan struct{}

	mu sync.Mutex
	do func(ctx context.Context, c call)
}

// answer sets what the handler does before returning, as the bot would.
func (r *recorder) answer(do func(ctx context.Context, c call)) {
	r.mu.Lock()
	r.do = do
	r.mu.Unlock()
}

func newRecorder() *recorder { return &recorder{calls: make(chan call, 16)} }

func (r *recorder) Command(ctx context.Context, ev bot.CommandEvent) {
	r.handle(call{ctx: ctx, cmd: ev})
}

func (r *recorder) Click(ctx context.Context, ev bot.ClickEvent) { r.handle(call{ctx: ctx, click: ev}) }

func (r *recorder) handle(c call) {
	r.calls <- c
	r.mu.Lock()
	do := r.do
	r.mu.Unlock()
	if do != nil {
		do(c.ctx, c)
	}
	if r.gate == nil {
		return
	}
	select {
	case <-r.gate:
	case <-c.ctx.Done():
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

// harness is an adapter behind a real HTTP server, a fake Discord it posts
// to (with our commands registered in its guild), a Driver playing Discord
// towards it and a real Redis for the replay guard.
type harness struct {
	fake    *discordfake.Server
	driver  *discordfake.Driver
	adapter *discord.Adapter
	cfg     config.Discord
	rec     *recorder
	logs    *syncBuffer
	url     string
	tokens  []string
}

func newHarness(t *testing.T, rec *recorder, opts ...discord.Option) *harness {
	t.Helper()
	fake := discordfake.New(t, discordfake.WithChannel("1400000000000000002", "prod-ops"))
	driver := discordfake.NewDriver(fake)
	rdb := redistest.New(t)
	logs := &syncBuffer{}
	cfg := config.Discord{
		ApplicationID: fake.AppID(), PublicKey: driver.PublicKey(), BotToken: fake.Token(),
		GuildID: discordfake.DefaultGuildID, APIURL: fake.URL(),
	}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	if _, err := discord.Register(t.Context(), cfg, cfg.GuildID, discord.Commands(testEnvs, testIndexes), log); err != nil {
		t.Fatal(err)
	}
	a := discord.NewAdapter(cfg, rec, bot.NewReplayGuard(rdb.Client, rdb.Prefix), log, opts...)
	mux := http.NewServeMux()
	mux.Handle("POST /discord/interactions", a.Interactions())
	srv := httptest.NewServer(mux)
	h := &harness{fake: fake, driver: driver, adapter: a, cfg: cfg, rec: rec, logs: logs, url: srv.URL + "/discord/interactions"}
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
		for _, secret := range append([]string{fake.Token()}, h.tokens...) {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a secret reached the log:\n%s", logs.String())
			}
		}
	})
	return h
}

// slash sends a slash command and checks that Discord accepted the answer.
func (h *harness) slash(t *testing.T, c discordfake.Slash) *discordfake.Result {
	t.Helper()
	res, err := h.driver.Slash(t.Context(), h.url, c)
	if err != nil {
		t.Fatal(err)
	}
	h.tokens = append(h.tokens, res.Token)
	if !res.Applied {
		t.Fatalf("answer not accepted: status %d, %s, %s", res.Status, res.Body, res.ApplyError)
	}
	return res
}

// click presses a button and checks that Discord accepted the answer.
func (h *harness) click(t *testing.T, c discordfake.Click) *discordfake.Result {
	t.Helper()
	res, err := h.driver.Click(t.Context(), h.url, c)
	if err != nil {
		t.Fatal(err)
	}
	h.tokens = append(h.tokens, res.Token)
	if !res.Applied {
		t.Fatalf("answer not accepted: status %d, %s, %s", res.Status, res.Body, res.ApplyError)
	}
	return res
}

// post puts m in the default channel through the adapter's chat.
func (h *harness) post(t *testing.T, m chat.Message) chat.Ref {
	t.Helper()
	ref, err := h.adapter.Chat().Post(t.Context(), discordfake.DefaultChannelID, m)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// approval is a production approval request: Approve asks first.
func approval() chat.Message {
	return chat.Message{
		Title: "Resync requested: prod",
		Style: chat.Style{Env: "prod", Label: "Production", Colour: "#E01E5A", Production: true},
		Text:  "*alice* asks to rebuild every index of *prod*.\nReason: _GMC data refresh_",
		Fields: []chat.Field{
			{Label: "Indexes", Value: "connectionindex, recommendationindex"},
			{Label: "Documents", Value: "212,345"},
		},
		Buttons: []chat.Button{
			{ActionID: bot.ActionApprove, Value: "apr-1", Label: "Approve", Style: chat.Danger, Confirm: &chat.Confirm{
				Title: "Approve PROD resync?", Text: "This rebuilds every index of *prod*.", OK: "Approve", Cancel: "Back",
			}},
			{ActionID: bot.ActionDeny, Value: "apr-1", Label: "Deny"},
		},
		Footer: "approval apr-1 · expires 14:30",
	}
}
