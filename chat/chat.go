// Package chat is the one message model and the one messaging interface that
// every chat platform implements. The bot core and notify speak only this;
// bot/slack, bot/discord and bot/console render it for their platform.
package chat

import "context"

// Platform names.
const (
	Slack   = "slack"
	Discord = "discord"
	Console = "console"
)

// Ref names a posted message so it can be edited later, by any replica.
type Ref struct {
	Platform string `json:"platform"`
	Channel  string `json:"channel"`
	ID       string `json:"id"`
}

// IsZero reports whether r names no message.
func (r Ref) IsZero() bool { return r.ID == "" }

// Chat is what the bot needs of a chat platform. Implementations honour the
// platform's rate limits themselves (waiting out a 429's Retry-After).
type Chat interface {
	// Post sends m to channel and returns its reference.
	Post(ctx context.Context, channel string, m Message) (Ref, error)
	// Update replaces the message ref with m, in place.
	Update(ctx context.Context, ref Ref, m Message) error
	// Ephemeral shows m to one user only, in channel.
	Ephemeral(ctx context.Context, channel, user string, m Message) error
	// Reply posts m in the thread under parent.
	Reply(ctx context.Context, parent Ref, m Message) (Ref, error)
}

// Message is a platform-neutral chat message: a header styled for its
// environment, text, fields, progress bars and buttons.
type Message struct {
	// Title is the header line.
	Title string
	// Style marks the environment (colour, label, production banner).
	Style Style
	// Text is the body, in a small Markdown subset: *bold*, _italic_, `code`, lines.
	Text string
	// Fields are short label/value pairs shown in two columns where possible.
	Fields []Field
	// Bars are progress bars, one per line.
	Bars []Bar
	// Buttons are shown in one row under the message.
	Buttons []Button
	// Footer is small print (ids, times).
	Footer string
}

// Style marks a message as belonging to an environment.
type Style struct {
	// Env is the environment name; "" for messages about none.
	Env string
	// Label is the environment's display label, e.g. "Production".
	Label string
	// Colour is a #rrggbb colour for the platform's accent.
	Colour string
	// Production turns on the unmistakable PRODUCTION banner.
	Production bool
}

// Field is one label/value pair.
type Field struct {
	Label string
	Value string
}

// Bar is one progress bar; Total < 0 means unknown (shown as a count).
type Bar struct {
	Label string
	Done  int64
	Total int64
}

// ButtonStyle colours a button.
type ButtonStyle int

// Button styles.
const (
	Default ButtonStyle = iota
	Primary
	Danger
)

// Button is a clickable action. ActionID says what it does, Value what it is about.
type Button struct {
	ActionID string
	Value    string
	Label    string
	Style    ButtonStyle
	// Confirm, if set, asks "are you sure?" before the click counts.
	Confirm *Confirm
}

// Confirm is a confirmation dialog for a dangerous button.
type Confirm struct {
	Title  string
	Text   string
	OK     string
	Cancel string
}
