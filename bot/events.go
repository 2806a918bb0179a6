// Package bot is the platform-neutral core of resyncbot: commands and button
// clicks come in from any platform adapter as events, are authorised against
// the configuration, and are answered through chat.Chat. It never imports a
// platform package; adapters import it.
package bot

import (
	"context"

	"github.com/resyncbot/resyncbot/chat"
)

// User is who acted, as their platform knows them.
type User struct {
	Platform string
	ID       string
	Name     string
	// Roles are the platform roles the user holds (Discord role ids).
	Roles []string
}

// CommandEvent is a slash command typed by a user in a channel.
type CommandEvent struct {
	User    User
	Channel string
	// Slash is the command with its slash, e.g. "/resync".
	Slash string
	// Text is everything after the command.
	Text string
}

// ClickEvent is a button click (after any confirm dialog).
type ClickEvent struct {
	User    User
	Channel string
	// Message is the message the button was on.
	Message  chat.Ref
	ActionID string
	Value    string
}

// Handler is what a platform adapter hands its events to. Each call returns
// when the event has been handled (or its timeout passed); adapters
// acknowledge the platform first and call it in the background.
type Handler interface {
	Command(ctx context.Context, ev CommandEvent)
	Click(ctx context.Context, ev ClickEvent)
}

// Action ids of the buttons the bot puts on messages.
const (
	ActionApprove = "approve"
	ActionDeny    = "deny"
	ActionCancel  = "cancel"
	ActionAbort   = "abort"
	ActionRestore = "restore"
	// ActionPostNotice and ActionDropNotice answer a notice preview.
	ActionPostNotice = "notice_post"
	ActionDropNotice = "notice_drop"
)
