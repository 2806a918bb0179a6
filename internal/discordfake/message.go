package discordfake

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Message flags the fake knows.
const (
	FlagSuppressEmbeds = 1 << 2
	FlagEphemeral      = 1 << 6
	FlagLoading        = 1 << 7
)

// Message types the fake creates.
const (
	typeDefault   = 0
	typeReply     = 19
	typeChatInput = 20
)

// Message is a copy of one message as the fake holds it: its current content
// and every version it had. Changing it changes nothing on the server.
type Message struct {
	ID        string
	ChannelID string
	GuildID   string
	// AuthorID is the bot's user id for what the bot (or its interactions)
	// sent, the user's for messages added with PostAsUser.
	AuthorID string
	Content  string
	// Embeds is the current embeds parsed by discordgo; RawEmbeds and
	// RawComponents are the same as stored JSON arrays.
	Embeds        []*discordgo.MessageEmbed
	RawEmbeds     json.RawMessage
	RawComponents json.RawMessage
	Flags         int
	// Ephemeral messages are shown to Recipient only and are not in any
	// channel's list: see Ephemerals.
	Ephemeral bool
	Recipient string
	// Loading is true while a deferred answer still shows "thinking…".
	Loading bool
	Deleted bool
	// ReferenceID is the message this one replies to.
	ReferenceID string
	// InteractionID is the interaction this message answers;
	// InteractedMessageID the message whose button started it.
	InteractionID       string
	InteractedMessageID string
	// Edits counts the changes after the first version.
	Edits int
	// Versions holds every content the message had, the first first.
	Versions []Version
	// Via is how the message was created: "channel" (REST), "response"
	// (an interaction's answer), "followup" or "user" (PostAsUser).
	Via string
}

// Version is one content of a message and when it was set (by the server's
// clock).
type Version struct {
	Content       string
	RawEmbeds     json.RawMessage
	RawComponents json.RawMessage
	Flags         int
	At            time.Time
	// Via is what set it: "channel", "edit", "response", "update" (a type 7
	// answer), "followup", "followup.edit", "user".
	Via string
}

// Button is one button of a message.
type Button struct {
	CustomID string
	Label    string
	Style    int
	Disabled bool
	URL      string
}

// Buttons lists the message's buttons in order, row by row.
func (m Message) Buttons() []Button { return buttonsIn(m.RawComponents) }

// Button finds a button by custom_id.
func (m Message) Button(customID string) (Button, bool) {
	for _, b := range m.Buttons() {
		if b.CustomID == customID {
			return b, true
		}
	}
	return Button{}, false
}

// CustomIDs lists the custom_ids of the message's buttons in order.
func (m Message) CustomIDs() []string {
	var ids []string
	for _, b := range m.Buttons() {
		ids = append(ids, b.CustomID)
	}
	return ids
}

// Rows is the number of action rows.
func (m Message) Rows() int {
	var rows []json.RawMessage
	_ = json.Unmarshal(m.RawComponents, &rows)
	return len(rows)
}

// Embed is the first embed, or nil.
func (m Message) Embed() *discordgo.MessageEmbed {
	if len(m.Embeds) == 0 {
		return nil
	}
	return m.Embeds[0]
}

// Text is everything the message shows as text: content, then each embed's
// author, title, description, fields and footer, and the button labels, one
// per line.
func (m Message) Text() string {
	parts := []string{m.Content}
	for _, e := range m.Embeds {
		if e.Author != nil {
			parts = append(parts, e.Author.Name)
		}
		parts = append(parts, e.Title, e.Description)
		for _, f := range e.Fields {
			parts = append(parts, f.Name, f.Value)
		}
		if e.Footer != nil {
			parts = append(parts, e.Footer.Text)
		}
	}
	for _, b := range m.Buttons() {
		parts = append(parts, b.Label)
	}
	return strings.Join(parts, "\n")
}

// Contains reports whether s appears in Text.
func (m Message) Contains(s string) bool { return strings.Contains(m.Text(), s) }

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
	id        string
	channel   string
	guild     string
	author    wireUser
	human     bool
	ephemeral bool
	recipient string
	deleted   bool
	loading   bool
	msgType   int
	webhookID string
	reference string
	meta      *interactionMeta
	via       string
	versions  []Version
}

// interactionMeta is the interaction_metadata of a message an interaction
// created.
type interactionMeta struct {
	ID                  string
	Type                int
	User                wireUser
	InteractedMessageID string
	OriginalResponseID  string
}

func (r *record) current() Version { return r.versions[len(r.versions)-1] }

