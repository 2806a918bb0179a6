package discordfake_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/internal/discordfake"
)

// endpoint is an interactions endpoint for tests: it checks signatures with
// discordgo.VerifyInteraction, records what it got and answers with answer.
type endpoint struct {
	t      *testing.T
	key    ed25519.PublicKey
	mu     sync.Mutex
	got    []discordgo.Interaction
	raw    [][]byte
	answer func(in discordgo.Interaction) any
}

func newEndpoint(t *testing.T, d *discordfake.Driver, answer func(discordgo.Interaction) any) (*endpoint, string) {
	t.Helper()
	key, err := hex.DecodeString(d.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	e := &endpoint{t: t, key: key, answer: answer}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv.URL
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !discordgo.VerifyInteraction(r, e.key) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in discordgo.Interaction
	if err := json.Unmarshal(body, &in); err != nil {
		e.t.Errorf("discordgo cannot read the interaction: %v\n%s", err, body)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	e.got = append(e.got, in)
	e.raw = append(e.raw, body)
	e.mu.Unlock()
	a := e.answer(in)
	if a == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a)
}

func (e *endpoint) last() discordgo.Interaction {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.got[len(e.got)-1]
}

func registerResync(t *testing.T, s *discordfake.Server) {
	t.Helper()
	err := s.SetCommands(discordfake.DefaultGuildID, []*discordgo.ApplicationCommand{{
		Name: "resync", Description: "Resync",
		Options: []*discordgo.ApplicationCommandOption{{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: "start", Description: "Start",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "env", Description: "Env", Required: true,
					Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "prod", Value: "prod"}, {Name: "staging", Value: "staging"}}},
				{Type: discordgo.ApplicationCommandOptionString, Name: "reason", Description: "Why", MaxLength: 20},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "dry_run", Description: "Plan"},
			},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSignatures(t *testing.T) {
	s := discordfake.New(t)
	d := discordfake.NewDriver(s)
	pong := func(discordgo.Interaction) any { return map[string]int{"type": 1} }
	_, url := newEndpoint(t, d, pong)

	res, err := d.Ping(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Answer == nil || res.Answer.Type != discordfake.AnswerPong || !res.Applied {
		t.Fatalf("ping %+v", res)
	}
	for name, opt := range map[string]discordfake.SendOption{
		"wrong key": discordfake.WrongKey(), "tampered": discordfake.Tampered(),
		"unsigned": discordfake.Unsigned(), "no timestamp": discordfake.NoTimestamp(),
	} {
		res, err := d.Ping(t.Context(), url, opt)
		if err != nil || res.Status != http.StatusUnauthorized || res.Applied {
			t.Errorf("%s: %+v %v, want 401", name, res, err)
		}
	}

	// A stale request is signed correctly; only its time is old.
	res, err = d.Ping(t.Context(), url, discordfake.StaleTimestamp())
	if err != nil || res.Status != 200 {
		t.Fatalf("stale ping: %+v %v", res, err)
	}
	ts, _ := strconv.ParseInt(d.Last().Header.Get(discordfake.HeaderTimestamp), 10, 64)
	if age := time.Since(time.Unix(ts, 0)); age < discordfake.StaleAge-time.Second || age > discordfake.StaleAge+5*time.Second {
		t.Errorf("stale timestamp is %s old", age)
	}

	// A replay is byte for byte the same request.
	last := d.Last()
	resp, _, err := d.Replay(t.Context(), last)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("replay: %v %v", resp, err)
	}
	if d.Last().Header.Get(discordfake.HeaderSignature) != last.Header.Get(discordfake.HeaderSignature) {
		t.Error("replay changed the last request")
	}
}

func TestSlashPayload(t *testing.T) {
	s := discordfake.New(t)
	registerResync(t, s)
	d := discordfake.NewDriver(s)
	e, url := newEndpoint(t, d, func(discordgo.Interaction) any {
		return map[string]any{"type": 5, "data": map[string]any{"flags": 64}}
	})

	res, err := d.Slash(t.Context(), url, discordfake.Slash{
		Command: "resync", Subcommand: "start",
		Options: map[string]any{"reason": "refresh", "env": "prod", "dry_run": true},
		UserID:  "1500000000000000002", UserName: "Bob", Roles: []string{"42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Applied || res.Answer.Type != discordfake.AnswerDeferred {
		t.Fatalf("result %+v", res)
	}
	in := e.last()
	if in.Type != discordgo.InteractionApplicationCommand || in.Token != res.Token || in.ID != res.ID ||
		in.AppID != s.AppID() || in.ChannelID != discordfake.DefaultChannelID || in.GuildID != discordfake.DefaultGuildID {
		t.Errorf("interaction %+v", in)
	}
	if in.Member == nil || in.Member.User.ID != "1500000000000000002" || in.Member.User.GlobalName != "Bob" ||
		len(in.Member.Roles) != 1 || in.Member.Roles[0] != "42" || in.Member.JoinedAt.IsZero() || in.Member.Permissions == 0 {
		t.Errorf("member %+v", in.Member)
	}
	data := in.ApplicationCommandData()
	if data.Name != "resync" || data.ID != s.Commands(discordfake.DefaultGuildID)[0].ID || len(data.Options) != 1 {
		t.Fatalf("data %+v", data)
	}
	sub := data.Options[0]
	if sub.Name != "start" || sub.Type != discordgo.ApplicationCommandOptionSubCommand || len(sub.Options) != 3 {
		t.Fatalf("subcommand %+v", sub)
	}
	// Options come in the order the command defines them.
	if sub.Options[0].Name != "env" || sub.Options[0].StringValue() != "prod" || sub.Options[1].Name != "reason" ||
		!sub.Options[2].BoolValue() {
		t.Errorf("options %+v %+v %+v", sub.Options[0], sub.Options[1], sub.Options[2])
	}

	info, ok := s.Interaction(res.ID)
	if !ok || !info.Answered || !info.Thinking || info.AnswerType != 5 {
		t.Errorf("interaction %+v", info)
	}
	eph := s.Ephemerals("1500000000000000002")
	if len(eph) != 1 || !eph[0].Loading || eph[0].ID != info.OriginalID || eph[0].InteractionID != res.ID {
		t.Errorf("thinking placeholder %+v", eph)
	}

	for name, c := range map[string]discordfake.Slash{
		"unknown command": {Command: "nope"},
		"no subcommand":   {Command: "resync"},
		"bad choice":      {Command: "resync", Subcommand: "start", Options: map[string]any{"env": "dev"}},
		"missing env":     {Command: "resync", Subcommand: "start", Options: map[string]any{}},
		"unknown option":  {Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod", "x": "y"}},
		"wrong type":      {Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod", "dry_run": "yes"}},
		"too long":        {Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod", "reason": "a very long reason indeed"}},
	} {
		if _, err := d.Slash(t.Context(), url, c); !errors.Is(err, discordfake.ErrUnknownCommand) && !errors.Is(err, discordfake.ErrBadOptions) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

func TestDeferredThenFollowUps(t *testing.T) {
	s := discordfake.New(t)
	registerResync(t, s)
	d := discordfake.NewDriver(s)
	_, url := newEndpoint(t, d, func(discordgo.Interaction) any {
		return map[string]any{"type": 5, "data": map[string]any{"flags": 64}}
	})
	res, err := d.Slash(t.Context(), url, discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod"}})
	if err != nil || !res.Applied {
		t.Fatalf("%+v %v", res, err)
	}
	dg := session(t, s, "any token: webhooks need none")
	api := &discordgo.Interaction{AppID: s.AppID(), Token: res.Token}

	// The first follow-up fills "thinking…", ephemeral as the deferral was,
	// whatever its own flags say.
	first, err := dg.FollowupMessageCreate(api, true, &discordgo.WebhookParams{Content: "working"})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := s.Interaction(res.ID)
	if first.ID != info.OriginalID || info.Thinking || first.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("first follow-up %+v, interaction %+v", first, info)
	}
	// Later follow-ups are messages of their own.
	second, err := dg.FollowupMessageCreate(api, true, &discordgo.WebhookParams{Content: "private", Flags: discordgo.MessageFlagsEphemeral})
	if err != nil {
		t.Fatal(err)
	}
	public, err := dg.FollowupMessageCreate(api, true, &discordgo.WebhookParams{Content: "public"})
	if err != nil {
		t.Fatal(err)
	}
	if eph := s.Ephemerals(discordfake.DefaultUserID); len(eph) != 2 || eph[0].Content != "working" || eph[1].ID != second.ID || eph[1].Via != "followup" {
		t.Errorf("ephemerals %+v", eph)
	}
	if msgs := s.Messages(discordfake.DefaultChannelID); len(msgs) != 1 || msgs[0].ID != public.ID || msgs[0].InteractionID != res.ID {
		t.Errorf("channel %+v", msgs)
	}
	if second.InteractionMetadata == nil || second.InteractionMetadata.OriginalResponseMessageID != first.ID {
		t.Errorf("follow-up metadata %+v", second.InteractionMetadata)
	}

	// Edits and deletes by token.
	text := "edited"
	if _, err := dg.InteractionResponseEdit(api, &discordgo.WebhookEdit{Content: &text}); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.FollowupMessageEdit(api, second.ID, &discordgo.WebhookEdit{Content: &text}); err != nil {
		t.Fatal(err)
	}
	if err := dg.FollowupMessageDelete(api, public.ID); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Message(first.ID); m.Content != "edited" || m.Edits != 2 {
		t.Errorf("original %+v", m)
	}
	if m, _ := s.Message(public.ID); !m.Deleted || len(s.Messages(discordfake.DefaultChannelID)) != 0 {
		t.Errorf("deleted %+v", m)
	}
	if _, err := dg.FollowupMessageEdit(api, "42", &discordgo.WebhookEdit{Content: &text}); err == nil {
		t.Error("edited a message the interaction does not own")
	}
	if _, err := dg.FollowupMessageCreate(&discordgo.Interaction{AppID: s.AppID(), Token: "nope"}, true, &discordgo.WebhookParams{Content: "x"}); err == nil {
		t.Error("follow-up on an unknown token")
	}
	info, _ = s.Interaction(res.ID)
	if len(info.FollowupIDs) != 2 {
		t.Errorf("follow-ups %v", info.FollowupIDs)
	}
}

func TestTokenExpires(t *testing.T) {
	c := newClock()
	s := discordfake.New(t, discordfake.WithClock(c.now))
	registerResync(t, s)
	d := discordfake.NewDriver(s)
	_, url := newEndpoint(t, d, func(discordgo.Interaction) any { return map[string]any{"type": 5} })
	res, err := d.Slash(t.Context(), url, discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod"}})
	if err != nil || !res.Applied {
		t.Fatalf("%+v %v", res, err)
	}
	c.add(16 * time.Minute)
	dg := session(t, s, s.Token())
	_, err = dg.FollowupMessageCreate(&discordgo.Interaction{AppID: s.AppID(), Token: res.Token}, true, &discordgo.WebhookParams{Content: "late"})
	if status, code := restStatus(err); status != 401 || code != discordfake.CodeInvalidToken {
		t.Errorf("late follow-up: %v", err)
	}
	// A non-ephemeral deferral leaves "thinking…" in the channel.
	if msgs := s.Messages(discordfake.DefaultChannelID); len(msgs) != 1 || !msgs[0].Loading {
		t.Errorf("channel %+v", msgs)
	}
}

func TestClicks(t *testing.T) {
	s := discordfake.New(t)
	d := discordfake.NewDriver(s)
	dg := session(t, s, s.Token())
	posted, err := dg.ChannelMessageSendComplex(discordfake.DefaultChannelID, &discordgo.MessageSend{
		Content:    "request",
		Components: row(button("confirm:approve:R1", "Approve", discordgo.SuccessButton)),
	})
	if err != nil {
		t.Fatal(err)
	}
	var answer func(discordgo.Interaction) any
	e, url := newEndpoint(t, d, func(in discordgo.Interaction) any { return answer(in) })

	// Type 4 ephemeral: a question with buttons, for the clicker only.
	answer = func(discordgo.Interaction) any {
		return map[string]any{"type": 4, "data": map[string]any{"flags": 64, "content": "Are you sure?",
			"components": row(button("approve:R1", "Confirm", discordgo.DangerButton), button("no", "Cancel", discordgo.SecondaryButton))}}
	}
	res, err := d.Click(t.Context(), url, discordfake.Click{MessageID: posted.ID, CustomID: "confirm:approve:R1", Roles: []string{"7"}})
	if err != nil || !res.Applied {
		t.Fatalf("%+v %v", res, err)
	}
	in := e.last()
	if in.Type != discordgo.InteractionMessageComponent || in.MessageComponentData().CustomID != "confirm:approve:R1" ||
		in.Message == nil || in.Message.ID != posted.ID || len(in.Message.Components) != 1 || in.Member.Roles[0] != "7" {
		t.Fatalf("click %+v", in)
	}
	eph := s.Ephemerals(discordfake.DefaultUserID)
	if len(eph) != 1 || eph[0].Content != "Are you sure?" || eph[0].InteractedMessageID != posted.ID || len(eph[0].Buttons()) != 2 {
		t.Fatalf("question %+v", eph)
	}

	// Only its recipient can click the question; the payload carries
	// interaction_metadata naming the message it was about.
	if _, err := d.Click(t.Context(), url, discordfake.Click{MessageID: eph[0].ID, CustomID: "approve:R1", UserID: "999"}); !errors.Is(err, discordfake.ErrNoMessage) {
		t.Errorf("someone else clicked an ephemeral: %v", err)
	}
	answer = func(discordgo.Interaction) any {
		return map[string]any{"type": 7, "data": map[string]any{"content": "Confirmed.", "components": []any{}}}
	}
	res, err = d.Click(t.Context(), url, discordfake.Click{MessageID: eph[0].ID, CustomID: "approve:R1"})
	if err != nil || !res.Applied {
		t.Fatalf("%+v %v", res, err)
	}
	in = e.last()
	if in.Message.Flags&discordgo.MessageFlagsEphemeral == 0 || in.Message.InteractionMetadata == nil ||
		in.Message.InteractionMetadata.InteractedMessageID != posted.ID {
		t.Errorf("ephemeral message in payload %+v", in.Message)
	}
	if m, _ := s.Message(eph[0].ID); m.Content != "Confirmed." || len(m.Buttons()) != 0 || m.Versions[1].Via != "update" {
		t.Errorf("updated question %+v", m)
	}

	// Type 6 then an edit of @original edits the clicked message.
	answer = func(discordgo.Interaction) any { return map[string]any{"type": 6} }
	res, err = d.Click(t.Context(), url, discordfake.Click{MessageID: posted.ID, CustomID: "confirm:approve:R1"})
	if err != nil || !res.Applied {
		t.Fatalf("%+v %v", res, err)
	}
	text := "approved"
	if _, err := dg.InteractionResponseEdit(&discordgo.Interaction{AppID: s.AppID(), Token: res.Token}, &discordgo.WebhookEdit{Content: &text}); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Message(posted.ID); m.Content != "approved" {
		t.Errorf("clicked message %+v", m)
	}

	if _, err := d.Click(t.Context(), url, discordfake.Click{MessageID: posted.ID, CustomID: "nope"}); !errors.Is(err, discordfake.ErrNoButton) {
		t.Errorf("missing button: %v", err)
	}
	// A type 6 answer is wrong for a command and refused.
	registerResync(t, s)
	res, err = d.Slash(t.Context(), url, discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod"}})
	if err != nil || res.Applied || res.ApplyError == "" {
		t.Errorf("type 6 for a command: %+v %v", res, err)
	}
}

func TestCallbackEndpoint(t *testing.T) {
	s := discordfake.New(t)
	registerResync(t, s)
	d := discordfake.NewDriver(s)
	dg := session(t, s, s.Token())
	var second error
	_, url := newEndpoint(t, d, func(in discordgo.Interaction) any {
		// Answer through REST instead of the HTTP response, twice.
		resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "done"}}
		if err := dg.InteractionRespond(&in, resp); err != nil {
			t.Errorf("callback: %v", err)
		}
		second = dg.InteractionRespond(&in, resp)
		return nil
	})
	res, err := d.Slash(context.Background(), url, discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod"}})
	if err != nil || res.Status != http.StatusAccepted {
		t.Fatalf("%+v %v", res, err)
	}
	if status, code := restStatus(second); status != 400 || code != discordfake.CodeAlreadyAcked {
		t.Errorf("second answer: %v", second)
	}
	info, _ := s.Interaction(res.ID)
	msgs := s.Messages(discordfake.DefaultChannelID)
	if !info.Answered || info.AnswerType != 4 || len(msgs) != 1 || msgs[0].Content != "done" || msgs[0].Via != "response" {
		t.Errorf("interaction %+v, channel %+v", info, msgs)
	}
	if calls := s.Calls(discordfake.RouteCallback); len(calls) != 2 || calls[0].Status != 204 {
		t.Errorf("calls %+v", calls)
	}
}

func TestWaitFor(t *testing.T) {
	s := discordfake.New(t)
	dg := session(t, s, s.Token())
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = dg.ChannelMessageSend(discordfake.DefaultChannelID, "late")
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	m, err := s.WaitForMessage(ctx, discordfake.DefaultChannelID, func(m discordfake.Message) bool { return m.Content == "late" })
	if err != nil || m.Content != "late" {
		t.Fatalf("%+v %v", m, err)
	}
	short, cancel2 := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel2()
	if err := s.WaitFor(short, func() bool { return false }); err == nil {
		t.Error("WaitFor did not give up")
	}
}
