package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/discord"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/internal/discordfake"
)

func TestPing(t *testing.T) {
	h := newHarness(t, newRecorder())
	res, err := h.driver.Ping(t.Context(), h.url)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || string(res.Body) != "{\"type\":1}\n" || !res.Applied {
		t.Errorf("PING answered %d %q (%s)", res.Status, res.Body, res.ApplyError)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestRefusedSignatures(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	slash := discordfake.Slash{Command: "resync", Subcommand: "help"}
	for name, opt := range map[string]discordfake.SendOption{
		"wrong key":    discordfake.WrongKey(),
		"tampered":     discordfake.Tampered(),
		"unsigned":     discordfake.Unsigned(),
		"no timestamp": discordfake.NoTimestamp(),
		"stale":        discordfake.StaleTimestamp(),
		"future":       discordfake.Aged(-6 * time.Minute),
	} {
		t.Run(name, func(t *testing.T) {
			for _, send := range map[string]func() (*discordfake.Result, error){
				"ping":  func() (*discordfake.Result, error) { return h.driver.Ping(t.Context(), h.url, opt) },
				"slash": func() (*discordfake.Result, error) { return h.driver.Slash(t.Context(), h.url, slash, opt) },
			} {
				res, err := send()
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != http.StatusUnauthorized || res.Applied {
					t.Errorf("status %d (%s), want 401", res.Status, res.Body)
				}
			}
		})
	}
	h.adapter.Wait()
	rec.none(t)
	if !strings.Contains(h.logs.String(), "discord request refused") {
		t.Error("refusals are not logged")
	}
}

func TestReplayRefused(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	h.slash(t, discordfake.Slash{Command: "resync", Subcommand: "help"})
	rec.next(t)
	resp, body, err := h.driver.Replay(t.Context(), h.driver.Last())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("replay answered %d %s, want 401", resp.StatusCode, body)
	}
	h.adapter.Wait()
	rec.none(t)
	if !strings.Contains(h.logs.String(), "replay") {
		t.Error("the replay is not logged as one")
	}
}

func TestSlashDeferredBeforeHandler(t *testing.T) {
	rec := newRecorder()
	rec.gate = make(chan struct{})
	h := newHarness(t, rec)

	res := h.slash(t, discordfake.Slash{
		Command: "resync", Subcommand: "start",
		Options: map[string]any{"env": "prod", "reason": "GMC data refresh", "index": "masterdoctorindex"},
		UserID:  bobID, UserName: "Bob", Nick: "bob (ops)", Roles: []string{engineerRID},
		ChannelID: "1400000000000000002",
	})
	// The handler is still held at the gate: the answer came first.
	if a := res.Answer; a == nil || a.Type != discordfake.AnswerDeferred || a.Data == nil || a.Data.Flags != discordfake.FlagEphemeral {
		t.Fatalf("answer %s, want a deferred ephemeral (type 5, flags 64)", res.Body)
	}
	info, _ := h.fake.Interaction(res.ID)
	if !info.Thinking {
		t.Errorf("interaction %+v, want thinking", info)
	}

	c := rec.next(t)
	want := bot.CommandEvent{
		User:    bot.User{Platform: "discord", ID: bobID, Name: "bob (ops)", Roles: []string{engineerRID}},
		Channel: "1400000000000000002", Slash: "/resync",
		Text: `prod index=masterdoctorindex reason="GMC data refresh"`,
	}
	if c.cmd.User.Platform != want.User.Platform || c.cmd.User.ID != want.User.ID || c.cmd.User.Name != want.User.Name ||
		len(c.cmd.User.Roles) != 1 || c.cmd.User.Roles[0] != engineerRID ||
		c.cmd.Channel != want.Channel || c.cmd.Slash != want.Slash || c.cmd.Text != want.Text {
		t.Errorf("event %+v, want %+v", c.cmd, want)
	}
	close(rec.gate)
	h.adapter.Wait()
}

// TestOptionsBecomeGrammar sends each command as Discord would and checks
// that the text reaching the bot parses to the command the options meant.
func TestOptionsBecomeGrammar(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	grammar := commands.Grammar{Envs: testEnvs, Indexes: testIndexes}
	tricky := `it's "urgent" — \ “quoted” ‘single’ reason="x"`
	tests := []struct {
		name  string
		slash discordfake.Slash
		text  string
		want  commands.Command
	}{
		{"start", discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "staging"}},
			"staging", commands.Command{Name: commands.Resync, Env: "staging"}},
		{"start with everything", discordfake.Slash{Command: "resync", Subcommand: "start",
			Options: map[string]any{"env": "prod", "index": "connectionindex", "reason": "GMC refresh", "dry_run": true}},
			`prod index=connectionindex reason="GMC refresh" dry-run`,
			commands.Command{Name: commands.Resync, Env: "prod", Index: "connectionindex", Reason: "GMC refresh", DryRun: true}},
		{"dry run false", discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod", "dry_run": false}},
			"prod", commands.Command{Name: commands.Resync, Env: "prod"}},
		{"reason with quotes and backslashes", discordfake.Slash{Command: "resync", Subcommand: "start",
			Options: map[string]any{"env": "prod", "reason": tricky}},
			"", commands.Command{Name: commands.Resync, Env: "prod", Reason: tricky}},
		{"status", discordfake.Slash{Command: "resync", Subcommand: "status"}, "status", commands.Command{Name: commands.Status}},
		{"status of an env", discordfake.Slash{Command: "resync", Subcommand: "status", Options: map[string]any{"env": "prod"}},
			"status prod", commands.Command{Name: commands.Status, Env: "prod"}},
		{"history", discordfake.Slash{Command: "resync", Subcommand: "history", Options: map[string]any{"env": "staging"}},
			"history staging", commands.Command{Name: commands.History, Env: "staging"}},
		{"abort", discordfake.Slash{Command: "abort"}, "", commands.Command{Name: commands.Abort}},
		{"abort a job", discordfake.Slash{Command: "abort", Options: map[string]any{"job": "20261126-230102-a1b2"}},
			"20261126-230102-a1b2", commands.Command{Name: commands.Abort, JobID: "20261126-230102-a1b2"}},
		{"restore", discordfake.Slash{Command: "restore", Options: map[string]any{"env": "prod", "generation": "20261126-230102"}},
			"prod 20261126-230102", commands.Command{Name: commands.Restore, Env: "prod", Generation: "20261126-230102"}},
		{"notice", discordfake.Slash{Command: "notice", Options: map[string]any{"env": "prod", "state": "identified", "text": `Lists are "stale"; we're on it`}},
			`prod identified Lists are "stale"; we're on it`,
			commands.Command{Name: commands.Notice, Env: "prod", NoticeState: "identified", Text: `Lists are "stale"; we're on it`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.slash(t, tc.slash)
			c := rec.next(t)
			if tc.text != "" && c.cmd.Text != tc.text {
				t.Errorf("text %q, want %q", c.cmd.Text, tc.text)
			}
			res := commands.Parse(c.cmd.Slash, c.cmd.Text, grammar)
			if res.Kind != commands.Run || res.Command != tc.want {
				t.Errorf("%s %q parses to %+v, want %+v", c.cmd.Slash, c.cmd.Text, res, tc.want)
			}
		})
	}
	h.slash(t, discordfake.Slash{Command: "resync", Subcommand: "help"})
	if c := rec.next(t); commands.Parse(c.cmd.Slash, c.cmd.Text, grammar).Kind != commands.Reply {
		t.Errorf("/resync help became %q", c.cmd.Text)
	}
}

