package discordfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Discord's limits on a message, in characters.
const (
	maxContent       = 2000
	maxEmbeds        = 10
	maxTitle         = 256
	maxDescription   = 4096
	maxFields        = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxAuthor        = 256
	maxEmbedTotal    = 6000
	maxRows          = 5
	maxRowComponents = 5
	maxLabel         = 80
	maxCustomID      = 100
)

// body is the message fields of a request; a nil field was absent. A JSON
// null clears: content becomes "", embeds and components "[]".
type body struct {
	content    *string
	embeds     json.RawMessage
	components json.RawMessage
	flags      *int
	reference  *wireReference
}

type wireReference struct {
	MessageID       string `json:"message_id"`
	ChannelID       string `json:"channel_id"`
	FailIfNotExists *bool  `json:"fail_if_not_exists"`
}

// parseBody reads and checks the message fields of raw (a JSON object).
func parseBody(raw []byte) (body, *apiError) {
	var b body
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return b, badJSON()
	}
	var fe formErrors
	isNull := func(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }
	if v, ok := m["content"]; ok {
		s := ""
		if !isNull(v) && json.Unmarshal(v, &s) != nil {
			fe.add("content", "BASE_TYPE_STRING", "Must be a string.")
		}
		if utf8.RuneCountInString(s) > maxContent {
			fe.add("content", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxContent))
		}
		b.content = &s
	}
	if v, ok := m["embeds"]; ok {
		b.embeds = json.RawMessage("[]")
		if !isNull(v) {
			checkEmbeds(v, &fe)
			b.embeds = compact(v)
		}
	}
	if v, ok := m["components"]; ok {
		b.components = json.RawMessage("[]")
		if !isNull(v) {
			checkComponents(v, &fe)
			b.components = compact(v)
		}
	}
	if v, ok := m["flags"]; ok && !isNull(v) {
		var f int
		if json.Unmarshal(v, &f) != nil {
			fe.add("flags", "NUMBER_TYPE_COERCE", "Value is not int.")
		}
		b.flags = &f
	}
	if v, ok := m["message_reference"]; ok && !isNull(v) {
		var ref wireReference
		if json.Unmarshal(v, &ref) != nil || ref.MessageID == "" {
			fe.add("message_reference", "MODEL_TYPE_CONVERT", "Invalid message reference.")
		}
		b.reference = &ref
	}
	return b, fe.err()
}

// empty reports whether a new message from b would show nothing.
func (b body) empty() bool {
	return (b.content == nil || strings.TrimSpace(*b.content) == "") &&
		isEmptyArray(b.embeds) && isEmptyArray(b.components)
}

func isEmptyArray(raw json.RawMessage) bool {
	var a []json.RawMessage
	return len(raw) == 0 || json.Unmarshal(raw, &a) != nil || len(a) == 0
}

func compact(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return clone(raw)
	}
	return buf.Bytes()
}

