package discord

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/chat"
)

// Discord's message limits, in characters. A message that breaks one is
// refused whole (50035 Invalid Form Body), so Render cuts to fit instead.
const (
	maxContent       = 2000
	maxTitle         = 256
	maxDescription   = 4096
	maxFields        = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxAuthor        = 256
	maxEmbedTotal    = 6000
	maxButtonsPerRow = 5
	maxRows          = 5
	maxLabel         = 80
	maxCustomID      = 100
	// maxInline is the longest field label or value shown inline (three to
	// a row); longer ones get a row of their own.
	maxInline = 40
)

// colourProduction is the embed colour of a production message whose
// environment has no usable colour configured.
const colourProduction = 0xD0021B

// Rendered is a chat.Message in Discord's terms, cut to Discord's limits.
type Rendered struct {
	// Content is the text above the embed: the PRODUCTION banner, or the
	// whole message when it is only text.
	Content string
	// Embeds holds at most one embed.
	Embeds []*discordgo.MessageEmbed
	// Components holds the buttons, in action rows of at most five.
	Components []discordgo.MessageComponent
	// Confirms maps the custom_id of every button that asks "are you
	// sure?" first to the question.
	Confirms map[string]chat.Confirm
}

// Render turns m into a Discord message. It is pure: the same message always
// gives the same result.
func Render(m chat.Message) Rendered {
	var r Rendered
	text := strings.TrimSpace(m.Text)
	plain := strings.TrimSpace(m.Title) == "" && len(m.Fields) == 0 && len(m.Bars) == 0 &&
		strings.TrimSpace(m.Footer) == "" && m.Style == (chat.Style{})
	switch {
	case plain && text != "" && utf8.RuneCountInString(bold(text)) <= maxContent:
		// A line of text (most ephemeral answers) reads best as text.
		r.Content = bold(text)
	default:
		if e := embed(m); e != nil {
			r.Embeds = []*discordgo.MessageEmbed{e}
		}
	}
	if m.Style.Production {
		r.Content = strings.TrimSpace(msgProductionBanner + "\n" + r.Content)
	}
	r.Components, r.Confirms = buttonRows(m.Buttons)
	if r.Content == "" && len(r.Embeds) == 0 {
		r.Content = msgFallback
	}
	return r
}

// embed builds the one embed of m, or nil if m has nothing to put in one.
func embed(m chat.Message) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: cut(strings.TrimSpace(m.Title), maxTitle),
		Color: colour(m.Style),
	}
	if a := envLabel(m.Style); a != "" {
		e.Author = &discordgo.MessageEmbedAuthor{Name: cut(a, maxAuthor)}
	}
	if f := strings.TrimSpace(m.Footer); f != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: cut(f, maxFooter)}
	}
	fixed := runes(e.Title) + runes(footerText(e)) + runes(authorName(e))
	room := maxEmbedTotal - fixed

	e.Fields = fields(m.Fields, room/2)
	for _, f := range e.Fields {
		room -= runes(f.Name) + runes(f.Value)
	}
	e.Description = description(m.Text, m.Bars, min(maxDescription, room))
	if e.Title == "" && e.Description == "" && len(e.Fields) == 0 && e.Footer == nil && e.Author == nil {
		return nil
	}
	return e
}

// fields lays out at most 25 fields whose names and values together stay
// within budget characters; short ones are inline, three to a row.
func fields(in []chat.Field, budget int) []*discordgo.MessageEmbedField {
	var out []*discordgo.MessageEmbedField
	for _, f := range in {
		label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
		if label == "" && value == "" {
			continue
		}
		if len(out) == maxFields {
			break
		}
		name := cut(cmp.Or(label, msgEmptyName), maxFieldName)
		val := cutText(bold(cmp.Or(value, msgEmptyValue)), maxFieldValue)
		if n := runes(name) + runes(val); n > budget {
			break
		} else {
			budget -= n
		}
		out = append(out, &discordgo.MessageEmbedField{
			Name:   name,
			Value:  val,
			Inline: runes(label) <= maxInline && runes(value) <= maxInline && !strings.Contains(value, "\n"),
		})
	}
	return out
}

// description is the text, then the progress bars in a code block, within
// limit characters: bars first (at most half), the text cut to what is left.
func description(text string, bars []chat.Bar, limit int) string {
	limit = max(limit, 0)
	var block string
	if len(bars) > 0 {
		lines := make([]string, 0, 2*len(bars))
		for _, b := range bars {
			next := append(lines, codeSafe(b.Label), chat.TextBar(b))
			if runes(codeBlock(next)) > limit/2 {
				break
			}
			lines = next
		}
		if len(lines) > 0 {
			block = codeBlock(lines)
		}
	}
	text = bold(strings.TrimSpace(text))
	switch {
	case block == "":
		return cutText(text, limit)
	case text == "":
		return block
	}
	return cutText(text, limit-runes(block)-2) + "\n\n" + block
}

