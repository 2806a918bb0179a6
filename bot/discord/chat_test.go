package discord_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot/discord"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/discordfake"
)

// newChat is the adapter's chat.Chat against a fresh fake, without an
// endpoint.
func newChat(t *testing.T, opts ...discord.Option) (chat.Chat, *discordfake.Server) {
	t.Helper()
	fake := discordfake.New(t)
	cfg := config.Discord{ApplicationID: fake.AppID(), PublicKey: strings.Repeat("ab", 32), BotToken: fake.Token(), APIURL: fake.URL()}
	return discord.NewAdapter(cfg, newRecorder(), nil, zerolog.Nop(), opts...).Chat(), fake
}

func TestPostUpdateReply(t *testing.T) {
	c, fake := newChat(t)
	ch := discordfake.DefaultChannelID
	ref, err := c.Post(t.Context(), ch, approval())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != chat.Discord || ref.Channel != ch || ref.ID == "" {
		t.Fatalf("ref %+v", ref)
	}
	m, _ := fake.Message(ref.ID)
	if !strings.HasPrefix(m.Content, "🚨 **PRODUCTION** 🚨") || m.Embed().Color != 0xE01E5A || len(m.Buttons()) != 2 {
		t.Errorf("posted %+v", m)
	}

	// A decided request: other text, no buttons, no banner.
	decided := chat.Message{Title: "Resync approved", Text: "*Approved* by bob."}
	if err := c.Update(t.Context(), ref, decided); err != nil {
		t.Fatal(err)
	}
	m, _ = fake.Message(ref.ID)
	if m.Content != "" || len(m.Buttons()) != 0 || m.Embed().Title != "Resync approved" || m.Embed().Description != "**Approved** by bob." || m.Edits != 1 {
		t.Errorf("updated %+v", m)
	}

	reply, err := c.Reply(t.Context(), ref, chat.Message{Text: "Job started."})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := fake.Message(reply.ID); r.ReferenceID != ref.ID || r.Content != "Job started." || reply.Channel != ch {
		t.Errorf("reply %+v", r)
	}

	other := chat.Ref{Platform: chat.Slack, Channel: "C1", ID: "1.2"}
	if err := c.Update(t.Context(), other, decided); !errors.Is(err, discord.ErrNotDiscord) {
		t.Errorf("update of a Slack ref: %v", err)
	}
	if _, err := c.Reply(t.Context(), chat.Ref{Platform: chat.Discord}, decided); !errors.Is(err, discord.ErrNotDiscord) {
		t.Errorf("reply to an empty ref: %v", err)
	}
}

// TestDiscordAcceptsEveryRender posts messages at and past every limit: the
// fake refuses what Discord would (50035), so each must get through.
func TestDiscordAcceptsEveryRender(t *testing.T) {
	c, fake := newChat(t)
	msgs := map[string]chat.Message{
		"huge": huge(), "approval": approval(), "empty": {}, "only buttons": {Buttons: approval().Buttons},
		"only footer": {Footer: "f"}, "blank field": {Title: "t", Fields: []chat.Field{{Label: "", Value: ""}, {Label: "x", Value: ""}, {Label: "", Value: "y"}}},
		"only style": {Style: stagingStyle},
	}
	for name, m := range msgs {
		t.Run(name, func(t *testing.T) {
			ref, err := c.Post(t.Context(), discordfake.DefaultChannelID, m)
			if err != nil {
				t.Fatalf("post refused: %v", err)
			}
			if err := c.Update(t.Context(), ref, huge()); err != nil {
				t.Fatalf("update refused: %v", err)
			}
			if err := c.Update(t.Context(), ref, m); err != nil {
				t.Fatalf("update back refused: %v", err)
			}
		})
	}
	if n := len(fake.Messages(discordfake.DefaultChannelID)); n != len(msgs) {
		t.Errorf("%d messages, want %d", n, len(msgs))
	}
}

func TestRateLimitStormOnEdits(t *testing.T) {
	c, fake := newChat(t)
	ref, err := c.Post(t.Context(), discordfake.DefaultChannelID, chat.Message{Title: "progress"})
	if err != nil {
		t.Fatal(err)
	}
	const retry = 200 * time.Millisecond
	fake.RateLimit(discordfake.RouteMessageEdit, 3, retry)
	if err := c.Update(t.Context(), ref, chat.Message{Title: "progress 50%"}); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls(discordfake.RouteMessageEdit)
	if len(calls) != 4 || calls[3].Status != 200 {
		t.Fatalf("calls %+v, want three 429s then 200", calls)
	}
	for i := 1; i < len(calls); i++ {
		if gap := calls[i].At.Sub(calls[i-1].At); gap < retry {
			t.Errorf("call %d came %s after a 429 asking for %s", i, gap, retry)
		}
	}
	if m, _ := fake.Message(ref.ID); m.Embed().Title != "progress 50%" || m.Edits != 1 {
		t.Errorf("message %+v", m)
	}
}

func TestRateLimitBounded(t *testing.T) {
	c, fake := newChat(t, discord.WithMaxAttempts(3))
	ref, err := c.Post(t.Context(), discordfake.DefaultChannelID, chat.Message{Title: "progress"})
	if err != nil {
		t.Fatal(err)
	}
	fake.RateLimit(discordfake.RouteMessageEdit, 10, 20*time.Millisecond)
	err = c.Update(t.Context(), ref, chat.Message{Title: "progress 50%"})
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err %v, want a RateLimitError", err)
	}
	if n := len(fake.Calls(discordfake.RouteMessageEdit)); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestRateLimitPastDeadline(t *testing.T) {
	c, fake := newChat(t)
	fake.RateLimit(discordfake.RouteMessageCreate, 1, 30*time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	_, err := c.Post(ctx, discordfake.DefaultChannelID, chat.Message{Title: "x"})
	if err == nil || !strings.Contains(err.Error(), "past the deadline") {
		t.Fatalf("err %v, want a refusal to wait past the deadline", err)
	}
	// It gave up at once instead of sleeping until the deadline.
	if ctx.Err() != nil {
		t.Error("Post waited until its deadline")
	}
	if n := len(fake.Calls(discordfake.RouteMessageCreate)); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestFollowUpErrorsHideTheToken(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec, discord.WithMaxAttempts(1))
	errs := make(chan error, 1)
	rec.answer(func(ctx context.Context, c call) {
		errs <- h.adapter.Chat().Ephemeral(ctx, c.cmd.Channel, c.cmd.User.ID, chat.Message{Text: "hi"})
	})
	h.fake.RateLimit(discordfake.RouteFollowupCreate, 1, 10*time.Millisecond)
	res := h.slash(t, discordfake.Slash{Command: "resync", Subcommand: "help"})
	rec.next(t)
	err := <-errs
	if err == nil || strings.Contains(err.Error(), res.Token) || !strings.Contains(err.Error(), "[token]") {
		t.Errorf("error %v: want a rate limit error without the token", err)
	}
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) {
		t.Errorf("error %v lost its RateLimitError", err)
	}
}
