package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit limits Slack enforces on messages (docs.slack.dev, Block Kit
// reference). A fake that accepted more would let a message through that Slack
// refuses with invalid_blocks.
const (
	maxBlocks          = 50
	maxBlockIDLen      = 255
	maxActionIDLen     = 255
	maxButtonValueLen  = 2000
	maxButtonTextLen   = 75
	maxSectionTextLen  = 3000
	maxHeaderTextLen   = 150
	maxActionsElements = 25
	maxContextElements = 10
	maxSectionFields   = 10
	maxFieldTextLen    = 2000
)

// messageBlockTypes are the block types Slack accepts in a message.
var messageBlockTypes = map[string]bool{
	"actions": true, "context": true, "context_actions": true, "divider": true,
	"file": true, "header": true, "image": true, "input": true, "markdown": true,
	"rich_text": true, "section": true, "table": true, "video": true,
}

// Button is one button element found in a message's blocks.
type Button struct {
	ActionID string
	BlockID  string
	Value    string
	Text     string
	Style    string
	URL      string
}

// blocksError is an invalid_blocks answer with Slack-style detail lines.
type blocksError struct {
	code     string
	messages []string
}

// parseBlocks checks a blocks field the way chat.postMessage does and returns
// the compacted JSON array; an empty array gives an empty, non-nil result.
func parseBlocks(raw string) (json.RawMessage, *blocksError) {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, &blocksError{code: ErrCodeInvalidBlocksFmt,
			messages: []string{"[ERROR] blocks must be a JSON array"}}
	}
	var msgs []string
	if len(items) > maxBlocks {
		msgs = append(msgs, fmt.Sprintf("[ERROR] no more than %d items allowed [json-pointer:/blocks]", maxBlocks))
	}
	blockIDs := map[string]bool{}
	for i, item := range items {
		msgs = append(msgs, checkBlock(i, item, blockIDs)...)
	}
	if len(msgs) > 0 {
		return nil, &blocksError{code: ErrCodeInvalidBlocks, messages: msgs}
	}
	out, err := withBlockIDs(items, blockIDs)
	if err != nil {
		return nil, &blocksError{code: ErrCodeInvalidBlocksFmt,
			messages: []string{"[ERROR] blocks must be a JSON array"}}
	}
	var sb slack.Blocks
	if err := json.Unmarshal(out, &sb); err != nil {
		return nil, &blocksError{code: ErrCodeInvalidBlocks,
			messages: []string{"[ERROR] " + err.Error() + " [json-pointer:/blocks]"}}
	}
	return out, nil
}

// withBlockIDs compacts the blocks and gives each block without a block_id
// one, as Slack does when it stores a message; taken lists the IDs in use.
func withBlockIDs(items []json.RawMessage, taken map[string]bool) (json.RawMessage, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil {
			return nil, err
		}
		if _, ok := fields["block_id"]; !ok {
			id := generatedBlockID(i, item, taken)
			fields["block_id"], _ = json.Marshal(id)
			item, _ = json.Marshal(fields)
		}
		if err := json.Compact(&b, item); err != nil {
			return nil, err
		}
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// generatedBlockID derives a short ID from the block's position and content,
// so the same message gets the same IDs, and skips IDs already taken.
func generatedBlockID(i int, item json.RawMessage, taken map[string]bool) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d:", i)
	_, _ = h.Write(item)
	for n := h.Sum64(); ; n++ {
		var id [5]byte
		for j, v := 0, n; j < len(id); j, v = j+1, v/uint64(len(alphabet)) {
			id[j] = alphabet[v%uint64(len(alphabet))]
		}
		if !taken[string(id[:])] {
			taken[string(id[:])] = true
			return string(id[:])
		}
	}
}

