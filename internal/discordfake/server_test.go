package discordfake_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/internal/discordfake"
)

func TestMessagesCreateEditGet(t *testing.T) {
	s := discordfake.New(t)
	dg := session(t, s, s.Token())
	ch := discordfake.DefaultChannelID

	sent, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{
		Content: "hello",
		Embeds:  []*discordgo.MessageEmbed{{Title: "Resync", Description: "body", Color: 0xff0000}},
		Components: row(button("approve:R1", "Approve", discordgo.SuccessButton),
			button("deny:R1", "Deny", discordgo.DangerButton)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID == "" || sent.ChannelID != ch || sent.Author == nil || sent.Author.ID != discordfake.BotUserID || !sent.Author.Bot {
		t.Errorf("created message %+v", sent)
	}
	if len(sent.Components) != 1 || sent.Embeds[0].Type != discordgo.EmbedTypeRich {
		t.Errorf("answer lacks components or embed type: %+v", sent)
	}

	content := "edited"
	embeds := []*discordgo.MessageEmbed{}
	edited, err := dg.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: sent.ID, Channel: ch, Content: &content, Embeds: &embeds})
	if err != nil {
		t.Fatal(err)
	}
	if edited.EditedTimestamp == nil || edited.Content != "edited" {
		t.Errorf("edit answer %+v", edited)
	}

	m, ok := s.Message(sent.ID)
	if !ok {
		t.Fatal("message not found")
	}
	// Components were not sent with the edit, so they stay; embeds were
	// sent empty, so they went.
	if m.Content != "edited" || len(m.Embeds) != 0 || len(m.Buttons()) != 2 || m.Edits != 1 || len(m.Versions) != 2 {
		t.Errorf("stored %+v", m)
	}
	if b, ok := m.Button("deny:R1"); !ok || b.Style != int(discordgo.DangerButton) || b.Label != "Deny" {
		t.Errorf("button %+v %v", b, ok)
	}
	if m.Versions[1].Via != "edit" || m.Versions[0].Via != "channel" || len(m.EditGaps()) != 1 {
		t.Errorf("versions %+v", m.Versions)
	}

	got, err := dg.ChannelMessage(ch, sent.ID)
	if err != nil || got.Content != "edited" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if list := s.Messages(ch); len(list) != 1 || list[0].ID != sent.ID {
		t.Errorf("channel lists %+v", list)
	}
}

