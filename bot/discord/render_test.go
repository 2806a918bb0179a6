package discord_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/discord"
	"github.com/resyncbot/resyncbot/chat"
)

var stagingStyle = chat.Style{Env: "staging", Label: "Staging", Colour: "#2EB67D"}

func buttons(r discord.Rendered) []discordgo.Button {
	var out []discordgo.Button
	for _, row := range r.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			out = append(out, c.(discordgo.Button))
		}
	}
	return out
}

func TestRender(t *testing.T) {
	tests := []struct {
		name  string
		msg   chat.Message
		check func(t *testing.T, r discord.Rendered)
	}{
		{"production approval", approval(), func(t *testing.T, r discord.Rendered) {
			if !strings.HasPrefix(r.Content, "🚨 **PRODUCTION** 🚨") {
				t.Errorf("content %q lacks the PRODUCTION banner", r.Content)
			}
			e := r.Embeds[0]
			if e.Color != 0xE01E5A || e.Title != "Resync requested: prod" || e.Author.Name != "Environment: Production (prod)" ||
				e.Footer.Text != "approval apr-1 · expires 14:30" || e.Type != discordgo.EmbedTypeRich {
				t.Errorf("embed %+v", e)
			}
			if !strings.Contains(e.Description, "**alice** asks to rebuild every index of **prod**.") || !strings.Contains(e.Description, "_GMC data refresh_") {
				t.Errorf("description %q: *bold* must become **bold**", e.Description)
			}
			if len(e.Fields) != 2 || !e.Fields[0].Inline || e.Fields[1].Value != "212,345" {
				t.Errorf("fields %+v", e.Fields)
			}
			bs := buttons(r)
			if len(r.Components) != 1 || len(bs) != 2 {
				t.Fatalf("components %+v", r.Components)
			}
			if bs[0].CustomID != "confirm:approve:apr-1" || bs[0].Style != discordgo.DangerButton || bs[0].Label != "Approve" {
				t.Errorf("approve %+v", bs[0])
			}
			if bs[1].CustomID != "deny:apr-1" || bs[1].Style != discordgo.SecondaryButton {
				t.Errorf("deny %+v", bs[1])
			}
			if q, ok := r.Confirms["confirm:approve:apr-1"]; !ok || q.Title != "Approve PROD resync?" || len(r.Confirms) != 1 {
				t.Errorf("confirms %+v", r.Confirms)
			}
		}},
		{"staging progress", chat.Message{
			Title: "Resync of staging running", Style: stagingStyle,
			Bars:    []chat.Bar{{Label: "masterdoctorindex", Done: 96000, Total: 200000}, {Label: "odd`label", Done: 5, Total: -1}},
			Buttons: []chat.Button{{ActionID: bot.ActionAbort, Value: "job-1", Label: "Abort", Style: chat.Danger}},
		}, func(t *testing.T, r discord.Rendered) {
			if r.Content != "" {
				t.Errorf("content %q: only production has a banner", r.Content)
			}
			e := r.Embeds[0]
			if e.Color != 0x2EB67D || e.Author.Name != "Environment: Staging" {
				t.Errorf("embed %+v %+v", e, e.Author)
			}
			want := "```\nmasterdoctorindex\n▓▓▓▓▓▓▓▓▓░░░░░░░░░░░  48%  96,000 / 200,000\nodd'label\n░░░░░░░░░░░░░░░░░░░░  5 docs\n```"
			if e.Description != want {
				t.Errorf("description\n%s\nwant\n%s", e.Description, want)
			}
			if bs := buttons(r); bs[0].Style != discordgo.DangerButton || bs[0].CustomID != "abort:job-1" {
				t.Errorf("abort %+v", bs[0])
			}
		}},
		{"primary is green", chat.Message{Text: "x", Buttons: []chat.Button{{ActionID: bot.ActionRestore, Value: "g1", Label: "Restore", Style: chat.Primary}}},
			func(t *testing.T, r discord.Rendered) {
				if bs := buttons(r); bs[0].Style != discordgo.SuccessButton {
					t.Errorf("style %v, want Success", bs[0].Style)
				}
			}},
		{"plain text is content", chat.Message{Text: "You cannot approve your own request. *Ask* someone else."},
			func(t *testing.T, r discord.Rendered) {
				if r.Content != "You cannot approve your own request. **Ask** someone else." || len(r.Embeds) != 0 || len(r.Components) != 0 {
					t.Errorf("rendered %+v", r)
				}
			}},
		{"code keeps its asterisks", chat.Message{Text: "run `a*b` *now*"}, func(t *testing.T, r discord.Rendered) {
			if r.Content != "run `a*b` **now**" {
				t.Errorf("content %q", r.Content)
			}
		}},
		{"empty", chat.Message{}, func(t *testing.T, r discord.Rendered) {
			if r.Content == "" && len(r.Embeds) == 0 {
				t.Error("an empty message renders as nothing, which Discord refuses")
			}
		}},
		{"production without colour is red", chat.Message{Title: "x", Style: chat.Style{Env: "prod", Production: true}},
			func(t *testing.T, r discord.Rendered) {
				if r.Embeds[0].Color == 0 || r.Embeds[0].Author.Name != "Environment: prod" {
					t.Errorf("embed %+v", r.Embeds[0])
				}
			}},
		{"bad colour is none", chat.Message{Title: "x", Style: chat.Style{Env: "dev", Colour: "teal"}},
			func(t *testing.T, r discord.Rendered) {
				if r.Embeds[0].Color != 0 {
					t.Errorf("colour %x", r.Embeds[0].Color)
				}
			}},
		{"duplicate action ids", chat.Message{Text: "x", Buttons: []chat.Button{
			{ActionID: "abort", Value: "j1", Label: "A"}, {ActionID: "abort", Value: "j1", Label: "B"}, {Label: "C"},
		}}, func(t *testing.T, r discord.Rendered) {
			bs := buttons(r)
			if bs[0].CustomID != "abort:j1" || bs[1].CustomID != "abort#2:j1" || bs[2].CustomID != "button:" {
				t.Errorf("custom ids %q %q %q", bs[0].CustomID, bs[1].CustomID, bs[2].CustomID)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := discord.Render(tc.msg)
			tc.check(t, r)
			// Pure: the same message renders the same way.
			a, _ := json.Marshal(r)
			b, _ := json.Marshal(discord.Render(tc.msg))
			if string(a) != string(b) {
				t.Error("Render is not deterministic")
			}
		})
	}
}

// huge breaks every Discord limit at once.
func huge() chat.Message {
	long := strings.Repeat("ü", 5000)
	m := chat.Message{
		Title:  strings.Repeat("T", 300),
		Style:  chat.Style{Env: "prod", Label: strings.Repeat("L", 300), Colour: "#ff0000", Production: true},
		Text:   long,
		Footer: strings.Repeat("f", 3000),
	}
	for i := range 30 {
		m.Fields = append(m.Fields, chat.Field{Label: strings.Repeat("n", 300), Value: fmt.Sprintf("%d %s", i, strings.Repeat("v", 2000))})
		m.Bars = append(m.Bars, chat.Bar{Label: fmt.Sprintf("index-%d", i), Done: int64(i), Total: 100})
		m.Buttons = append(m.Buttons, chat.Button{ActionID: "approve", Value: strings.Repeat("x", 120), Label: strings.Repeat("B", 100), Style: chat.Danger,
			Confirm: &chat.Confirm{Text: "sure?"}})
	}
	return m
}

func TestRenderLimits(t *testing.T) {
	r := discord.Render(huge())
	n := utf8.RuneCountInString
	e := r.Embeds[0]
	if n(e.Title) > 256 || n(e.Description) > 4096 || len(e.Fields) > 25 || n(e.Footer.Text) > 2048 || n(e.Author.Name) > 256 {
		t.Errorf("embed over a limit: title %d, description %d, fields %d, footer %d, author %d",
			n(e.Title), n(e.Description), len(e.Fields), n(e.Footer.Text), n(e.Author.Name))
	}
	total := n(e.Title) + n(e.Description) + n(e.Footer.Text) + n(e.Author.Name)
	for _, f := range e.Fields {
		if n(f.Name) > 256 || n(f.Value) > 1024 {
			t.Errorf("field over a limit: %d/%d", n(f.Name), n(f.Value))
		}
		total += n(f.Name) + n(f.Value)
	}
	if total > 6000 {
		t.Errorf("embed total %d > 6000", total)
	}
	if !strings.HasSuffix(e.Title, "…") || !strings.Contains(e.Description, "(shortened to fit Discord)") || !strings.Contains(e.Description, "```") {
		t.Errorf("cut title %q, or description %q lacks the note or the bars", e.Title, e.Description)
	}
	if len(r.Components) != 5 {
		t.Errorf("%d rows, want 5 (Discord's maximum)", len(r.Components))
	}
	seen := map[string]bool{}
	for _, row := range r.Components {
		bs := row.(discordgo.ActionsRow).Components
		if len(bs) > 5 {
			t.Errorf("row of %d buttons", len(bs))
		}
		for _, c := range bs {
			b := c.(discordgo.Button)
			if n(b.Label) > 80 || n(b.CustomID) > 100 || seen[b.CustomID] {
				t.Errorf("button label %d, custom_id %d %q (dup %v)", n(b.Label), n(b.CustomID), b.CustomID, seen[b.CustomID])
			}
			seen[b.CustomID] = true
		}
	}
}
