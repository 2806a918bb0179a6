package slackfake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/internal/slackfake"
)

// client returns a real slack-go client pointed at srv.
func client(t *testing.T, srv *slackfake.Server, opts ...slack.Option) *slack.Client {
	t.Helper()
	return slack.New(srv.Token(), append([]slack.Option{slack.OptionAPIURL(srv.URL())}, opts...)...)
}

func timeout(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// slackErr returns the Slack error code of err, or fails the test.
func slackErr(t *testing.T, err error) string {
	t.Helper()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want a slack.SlackErrorResponse", err, err)
	}
	return se.Err
}

func approvalBlocks(id string) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Resync* of `orders` requested", false, false), nil, nil),
		slack.NewActionBlock("decide",
			slack.NewButtonBlockElement("approve", id, slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement("deny", id, slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false)).WithStyle(slack.StyleDanger),
		),
	}
}

func TestAuthTest(t *testing.T) {
	srv := slackfake.New(t)
	got, err := client(t, srv).AuthTestContext(timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != slackfake.BotUserID || got.BotID != slackfake.BotID || got.TeamID != slackfake.TeamID {
		t.Errorf("auth.test = %+v", got)
	}
}

func TestTokenChecks(t *testing.T) {
	srv := slackfake.New(t, slackfake.WithToken("xoxb-right"))
	for _, tc := range []struct {
		token string
		want  string
	}{
		{"", slackfake.ErrCodeNotAuthed},
		{"xoxb-wrong", slackfake.ErrCodeInvalidAuth},
	} {
		api := slack.New(tc.token, slack.OptionAPIURL(srv.URL()))
		_, _, err := api.PostMessageContext(timeout(t), slackfake.DefaultChannelID, slack.MsgOptionText("hi", false))
		if got := slackErr(t, err); got != tc.want {
			t.Errorf("token %q: error %q, want %q", tc.token, got, tc.want)
		}
	}
	if n := len(srv.Messages(slackfake.DefaultChannelID)); n != 0 {
		t.Errorf("%d messages stored by unauthenticated calls", n)
	}
	// The token is also accepted as a bearer header, as Slack allows.
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"auth.test", nil)
	req.Header.Set("Authorization", "Bearer xoxb-right")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := srv.CallLog("auth.test"); len(c) != 1 || c[0].Error != "" {
		t.Errorf("bearer auth.test log = %+v", c)
	}
}

func TestPostMessageRecordsBlocksAndButtons(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ch, ts, msg, err := api.PostMessageWithResponseContext(timeout(t), slackfake.DefaultChannelID,
		slack.MsgOptionText("Resync of orders requested", false), slack.MsgOptionBlocks(approvalBlocks("req-7")...))
	if err != nil {
		t.Fatal(err)
	}
	if ch != slackfake.DefaultChannelID || ts == "" {
		t.Fatalf("channel %q ts %q", ch, ts)
	}
	if msg.Text != "Resync of orders requested" || msg.BotID != slackfake.BotID || len(msg.Blocks.BlockSet) != 2 {
		t.Errorf("returned message = %+v", msg)
	}
	m, ok := srv.Message(ch, ts)
	if !ok {
		t.Fatal("message not stored")
	}
	if len(m.Blocks.BlockSet) != 2 || m.Blocks.BlockSet[1].BlockType() != slack.MBTAction {
		t.Errorf("blocks = %#v", m.Blocks.BlockSet)
	}
	if got := strings.Join(m.ActionIDs(), ","); got != "approve,deny" {
		t.Errorf("action ids = %s", got)
	}
	b, _ := m.Button("deny")
	if b.Value != "req-7" || b.Text != "Deny" || b.Style != "danger" || b.BlockID != "decide" {
		t.Errorf("deny button = %+v", b)
	}
	if !m.Contains("*Resync* of `orders`") || !m.Contains("Approve") {
		t.Errorf("texts = %q", m.Texts())
	}
	if m.Via != "chat.postMessage" || m.Edits != 0 || m.Ephemeral {
		t.Errorf("message = %+v", m)
	}
	// The section had no block_id: Slack invents one and so does the fake.
	if id := m.Blocks.BlockSet[0].ID(); id == "" {
		t.Error("no block_id generated")
	}
}

