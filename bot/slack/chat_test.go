package slack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/slack"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/slackfake"
)

// newChat is the adapter's chat.Chat pointed at a fresh fake Slack.
func newChat(t *testing.T, opts ...slack.Option) (chat.Chat, *slackfake.Server) {
	t.Helper()
	fake := slackfake.New(t, slackfake.WithChannel("C0OPS", "prod-ops"))
	cfg := config.Slack{BotToken: fake.Token(), SigningSecret: signingSecret, APIURL: fake.URL()}
	return slack.NewAdapter(cfg, newRecorder(), nil, zerolog.Nop(), opts...).Chat(), fake
}

func progress(done int64) chat.Message {
	return chat.Message{
		Title:   "Resync of prod running",
		Style:   prodStyle,
		Bars:    []chat.Bar{{Label: "connectionindex", Done: done, Total: 200000}},
		Buttons: []chat.Button{{ActionID: bot.ActionAbort, Value: "job-7", Label: "Abort", Style: chat.Danger}},
	}
}

func TestChatPost(t *testing.T) {
	c, fake := newChat(t)
	ref, err := c.Post(t.Context(), "C0OPS", approval())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != chat.Slack || ref.Channel != "C0OPS" || ref.ID == "" {
		t.Errorf("ref %+v", ref)
	}
	m, ok := fake.Message("C0OPS", ref.ID)
	if !ok {
		t.Fatalf("no message %s in C0OPS", ref.ID)
	}
	if !strings.HasPrefix(m.Text, "🚨 PRODUCTION 🚨") {
		t.Errorf("text %q, want the plain-text rendering", m.Text)
	}
	if b, ok := m.Button(bot.ActionApprove); !ok || b.Value != "apr-1" || b.Style != "danger" {
		t.Errorf("approve button %+v (found %v)", b, ok)
	}
	if !strings.Contains(string(m.RawAttachments), "#d40000") {
		t.Errorf("attachments %s, want the colour stripe", m.RawAttachments)
	}
}

