package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Click is one press of a button in a message. Empty fields get defaults as in
// Slash. With a Server attached, the Driver looks the message up: BlockID,
// Value, Text and Style come from the button, Ephemeral and ThreadTS from the
// message, Message from its current content (Slack sends no message for an
// ephemeral one), and ResponseURL is minted for the message and the user.
type Click struct {
	ActionID string
	BlockID  string
	Value    string
	// Text and Style describe the button; the Driver sends them in the
	// action as Slack does.
	Text  string
	Style string

	UserID      string
	UserName    string
	TeamID      string
	TeamDomain  string
	ChannelID   string
	ChannelName string
	MessageTS   string
	ThreadTS    string
	Ephemeral   bool
	ResponseURL string
	TriggerID   string
	APIAppID    string
	// Message is the message object to send as is; left nil, it comes from
	// the attached Server.
	Message json.RawMessage
}

type clickPayload struct {
	Type                string          `json:"type"`
	User                clickUser       `json:"user"`
	APIAppID            string          `json:"api_app_id"`
	Token               string          `json:"token"`
	Container           clickContainer  `json:"container"`
	TriggerID           string          `json:"trigger_id"`
	Team                clickTeam       `json:"team"`
	Enterprise          *struct{}       `json:"enterprise"`
	IsEnterpriseInstall bool            `json:"is_enterprise_install"`
	Channel             clickChannel    `json:"channel"`
	Message             json.RawMessage `json:"message,omitempty"`
	State               clickState      `json:"state"`
	ResponseURL         string          `json:"response_url"`
	Actions             []clickAction   `json:"actions"`
}

type clickUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	TeamID   string `json:"team_id"`
}

type clickContainer struct {
	Type        string `json:"type"`
	MessageTS   string `json:"message_ts"`
	ChannelID   string `json:"channel_id"`
	IsEphemeral bool   `json:"is_ephemeral"`
	ThreadTS    string `json:"thread_ts,omitempty"`
}

type clickTeam struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
}

type clickChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type clickState struct {
	Values map[string]any `json:"values"`
}

type clickAction struct {
	ActionID string     `json:"action_id"`
	BlockID  string     `json:"block_id"`
	Text     *plainText `json:"text,omitempty"`
	Value    string     `json:"value,omitempty"`
	Style    string     `json:"style,omitempty"`
	Type     string     `json:"type"`
	ActionTS string     `json:"action_ts"`
}

type plainText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji"`
}

// Click posts c to url as Slack posts a block_actions interaction: a form
// whose "payload" field holds the JSON slack.InteractionCallbackParse reads,
// signed. With a Server attached it fails with ErrNoMessage or ErrNoButton,
// sending nothing, when no user could have made that click.
func (d *Driver) Click(ctx context.Context, url string, c Click, opts ...SendOption) (*http.Response, []byte, error) {
	payload, err := d.ClickPayload(c)
	if err != nil {
		return nil, nil, err
	}
	var f form
	f.add("payload", string(payload))
	return d.Send(ctx, url, "application/x-www-form-urlencoded", []byte(f.String()), opts...)
}

// ClickPayload is the JSON Click sends in the payload field for c.
func (d *Driver) ClickPayload(c Click) ([]byte, error) {
	c, err := d.clickDefaults(c)
	if err != nil {
		return nil, err
	}
	p := clickPayload{
		Type:     "block_actions",
		User:     clickUser{ID: c.UserID, Username: c.UserName, Name: c.UserName, TeamID: c.TeamID},
		APIAppID: c.APIAppID,
		Token:    d.verifyTok,
		Container: clickContainer{Type: "message", MessageTS: c.MessageTS, ChannelID: c.ChannelID,
			IsEphemeral: c.Ephemeral, ThreadTS: c.ThreadTS},
		TriggerID:   c.TriggerID,
		Team:        clickTeam{ID: c.TeamID, Domain: c.TeamDomain},
		Channel:     clickChannel{ID: c.ChannelID, Name: c.ChannelName},
		Message:     c.Message,
		State:       clickState{Values: map[string]any{}},
		ResponseURL: c.ResponseURL,
		Actions: []clickAction{{
			ActionID: c.ActionID,
			BlockID:  c.BlockID,
			Value:    c.Value,
			Style:    c.Style,
			Type:     "button",
			ActionTS: tsAt(d.now()),
		}},
	}
	if c.Text != "" {
		p.Actions[0].Text = &plainText{Type: "plain_text", Text: c.Text, Emoji: true}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("slackfake: click payload: %w", err)
	}
	return b, nil
}

func (d *Driver) clickDefaults(c Click) (Click, error) {
	def := func(v *string, dflt string) {
		if *v == "" {
			*v = dflt
		}
	}
	if c.UserID == "" {
		c.UserID = DefaultUserID
		def(&c.UserName, DefaultUserName)
	}
	def(&c.UserName, strings.ToLower(c.UserID))
	def(&c.ChannelID, DefaultChannelID)
	def(&c.TeamID, TeamID)
	def(&c.TeamDomain, TeamDomain)
	def(&c.APIAppID, AppID)
	def(&c.TriggerID, d.triggerID())
	if d.srv != nil && c.MessageTS != "" {
		raw, m, ok := d.srv.clickTarget(c.ChannelID, c.MessageTS)
		if !ok {
			return c, fmt.Errorf("click %q on %s/%s: %w", c.ActionID, c.ChannelID, c.MessageTS, ErrNoMessage)
		}
		btn, ok := findButton(m.Buttons(), c.ActionID, c.BlockID)
		if !ok {
			return c, fmt.Errorf("click %q on %s/%s: %w", c.ActionID, c.ChannelID, c.MessageTS, ErrNoButton)
		}
		def(&c.BlockID, btn.BlockID)
		def(&c.Value, btn.Value)
		def(&c.Text, btn.Text)
		def(&c.Style, btn.Style)
		def(&c.ThreadTS, m.ThreadTS)
		c.Ephemeral = c.Ephemeral || m.Ephemeral
		if c.Message == nil && !m.Ephemeral {
			c.Message = raw
		}
		def(&c.ResponseURL, d.srv.UserResponseURL(c.ChannelID, c.MessageTS, c.UserID))
	}
	if d.srv != nil {
		def(&c.ChannelName, d.srv.channelName(c.ChannelID))
	}
	// Slack gives every block a block_id, inventing one when the app sent none.
	def(&c.BlockID, "auto")
	return c, nil
}

func findButton(bs []Button, actionID, blockID string) (Button, bool) {
	for _, b := range bs {
		if b.ActionID == actionID && (blockID == "" || b.BlockID == blockID) {
			return b, true
		}
	}
	return Button{}, false
}

// clickTarget finds a live message a user could click on and renders it as
// Slack would put it in the payload.
func (s *Server) clickTarget(channelID, ts string) (json.RawMessage, Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.findLocked(channelID, ts)
	if r == nil || r.deleted {
		return nil, Message{}, false
	}
	raw, err := json.Marshal(s.wireLocked(r))
	if err != nil {
		return nil, Message{}, false
	}
	return raw, r.snapshot(), true
}
