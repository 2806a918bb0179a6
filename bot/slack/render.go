package slack

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/chat"
)

// Slack's Block Kit limits, in characters. A message that breaks one is
// refused whole (invalid_blocks), so Render cuts to fit instead.
const (
	maxBlocks         = 50
	maxHeader         = 150
	maxText           = 3000
	maxField          = 2000
	maxFieldsPerBlock = 10
	maxContextItems   = 10
	maxActions        = 25
	maxButtonText     = 75
	maxButtonValue    = 2000
	maxActionID       = 255
	maxConfirmTitle   = 100
	maxConfirmText    = 300
	maxConfirmButton  = 30
	// maxFallback is the length Slack recommends for a message's text; it
	// truncates at 40,000 but splits long texts into several in clients.
	maxFallback = 4000
)

// Block ids are stable, so an edited message keeps the same shape and a
// click's block_id says which part of the message it came from.
const (
	blockBanner  = "banner"
	blockTitle   = "title"
	blockEnv     = "env"
	blockText    = "text"
	blockFields  = "fields"
	blockBars    = "bars"
	blockActions = "actions"
	blockFooter  = "footer"
	blockCut     = "shortened"
)

// actionDupSep separates an action id from the counter Render appends when a
// message has two buttons with the same action id (Slack refuses duplicates);
// clicks have it removed again before they reach the bot.
const actionDupSep = "#"

// Rendered is a chat.Message in Slack's terms, every string already escaped
// and cut to Slack's limits.
type Rendered struct {
	// Text is the message's top-level text: Slack shows it in notifications,
	// and a Teams-bridged channel copies it, so it carries the whole message.
	Text string `json:"text"`
	// Blocks are the top-level Block Kit blocks.
	Blocks []slackapi.Block `json:"blocks"`
	// Attachments holds at most one attachment: the environment's colour
	// stripe. It is never nil, so an update clears a stripe that went away.
	Attachments []slackapi.Attachment `json:"attachments"`
}

// Render turns m into Block Kit. It is pure: the same message always gives
// the same blocks.
//
// Blocks stay top-level (attachments get collapsed behind "Show more" and
// make Slack show Text a second time); the environment colour goes on a
// one-line attachment under them that names the environment, so the colour
// sits next to the name it stands for.
func Render(m chat.Message) Rendered {
	var head, body, tail []slackapi.Block
	if m.Style.Production {
		head = append(head, section(blockBanner, msgProductionBanner))
	}
	if t := strings.TrimSpace(m.Title); t != "" {
		head = append(head, slackapi.NewHeaderBlock(plain(t, maxHeader), slackapi.HeaderBlockOptionBlockID(blockTitle)))
	}
	env := envLabel(m.Style)
	stripe := env != "" && m.Style.Colour != ""
	if env != "" && !stripe && !m.Style.Production {
		head = append(head, contextBlock(blockEnv, env))
	}

	for i, chunk := range splitText(escape(m.Text), maxText) {
		body = append(body, section(numbered(blockText, i), chunk))
	}
	body = append(body, fieldSections(m.Fields)...)
	if len(m.Bars) > 0 {
		lines := make([]string, 0, len(m.Bars))
		for _, b := range m.Bars {
			lines = append(lines, fmt.Sprintf("*%s*\n`%s`", escape(b.Label), chat.TextBar(b)))
		}
		for i, chunk := range splitText(strings.Join(lines, "\n"), maxText) {
			body = append(body, section(numbered(blockBars, i), chunk))
		}
	}

	tail = append(tail, actionBlocks(m.Buttons)...)
	if f := strings.TrimSpace(m.Footer); f != "" {
		tail = append(tail, contextBlock(blockFooter, escape(f)))
	}

	// Buttons and footer matter more than the end of a long body.
	if room := maxBlocks - len(head) - len(tail); len(body) > room {
		room = max(room, 1)
		body = append(body[:room-1], contextBlock(blockCut, msgShortened))
	}
	blocks := append(append(head, body...), tail...)
	if len(blocks) > maxBlocks {
		blocks = blocks[:maxBlocks]
	}

	r := Rendered{Text: fallback(m), Blocks: blocks, Attachments: []slackapi.Attachment{}}
	if stripe {
		r.Attachments = append(r.Attachments, slackapi.Attachment{
			Color:    m.Style.Colour,
			Fallback: m.Style.Label,
			Blocks:   slackapi.Blocks{BlockSet: []slackapi.Block{contextBlock(blockEnv, env)}},
		})
	}
	return r
}

// options are the chat.postMessage / chat.update arguments for r. Blocks and
// attachments are always sent: chat.update drops what is left out.
func (r Rendered) options() []slackapi.MsgOption {
	return []slackapi.MsgOption{
		slackapi.MsgOptionText(r.Text, false),
		slackapi.MsgOptionBlocks(r.Blocks...),
		slackapi.MsgOptionAttachments(r.Attachments...),
	}
}

// fallback is the message as plain text, escaped and cut to length.
func fallback(m chat.Message) string {
	t := strings.TrimSpace(chat.PlainText(m))
	if t == "" {
		return msgFallback
	}
	return cut(escape(t), maxFallback)
}

// envLabel names the environment of s as mrkdwn, or "" for none.
func envLabel(s chat.Style) string {
	label, env := strings.TrimSpace(s.Label), strings.TrimSpace(s.Env)
	switch {
	case label == "" && env == "":
		return ""
	case label == "" || env == "" || strings.EqualFold(label, env):
		return fmt.Sprintf(msgEnvLabelOnly, escape(cmp.Or(label, env)))
	}
	return fmt.Sprintf(msgEnvLabel, escape(label), escape(env))
}