func codeBlock(lines []string) string { return "```\n" + strings.Join(lines, "\n") + "\n```" }

// codeSafe keeps a label from closing its code block early.
func codeSafe(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "`", "'") }

// buttonRows puts the buttons in action rows of five (at most five rows) and
// collects the confirm dialogs by custom_id.
func buttonRows(buttons []chat.Button) ([]discordgo.MessageComponent, map[string]chat.Confirm) {
	var confirms map[string]chat.Confirm
	seen := map[string]int{}
	var row []discordgo.MessageComponent
	var rows []discordgo.MessageComponent
	for _, b := range buttons {
		if len(rows) == maxRows {
			break
		}
		action := cmp.Or(b.ActionID, msgButton)
		if n := seen[action]; n > 0 {
			// Discord refuses two components with one custom_id.
			action += dupSep + strconv.Itoa(n+1)
		}
		seen[cmp.Or(b.ActionID, msgButton)]++
		id := customID(action, b.Value, b.Confirm != nil)
		if b.Confirm != nil {
			if confirms == nil {
				confirms = map[string]chat.Confirm{}
			}
			confirms[id] = *b.Confirm
		}
		row = append(row, discordgo.Button{
			Label:    cut(cmp.Or(strings.TrimSpace(b.Label), b.ActionID, msgButton), maxLabel),
			Style:    buttonStyle(b.Style),
			CustomID: id,
		})
		if len(row) == maxButtonsPerRow {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
		}
	}
	if len(row) > 0 && len(rows) < maxRows {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows, confirms
}

// buttonStyle maps chat's styles onto Discord's: Primary is green (Success),
// as Slack's primary is, so Approve looks the same on both platforms.
func buttonStyle(s chat.ButtonStyle) discordgo.ButtonStyle {
	switch s {
	case chat.Primary:
		return discordgo.SuccessButton
	case chat.Danger:
		return discordgo.DangerButton
	}
	return discordgo.SecondaryButton
}

// colour parses the environment's #rrggbb colour; a production environment
// without one is red.
func colour(s chat.Style) int {
	h := strings.TrimPrefix(strings.TrimSpace(s.Colour), "#")
	if len(h) == 6 {
		if v, err := strconv.ParseUint(h, 16, 32); err == nil {
			return int(v)
		}
	}
	if s.Production {
		return colourProduction
	}
	return 0
}

// envLabel names the environment of s, or "" for none.
func envLabel(s chat.Style) string {
	label, env := strings.TrimSpace(s.Label), strings.TrimSpace(s.Env)
	switch {
	case label == "" && env == "":
		return ""
	case label == "" || env == "" || strings.EqualFold(label, env):
		return fmt.Sprintf(msgEnvLabelOnly, cmp.Or(label, env))
	}
	return fmt.Sprintf(msgEnvLabel, label, env)
}

// bold turns chat's *bold* into Discord's **bold**, outside `code`: a single
// asterisk is italic on Discord. Doubled asterisks are left alone.
func bold(s string) string {
	if !strings.Contains(s, "*") {
		return s
	}
	var b strings.Builder
	code := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`':
			code = !code
		case c == '*' && !code:
			if i+1 < len(s) && s[i+1] == '*' {
				b.WriteString("**")
				i++
				continue
			}
			b.WriteString("**")
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// cut shortens s to limit characters, ending in an ellipsis.
func cut(s string, limit int) string {
	if runes(s) <= limit {
		return s
	}
	return prefix(s, max(limit-runes(ellipsis), 0)) + ellipsis
}

// cutText shortens body text to limit characters, ending in a note that it
// was shortened where there is room for one.
func cutText(s string, limit int) string {
	if runes(s) <= limit || limit < 4*runes(msgShortened) {
		return cut(s, limit)
	}
	return prefix(s, limit-runes(msgShortened)) + msgShortened
}

// prefix is the first n characters of s.
func prefix(s string, n int) string {
	i := 0
	for range n {
		if i >= len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func footerText(e *discordgo.MessageEmbed) string {
	if e.Footer == nil {
		return ""
	}
	return e.Footer.Text
}

func authorName(e *discordgo.MessageEmbed) string {
	if e.Author == nil {
		return ""
	}
	return e.Author.Name
}