func TestPostMessageErrors(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	tooMany := make([]slack.Block, 51)
	for i := range tooMany {
		tooMany[i] = slack.NewDividerBlock()
	}
	longLabel := strings.Repeat("x", 76)
	for _, tc := range []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"unknown channel", "C0NOPE", []slack.MsgOption{slack.MsgOptionText("hi", false)}, slackfake.ErrCodeChannelNotFound},
		{"nothing to say", slackfake.DefaultChannelID, nil, slackfake.ErrCodeNoText},
		{"51 blocks", slackfake.DefaultChannelID, []slack.MsgOption{slack.MsgOptionBlocks(tooMany...)}, slackfake.ErrCodeInvalidBlocks},
		{"long button label", slackfake.DefaultChannelID, []slack.MsgOption{slack.MsgOptionBlocks(slack.NewActionBlock("",
			slack.NewButtonBlockElement("a", "v", slack.NewTextBlockObject(slack.PlainTextType, longLabel, false, false))))}, slackfake.ErrCodeInvalidBlocks},
		{"mrkdwn button label", slackfake.DefaultChannelID, []slack.MsgOption{slack.MsgOptionBlocks(slack.NewActionBlock("",
			slack.NewButtonBlockElement("a", "v", slack.NewTextBlockObject(slack.MarkdownType, "*A*", false, false))))}, slackfake.ErrCodeInvalidBlocks},
		{"duplicate action_id", slackfake.DefaultChannelID, []slack.MsgOption{slack.MsgOptionBlocks(slack.NewActionBlock("",
			slack.NewButtonBlockElement("a", "1", slack.NewTextBlockObject(slack.PlainTextType, "One", false, false)),
			slack.NewButtonBlockElement("a", "2", slack.NewTextBlockObject(slack.PlainTextType, "Two", false, false))))}, slackfake.ErrCodeInvalidBlocks},
		{"duplicate block_id", slackfake.DefaultChannelID, []slack.MsgOption{slack.MsgOptionBlocks(
			&slack.DividerBlock{Type: slack.MBTDivider, BlockID: "x"}, &slack.DividerBlock{Type: slack.MBTDivider, BlockID: "x"})}, slackfake.ErrCodeInvalidBlocks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := api.PostMessageContext(timeout(t), tc.channel, tc.opts...)
			if got := slackErr(t, err); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
	if n := len(srv.Messages(slackfake.DefaultChannelID)); n != 0 {
		t.Errorf("%d messages stored by failed posts", n)
	}
}

func TestTimestampsIncreasePerChannel(t *testing.T) {
	srv := slackfake.New(t, slackfake.WithClock(newClock().Now),
		slackfake.WithChannel("C0OPS", "ops"))
	api := client(t, srv)
	var prev string
	for i := range 3 {
		_, ts, err := api.PostMessageContext(timeout(t), slackfake.DefaultChannelID, slack.MsgOptionText(fmt.Sprint(i), false))
		if err != nil {
			t.Fatal(err)
		}
		if prev != "" && ts <= prev {
			t.Errorf("ts %s after %s", ts, prev)
		}
		prev = ts
	}
	if prev != "1700000000.000002" {
		t.Errorf("third ts under a stopped clock = %s, want 1700000000.000002", prev)
	}
	_, ts, err := api.PostMessageContext(timeout(t), "#ops", slack.MsgOptionText("other channel", false))
	if err != nil {
		t.Fatal(err)
	}
	if ts != "1700000000.000000" {
		t.Errorf("first ts in another channel = %s", ts)
	}
}

