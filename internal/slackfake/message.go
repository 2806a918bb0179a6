package slackfake

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Message is a copy of one message as the fake holds it: its current content
// and every version it had. Changing it changes nothing on the server.
type Message struct {
	Channel string
	TS      string
	// ThreadTS is the parent's ts for a thread reply, empty for a top-level
	// message.
	ThreadTS string
	// User is the author: the bot's user ID for what the bot posted, the
	// user's for messages added with PostAsUser.
	User string
	// Recipient is the only user who sees an ephemeral message.
	Recipient string
	Text      string
	// Blocks is the current blocks field parsed by slack-go; RawBlocks is the
	// same as stored JSON (nil when the message has no blocks).
	Blocks         slack.Blocks
	RawBlocks      json.RawMessage
	RawAttachments json.RawMessage
	Ephemeral      bool
	Deleted        bool
	// Edits counts the changes after the first version (chat.update or a
	// response_url replace_original).
	Edits int
	// Versions holds every content the message had, the first post first.
	Versions []Version
	// ReplyCount counts the live replies of a thread parent.
	ReplyCount int
	// Via is how the message was created: "chat.postMessage",
	// "chat.postEphemeral", "response_url" or "user".
	Via string
}

// Version is one content of a message and when it was set (by the server's
// clock).
type Version struct {
	Text           string
	RawBlocks      json.RawMessage
	RawAttachments json.RawMessage
	At             time.Time
	// Via is the method that set it: "chat.postMessage", "chat.update",
	// "response_url", ...
	Via string
}

// Buttons lists the message's buttons in document order.
func (m Message) Buttons() []Button { return buttonsIn(m.RawBlocks) }

// Button finds a button by action_id.
func (m Message) Button(actionID string) (Button, bool) {
	for _, b := range m.Buttons() {
		if b.ActionID == actionID {
			return b, true
		}
	}
	return Button{}, false
}

// ActionIDs lists the action_ids of the message's buttons in document order.
func (m Message) ActionIDs() []string {
	var ids []string
	for _, b := range m.Buttons() {
		ids = append(ids, b.ActionID)
	}
	return ids
}

// Texts lists the visible strings of the message's blocks in reading order
// (section text and fields, headers, context, button labels, rich text).
func (m Message) Texts() []string { return textsIn(m.RawBlocks) }

// AllText is the message text and every block text joined by newlines, for
// assertions that only care whether something is shown.
func (m Message) AllText() string {
	return strings.Join(append([]string{m.Text}, m.Texts()...), "\n")
}

// Contains reports whether s appears in the message text or its blocks.
func (m Message) Contains(s string) bool { return strings.Contains(m.AllText(), s) }

// PostedAt is when the first version was stored.
func (m Message) PostedAt() time.Time {
	if len(m.Versions) == 0 {
		return time.Time{}
	}
	return m.Versions[0].At
}

// EditTimes lists when each edit happened, oldest first.
func (m Message) EditTimes() []time.Time {
	var ts []time.Time
	for _, v := range m.Versions[min(1, len(m.Versions)):] {
		ts = append(ts, v.At)
	}
	return ts
}

// EditGaps lists the time between each version and the one before it, so a
// test can check that a progress message is edited at most every few seconds.
func (m Message) EditGaps() []time.Duration {
	var gaps []time.Duration
	for i := 1; i < len(m.Versions); i++ {
		gaps = append(gaps, m.Versions[i].At.Sub(m.Versions[i-1].At))
	}
	return gaps
}

// record is the server's mutable state of one message.
type record struct {
	channel   string
	ts        string
	threadTS  string
	user      string
	recipient string
	ephemeral bool
	deleted   bool
	human     bool
	via       string
	versions  []Version
	replies   []*record
}

func (r *record) current() Version { return r.versions[len(r.versions)-1] }

func (r *record) snapshot() Message {
	cur := r.current()
	live := 0
	for _, c := range r.replies {
		if !c.deleted {
			live++
		}
	}
	return Message{
		Channel:        r.channel,
		TS:             r.ts,
		ThreadTS:       r.threadTS,
		User:           r.user,
		Recipient:      r.recipient,
		Text:           cur.Text,
		Blocks:         decodeBlocks(cur.RawBlocks),
		RawBlocks:      cloneRaw(cur.RawBlocks),
		RawAttachments: cloneRaw(cur.RawAttachments),
		Ephemeral:      r.ephemeral,
		Deleted:        r.deleted,
		Edits:          len(r.versions) - 1,
		Versions:       cloneVersions(r.versions),
		ReplyCount:     live,
		Via:            r.via,
	}
}

func cloneRaw(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

func cloneVersions(vs []Version) []Version {
	out := make([]Version, len(vs))
	for i, v := range vs {
		v.RawBlocks = cloneRaw(v.RawBlocks)
		v.RawAttachments = cloneRaw(v.RawAttachments)
		out[i] = v
	}
	return out
}

// wireMessage is a message object as Slack returns it in chat.postMessage and
// chat.update answers and sends it in interaction payloads.
type wireMessage struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype,omitempty"`
	Text        string          `json:"text"`
	User        string          `json:"user,omitempty"`
	BotID       string          `json:"bot_id,omitempty"`
	AppID       string          `json:"app_id,omitempty"`
	Team        string          `json:"team,omitempty"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts,omitempty"`
	ParentUser  string          `json:"parent_user_id,omitempty"`
	Edited      *slack.Edited   `json:"edited,omitempty"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	BotProfile  *botProfile     `json:"bot_profile,omitempty"`
}

type botProfile struct {
	ID      string `json:"id"`
	AppID   string `json:"app_id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted"`
	TeamID  string `json:"team_id"`
}
