package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// content is the text, blocks and attachments of a chat.* call; has* tell
// whether the field was sent at all, which chat.update cares about.
type content struct {
	text           string
	hasText        bool
	blocks         json.RawMessage
	hasBlocks      bool
	attachments    json.RawMessage
	hasAttachments bool
}

func readContent(p url.Values) (content, *apiError) {
	c := content{text: p.Get("text"), hasText: p.Has("text")}
	if p.Has("blocks") {
		c.hasBlocks = true
		blocks, berr := parseBlocks(p.Get("blocks"))
		if berr != nil {
			return c, &apiError{code: berr.code, messages: berr.messages}
		}
		if string(blocks) != "[]" {
			c.blocks = blocks
		}
	}
	if p.Has("attachments") {
		c.hasAttachments = true
		var atts []slack.Attachment
		raw := p.Get("attachments")
		if err := json.Unmarshal([]byte(raw), &atts); err != nil {
			return c, fail(ErrCodeInvalidAttachments)
		}
		if len(atts) > 0 {
			var b bytes.Buffer
			_ = json.Compact(&b, []byte(raw))
			c.attachments = b.Bytes()
		}
	}
	return c, nil
}

func (c content) empty() bool {
	return c.text == "" && len(c.blocks) == 0 && len(c.attachments) == 0
}

func (c content) version(at time.Time, via string) Version {
	return Version{Text: c.text, RawBlocks: c.blocks, RawAttachments: c.attachments, At: at, Via: via}
}

// channelByRef finds a channel by ID, or by name ("general" or "#general") as
// chat.postMessage and chat.postEphemeral allow.
func (s *Server) channelByRef(ref string) *channel {
	if ch := s.channels[ref]; ch != nil {
		return ch
	}
	name := strings.TrimPrefix(ref, "#")
	for _, ch := range s.channels {
		if name != "" && ch.name == name {
			return ch
		}
	}
	return nil
}

func (s *Server) chatPostMessage(p url.Values) (map[string]any, *apiError) {
	ch := s.channelByRef(p.Get("channel"))
	if ch == nil {
		return nil, fail(ErrCodeChannelNotFound)
	}
	c, err := readContent(p)
	if err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, fail(ErrCodeNoText)
	}
	r := &record{user: BotUserID, via: "chat.postMessage",
		versions: []Version{c.version(s.now(), "chat.postMessage")}}
	s.addLocked(ch, r, p.Get("thread_ts"))
	return map[string]any{"channel": ch.id, "ts": r.ts, "message": s.wireLocked(r)}, nil
}

func (s *Server) chatUpdate(p url.Values) (map[string]any, *apiError) {
	ch := s.channels[p.Get("channel")]
	if ch == nil {
		return nil, fail(ErrCodeChannelNotFound)
	}
	r := ch.live(p.Get("ts"))
	if r == nil {
		return nil, fail(ErrCodeMessageNotFound)
	}
	if r.human {
		return nil, fail(ErrCodeCantUpdateMessage)
	}
	c, err := readContent(p)
	if err != nil {
		return nil, err
	}
	cur := r.current()
	v := c.version(s.now(), "chat.update")
	if !c.hasBlocks && s.keepBlocks {
		v.RawBlocks = cur.RawBlocks
	}
	if !c.hasAttachments {
		// Slack keeps attachments an update does not mention; an empty
		// array removes them.
		v.RawAttachments = cur.RawAttachments
	}
	if v.Text == "" && len(v.RawBlocks) == 0 && len(v.RawAttachments) == 0 {
		return nil, fail(ErrCodeNoText)
	}
	r.versions = append(r.versions, v)
	return map[string]any{"channel": ch.id, "ts": r.ts, "text": v.Text, "message": s.wireLocked(r)}, nil
}

func (s *Server) chatPostEphemeral(p url.Values) (map[string]any, *apiError) {
	ch := s.channelByRef(p.Get("channel"))
	if ch == nil {
		return nil, fail(ErrCodeChannelNotFound)
	}
	user := p.Get("user")
	if user == "" {
		return nil, fail(ErrCodeUserNotFound)
	}
	c, err := readContent(p)
	if err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, fail(ErrCodeNoText)
	}
	r := &record{user: BotUserID, recipient: user, via: "chat.postEphemeral",
		versions: []Version{c.version(s.now(), "chat.postEphemeral")}}
	s.addEphemeralLocked(ch, r, p.Get("thread_ts"))
	return map[string]any{"message_ts": r.ts}, nil
}

func (s *Server) chatDelete(p url.Values) (map[string]any, *apiError) {
	ch := s.channels[p.Get("channel")]
	if ch == nil {
		return nil, fail(ErrCodeChannelNotFound)
	}
	r := ch.live(p.Get("ts"))
	if r == nil {
		return nil, fail(ErrCodeMessageNotFound)
	}
	if r.human {
		return nil, fail(ErrCodeCantDeleteMessage)
	}
	r.deleted = true
	return map[string]any{"channel": ch.id, "ts": r.ts}, nil
}

func (s *Server) authTest(url.Values) (map[string]any, *apiError) {
	return map[string]any{
		"url":                   "https://" + TeamDomain + ".slack.com/",
		"team":                  "Resyncbot Fake",
		"user":                  BotName,
		"team_id":               TeamID,
		"user_id":               BotUserID,
		"bot_id":                BotID,
		"is_enterprise_install": false,
	}, nil
}

func (s *Server) conversationsInfo(p url.Values) (map[string]any, *apiError) {
	ch := s.channels[p.Get("channel")]
	if ch == nil {
		return nil, fail(ErrCodeChannelNotFound)
	}
	return map[string]any{"channel": map[string]any{
		"id":              ch.id,
		"name":            ch.name,
		"name_normalized": ch.name,
		"created":         ch.created.Unix(),
		"is_channel":      true,
		"is_group":        false,
		"is_im":           false,
		"is_private":      false,
		"is_archived":     false,
		"is_general":      ch.id == DefaultChannelID,
		"is_member":       true,
	}}, nil
}

// wireLocked renders a message as Slack sends it.
func (s *Server) wireLocked(r *record) wireMessage {
	cur := r.current()
	w := wireMessage{
		Type:        "message",
		Text:        cur.Text,
		User:        r.user,
		Team:        TeamID,
		TS:          r.ts,
		ThreadTS:    r.threadTS,
		Blocks:      cur.RawBlocks,
		Attachments: cur.RawAttachments,
	}
	if !r.human {
		w.BotID, w.AppID = BotID, AppID
		w.BotProfile = &botProfile{ID: BotID, AppID: AppID, Name: BotName, TeamID: TeamID}
	}
	if r.threadTS != "" {
		if parent := s.findLocked(r.channel, r.threadTS); parent != nil {
			w.ParentUser = parent.user
		}
	}
	if len(r.versions) > 1 {
		w.Edited = &slack.Edited{User: r.user, Timestamp: tsAt(cur.At)}
	}
	return w
}

// tsAt formats a time as a Slack ts.
func tsAt(t time.Time) string { return formatTS(t.UnixMicro()) }

// formatTS formats microseconds since the epoch as a Slack ts:
// "1700000000.000100" is seconds, a dot, and six digits of microseconds.
func formatTS(us int64) string { return fmt.Sprintf("%d.%06d", us/1e6, us%1e6) }
