package slack_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/slack"
	"github.com/resyncbot/resyncbot/chat"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	prodStyle    = chat.Style{Env: "prod", Label: "Production", Colour: "#d40000", Production: true}
	stagingStyle = chat.Style{Env: "staging", Label: "Staging"}
)

// approval is the kind of message the bot posts for a production resync.
func approval() chat.Message {
	return chat.Message{
		Title: "Resync requested: prod",
		Style: prodStyle,
		Text:  "*alice* asks to rebuild every index of *prod*.\nReason: _GMC data refresh_",
		Fields: []chat.Field{
			{Label: "Indexes", Value: "connectionindex, recommendationindex"},
			{Label: "Documents", Value: "212,345"},
		},
		Buttons: []chat.Button{
			{ActionID: bot.ActionApprove, Value: "apr-1", Label: "Approve", Style: chat.Danger, Confirm: &chat.Confirm{
				Title: "Resync PRODUCTION?", Text: "This rebuilds every index of *prod*.", OK: "Approve", Cancel: "Back",
			}},
			{ActionID: bot.ActionDeny, Value: "apr-1", Label: "Deny"},
		},
		Footer: "approval apr-1 · expires 14:30",
	}
}

// goldenCases are rendered and compared with testdata/<name>.json.
var goldenCases = map[string]chat.Message{
	"production_approval": approval(),
	"staging_progress": {
		Title: "Resync of staging running",
		Style: stagingStyle,
		Bars: []chat.Bar{
			{Label: "connectionindex", Done: 96000, Total: 200000},
			{Label: "recommendationindex", Done: 1234, Total: -1},
		},
		Buttons: []chat.Button{{ActionID: bot.ActionAbort, Value: "job-7", Label: "Abort", Style: chat.Danger}},
		Footer:  "job job-7",
	},
	"plain_notice": {
		Title: "Service restored",
		Text:  "Lists are up to date again.",
	},
}

func TestRenderGolden(t *testing.T) {
	for name, m := range goldenCases {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(slack.Render(m), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update once to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Render(%s) differs from %s:\n%s", name, path, got)
			}
		})
	}
}

// blockJSON is one block as generic JSON, for reading fields without caring
// about slack-go's types.
type blockJSON map[string]any