type wireEmbed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Color       *int64 `json:"color"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
	Fields []struct {
		Name   string `json:"name"`
		Value  string `json:"value"`
		Inline bool   `json:"inline"`
	} `json:"fields"`
}

func checkEmbeds(raw json.RawMessage, fe *formErrors) {
	var es []wireEmbed
	if err := json.Unmarshal(raw, &es); err != nil {
		fe.add("embeds", "BASE_TYPE_ARRAY", "Must be an array of embeds.")
		return
	}
	if len(es) > maxEmbeds {
		fe.add("embeds", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds))
	}
	total := 0
	for i, e := range es {
		p := "embeds." + strconv.Itoa(i)
		maxLen(fe, p+".title", e.Title, maxTitle)
		maxLen(fe, p+".description", e.Description, maxDescription)
		total += n(e.Title) + n(e.Description)
		if e.Color != nil && (*e.Color < 0 || *e.Color > 0xFFFFFF) {
			fe.add(p+".color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		}
		if e.Footer != nil {
			required(fe, p+".footer.text", e.Footer.Text)
			maxLen(fe, p+".footer.text", e.Footer.Text, maxFooter)
			total += n(e.Footer.Text)
		}
		if e.Author != nil {
			required(fe, p+".author.name", e.Author.Name)
			maxLen(fe, p+".author.name", e.Author.Name, maxAuthor)
			total += n(e.Author.Name)
		}
		if len(e.Fields) > maxFields {
			fe.add(p+".fields", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxFields))
		}
		for j, f := range e.Fields {
			fp := p + ".fields." + strconv.Itoa(j)
			required(fe, fp+".name", f.Name)
			maxLen(fe, fp+".name", f.Name, maxFieldName)
			required(fe, fp+".value", f.Value)
			maxLen(fe, fp+".value", f.Value, maxFieldValue)
			total += n(f.Name) + n(f.Value)
		}
	}
	if total > maxEmbedTotal {
		fe.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal))
	}
}

type wireComponent struct {
	Type       int             `json:"type"`
	Style      int             `json:"style"`
	Label      string          `json:"label"`
	CustomID   string          `json:"custom_id"`
	URL        string          `json:"url"`
	Emoji      json.RawMessage `json:"emoji"`
	Components []wireComponent `json:"components"`
}

func checkComponents(raw json.RawMessage, fe *formErrors) {
	var rows []wireComponent
	if err := json.Unmarshal(raw, &rows); err != nil {
		fe.add("components", "BASE_TYPE_ARRAY", "Must be an array of components.")
		return
	}
	if len(rows) > maxRows {
		fe.add("components", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxRows))
	}
	seen := map[string]bool{}
	for i, row := range rows {
		p := "components." + strconv.Itoa(i)
		if row.Type != 1 {
			fe.add(p+".type", "UNION_TYPE_CHOICES", "Top-level components must be action rows (type 1) in this fake.")
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > maxRowComponents {
			fe.add(p+".components", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxRowComponents))
		}
		for j, c := range row.Components {
			cp := p + ".components." + strconv.Itoa(j)
			if c.Type != 2 {
				fe.add(cp+".type", "UNION_TYPE_CHOICES", "Only buttons (type 2) are supported by this fake.")
				continue
			}
			checkButton(fe, cp, c, seen)
		}
	}
}

func checkButton(fe *formErrors, p string, c wireComponent, seen map[string]bool) {
	switch {
	case c.Style < 1 || c.Style > 5:
		fe.add(p+".style", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5}.")
	case c.Style == 5:
		if c.URL == "" {
			fe.add(p+".url", "BASE_TYPE_REQUIRED", "This field is required")
		}
		if c.CustomID != "" {
			fe.add(p+".custom_id", "COMPONENT_LINK_WITH_CUSTOM_ID", "A link button cannot have a custom_id.")
		}
	default:
		required(fe, p+".custom_id", c.CustomID)
		maxLen(fe, p+".custom_id", c.CustomID, maxCustomID)
		if c.URL != "" {
			fe.add(p+".url", "COMPONENT_CUSTOM_ID_WITH_URL", "A button with a custom_id cannot have a url.")
		}
		if c.CustomID != "" && seen[c.CustomID] {
			fe.add(p+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
		}
		seen[c.CustomID] = true
	}
	if c.Label == "" && len(c.Emoji) == 0 {
		fe.add(p+".label", "BASE_TYPE_REQUIRED", "A button needs a label or an emoji.")
	}
	maxLen(fe, p+".label", c.Label, maxLabel)
}

func n(s string) int { return utf8.RuneCountInString(s) }

func maxLen(fe *formErrors, path, s string, limit int) {
	if n(s) > limit {
		fe.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", limit))
	}
}

func required(fe *formErrors, path, s string) {
	if strings.TrimSpace(s) == "" {
		fe.add(path, "BASE_TYPE_REQUIRED", "This field is required")
	}
}