func TestEphemeralRepliesFollowTheInteraction(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	errs := make(chan error, 2)
	rec.answer(func(ctx context.Context, c call) {
		errs <- h.adapter.Chat().Ephemeral(ctx, c.cmd.Channel, c.cmd.User.ID, chat.Message{Text: "*Planning* the resync…"})
		errs <- h.adapter.Chat().Ephemeral(ctx, c.cmd.Channel, c.cmd.User.ID, chat.Message{Text: "Request posted."})
	})
	res := h.slash(t, discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod"}, UserID: bobID})
	rec.next(t)
	h.adapter.Wait()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	eph := h.fake.Ephemerals(bobID)
	info, _ := h.fake.Interaction(res.ID)
	// The first reply took the place of "thinking…"; the second is a
	// follow-up of its own; both for bob alone, none in the channel.
	if len(eph) != 2 || eph[0].ID != info.OriginalID || eph[0].Loading || eph[0].Content != "**Planning** the resync…" ||
		eph[1].Content != "Request posted." || !eph[1].Ephemeral || info.Thinking {
		t.Errorf("ephemerals %+v\ninteraction %+v", eph, info)
	}
	if msgs := h.fake.Messages(discordfake.DefaultChannelID); len(msgs) != 0 {
		t.Errorf("channel got %+v", msgs)
	}

	// Later, outside the handler, the same user and channel still get
	// their answer privately through the token.
	if err := h.adapter.Chat().Ephemeral(context.Background(), discordfake.DefaultChannelID, bobID, chat.Message{Text: "Job finished."}); err != nil {
		t.Fatal(err)
	}
	if eph := h.fake.Ephemerals(bobID); len(eph) != 3 || eph[2].Content != "Job finished." {
		t.Errorf("later ephemeral %+v", eph)
	}
}

func TestEphemeralWithoutInteractionMentions(t *testing.T) {
	h := newHarness(t, newRecorder())
	err := h.adapter.Chat().Ephemeral(t.Context(), discordfake.DefaultChannelID, bobID, chat.Message{Text: "Your job finished."})
	if err != nil {
		t.Fatal(err)
	}
	msgs := h.fake.Messages(discordfake.DefaultChannelID)
	if len(msgs) != 1 || msgs[0].Content != "<@"+bobID+"> Your job finished." || msgs[0].Ephemeral {
		t.Errorf("channel %+v", msgs)
	}
}

func TestSilentHandlerEndsThinking(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	errs := make(chan error, 1)
	rec.answer(func(ctx context.Context, c call) {
		// The bot posts its answer in the channel and says nothing privately.
		_, err := h.adapter.Chat().Post(ctx, c.cmd.Channel, chat.Message{Title: "Approval requested"})
		errs <- err
	})
	res := h.slash(t, discordfake.Slash{Command: "resync", Subcommand: "start", Options: map[string]any{"env": "prod"}})
	rec.next(t)
	h.adapter.Wait()
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	info, _ := h.fake.Interaction(res.ID)
	if m, _ := h.fake.Message(info.OriginalID); !m.Deleted || info.Thinking {
		t.Errorf("thinking placeholder %+v, interaction %+v", m, info)
	}
	if eph := h.fake.Ephemerals(discordfake.DefaultUserID); len(eph) != 0 {
		t.Errorf("ephemerals left %+v", eph)
	}
	if msgs := h.fake.Messages(discordfake.DefaultChannelID); len(msgs) != 1 {
		t.Errorf("channel %+v", msgs)
	}
}

func TestTimedOutHandlerSaysSo(t *testing.T) {
	rec := newRecorder()
	rec.gate = make(chan struct{}) // held until its context ends
	h := newHarness(t, rec, discord.WithHandlerTimeout(50*time.Millisecond))
	res := h.slash(t, discordfake.Slash{Command: "resync", Subcommand: "status"})
	rec.next(t)
	h.adapter.Wait()
	info, _ := h.fake.Interaction(res.ID)
	m, _ := h.fake.Message(info.OriginalID)
	if m.Loading || !strings.Contains(m.Content, "took too long") || !m.Ephemeral {
		t.Errorf("placeholder %+v", m)
	}
	if !strings.Contains(h.logs.String(), "ran out of time") {
		t.Error("the timeout is not logged")
	}
}

func TestClickDeferredUpdate(t *testing.T) {
	rec := newRecorder()
	rec.gate = make(chan struct{})
	h := newHarness(t, rec)
	ref := h.post(t, approval())

	res := h.click(t, discordfake.Click{MessageID: ref.ID, CustomID: "deny:apr-1", UserID: bobID, UserName: "Bob", Roles: []string{engineerRID}})
	if res.Answer == nil || res.Answer.Type != discordfake.AnswerDeferredUpdate {
		t.Fatalf("answer %s, want type 6", res.Body)
	}
	c := rec.next(t)
	want := bot.ClickEvent{
		User:     bot.User{Platform: "discord", ID: bobID, Name: "Bob", Roles: []string{engineerRID}},
		Channel:  discordfake.DefaultChannelID,
		Message:  chat.Ref{Platform: "discord", Channel: discordfake.DefaultChannelID, ID: ref.ID},
		ActionID: bot.ActionDeny, Value: "apr-1",
	}
	if c.click.User.ID != want.User.ID || c.click.User.Name != want.User.Name || len(c.click.User.Roles) != 1 ||
		c.click.Channel != want.Channel || c.click.Message != want.Message || c.click.ActionID != want.ActionID || c.click.Value != want.Value {
		t.Errorf("event %+v, want %+v", c.click, want)
	}
	close(rec.gate)
	h.adapter.Wait()
	// A deferred update leaves the message as it was, for the bot to edit.
	if m, _ := h.fake.Message(ref.ID); m.Edits != 0 {
		t.Errorf("message edited %+v", m.Versions)
	}
}

func TestConfirmStep(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	ref := h.post(t, approval())
	posted, _ := h.fake.Message(ref.ID)
	if ids := posted.CustomIDs(); len(ids) != 2 || ids[0] != "confirm:approve:apr-1" || ids[1] != "deny:apr-1" {
		t.Fatalf("custom ids %v", ids)
	}

	res := h.click(t, discordfake.Click{MessageID: ref.ID, CustomID: "confirm:approve:apr-1", UserID: bobID})
	if res.Answer == nil || res.Answer.Type != discordfake.AnswerMessage || res.Answer.Data.Flags != discordfake.FlagEphemeral {
		t.Fatalf("answer %s, want an ephemeral message (type 4)", res.Body)
	}
	eph := h.fake.Ephemerals(bobID)
	if len(eph) != 1 || !strings.Contains(eph[0].Content, "**Approve PROD resync?**") ||
		!strings.Contains(eph[0].Content, "This rebuilds every index of **prod**.") {
		t.Fatalf("question %+v", eph)
	}
	q := eph[0]
	ok, _ := q.Button("approve:apr-1")
	if bs := q.Buttons(); len(bs) != 2 || ok.Label != "Approve" || ok.Style != int(discordgo.DangerButton) || bs[1].Label != "Back" {
		t.Errorf("question buttons %+v", bs)
	}
	h.adapter.Wait()
	rec.none(t) // the question alone reaches nobody

	res = h.click(t, discordfake.Click{MessageID: q.ID, CustomID: "approve:apr-1", UserID: bobID})
	if res.Answer == nil || res.Answer.Type != discordfake.AnswerUpdate {
		t.Fatalf("answer %s, want type 7", res.Body)
	}
	c := rec.next(t)
	if c.click.ActionID != bot.ActionApprove || c.click.Value != "apr-1" || c.click.User.ID != bobID ||
		c.click.Message != (chat.Ref{Platform: "discord", Channel: discordfake.DefaultChannelID, ID: ref.ID}) {
		t.Errorf("event %+v: want approve apr-1 on the request message %s", c.click, ref.ID)
	}
	if m, _ := h.fake.Message(q.ID); m.Content != "✅ Confirmed." || len(m.Buttons()) != 0 {
		t.Errorf("answered question %+v", m)
	}
}

func TestConfirmCancel(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	ref := h.post(t, approval())
	h.click(t, discordfake.Click{MessageID: ref.ID, CustomID: "confirm:approve:apr-1", UserID: bobID})
	q := h.fake.Ephemerals(bobID)[0]
	res := h.click(t, discordfake.Click{MessageID: q.ID, CustomID: "confirm-cancel", UserID: bobID})
	if res.Answer == nil || res.Answer.Type != discordfake.AnswerUpdate {
		t.Fatalf("answer %s, want type 7", res.Body)
	}
	h.adapter.Wait()
	rec.none(t)
	if m, _ := h.fake.Message(q.ID); !strings.Contains(m.Content, "nothing was done") || len(m.Buttons()) != 0 {
		t.Errorf("cancelled question %+v", m)
	}
}

// TestConfirmQuestionFromAnotherReplica: the message was posted by another
// process, so the question is generic, but the step is still there.
func TestConfirmQuestionFromAnotherReplica(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	other := discord.NewAdapter(h.cfg, rec, nil, zerolog.Nop())
	ref, err := other.Chat().Post(t.Context(), discordfake.DefaultChannelID, approval())
	if err != nil {
		t.Fatal(err)
	}
	h.click(t, discordfake.Click{MessageID: ref.ID, CustomID: "confirm:approve:apr-1", UserID: bobID})
	q := h.fake.Ephemerals(bobID)
	if len(q) != 1 || !strings.Contains(q[0].Content, "Are you sure?") || !strings.Contains(q[0].Content, "“Approve” on “Resync requested: prod”") {
		t.Fatalf("generic question %+v", q)
	}
	h.click(t, discordfake.Click{MessageID: q[0].ID, CustomID: "approve:apr-1", UserID: bobID})
	if c := rec.next(t); c.click.ActionID != bot.ActionApprove || c.click.Message.ID != ref.ID {
		t.Errorf("event %+v", c.click)
	}
}

func TestUnknownCommandAnswered(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	cmds := append(discord.Commands(testEnvs, testIndexes), &discordgo.ApplicationCommand{Name: "old", Description: "Gone"})
	if err := h.fake.SetCommands(discordfake.DefaultGuildID, cmds); err != nil {
		t.Fatal(err)
	}
	res := h.slash(t, discordfake.Slash{Command: "old"})
	if res.Answer == nil || res.Answer.Type != discordfake.AnswerMessage || !strings.Contains(res.Answer.Data.Content, "discord register") {
		t.Errorf("answer %s", res.Body)
	}
	h.adapter.Wait()
	rec.none(t)
}

func TestCloseRefuses(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, rec)
	if err := h.adapter.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	res, err := h.driver.Slash(t.Context(), h.url, discordfake.Slash{Command: "resync", Subcommand: "help"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d %s", res.Status, res.Body)
	}
	// PING still works: Discord checks the endpoint while we restart.
	if res, err := h.driver.Ping(t.Context(), h.url); err != nil || res.Status != 200 {
		t.Errorf("PING after Close: %+v %v", res, err)
	}
	rec.none(t)
}

func TestMalformedAndMethod(t *testing.T) {
	h := newHarness(t, newRecorder(), discord.WithMaxBody(4096))
	resp, body, err := h.driver.Send(t.Context(), h.url, []byte(`{"type":`))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("broken JSON: %v %s %v", resp.StatusCode, body, err)
	}
	resp, _, err = h.driver.Send(t.Context(), h.url, []byte(`{"type":4,"id":"1","token":"t"}`))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("autocomplete: %v %v", resp.StatusCode, err)
	}
	big, _ := json.Marshal(map[string]string{"pad": strings.Repeat("x", 5000)})
	resp, _, err = h.driver.Send(t.Context(), h.url, big)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: %v %v", resp.StatusCode, err)
	}
	get, err := http.Get(h.url)
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", get.StatusCode)
	}
}