func TestMessageErrors(t *testing.T) {
	s := discordfake.New(t)
	dg := session(t, s, s.Token())
	ch := discordfake.DefaultChannelID
	long := strings.Repeat("x", 257)
	human := s.PostAsUser(ch, discordfake.DefaultUserID, "alice", "hi")
	content := "bot edit"

	tests := []struct {
		name       string
		do         func() error
		status     int
		code       int
		bodySubstr string
	}{
		{"bad token", func() error {
			_, err := session(t, s, "wrong").ChannelMessageSend(ch, "x")
			return err
		}, http.StatusUnauthorized, 0, ""},
		{"unknown channel", func() error {
			_, err := dg.ChannelMessageSend("999", "x")
			return err
		}, http.StatusNotFound, discordfake.CodeUnknownChannel, ""},
		{"empty", func() error {
			_, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{})
			return err
		}, http.StatusBadRequest, discordfake.CodeEmptyMessage, ""},
		{"title too long", func() error {
			_, err := dg.ChannelMessageSendEmbed(ch, &discordgo.MessageEmbed{Title: long})
			return err
		}, http.StatusBadRequest, discordfake.CodeInvalidForm, `"title":{"_errors"`},
		{"duplicate custom_id", func() error {
			_, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{Content: "x",
				Components: row(button("a:1", "A", discordgo.PrimaryButton), button("a:1", "B", discordgo.PrimaryButton))})
			return err
		}, http.StatusBadRequest, discordfake.CodeInvalidForm, "COMPONENT_CUSTOM_ID_DUPLICATED"},
		{"six buttons in a row", func() error {
			var bs []discordgo.MessageComponent
			for i := range 6 {
				bs = append(bs, button(string(rune('a'+i)), "x", discordgo.PrimaryButton))
			}
			_, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{Content: "x", Components: row(bs...)})
			return err
		}, http.StatusBadRequest, discordfake.CodeInvalidForm, "BASE_TYPE_BAD_LENGTH"},
		{"embed total", func() error {
			var fs []*discordgo.MessageEmbedField
			for range 7 {
				fs = append(fs, &discordgo.MessageEmbedField{Name: "n", Value: strings.Repeat("v", 1000)})
			}
			_, err := dg.ChannelMessageSendEmbed(ch, &discordgo.MessageEmbed{Title: "t", Fields: fs})
			return err
		}, http.StatusBadRequest, discordfake.CodeInvalidForm, "MAX_EMBED_SIZE_EXCEEDED"},
		{"edit someone else's message", func() error {
			_, err := dg.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: human, Channel: ch, Content: &content})
			return err
		}, http.StatusForbidden, discordfake.CodeCannotEditOthers, ""},
		{"edit unknown message", func() error {
			_, err := dg.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: "42", Channel: ch, Content: &content})
			return err
		}, http.StatusNotFound, discordfake.CodeUnknownMessage, ""},
		{"reply to unknown message", func() error {
			_, err := dg.ChannelMessageSendReply(ch, "x", &discordgo.MessageReference{MessageID: "42", ChannelID: ch})
			return err
		}, http.StatusBadRequest, discordfake.CodeInvalidForm, "REPLIES_UNKNOWN_MESSAGE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			status, code := restStatus(err)
			if status != tc.status || code != tc.code {
				t.Fatalf("err %v: status %d code %d, want %d %d", err, status, code, tc.status, tc.code)
			}
			if tc.bodySubstr != "" && !strings.Contains(err.Error(), tc.bodySubstr) {
				t.Errorf("error %v lacks %q", err, tc.bodySubstr)
			}
		})
	}
}

func TestReply(t *testing.T) {
	s := discordfake.New(t)
	dg := session(t, s, s.Token())
	ch := discordfake.DefaultChannelID
	parent, err := dg.ChannelMessageSend(ch, "parent")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := dg.ChannelMessageSendReply(ch, "child", &discordgo.MessageReference{MessageID: parent.ID, ChannelID: ch})
	if err != nil {
		t.Fatal(err)
	}
	if reply.MessageReference == nil || reply.MessageReference.MessageID != parent.ID || reply.Type != discordgo.MessageTypeReply {
		t.Errorf("reply %+v", reply)
	}
	// A reply to a missing message with fail_if_not_exists false is sent plain.
	no := false
	plain, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{Content: "x",
		Reference: &discordgo.MessageReference{MessageID: "42", FailIfNotExists: &no}})
	if err != nil || plain.MessageReference != nil {
		t.Errorf("plain reply %+v %v", plain, err)
	}
}

