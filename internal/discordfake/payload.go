package discordfake

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Defaults for the person a Driver acts for.
const (
	// DefaultUserID is the user who types commands and clicks buttons when a
	// Slash or Click names none.
	DefaultUserID = "1500000000000000001"
	// DefaultUserName is that user's name.
	DefaultUserName = "alice"
)

// permissions is what a member's and the app's permission bits look like.
const permissions = "2248473465835073"

// Slash is one use of a slash command. Empty fields get defaults: the
// DefaultUserID and DefaultUserName, DefaultChannelID and DefaultGuildID.
type Slash struct {
	// Command is the command's name, without the slash ("resync").
	Command string
	// Subcommand names the subcommand, for commands that have them.
	Subcommand string
	// Options maps option names to values: string, bool, int or float64.
	// They are sent in the order the command defines them.
	Options map[string]any

	UserID   string
	UserName string
	// Nick is the member's nickname in the guild, if any.
	Nick string
	// Roles are the role ids the member holds.
	Roles     []string
	ChannelID string
	GuildID   string
}

// Click is one press of a button. MessageID and CustomID are required; the
// channel defaults to the message's, the rest as in Slash.
type Click struct {
	MessageID string
	CustomID  string

	UserID    string
	UserName  string
	Nick      string
	Roles     []string
	ChannelID string
	GuildID   string
}

// Result is what became of one interaction the Driver sent.
type Result struct {
	// ID and Token identify the interaction (see Server.Interaction).
	ID    string
	Token string
	// Status, Header and Body are the endpoint's HTTP answer.
	Status int
	Header http.Header
	Body   []byte
	// Answer is Body decoded, when it was 200 and JSON.
	Answer *Answer
	// Elapsed is how long the endpoint took to answer.
	Elapsed time.Duration
	// Applied is true when Discord would have accepted the answer (valid,
	// within 3 seconds, the first one); ApplyError says why not, when a 200
	// answer was refused.
	Applied    bool
	ApplyError string
}

// Answer is an interaction's answer ("interaction response").
type Answer struct {
	Type int         `json:"type"`
	Data *AnswerData `json:"data"`
}

// AnswerData is the message part of an answer.
type AnswerData struct {
	Content    string                    `json:"content"`
	Flags      int                       `json:"flags"`
	Embeds     []*discordgo.MessageEmbed `json:"embeds"`
	Components json.RawMessage           `json:"components"`
}

// Buttons lists the answer's buttons in order.
func (a *AnswerData) Buttons() []Button { return buttonsIn(a.Components) }

// Ping sends a PING, as Discord does when the endpoint URL is saved.
func (d *Driver) Ping(ctx context.Context, url string, opts ...SendOption) (*Result, error) {
	d.srv.mu.Lock()
	it := &interaction{id: d.srv.snowflakeLocked(), token: newToken(), appID: d.srv.appID, typ: InteractionPing,
		channel: &channel{}, created: d.srv.now(), sent: time.Now()}
	d.srv.registerLocked(it)
	d.srv.mu.Unlock()
	payload := map[string]any{
		"id": it.id, "application_id": it.appID, "type": InteractionPing, "token": it.token, "version": 1,
		"user": humanUser("0", "discord"),
	}
	return d.send(ctx, url, it, payload, opts)
}

// Slash sends a slash command as Discord does: checked against the commands
// registered on the Server (ErrUnknownCommand, ErrBadOptions if no Discord
// client could have sent it), with the member, the channel and a fresh
// token, signed.
func (d *Driver) Slash(ctx context.Context, url string, c Slash, opts ...SendOption) (*Result, error) {
	c.ChannelID = cmp.Or(c.ChannelID, DefaultChannelID)
	c.GuildID = cmp.Or(c.GuildID, DefaultGuildID)
	d.srv.mu.Lock()
	ch := d.srv.channels[c.ChannelID]
	cmd := d.srv.lookupCommandLocked(c.GuildID, c.Command)
	if ch == nil || cmd == nil {
		d.srv.mu.Unlock()
		if cmd == nil {
			return nil, fmt.Errorf("%w: /%s in guild %s", ErrUnknownCommand, c.Command, c.GuildID)
		}
		return nil, fmt.Errorf("discordfake: no channel %s", c.ChannelID)
	}
	options, err := commandOptions(cmd, c.Subcommand, c.Options)
	if err != nil {
		d.srv.mu.Unlock()
		return nil, err
	}
	user := member(c.UserID, c.UserName)
	it := &interaction{id: d.srv.snowflakeLocked(), token: newToken(), appID: d.srv.appID, typ: InteractionCommand,
		channel: ch, user: user, created: d.srv.now(), sent: time.Now()}
	d.srv.registerLocked(it)
	d.srv.mu.Unlock()

	payload := d.base(it, c.GuildID, c.Nick, c.Roles)
	payload["data"] = map[string]any{
		"id": cmd.ID, "name": cmd.Name, "type": 1, "guild_id": c.GuildID, "options": options,
	}
	return d.send(ctx, url, it, payload, opts)
}