// fieldSections lays fields out two columns wide, ten to a section.
func fieldSections(fields []chat.Field) []slackapi.Block {
	var objs []*slackapi.TextBlockObject
	for _, f := range fields {
		label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
		var s string
		switch {
		case label == "" && value == "":
			continue
		case label == "":
			s = escape(value)
		default:
			s = "*" + escape(label) + "*\n" + escape(cmp.Or(value, msgEmptyValue))
		}
		objs = append(objs, mrkdwn(s, maxField))
	}
	var blocks []slackapi.Block
	for i := 0; len(objs) > 0; i++ {
		n := min(len(objs), maxFieldsPerBlock)
		blocks = append(blocks, slackapi.NewSectionBlock(nil, objs[:n], nil, slackapi.SectionBlockOptionBlockID(numbered(blockFields, i))))
		objs = objs[n:]
	}
	return blocks
}

// actionBlocks puts the buttons in one actions block (more only past
// Slack's 25 elements per block).
func actionBlocks(buttons []chat.Button) []slackapi.Block {
	seen := map[string]int{}
	var els []slackapi.BlockElement
	for _, b := range buttons {
		base := cutBytes(cmp.Or(b.ActionID, msgButton), maxActionID)
		id := base
		if n := seen[base]; n > 0 {
			suffix := actionDupSep + strconv.Itoa(n+1)
			id = cutBytes(base, maxActionID-len(suffix)) + suffix
		}
		seen[base]++
		btn := slackapi.NewButtonBlockElement(id, cutBytes(b.Value, maxButtonValue), plain(cmp.Or(strings.TrimSpace(b.Label), b.ActionID, msgButton), maxButtonText))
		switch b.Style {
		case chat.Primary:
			btn.Style = slackapi.StylePrimary
		case chat.Danger:
			btn.Style = slackapi.StyleDanger
		}
		if c := b.Confirm; c != nil {
			btn.Confirm = slackapi.NewConfirmationBlockObject(
				plain(cmp.Or(strings.TrimSpace(c.Title), msgConfirmTitle), maxConfirmTitle),
				mrkdwn(cmp.Or(escape(strings.TrimSpace(c.Text)), msgConfirmText), maxConfirmText),
				plain(cmp.Or(strings.TrimSpace(c.OK), msgConfirmOK), maxConfirmButton),
				plain(cmp.Or(strings.TrimSpace(c.Cancel), msgConfirmCancel), maxConfirmButton),
			)
			if b.Style == chat.Danger {
				btn.Confirm.Style = slackapi.StyleDanger
			}
		}
		els = append(els, btn)
	}
	var blocks []slackapi.Block
	for i := 0; len(els) > 0; i++ {
		n := min(len(els), maxActions)
		blocks = append(blocks, slackapi.NewActionBlock(numbered(blockActions, i), els[:n]...))
		els = els[n:]
	}
	return blocks
}

// originalActionID undoes the counter actionBlocks adds to duplicates.
func originalActionID(id string) string {
	base, n, ok := strings.Cut(id, actionDupSep)
	if !ok || n == "" {
		return id
	}
	if _, err := strconv.Atoi(n); err != nil {
		return id
	}
	return base
}

// numbered gives the i-th block of a kind its stable id: "text", "text-2", …
func numbered(id string, i int) string {
	if i == 0 {
		return id
	}
	return id + "-" + strconv.Itoa(i+1)
}

func section(id, text string) *slackapi.SectionBlock {
	return slackapi.NewSectionBlock(mrkdwn(text, maxText), nil, nil, slackapi.SectionBlockOptionBlockID(id))
}

func contextBlock(id, text string) *slackapi.ContextBlock {
	return slackapi.NewContextBlock(id, mrkdwn(text, maxText))
}

func plain(s string, limit int) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, cut(s, limit), true, false)
}

func mrkdwn(s string, limit int) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, cut(s, limit), false, false)
}

// escape makes text safe for mrkdwn: Slack reads <…> as links and mentions,
// so a reason="<!channel>" must not ping a whole channel.
// mentionRe matches an escaped channel or user mention: &lt;#C123&gt;, &lt;@U123&gt;.
var mentionRe = regexp.MustCompile(`&lt;([#@][A-Z0-9]{2,40})&gt;`)

func escape(s string) string {
	out := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	// Channel and user mentions the bot writes (<#C123>, <@U123>) stay links;
	// everything else, <!channel> included, is shown as typed.
	return mentionRe.ReplaceAllString(out, "<$1>")
}

// cut shortens s to limit characters, ending in an ellipsis.
func cut(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return prefix(s, limit-utf8.RuneCountInString(ellipsis)) + ellipsis
}

// prefix is the first n characters of s, fewer if that would split one of
// escape's entities ("&amp;" cut to "&am" would show as such).
func prefix(s string, n int) string {
	i := 0
	for range n {
		if i >= len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	head := s[:i]
	if amp := strings.LastIndexByte(head, '&'); amp >= 0 && amp > len(head)-5 && !strings.Contains(head[amp:], ";") {
		head = head[:amp]
	}
	return head
}

// cutBytes shortens an identifier to limit bytes on a rune boundary; ids are
// compared, not read, so no ellipsis.
func cutBytes(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit]
}

// splitText breaks s into pieces of at most limit characters, at line ends
// where it can.
func splitText(s string, limit int) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var out []string
	var cur strings.Builder
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, t)
		}
		cur.Reset()
	}
	for line := range strings.SplitSeq(s, "\n") {
		for utf8.RuneCountInString(line) > limit {
			flush()
			head := prefix(line, limit)
			out = append(out, head)
			line = line[len(head):]
		}
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(line) > limit {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(line)
	}
	flush()
	return out
}
