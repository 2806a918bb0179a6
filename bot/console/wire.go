package console

import (
	"strings"
	"time"

	"github.com/resyncbot/resyncbot/chat"
)

// wireMessage is a message as the page receives it: the chat.Message, with
// where it is and who may see it. The page renders it; nothing here is HTML.
type wireMessage struct {
	ID        string       `json:"id"`
	Channel   string       `json:"channel"`
	Parent    string       `json:"parent,omitempty"`
	Time      time.Time    `json:"time,omitzero"`
	Edited    *time.Time   `json:"edited,omitempty"`
	Ephemeral bool         `json:"ephemeral,omitempty"`
	Command   string       `json:"command,omitempty"`
	Author    string       `json:"author,omitempty"`
	Title     string       `json:"title,omitempty"`
	Style     wireStyle    `json:"style"`
	Text      string       `json:"text,omitempty"`
	Fields    []wireField  `json:"fields,omitempty"`
	Bars      []wireBar    `json:"bars,omitempty"`
	Buttons   []wireButton `json:"buttons,omitempty"`
	Footer    string       `json:"footer,omitempty"`
}

type wireStyle struct {
	Env        string `json:"env,omitempty"`
	Label      string `json:"label,omitempty"`
	Colour     string `json:"colour,omitempty"`
	Production bool   `json:"production,omitempty"`
}

type wireField struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// wireBar is a progress bar; Percent is -1 when the total is unknown.
type wireBar struct {
	Label   string  `json:"label"`
	Done    int64   `json:"done"`
	Total   int64   `json:"total"`
	Percent float64 `json:"percent"`
	Text    string  `json:"text"`
}

type wireButton struct {
	ActionID string       `json:"action_id"`
	Value    string       `json:"value"`
	Label    string       `json:"label"`
	Style    string       `json:"style,omitempty"`
	Confirm  *wireConfirm `json:"confirm,omitempty"`
	// Command, for a panel button, is a command line the page sends instead
	// of a click.
	Command string `json:"command,omitempty"`
}

type wireConfirm struct {
	Title  string `json:"title"`
	Text   string `json:"text"`
	OK     string `json:"ok"`
	Cancel string `json:"cancel"`
}

// wireOf renders e for the page.
func wireOf(e *entry) wireMessage {
	w := messageWire(e.msg)
	w.ID, w.Channel, w.Parent, w.Time = e.id, e.channel, e.parent, e.time
	w.Ephemeral = e.user != ""
	w.Command, w.Author = e.command, e.author
	if !e.edited.IsZero() {
		t := e.edited
		w.Edited = &t
	}
	return w
}

// messageWire renders m's content, with the platform's emoji codes turned
// into the characters they stand for.
func messageWire(m chat.Message) wireMessage {
	w := wireMessage{
		Title:  emojify(m.Title),
		Style:  wireStyle{Env: m.Style.Env, Label: m.Style.Label, Colour: m.Style.Colour, Production: m.Style.Production},
		Text:   emojify(m.Text),
		Footer: emojify(m.Footer),
	}
	for _, f := range m.Fields {
		w.Fields = append(w.Fields, wireField{Label: emojify(f.Label), Value: emojify(f.Value)})
	}
	for _, b := range m.Bars {
		w.Bars = append(w.Bars, barWire(b))
	}
	for _, b := range m.Buttons {
		w.Buttons = append(w.Buttons, buttonWire(b))
	}
	return w
}

func barWire(b chat.Bar) wireBar {
	w := wireBar{Label: b.Label, Done: b.Done, Total: b.Total, Percent: -1}
	switch {
	case b.Total < 0:
		w.Text = chat.Thousands(b.Done) + " " + textDocs
	case b.Total == 0:
		w.Percent = 100
	default:
		w.Percent = min(max(float64(b.Done)*100/float64(b.Total), 0), 100)
	}
	if b.Total >= 0 {
		w.Text = chat.Thousands(b.Done) + " / " + chat.Thousands(b.Total)
	}
	return w
}

func buttonWire(b chat.Button) wireButton {
	w := wireButton{ActionID: b.ActionID, Value: b.Value, Label: b.Label}
	switch b.Style {
	case chat.Primary:
		w.Style = "primary"
	case chat.Danger:
		w.Style = "danger"
	}
	if b.Confirm != nil {
		w.Confirm = &wireConfirm{Title: b.Confirm.Title, Text: b.Confirm.Text, OK: b.Confirm.OK, Cancel: b.Confirm.Cancel}
	}
	return w
}

// emojify replaces the Slack emoji codes the bot writes with the emoji.
func emojify(s string) string {
	if !strings.Contains(s, ":") {
		return s
	}
	return emojiReplacer.Replace(s)
}

var emojiReplacer = strings.NewReplacer(emojiCodes...)