func TestUpdate(t *testing.T) {
	clock := newClock()
	srv := slackfake.New(t, slackfake.WithClock(clock.Now))
	api := client(t, srv)
	ctx := timeout(t)
	ch, ts, err := api.PostMessageContext(ctx, slackfake.DefaultChannelID,
		slack.MsgOptionText("pending", false), slack.MsgOptionBlocks(approvalBlocks("r1")...))
	if err != nil {
		t.Fatal(err)
	}

	clock.Advance(3 * time.Second)
	_, _, text, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("approved by alice", false))
	if err != nil || text != "approved by alice" {
		t.Fatalf("update: %q, %v", text, err)
	}
	m, _ := srv.Message(ch, ts)
	if m.Text != "approved by alice" || m.RawBlocks != nil || len(m.Buttons()) != 0 {
		t.Errorf("update without blocks kept them: %+v", m)
	}

	clock.Advance(4 * time.Second)
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("fallback", false),
		slack.MsgOptionBlocks(approvalBlocks("r2")...)); err != nil {
		t.Fatal(err)
	}
	m, _ = srv.Message(ch, ts)
	if b, _ := m.Button("approve"); b.Value != "r2" {
		t.Errorf("blocks not replaced: %+v", m.Buttons())
	}
	if m.Edits != 2 || len(m.Versions) != 3 || m.Versions[1].Text != "approved by alice" {
		t.Errorf("history = %+v", m.Versions)
	}
	et := m.EditTimes()
	if len(et) != 2 || et[0].Sub(m.PostedAt()) != 3*time.Second || et[1].Sub(et[0]) != 4*time.Second {
		t.Errorf("edit times = %v after %v", et, m.PostedAt())
	}
	if g := m.EditGaps(); len(g) != 2 || g[0] != 3*time.Second || g[1] != 4*time.Second {
		t.Errorf("edit gaps = %v", g)
	}
	// An empty blocks array clears them; the text stays required.
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("done", false), slack.MsgOptionBlocks()); err != nil {
		t.Fatal(err)
	}
	if m, _ = srv.Message(ch, ts); m.RawBlocks != nil || m.Text != "done" {
		t.Errorf("after blocks=[]: %+v", m)
	}

	for _, tc := range []struct {
		name, channel, ts string
		want              string
	}{
		{"unknown channel", "C0NOPE", ts, slackfake.ErrCodeChannelNotFound},
		{"unknown ts", ch, "1.000000", slackfake.ErrCodeMessageNotFound},
	} {
		_, _, _, err := api.UpdateMessageContext(ctx, tc.channel, tc.ts, slack.MsgOptionText("x", false))
		if got := slackErr(t, err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	human := srv.PostAsUser(ch, "U0BOB", "hello bot")
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, human, slack.MsgOptionText("x", false)); slackErr(t, err) != slackfake.ErrCodeCantUpdateMessage {
		t.Errorf("update of a user's message: %v", err)
	}
	if _, _, err := api.DeleteMessageContext(ctx, ch, human); slackErr(t, err) != slackfake.ErrCodeCantDeleteMessage {
		t.Errorf("delete of a user's message: %v", err)
	}
}

func TestUpdateKeepingBlocksOption(t *testing.T) {
	srv := slackfake.New(t, slackfake.WithUpdateKeepingBlocks())
	api := client(t, srv)
	ctx := timeout(t)
	ch, ts, err := api.PostMessageContext(ctx, slackfake.DefaultChannelID, slack.MsgOptionBlocks(approvalBlocks("r")...))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("new text", false)); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Message(ch, ts); len(m.Buttons()) != 2 || m.Text != "new text" {
		t.Errorf("message = %+v", m)
	}
}

func TestThreadsEphemeralsAndDelete(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	ch := slackfake.DefaultChannelID
	_, parent, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("resync started", false))
	if err != nil {
		t.Fatal(err)
	}
	_, r1, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("10%", false), slack.MsgOptionTS(parent))
	if err != nil {
		t.Fatal(err)
	}
	// A thread_ts naming a reply joins the parent's thread.
	_, r2, _, err := api.PostMessageWithResponseContext(ctx, ch, slack.MsgOptionText("20%", false), slack.MsgOptionTS(r1))
	if err != nil {
		t.Fatal(err)
	}
	replies := srv.Replies(ch, parent)
	if len(replies) != 2 || replies[0].TS != r1 || replies[1].TS != r2 || replies[1].ThreadTS != parent {
		t.Errorf("replies = %+v", replies)
	}
	if top := srv.TopLevel(ch); len(top) != 1 || top[0].ReplyCount != 2 {
		t.Errorf("top level = %+v", top)
	}
	if all := srv.Messages(ch); len(all) != 3 {
		t.Errorf("%d messages, want 3", len(all))
	}

	ets, err := api.PostEphemeralContext(ctx, ch, "U0BOB", slack.MsgOptionText("only you", false))
	if err != nil || ets == "" {
		t.Fatalf("ephemeral: %q, %v", ets, err)
	}
	eph := srv.Ephemerals("U0BOB")
	if len(eph) != 1 || eph[0].Text != "only you" || !eph[0].Ephemeral || eph[0].Recipient != "U0BOB" {
		t.Errorf("ephemerals = %+v", eph)
	}
	if len(srv.Ephemerals("U0ALICE")) != 0 || len(srv.Messages(ch)) != 3 {
		t.Error("ephemeral leaked to others or into the channel")
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ets, slack.MsgOptionText("x", false)); slackErr(t, err) != slackfake.ErrCodeMessageNotFound {
		t.Errorf("chat.update of an ephemeral: %v", err)
	}

	if _, _, err := api.DeleteMessageContext(ctx, ch, r1); err != nil {
		t.Fatal(err)
	}
	if m, ok := srv.Message(ch, r1); !ok || !m.Deleted {
		t.Errorf("deleted message = %+v, %v", m, ok)
	}
	if len(srv.Replies(ch, parent)) != 1 {
		t.Error("deleted reply still listed")
	}
	if _, _, err := api.DeleteMessageContext(ctx, ch, r1); slackErr(t, err) != slackfake.ErrCodeMessageNotFound {
		t.Errorf("second delete: %v", err)
	}
}