func checkBlock(i int, raw json.RawMessage, blockIDs map[string]bool) []string {
	ptr := fmt.Sprintf("/blocks/%d", i)
	var blk map[string]any
	if err := json.Unmarshal(raw, &blk); err != nil {
		return []string{"[ERROR] expected an object [json-pointer:" + ptr + "]"}
	}
	var msgs []string
	bad := func(format string, args ...any) {
		msgs = append(msgs, "[ERROR] "+fmt.Sprintf(format, args...))
	}
	typ, _ := blk["type"].(string)
	if !messageBlockTypes[typ] {
		bad("unsupported type %q [json-pointer:%s/type]", typ, ptr)
		return msgs
	}
	if id, ok := blk["block_id"].(string); ok {
		switch {
		case utf8.RuneCountInString(id) > maxBlockIDLen:
			bad("must be at most %d characters [json-pointer:%s/block_id]", maxBlockIDLen, ptr)
		case blockIDs[id]:
			bad("block_id %q already exists [json-pointer:%s/block_id]", id, ptr)
		}
		blockIDs[id] = true
	}
	switch typ {
	case "section":
		text, hasText := blk["text"].(map[string]any)
		fields, hasFields := blk["fields"].([]any)
		if !hasText && !hasFields {
			bad("must provide either text or fields [json-pointer:%s]", ptr)
		}
		if hasText {
			msgs = append(msgs, checkText(text, ptr+"/text", maxSectionTextLen, false)...)
		}
		if len(fields) > maxSectionFields {
			bad("no more than %d items allowed [json-pointer:%s/fields]", maxSectionFields, ptr)
		}
		for j, f := range fields {
			fm, _ := f.(map[string]any)
			msgs = append(msgs, checkText(fm, fmt.Sprintf("%s/fields/%d", ptr, j), maxFieldTextLen, false)...)
		}
		if acc, ok := blk["accessory"].(map[string]any); ok {
			msgs = append(msgs, checkElement(acc, ptr+"/accessory", map[string]bool{})...)
		}
	case "header":
		text, _ := blk["text"].(map[string]any)
		msgs = append(msgs, checkText(text, ptr+"/text", maxHeaderTextLen, true)...)
	case "actions":
		elems, _ := blk["elements"].([]any)
		if len(elems) == 0 {
			bad("must provide at least 1 item [json-pointer:%s/elements]", ptr)
		}
		if len(elems) > maxActionsElements {
			bad("no more than %d items allowed [json-pointer:%s/elements]", maxActionsElements, ptr)
		}
		actionIDs := map[string]bool{}
		for j, e := range elems {
			em, _ := e.(map[string]any)
			msgs = append(msgs, checkElement(em, fmt.Sprintf("%s/elements/%d", ptr, j), actionIDs)...)
		}
	case "context":
		elems, _ := blk["elements"].([]any)
		if len(elems) == 0 {
			bad("must provide at least 1 item [json-pointer:%s/elements]", ptr)
		}
		if len(elems) > maxContextElements {
			bad("no more than %d items allowed [json-pointer:%s/elements]", maxContextElements, ptr)
		}
		for j, e := range elems {
			em, _ := e.(map[string]any)
			if t, _ := em["type"].(string); t == "plain_text" || t == "mrkdwn" {
				msgs = append(msgs, checkText(em, fmt.Sprintf("%s/elements/%d", ptr, j), maxSectionTextLen, false)...)
			}
		}
	}
	return msgs
}

// checkElement checks an interactive element; actionIDs collects the
// action_ids of the enclosing block, which must be unique within it.
func checkElement(e map[string]any, ptr string, actionIDs map[string]bool) []string {
	if e == nil {
		return []string{"[ERROR] expected an object [json-pointer:" + ptr + "]"}
	}
	var msgs []string
	bad := func(format string, args ...any) {
		msgs = append(msgs, "[ERROR] "+fmt.Sprintf(format, args...))
	}
	if id, ok := e["action_id"].(string); ok {
		switch {
		case utf8.RuneCountInString(id) > maxActionIDLen:
			bad("must be at most %d characters [json-pointer:%s/action_id]", maxActionIDLen, ptr)
		case actionIDs[id]:
			bad("action_id %q already exists [json-pointer:%s/action_id]", id, ptr)
		}
		actionIDs[id] = true
	}
	if t, _ := e["type"].(string); t == "button" {
		text, _ := e["text"].(map[string]any)
		msgs = append(msgs, checkText(text, ptr+"/text", maxButtonTextLen, true)...)
		if v, ok := e["value"].(string); ok && utf8.RuneCountInString(v) > maxButtonValueLen {
			bad("must be at most %d characters [json-pointer:%s/value]", maxButtonValueLen, ptr)
		}
		if s, ok := e["style"].(string); ok && s != "primary" && s != "danger" {
			bad("must be one of primary, danger [json-pointer:%s/style]", ptr)
		}
	}
	return msgs
}