// Click sends a button press as Discord does: with the whole message the
// button is on. It fails with ErrNoMessage or ErrNoButton, sending nothing,
// when no user could have made that click (the message is gone or shown to
// someone else, the button is missing or disabled).
func (d *Driver) Click(ctx context.Context, url string, c Click, opts ...SendOption) (*Result, error) {
	c.UserID = cmp.Or(c.UserID, DefaultUserID)
	c.GuildID = cmp.Or(c.GuildID, DefaultGuildID)
	d.srv.mu.Lock()
	rec := d.srv.byID[c.MessageID]
	if rec == nil || rec.deleted || rec.ephemeral && rec.recipient != c.UserID || c.ChannelID != "" && c.ChannelID != rec.channel {
		d.srv.mu.Unlock()
		return nil, fmt.Errorf("%w: %s for user %s", ErrNoMessage, c.MessageID, c.UserID)
	}
	i := slices.IndexFunc(buttonsIn(rec.current().RawComponents), func(b Button) bool {
		return b.CustomID == c.CustomID && !b.Disabled && b.Style != 5
	})
	if c.CustomID == "" || i < 0 {
		d.srv.mu.Unlock()
		return nil, fmt.Errorf("%w: %q on message %s", ErrNoButton, c.CustomID, c.MessageID)
	}
	ch := d.srv.channels[rec.channel]
	user := member(c.UserID, c.UserName)
	it := &interaction{id: d.srv.snowflakeLocked(), token: newToken(), appID: d.srv.appID, typ: InteractionComponent,
		channel: ch, user: user, created: d.srv.now(), sent: time.Now(), clicked: rec}
	d.srv.registerLocked(it)
	message := rec.wire()
	d.srv.mu.Unlock()

	payload := d.base(it, c.GuildID, c.Nick, c.Roles)
	payload["message"] = message
	payload["data"] = map[string]any{"custom_id": c.CustomID, "component_type": 2}
	return d.send(ctx, url, it, payload, opts)
}

// base is the part of an interaction payload every guild interaction has.
func (d *Driver) base(it *interaction, guild, nick string, roles []string) map[string]any {
	var nickname any
	if nick != "" {
		nickname = nick
	}
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{
		"id":                             it.id,
		"application_id":                 it.appID,
		"type":                           it.typ,
		"token":                          it.token,
		"version":                        1,
		"guild_id":                       guild,
		"guild":                          map[string]any{"id": guild, "locale": "en-US", "features": []string{}},
		"guild_locale":                   "en-US",
		"locale":                         "en-GB",
		"channel_id":                     it.channel.id,
		"channel":                        map[string]any{"id": it.channel.id, "type": 0, "guild_id": guild, "name": it.channel.name, "flags": 0, "permissions": permissions},
		"app_permissions":                permissions,
		"authorizing_integration_owners": map[string]string{"0": guild},
		"context":                        0,
		"entitlements":                   []any{},
		"entitlement_sku_ids":            []any{},
		"member": map[string]any{
			"user":                         it.user,
			"roles":                        roles,
			"nick":                         nickname,
			"avatar":                       nil,
			"joined_at":                    "2024-01-15T09:30:00.000000+00:00",
			"premium_since":                nil,
			"deaf":                         false,
			"mute":                         false,
			"flags":                        0,
			"pending":                      false,
			"permissions":                  permissions,
			"communication_disabled_until": nil,
		},
	}
}

// member is the user acting: DefaultUserID (alice) unless named; a user
// named by id only is called after the id's last digits.
func member(id, name string) wireUser {
	id = cmp.Or(id, DefaultUserID)
	if name == "" && id == DefaultUserID {
		name = DefaultUserName
	}
	return humanUser(id, cmp.Or(name, "user"+id[max(len(id)-4, 0):]))
}