func blocksOf(t *testing.T, bs []slackapi.Block) []blockJSON {
	t.Helper()
	raw, err := json.Marshal(bs)
	if err != nil {
		t.Fatal(err)
	}
	var out []blockJSON
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (b blockJSON) text() string {
	if t, ok := b["text"].(map[string]any); ok {
		return t["text"].(string)
	}
	return ""
}

func (b blockJSON) id() string { s, _ := b["block_id"].(string); return s }

func (b blockJSON) typ() string { return b["type"].(string) }

func (b blockJSON) list(key string) []map[string]any {
	raw, _ := b[key].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func find(bs []blockJSON, id string) (blockJSON, bool) {
	for _, b := range bs {
		if b.id() == id {
			return b, true
		}
	}
	return nil, false
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func TestRenderProductionBanner(t *testing.T) {
	r := slack.Render(approval())
	bs := blocksOf(t, r.Blocks)
	if bs[0].typ() != "section" || bs[0].text() != ":rotating_light: *PRODUCTION* :rotating_light:" {
		t.Errorf("first block = %v, want the PRODUCTION banner", bs[0])
	}
	if bs[1].typ() != "header" || bs[1].text() != "Resync requested: prod" {
		t.Errorf("second block = %v, want the title header", bs[1])
	}
	if !strings.HasPrefix(r.Text, "🚨 PRODUCTION 🚨\n") {
		t.Errorf("fallback text %q does not open with the production banner", r.Text)
	}
	if len(r.Attachments) != 1 || r.Attachments[0].Color != "#d40000" {
		t.Fatalf("attachments = %+v, want one stripe coloured #d40000", r.Attachments)
	}
	if got := blocksOf(t, r.Attachments[0].Blocks.BlockSet)[0]; got.typ() != "context" || !strings.Contains(got.list("elements")[0]["text"].(string), "Production") {
		t.Errorf("stripe = %v, want a context naming Production", got)
	}
}

func TestRenderEnvironmentLabel(t *testing.T) {
	tests := []struct {
		name       string
		style      chat.Style
		wantTop    string // text of the top-level env context, "" for none
		wantStripe bool
	}{
		{"staging without colour: label on top", stagingStyle, "Environment: *Staging*", false},
		{"label and name differ", chat.Style{Env: "preprod", Label: "Pre-production"}, "Environment: *Pre-production* (`preprod`)", false},
		{"staging with colour: label on the stripe", chat.Style{Env: "staging", Label: "Staging", Colour: "#2eb67d"}, "", true},
		{"label same as env", chat.Style{Env: "dev", Label: "dev"}, "Environment: *dev*", false},
		{"no environment", chat.Style{}, "", false},
		{"production has the banner, not a label", chat.Style{Env: "prod", Label: "Production", Production: true}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := slack.Render(chat.Message{Title: "t", Style: tt.style})
			env, ok := find(blocksOf(t, r.Blocks), "env")
			switch {
			case tt.wantTop == "" && ok:
				t.Errorf("unexpected env block %v", env)
			case tt.wantTop != "" && !ok:
				t.Errorf("no env block, want %q", tt.wantTop)
			case ok && env.list("elements")[0]["text"] != tt.wantTop:
				t.Errorf("env block text = %q, want %q", env.list("elements")[0]["text"], tt.wantTop)
			}
			if got := len(r.Attachments) == 1; got != tt.wantStripe {
				t.Errorf("stripe = %v, want %v", got, tt.wantStripe)
			}
			if r.Attachments == nil {
				t.Error("Attachments is nil; an update could not clear an old stripe")
			}
		})
	}
}

func TestRenderButtons(t *testing.T) {
	bs := blocksOf(t, slack.Render(approval()).Blocks)
	actions, ok := find(bs, "actions")
	if !ok || actions.typ() != "actions" {
		t.Fatalf("no actions block in %v", bs)
	}
	els := actions.list("elements")
	if len(els) != 2 {
		t.Fatalf("%d buttons, want 2", len(els))
	}
	approve, deny := els[0], els[1]
	if approve["action_id"] != "approve" || approve["value"] != "apr-1" || approve["style"] != "danger" {
		t.Errorf("approve button = %v", approve)
	}
	confirm, ok := approve["confirm"].(map[string]any)
	if !ok {
		t.Fatalf("approve has no confirm dialog: %v", approve)
	}
	text := func(k string) string { return confirm[k].(map[string]any)["text"].(string) }
	if text("title") != "Resync PRODUCTION?" || text("text") != "This rebuilds every index of *prod*." ||
		text("confirm") != "Approve" || text("deny") != "Back" || confirm["style"] != "danger" {
		t.Errorf("confirm = %v", confirm)
	}
	if _, ok := deny["style"]; ok {
		t.Errorf("default button has a style: %v", deny)
	}
	if _, ok := deny["confirm"]; ok {
		t.Errorf("deny has a confirm dialog: %v", deny)
	}

	primary := blocksOf(t, slack.Render(chat.Message{Buttons: []chat.Button{
		{ActionID: "a", Label: "A", Style: chat.Primary, Confirm: &chat.Confirm{}},
	}}).Blocks)[0].list("elements")[0]
	if primary["style"] != "primary" {
		t.Errorf("primary button style = %v", primary["style"])
	}
	c := primary["confirm"].(map[string]any)
	if c["style"] != nil || c["title"].(map[string]any)["text"] == "" || c["confirm"].(map[string]any)["text"] == "" {
		t.Errorf("empty confirm not filled with defaults, or styled: %v", c)
	}
}

func TestRenderDuplicateActionIDs(t *testing.T) {
	m := chat.Message{Buttons: []chat.Button{
		{ActionID: "restore", Value: "gen-3", Label: "Restore gen-3"},
		{ActionID: "restore", Value: "gen-2", Label: "Restore gen-2"},
		{ActionID: "restore", Value: "gen-1", Label: "Restore gen-1"},
	}}
	els := blocksOf(t, slack.Render(m).Blocks)[0].list("elements")
	seen := map[any]bool{}
	for _, e := range els {
		if seen[e["action_id"]] {
			t.Errorf("action_id %v twice; Slack refuses the message", e["action_id"])
		}
		seen[e["action_id"]] = true
	}
}

func TestRenderFieldsSplit(t *testing.T) {
	var fields []chat.Field
	for i := range 23 {
		fields = append(fields, chat.Field{Label: "k" + string(rune('a'+i)), Value: "v"})
	}
	bs := blocksOf(t, slack.Render(chat.Message{Fields: fields}).Blocks)
	var sizes []int
	for _, b := range bs {
		if b.typ() == "section" {
			sizes = append(sizes, len(b.list("fields")))
		}
	}
	if len(sizes) != 3 || sizes[0] != 10 || sizes[1] != 10 || sizes[2] != 3 {
		t.Errorf("field sections hold %v fields, want [10 10 3]", sizes)
	}
	ids := map[string]bool{}
	for _, b := range bs {
		if ids[b.id()] {
			t.Errorf("block_id %q twice", b.id())
		}
		ids[b.id()] = true
	}
}

func TestRenderLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	var many []chat.Field
	for range 600 {
		many = append(many, chat.Field{Label: "l", Value: "v"})
	}
	m := chat.Message{
		Title:  long(400),
		Style:  stagingStyle,
		Text:   strings.Repeat(long(90)+"\n", 100), // 9,100 characters
		Fields: many,
		Buttons: []chat.Button{
			{ActionID: long(300), Value: long(3000), Label: long(100), Style: chat.Danger,
				Confirm: &chat.Confirm{Title: long(200), Text: long(500), OK: long(50), Cancel: long(50)}},
		},
		Footer: "the end",
	}
	r := slack.Render(m)
	bs := blocksOf(t, r.Blocks)
	if len(bs) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(bs))
	}
	if b, _ := find(bs, "title"); runes(b.text()) > 150 || !strings.HasSuffix(b.text(), "…") {
		t.Errorf("header of %d characters, want at most 150 ending in …", runes(b.text()))
	}
	texts := 0
	for _, b := range bs {
		if strings.HasPrefix(b.id(), "text") {
			texts++
		}
		if runes(b.text()) > 3000 {
			t.Errorf("block %s text of %d characters", b.id(), runes(b.text()))
		}
	}
	if texts != 4 {
		t.Errorf("9,100 characters of text in %d sections, want 4", texts)
	}
	if _, ok := find(bs, "shortened"); !ok {
		t.Error("no note that the message was shortened")
	}
	last := bs[len(bs)-1]
	if last.id() != "footer" {
		t.Errorf("last block %q, want the footer kept", last.id())
	}
	actions, ok := find(bs, "actions")
	if !ok {
		t.Fatal("buttons dropped to make room")
	}
	btn := actions.list("elements")[0]
	if n := runes(btn["text"].(map[string]any)["text"].(string)); n > 75 {
		t.Errorf("button text of %d characters", n)
	}
	if n := len(btn["value"].(string)); n > 2000 {
		t.Errorf("button value of %d characters", n)
	}
	if n := len(btn["action_id"].(string)); n > 255 {
		t.Errorf("action_id of %d characters", n)
	}
	c := btn["confirm"].(map[string]any)
	for k, max := range map[string]int{"title": 100, "text": 300, "confirm": 30, "deny": 30} {
		if n := runes(c[k].(map[string]any)["text"].(string)); n > max {
			t.Errorf("confirm %s of %d characters, want at most %d", k, n, max)
		}
	}
	if runes(r.Text) > 4000 {
		t.Errorf("fallback text of %d characters", runes(r.Text))
	}
}

