package slackfake

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Defaults for the person a Driver acts for.
const (
	// DefaultUserID is the user who types commands and clicks buttons when a
	// Slash or Click names none.
	DefaultUserID = "U0ALICE"
	// DefaultUserName is that user's name.
	DefaultUserName = "alice"
	// DefaultCommand is the slash command sent when a Slash names none.
	DefaultCommand = "/resync"
)

// Slash is one slash command invocation. Empty fields get defaults: the
// DefaultCommand, DefaultUserID and DefaultUserName, DefaultChannelID, the
// fake team and app, a fresh trigger_id, and — with a Server attached — a
// response_url minted there and the channel's name.
type Slash struct {
	Command        string
	Text           string
	UserID         string
	UserName       string
	ChannelID      string
	ChannelName    string
	TeamID         string
	TeamDomain     string
	EnterpriseID   string
	EnterpriseName string
	APIAppID       string
	ResponseURL    string
	TriggerID      string
}

// SlashCommand posts c to url as Slack posts a slash command: an
// application/x-www-form-urlencoded body with every field
// slack.SlashCommandParse reads, signed.
func (d *Driver) SlashCommand(ctx context.Context, url string, c Slash, opts ...SendOption) (*http.Response, []byte, error) {
	return d.Send(ctx, url, "application/x-www-form-urlencoded", []byte(d.SlashForm(c)), opts...)
}

// SlashForm is the form body SlashCommand sends for c, defaults applied and
// fields in the order Slack sends them.
func (d *Driver) SlashForm(c Slash) string {
	c = d.slashDefaults(c)
	var f form
	f.add("token", d.verifyTok)
	f.add("team_id", c.TeamID)
	f.add("team_domain", c.TeamDomain)
	if c.EnterpriseID != "" {
		f.add("enterprise_id", c.EnterpriseID)
		f.add("enterprise_name", c.EnterpriseName)
	}
	f.add("channel_id", c.ChannelID)
	f.add("channel_name", c.ChannelName)
	f.add("user_id", c.UserID)
	f.add("user_name", c.UserName)
	f.add("command", c.Command)
	f.add("text", c.Text)
	f.add("api_app_id", c.APIAppID)
	f.add("is_enterprise_install", "false")
	f.add("response_url", c.ResponseURL)
	f.add("trigger_id", c.TriggerID)
	return f.String()
}

func (d *Driver) slashDefaults(c Slash) Slash {
	def := func(v *string, dflt string) {
		if *v == "" {
			*v = dflt
		}
	}
	def(&c.Command, DefaultCommand)
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
	if d.srv != nil {
		def(&c.ChannelName, d.srv.channelName(c.ChannelID))
		def(&c.ResponseURL, d.srv.UserResponseURL(c.ChannelID, "", c.UserID))
	}
	return c
}

// form builds a urlencoded body keeping the order fields were added in
// (url.Values.Encode sorts them).
type form struct{ b strings.Builder }

func (f *form) add(k, v string) {
	if f.b.Len() > 0 {
		f.b.WriteByte('&')
	}
	f.b.WriteString(url.QueryEscape(k))
	f.b.WriteByte('=')
	f.b.WriteString(url.QueryEscape(v))
}

func (f *form) String() string { return f.b.String() }

// channelName is a channel's name, or "" if the server has no such channel.
func (s *Server) channelName(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.channels[id]; ch != nil {
		return ch.name
	}
	return ""
}