// send signs and posts payload, then applies the answer to the server as
// Discord would: only a 200 with a valid answer within 3 seconds counts.
func (d *Driver) send(ctx context.Context, url string, it *interaction, payload map[string]any, opts []SendOption) (*Result, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("discordfake: encode interaction: %w", err)
	}
	start := time.Now()
	resp, respBody, err := d.Send(ctx, url, body, opts...)
	if err != nil {
		return nil, err
	}
	res := &Result{ID: it.id, Token: it.token, Status: resp.StatusCode, Header: resp.Header, Body: respBody, Elapsed: time.Since(start)}
	if resp.StatusCode != http.StatusOK {
		return res, nil
	}
	var a Answer
	if json.Unmarshal(respBody, &a) == nil {
		res.Answer = &a
	}
	d.srv.mu.Lock()
	defer d.srv.mu.Unlock()
	defer d.srv.notifyLocked()
	if res.Elapsed > answerWindow {
		it.failed = true
		res.ApplyError = fmt.Sprintf("answered after %s, past Discord's %s", res.Elapsed, answerWindow)
		return res, nil
	}
	if aerr := d.srv.answerLocked(it, respBody); aerr != nil {
		detail, _ := json.Marshal(aerr.errors)
		res.ApplyError = fmt.Sprintf("%d %s %s", aerr.code, aerr.message, detail)
		return res, nil
	}
	res.Applied = true
	return res, nil
}

// commandOptions builds data.options for cmd from values, in the order the
// command defines its options, checking what Discord's client checks.
func commandOptions(cmd *command, sub string, values map[string]any) ([]map[string]any, error) {
	defs := cmd.Options
	hasSubs := slices.ContainsFunc(defs, func(o *discordgo.ApplicationCommandOption) bool {
		return o != nil && (o.Type == discordgo.ApplicationCommandOptionSubCommand || o.Type == discordgo.ApplicationCommandOptionSubCommandGroup)
	})
	switch {
	case hasSubs && sub == "":
		return nil, fmt.Errorf("%w: /%s needs a subcommand", ErrBadOptions, cmd.Name)
	case !hasSubs && sub != "":
		return nil, fmt.Errorf("%w: /%s has no subcommand %q", ErrBadOptions, cmd.Name, sub)
	case hasSubs:
		i := slices.IndexFunc(defs, func(o *discordgo.ApplicationCommandOption) bool {
			return o != nil && o.Name == sub && o.Type == discordgo.ApplicationCommandOptionSubCommand
		})
		if i < 0 {
			return nil, fmt.Errorf("%w: /%s has no subcommand %q", ErrBadOptions, cmd.Name, sub)
		}
		inner, err := leafOptions(cmd.Name+" "+sub, defs[i].Options, values)
		if err != nil {
			return nil, err
		}
		return []map[string]any{{"name": sub, "type": 1, "options": inner}}, nil
	}
	return leafOptions(cmd.Name, defs, values)
}

func leafOptions(name string, defs []*discordgo.ApplicationCommandOption, values map[string]any) ([]map[string]any, error) {
	out := []map[string]any{}
	used := 0
	for _, def := range defs {
		if def == nil {
			continue
		}
		v, ok := values[def.Name]
		if !ok {
			if def.Required {
				return nil, fmt.Errorf("%w: /%s needs %s", ErrBadOptions, name, def.Name)
			}
			continue
		}
		used++
		val, err := optionValue(def, v)
		if err != nil {
			return nil, fmt.Errorf("%w: /%s %s: %v", ErrBadOptions, name, def.Name, err)
		}
		out = append(out, map[string]any{"name": def.Name, "type": def.Type, "value": val})
	}
	if used != len(values) {
		return nil, fmt.Errorf("%w: /%s has options %v, not all of %v", ErrBadOptions, name, optionNames(defs), keys(values))
	}
	return out, nil
}

// optionValue checks v against the option's type, choices and length.
func optionValue(def *discordgo.ApplicationCommandOption, v any) (any, error) {
	var val any
	switch def.Type {
	case discordgo.ApplicationCommandOptionString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %T", v)
		}
		if def.MaxLength > 0 && n(s) > def.MaxLength {
			return nil, fmt.Errorf("longer than %d", def.MaxLength)
		}
		if s == "" {
			return nil, fmt.Errorf("empty")
		}
		val = s
	case discordgo.ApplicationCommandOptionBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want a bool, got %T", v)
		}
		val = b
	case discordgo.ApplicationCommandOptionInteger, discordgo.ApplicationCommandOptionNumber:
		f, ok := number(v)
		if !ok || def.Type == discordgo.ApplicationCommandOptionInteger && f != math.Trunc(f) {
			return nil, fmt.Errorf("want a number, got %v", v)
		}
		val = f
	default:
		return nil, fmt.Errorf("option type %d is not supported by the fake", def.Type)
	}
	if len(def.Choices) > 0 && !slices.ContainsFunc(def.Choices, func(c *discordgo.ApplicationCommandOptionChoice) bool {
		return c != nil && fmt.Sprint(c.Value) == fmt.Sprint(val)
	}) {
		return nil, fmt.Errorf("%v is not one of the choices", val)
	}
	return val, nil
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func optionNames(defs []*discordgo.ApplicationCommandOption) []string {
	var out []string
	for _, d := range defs {
		if d != nil {
			out = append(out, d.Name)
		}
	}
	return out
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