func TestConversationsInfo(t *testing.T) {
	srv := slackfake.New(t, slackfake.WithChannel("C0OPS", "ops"))
	api := client(t, srv)
	c, err := api.GetConversationInfoContext(timeout(t), &slack.GetConversationInfoInput{ChannelID: "C0OPS"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "C0OPS" || c.Name != "ops" || !c.IsChannel || !c.IsMember {
		t.Errorf("info = %+v", c)
	}
	_, err = api.GetConversationInfoContext(timeout(t), &slack.GetConversationInfoInput{ChannelID: "C0NOPE"})
	if slackErr(t, err) != slackfake.ErrCodeChannelNotFound {
		t.Errorf("unknown channel: %v", err)
	}
}

func TestJSONBodyAndUnknownMethod(t *testing.T) {
	srv := slackfake.New(t)
	body := `{"channel":"` + slackfake.DefaultChannelID + `","text":"json","blocks":[{"type":"divider"}],"token":"ignored"}`
	post := func(auth string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"chat.postMessage", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	post("")
	if log := srv.CallLog("chat.postMessage"); log[0].Error != slackfake.ErrCodeNotAuthed {
		t.Errorf("token inside a JSON body was accepted: %+v", log[0])
	}
	post(srv.Token())
	msgs := srv.Messages(slackfake.DefaultChannelID)
	if len(msgs) != 1 || msgs[0].Text != "json" || len(msgs[0].Blocks.BlockSet) != 1 {
		t.Errorf("messages = %+v", msgs)
	}
	resp, err := http.PostForm(srv.URL()+"chat.scheduleMessage", url.Values{"token": {srv.Token()}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || srv.Calls("chat.scheduleMessage") != 1 {
		t.Errorf("unknown method: status %d", resp.StatusCode)
	}
}

func TestWaitForAndConcurrency(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, _, err := api.PostMessage(slackfake.DefaultChannelID, slack.MsgOptionText(fmt.Sprint("m", i), false)); err != nil {
				t.Error(err)
			}
		})
	}
	ctx := timeout(t)
	if err := srv.WaitFor(ctx, func() bool { return len(srv.Messages(slackfake.DefaultChannelID)) == n }); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	seen := map[string]bool{}
	var prev string
	for _, m := range srv.Messages(slackfake.DefaultChannelID) {
		if seen[m.TS] || m.TS <= prev {
			t.Errorf("ts %s after %s", m.TS, prev)
		}
		seen[m.TS], prev = true, m.TS
	}
	if srv.Calls("chat.postMessage") != n {
		t.Errorf("calls = %d", srv.Calls("chat.postMessage"))
	}

	m, err := func() (slackfake.Message, error) {
		go func() {
			_, _, _ = api.PostMessage(slackfake.DefaultChannelID, slack.MsgOptionText("needle", false))
		}()
		return srv.WaitForMessage(ctx, slackfake.DefaultChannelID, func(m slackfake.Message) bool { return m.Text == "needle" })
	}()
	if err != nil || m.Text != "needle" {
		t.Errorf("WaitForMessage = %+v, %v", m, err)
	}

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.WaitFor(short, func() bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor past its deadline = %v", err)
	}
}