// checkText checks a text object: a known type, non-empty, within max
// characters, and plain_text where Slack requires it.
func checkText(t map[string]any, ptr string, max int, plainOnly bool) []string {
	if t == nil {
		return []string{"[ERROR] missing required field: text [json-pointer:" + ptr + "]"}
	}
	typ, _ := t["type"].(string)
	text, _ := t["text"].(string)
	switch {
	case typ != "plain_text" && (plainOnly || typ != "mrkdwn"):
		if plainOnly {
			return []string{"[ERROR] must be plain_text [json-pointer:" + ptr + "/type]"}
		}
		return []string{"[ERROR] must be plain_text or mrkdwn [json-pointer:" + ptr + "/type]"}
	case text == "":
		return []string{"[ERROR] must be more than 0 characters [json-pointer:" + ptr + "/text]"}
	case utf8.RuneCountInString(text) > max:
		return []string{fmt.Sprintf("[ERROR] must be less than %d characters [json-pointer:%s/text]", max+1, ptr)}
	}
	return nil
}

// decodeBlocks turns stored raw blocks into slack-go's types. The raw JSON was
// checked when it was stored, so an error here is a bug in the fake.
func decodeBlocks(raw json.RawMessage) slack.Blocks {
	var b slack.Blocks
	if len(raw) == 0 {
		return b
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		panic("slackfake: stored blocks do not parse: " + err.Error())
	}
	return b
}

// walkJSON calls visit for every object inside v, depth first, in document order.
func walkJSON(v any, visit func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		visit(x)
		for _, k := range orderedKeys(x) {
			walkJSON(x[k], visit)
		}
	case []any:
		for _, e := range x {
			walkJSON(e, visit)
		}
	}
}

// orderedKeys gives the keys of a block object in reading order: the ones a
// reader sees first (text, fields, elements, accessory), then the rest sorted.
func orderedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for _, k := range []string{"text", "fields", "elements", "accessory"} {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range m {
		switch k {
		case "text", "fields", "elements", "accessory", "confirm":
			// confirm dialogs are not shown on the message itself.
		default:
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

func rawTree(raw json.RawMessage) any {
	var v any
	if len(raw) == 0 {
		return nil
	}
	_ = json.Unmarshal(raw, &v)
	return v
}

// buttonsIn lists the button elements of raw blocks in document order.
func buttonsIn(raw json.RawMessage) []Button {
	var out []Button
	tree, _ := rawTree(raw).([]any)
	for _, blk := range tree {
		bm, _ := blk.(map[string]any)
		blockID, _ := bm["block_id"].(string)
		walkJSON(bm, func(o map[string]any) {
			if t, _ := o["type"].(string); t != "button" {
				return
			}
			b := Button{BlockID: blockID}
			b.ActionID, _ = o["action_id"].(string)
			b.Value, _ = o["value"].(string)
			b.Style, _ = o["style"].(string)
			b.URL, _ = o["url"].(string)
			if tm, ok := o["text"].(map[string]any); ok {
				b.Text, _ = tm["text"].(string)
			}
			out = append(out, b)
		})
	}
	return out
}

// textsIn lists every visible string of raw blocks in reading order: text
// objects (section text and fields, headers, context, button labels) and
// rich_text runs.
func textsIn(raw json.RawMessage) []string {
	var out []string
	walkJSON(rawTree(raw), func(o map[string]any) {
		t, _ := o["type"].(string)
		switch t {
		case "plain_text", "mrkdwn", "text":
			if s, ok := o["text"].(string); ok {
				out = append(out, s)
			}
		}
	})
	return out
}
