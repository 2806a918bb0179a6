package slackfake_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/internal/slackfake"
)

// postJSON posts body to a response_url as an app would without slack-go.
func postJSON(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestResponseURLReplaceOriginalWithSlackGo(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	ch, ts, err := api.PostMessageContext(ctx, slackfake.DefaultChannelID,
		slack.MsgOptionText("approve?", false), slack.MsgOptionBlocks(approvalBlocks("r1")...))
	if err != nil {
		t.Fatal(err)
	}
	u := srv.UserResponseURL(ch, ts, "U0ALICE")
	_, _, err = api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(u), slack.MsgOptionText("Approved by <@U0ALICE>", false))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := srv.Message(ch, ts)
	if m.Text != "Approved by <@U0ALICE>" || len(m.Buttons()) != 0 || m.Edits != 1 || m.Versions[1].Via != "response_url" {
		t.Errorf("replaced message = %+v", m)
	}
	if len(srv.Messages(ch)) != 1 || len(srv.Ephemerals("U0ALICE")) != 0 {
		t.Error("replace_original posted a new message")
	}

	// Without replace_original an answer is a new ephemeral for the user.
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("only you see this", false)); err != nil {
		t.Fatal(err)
	}
	if eph := srv.Ephemerals("U0ALICE"); len(eph) != 1 || eph[0].Text != "only you see this" {
		t.Errorf("ephemerals = %+v", eph)
	}
	// in_channel posts to the channel.
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(u, slack.ResponseTypeInChannel),
		slack.MsgOptionText("for everyone", false)); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(ch); len(msgs) != 2 || msgs[1].Text != "for everyone" || msgs[1].Via != "response_url" {
		t.Errorf("messages = %+v", msgs)
	}
	// delete_original removes it.
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionDeleteOriginal(u)); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Message(ch, ts); !m.Deleted {
		t.Error("delete_original left the message")
	}
	if srv.Calls("response_url") != 4 {
		t.Errorf("response_url calls = %d", srv.Calls("response_url"))
	}
}

func TestResponseURLOnEphemeralAndSlash(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	ets, err := api.PostEphemeralContext(ctx, slackfake.DefaultChannelID, "U0BOB", slack.MsgOptionBlocks(approvalBlocks("r")...))
	if err != nil {
		t.Fatal(err)
	}
	u := srv.UserResponseURL(slackfake.DefaultChannelID, ets, "U0BOB")
	if code, _ := postJSON(t, u, map[string]any{"replace_original": "true", "text": "done"}); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	eph := srv.Ephemerals("U0BOB")
	if len(eph) != 1 || eph[0].Text != "done" || eph[0].Edits != 1 || eph[0].RawBlocks != nil {
		t.Errorf("ephemeral after replace = %+v", eph)
	}

	slash := srv.UserResponseURL(slackfake.DefaultChannelID, "", "U0BOB")
	if code, body := postJSON(t, slash, map[string]any{"replace_original": true, "text": "x"}); code != http.StatusOK || body["error"] != slackfake.ErrCodeMessageNotFound {
		t.Errorf("replace_original without an original: %d %v", code, body)
	}
	if code, body := postJSON(t, slash, map[string]any{"blocks": []any{map[string]any{"type": "section"}}}); body["error"] != slackfake.ErrCodeInvalidBlocks {
		t.Errorf("invalid blocks: %d %v", code, body)
	}
	if code, body := postJSON(t, slash, map[string]any{"response_type": "ephemeral"}); body["error"] != slackfake.ErrCodeNoText {
		t.Errorf("empty answer: %d %v", code, body)
	}
}

func TestResponseURLLimits(t *testing.T) {
	srv := slackfake.New(t, slackfake.WithClock(newClock().Now))
	u := srv.UserResponseURL(slackfake.DefaultChannelID, "", "U0BOB")
	for i := range 5 {
		if code, body := postJSON(t, u, map[string]any{"text": "n"}); code != http.StatusOK || body["ok"] != true {
			t.Fatalf("use %d: %d %v", i+1, code, body)
		}
	}
	if code, body := postJSON(t, u, map[string]any{"text": "n"}); code != http.StatusNotFound || body["error"] != slackfake.ErrCodeUsedURL {
		t.Errorf("sixth use: %d %v", code, body)
	}
	if code, body := postJSON(t, u[:strings.LastIndex(u, "/")+1]+"nope", map[string]any{"text": "n"}); code != http.StatusNotFound || body["error"] != slackfake.ErrCodeNoActiveHooks {
		t.Errorf("unknown url: %d %v", code, body)
	}
	fresh := srv.UserResponseURL(slackfake.DefaultChannelID, "", "U0BOB")
	srv.RateLimit("response_url", 1, 3*time.Second)
	resp, err := http.Post(fresh, "application/json", bytes.NewReader([]byte(`{"text":"n"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("rate limited response_url: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if len(srv.Ephemerals("U0BOB")) != 5 {
		t.Errorf("%d ephemerals, want 5", len(srv.Ephemerals("U0BOB")))
	}
}

func TestResponseURLExpires(t *testing.T) {
	clock := newClock()
	srv := slackfake.New(t, slackfake.WithClock(clock.Now))
	u := srv.UserResponseURL(slackfake.DefaultChannelID, "", "U0BOB")
	clock.Advance(29 * time.Minute)
	if code, body := postJSON(t, u, map[string]any{"text": "in time"}); code != http.StatusOK {
		t.Errorf("after 29 minutes: %d %v", code, body)
	}
	clock.Advance(2 * time.Minute)
	if code, body := postJSON(t, u, map[string]any{"text": "late"}); code != http.StatusNotFound || body["error"] != slackfake.ErrCodeExpiredURL {
		t.Errorf("after 31 minutes: %d %v", code, body)
	}
}