func TestRateLimit(t *testing.T) {
	s := discordfake.New(t)
	dg := session(t, s, s.Token())
	ch := discordfake.DefaultChannelID
	m, err := dg.ChannelMessageSend(ch, "x")
	if err != nil {
		t.Fatal(err)
	}
	s.RateLimit(discordfake.RouteMessageEdit, 1, 250*time.Millisecond)
	_, err = dg.ChannelMessageEdit(ch, m.ID, "y")
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 250*time.Millisecond {
		t.Fatalf("err %v, want a RateLimitError of 250ms", err)
	}
	// discordgo's own retry reads retry_after from the body and succeeds.
	s.RateLimit(discordfake.RouteMessageEdit, 2, 100*time.Millisecond)
	dg.ShouldRetryOnRateLimit = true
	if _, err := dg.ChannelMessageEdit(ch, m.ID, "z"); err != nil {
		t.Fatal(err)
	}
	calls := s.Calls(discordfake.RouteMessageEdit)
	var statuses []int
	for _, c := range calls {
		statuses = append(statuses, c.Status)
	}
	if want := []int{429, 429, 429, 200}; !equalInts(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	if gap := calls[3].At.Sub(calls[2].At); gap < 100*time.Millisecond {
		t.Errorf("retry after %s, before retry_after", gap)
	}
	if got, _ := s.Message(m.ID); got.Content != "z" || got.Edits != 1 {
		t.Errorf("message %+v", got)
	}

	s.Fail(discordfake.RouteMessageCreate, 1, http.StatusInternalServerError)
	if _, err := dg.ChannelMessageSend(ch, "x"); err == nil {
		t.Error("no error for a 500")
	}
}

func TestRateLimitHeaders(t *testing.T) {
	s := discordfake.New(t)
	s.RateLimitGlobal(discordfake.RouteMessageCreate, 1, 1500*time.Millisecond)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"channels/"+discordfake.DefaultChannelID+"/messages", strings.NewReader(`{"content":"x"}`))
	req.Header.Set("Authorization", "Bot "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	if err := decodeJSON(resp, &body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 429 || body.RetryAfter != 1.5 || !body.Global || body.Message != "You are being rate limited." {
		t.Errorf("429 %d %+v", resp.StatusCode, body)
	}
	for h, want := range map[string]string{"Retry-After": "2", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "1.500", "X-RateLimit-Global": "true"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
}

func TestCommandsOverwrite(t *testing.T) {
	s := discordfake.New(t)
	dg := session(t, s, s.Token())
	cmds := []*discordgo.ApplicationCommand{
		{Name: "resync", Description: "Resync", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "env", Description: "Env", Required: true,
				Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "prod", Value: "prod"}}},
		}},
		{Name: "abort", Description: "Abort"},
	}
	got, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), discordfake.DefaultGuildID, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID == "" || got[0].GuildID != discordfake.DefaultGuildID || got[0].ApplicationID != s.AppID() {
		t.Fatalf("registered %+v", got)
	}
	first := got[0].ID
	again, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), discordfake.DefaultGuildID, cmds[:1])
	if err != nil || len(again) != 1 || again[0].ID != first {
		t.Fatalf("overwrite kept ids? %+v %v", again, err)
	}
	if n := len(s.Commands(discordfake.DefaultGuildID)); n != 1 || s.Overwrites(discordfake.DefaultGuildID) != 2 || len(s.Commands("")) != 0 {
		t.Errorf("guild commands %d, overwrites %d, global %d", n, s.Overwrites(discordfake.DefaultGuildID), len(s.Commands("")))
	}

	bad := map[string][]*discordgo.ApplicationCommand{
		"upper case name": {{Name: "Resync", Description: "x"}},
		"no description":  {{Name: "resync"}},
		"required after optional": {{Name: "r", Description: "x", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "a", Description: "a"},
			{Type: discordgo.ApplicationCommandOptionString, Name: "b", Description: "b", Required: true},
		}}},
		"subcommands mixed": {{Name: "r", Description: "x", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "a", Description: "a"},
			{Type: discordgo.ApplicationCommandOptionString, Name: "b", Description: "b"},
		}}},
		"choice on boolean": {{Name: "r", Description: "x", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionBoolean, Name: "a", Description: "a",
				Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "y", Value: "y"}}},
		}}},
	}
	for name, cmds := range bad {
		_, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), "", cmds)
		if status, code := restStatus(err); status != 400 || code != discordfake.CodeInvalidForm {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if _, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), "1300000000000000404", cmds); err == nil {
		t.Error("commands registered in a guild the application is not in")
	}
	if _, err := dg.ApplicationCommandBulkOverwrite("other-app", "", cmds); err == nil {
		t.Error("another application's commands were overwritten")
	}
	if _, err := session(t, s, "wrong").ApplicationCommandBulkOverwrite(s.AppID(), "", cmds); err == nil {
		t.Error("overwrite without the bot token")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