func TestChatPostByChannelName(t *testing.T) {
	c, _ := newChat(t)
	ref, err := c.Post(t.Context(), "#prod-ops", chat.Message{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Channel != "C0OPS" {
		t.Errorf("ref channel %q, want Slack's id C0OPS so the message can be edited", ref.Channel)
	}
}

func TestChatUpdateKeepsBlocks(t *testing.T) {
	c, fake := newChat(t)
	ref, err := c.Post(t.Context(), "C0OPS", progress(1000))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Update(t.Context(), ref, progress(96000)); err != nil {
		t.Fatal(err)
	}
	m, _ := fake.Message("C0OPS", ref.ID)
	if m.Edits != 1 {
		t.Errorf("%d edits, want 1", m.Edits)
	}
	if len(m.Blocks.BlockSet) == 0 {
		t.Fatal("the update dropped the blocks")
	}
	if _, ok := m.Button(bot.ActionAbort); !ok {
		t.Error("the update dropped the Abort button")
	}
	if !m.Contains("96,000 / 200,000") {
		t.Errorf("updated message does not show the new progress: %q", m.AllText())
	}

	// A message that loses its colour loses its stripe.
	plain := progress(200000)
	plain.Style = chat.Style{}
	if err := c.Update(t.Context(), ref, plain); err != nil {
		t.Fatal(err)
	}
	m, _ = fake.Message("C0OPS", ref.ID)
	if len(m.RawAttachments) != 0 {
		t.Errorf("stripe survived the update: %s", m.RawAttachments)
	}
}

func TestChatUpdateRefusesOtherPlatforms(t *testing.T) {
	c, fake := newChat(t)
	err := c.Update(t.Context(), chat.Ref{Platform: chat.Discord, Channel: "C0OPS", ID: "1"}, progress(1))
	if !errors.Is(err, slack.ErrNotSlack) {
		t.Errorf("err %v, want ErrNotSlack", err)
	}
	if n := fake.Calls("chat.update"); n != 0 {
		t.Errorf("%d chat.update calls, want none", n)
	}
}

func TestChatEphemeral(t *testing.T) {
	c, fake := newChat(t)
	if err := c.Ephemeral(t.Context(), "C0OPS", "U0BOB", chat.Message{Text: "Only you can see this."}); err != nil {
		t.Fatal(err)
	}
	got := fake.Ephemerals("U0BOB")
	if len(got) != 1 || got[0].Channel != "C0OPS" || !got[0].Contains("Only you can see this.") {
		t.Errorf("ephemerals of U0BOB: %+v", got)
	}
	if len(fake.Messages("C0OPS")) != 0 {
		t.Error("the ephemeral message is visible in the channel")
	}
}

func TestChatReply(t *testing.T) {
	c, fake := newChat(t)
	parent, err := c.Post(t.Context(), "C0OPS", approval())
	if err != nil {
		t.Fatal(err)
	}
	reply, err := c.Reply(t.Context(), parent, chat.Message{Text: "Approved by *carol*."})
	if err != nil {
		t.Fatal(err)
	}
	if reply.ID == parent.ID || reply.Channel != "C0OPS" {
		t.Errorf("reply ref %+v", reply)
	}
	rs := fake.Replies("C0OPS", parent.ID)
	if len(rs) != 1 || rs[0].TS != reply.ID || rs[0].ThreadTS != parent.ID {
		t.Errorf("replies under %s: %+v", parent.ID, rs)
	}
}

func TestChatWaitsOutRateLimit(t *testing.T) {
	c, fake := newChat(t)
	fake.RateLimit("chat.postMessage", 1, time.Second)
	ref, err := c.Post(t.Context(), "C0OPS", chat.Message{Text: "after the limit"})
	if err != nil {
		t.Fatalf("Post after one 429: %v", err)
	}
	if _, ok := fake.Message("C0OPS", ref.ID); !ok {
		t.Error("message not posted")
	}
	log := fake.CallLog("chat.postMessage")
	if len(log) != 2 || log[0].Status != 429 || log[1].Error != "" {
		t.Fatalf("calls %+v, want a 429 then a success", log)
	}
	if gap := log[1].At.Sub(log[0].At); gap < time.Second {
		t.Errorf("retried %v after the 429, before its Retry-After of 1s", gap)
	}
}

func TestChatRateLimitAttemptsBounded(t *testing.T) {
	c, fake := newChat(t, slack.WithMaxAttempts(2))
	fake.RateLimit("chat.update", 5, time.Second)
	ref, err := c.Post(t.Context(), "C0OPS", progress(1))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Update(t.Context(), ref, progress(2))
	var limited *slackapi.RateLimitedError
	if !errors.As(err, &limited) {
		t.Fatalf("err %v, want the RateLimitedError after 2 attempts", err)
	}
	if !strings.Contains(err.Error(), "chat.update") || !strings.Contains(err.Error(), "C0OPS") {
		t.Errorf("err %q does not name the method and channel", err)
	}
	if n := fake.Calls("chat.update"); n != 2 {
		t.Errorf("%d chat.update calls, want 2", n)
	}
}

func TestChatRateLimitWaitRespectsContext(t *testing.T) {
	c, fake := newChat(t)
	fake.RateLimit("chat.postEphemeral", 1, time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err := c.Ephemeral(ctx, "C0OPS", "U0BOB", chat.Message{Text: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's deadline", err)
	}
}

func TestChatErrorsNameMethodAndChannel(t *testing.T) {
	c, _ := newChat(t)
	_, err := c.Post(t.Context(), "C0NOPE", chat.Message{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "chat.postMessage C0NOPE") || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("err %v", err)
	}
}

// TestRenderedMessagesAccepted posts every golden and limit-breaking message
// to the fake, which checks blocks the way chat.postMessage does.
func TestRenderedMessagesAccepted(t *testing.T) {
	c, _ := newChat(t)
	long := strings.Repeat("x", 5000)
	var fields []chat.Field
	for range 300 {
		fields = append(fields, chat.Field{Label: long, Value: long})
	}
	var buttons []chat.Button
	for range 30 {
		buttons = append(buttons, chat.Button{ActionID: long, Value: long, Label: long, Style: chat.Danger, Confirm: &chat.Confirm{Title: long, Text: long, OK: long, Cancel: long}})
	}
	msgs := map[string]chat.Message{
		"everything too long": {Title: long, Style: chat.Style{Env: long, Label: long, Colour: "#123456"}, Text: long + "\n" + long,
			Fields: fields, Bars: []chat.Bar{{Label: long, Done: 1, Total: 2}}, Buttons: buttons, Footer: long},
	}
	for name, m := range goldenCases {
		msgs[name] = m
	}
	for name, m := range msgs {
		if _, err := c.Post(t.Context(), "C0OPS", m); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