func TestRenderEscapes(t *testing.T) {
	m := chat.Message{
		Title:  "<title> & co",
		Text:   "reason: <!channel> & <https://evil|click> in <#C0OPS> by <@U0ALICE>",
		Fields: []chat.Field{{Label: "a<b", Value: "c>d"}},
		Footer: "&",
	}
	r := slack.Render(m)
	bs := blocksOf(t, r.Blocks)
	if got := bs[0].text(); got != "<title> & co" {
		t.Errorf("plain_text header = %q, want it verbatim", got)
	}
	text, _ := find(bs, "text")
	if got, want := text.text(), "reason: &lt;!channel&gt; &amp; &lt;https://evil|click&gt; in <#C0OPS> by <@U0ALICE>"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	fields, _ := find(bs, "fields")
	if got := fields.list("fields")[0]["text"]; got != "*a&lt;b*\nc&gt;d" {
		t.Errorf("field = %q", got)
	}
	if strings.Contains(r.Text, "<!channel>") {
		t.Errorf("fallback text %q can ping a channel", r.Text)
	}
}

func TestRenderCutKeepsEntities(t *testing.T) {
	// 2,999 characters then "&": escaping makes "&amp;" straddle the limit.
	r := slack.Render(chat.Message{Text: strings.Repeat("y", 2999) + "&" + strings.Repeat("z", 10)})
	for _, b := range blocksOf(t, r.Blocks) {
		s := b.text()
		if i := strings.LastIndexByte(s, '&'); i >= 0 && !strings.HasPrefix(s[i:], "&amp;") {
			t.Errorf("block %s ends in a broken entity: …%q", b.id(), s[max(0, len(s)-8):])
		}
	}
}

func TestRenderEmpty(t *testing.T) {
	r := slack.Render(chat.Message{})
	if len(r.Blocks) != 0 || r.Text == "" {
		t.Errorf("empty message: %d blocks, text %q; want no blocks and a non-empty fallback", len(r.Blocks), r.Text)
	}
}