func (r *record) snapshot() Message {
	cur := r.current()
	m := Message{
		ID:            r.id,
		ChannelID:     r.channel,
		GuildID:       r.guild,
		AuthorID:      r.author.ID,
		Content:       cur.Content,
		Embeds:        decodeEmbeds(cur.RawEmbeds),
		RawEmbeds:     clone(cur.RawEmbeds),
		RawComponents: clone(cur.RawComponents),
		Flags:         cur.Flags,
		Ephemeral:     r.ephemeral,
		Recipient:     r.recipient,
		Loading:       r.loading,
		Deleted:       r.deleted,
		ReferenceID:   r.reference,
		Edits:         len(r.versions) - 1,
		Versions:      make([]Version, len(r.versions)),
		Via:           r.via,
	}
	if r.meta != nil {
		m.InteractionID = r.meta.ID
		m.InteractedMessageID = r.meta.InteractedMessageID
	}
	for i, v := range r.versions {
		v.RawEmbeds, v.RawComponents = clone(v.RawEmbeds), clone(v.RawComponents)
		m.Versions[i] = v
	}
	return m
}

// wire is the message object as Discord returns it and sends it in a
// click's payload.
func (r *record) wire() map[string]any {
	cur := r.current()
	var edited any
	if len(r.versions) > 1 {
		edited = cur.At.UTC().Format(time.RFC3339Nano)
	}
	m := map[string]any{
		"id":               r.id,
		"channel_id":       r.channel,
		"author":           r.author,
		"content":          cur.Content,
		"timestamp":        r.versions[0].At.UTC().Format(time.RFC3339Nano),
		"edited_timestamp": edited,
		"tts":              false,
		"mention_everyone": false,
		"mentions":         []any{},
		"mention_roles":    []any{},
		"attachments":      []any{},
		"embeds":           json.RawMessage(orEmpty(cur.RawEmbeds)),
		"components":       json.RawMessage(orEmpty(cur.RawComponents)),
		"pinned":           false,
		"type":             r.msgType,
		"flags":            cur.Flags,
	}
	if r.guild != "" && !r.ephemeral {
		m["guild_id"] = r.guild
	}
	if r.webhookID != "" {
		m["webhook_id"] = r.webhookID
		m["application_id"] = r.webhookID
	}
	if r.reference != "" {
		m["message_reference"] = map[string]any{"type": 0, "message_id": r.reference, "channel_id": r.channel, "guild_id": r.guild}
	}
	if md := r.meta; md != nil {
		meta := map[string]any{
			"id": md.ID, "type": md.Type, "user": md.User,
			"authorizing_integration_owners": map[string]string{"0": r.guild},
		}
		if md.InteractedMessageID != "" {
			meta["interacted_message_id"] = md.InteractedMessageID
		}
		if md.OriginalResponseID != "" {
			meta["original_response_message_id"] = md.OriginalResponseID
		}
		m["interaction_metadata"] = meta
	}
	return m
}

// wireUser is a user object as Discord sends it.
type wireUser struct {
	ID            string  `json:"id"`
	Username      string  `json:"username"`
	GlobalName    *string `json:"global_name"`
	Discriminator string  `json:"discriminator"`
	Avatar        *string `json:"avatar"`
	Bot           bool    `json:"bot,omitempty"`
	PublicFlags   int     `json:"public_flags"`
}

func botUser() wireUser {
	return wireUser{ID: BotUserID, Username: BotName, Discriminator: "0", Bot: true}
}

func humanUser(id, name string) wireUser {
	gn := name
	return wireUser{ID: id, Username: strings.ToLower(name), GlobalName: &gn, Discriminator: "0"}
}

func decodeEmbeds(raw json.RawMessage) []*discordgo.MessageEmbed {
	var es []*discordgo.MessageEmbed
	_ = json.Unmarshal(raw, &es)
	return es
}

func buttonsIn(raw json.RawMessage) []Button {
	var rows []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			CustomID string `json:"custom_id"`
			Label    string `json:"label"`
			Style    int    `json:"style"`
			Disabled bool   `json:"disabled"`
			URL      string `json:"url"`
		} `json:"components"`
	}
	_ = json.Unmarshal(raw, &rows)
	var out []Button
	for _, row := range rows {
		for _, c := range row.Components {
			if c.Type == 2 {
				out = append(out, Button{CustomID: c.CustomID, Label: c.Label, Style: c.Style, Disabled: c.Disabled, URL: c.URL})
			}
		}
	}
	return out
}

func clone(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

func orEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("[]")
	}
	return b
}
