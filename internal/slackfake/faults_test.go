package slackfake_test

import (
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/internal/slackfake"
)

func TestRateLimitGivesRateLimitedError(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	_, ts, err := api.PostMessageContext(ctx, slackfake.DefaultChannelID, slack.MsgOptionText("v1", false))
	if err != nil {
		t.Fatal(err)
	}
	srv.RateLimit("chat.update", 2, 1500*time.Millisecond)
	for i := range 2 {
		_, _, _, err := api.UpdateMessageContext(ctx, slackfake.DefaultChannelID, ts, slack.MsgOptionText("v2", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			t.Fatalf("call %d: err = %v (%T), want *slack.RateLimitedError", i, err, err)
		}
		// Retry-After is whole seconds, rounded up.
		if rl.RetryAfter != 2*time.Second {
			t.Errorf("RetryAfter = %v, want 2s", rl.RetryAfter)
		}
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, slackfake.DefaultChannelID, ts, slack.MsgOptionText("v2", false)); err != nil {
		t.Fatalf("third call after two limited ones: %v", err)
	}
	log := srv.CallLog("chat.update")
	if len(log) != 3 || log[0].Status != 429 || log[0].Error != slackfake.ErrCodeRateLimited || log[2].Status != 200 {
		t.Errorf("call log = %+v", log)
	}
	if m, _ := srv.Message(slackfake.DefaultChannelID, ts); m.Edits != 1 {
		t.Errorf("rate-limited calls changed the message: %d edits", m.Edits)
	}
}

func TestOptionRetryRecoversFromRateLimit(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv, slack.OptionRetry(2))
	srv.RateLimit("chat.postMessage", 1, time.Second)
	start := time.Now()
	_, _, err := api.PostMessageContext(timeout(t), slackfake.DefaultChannelID, slack.MsgOptionText("after a wait", false))
	if err != nil {
		t.Fatalf("with OptionRetry: %v", err)
	}
	if srv.Calls("chat.postMessage") != 2 || len(srv.Messages(slackfake.DefaultChannelID)) != 1 {
		t.Errorf("calls %d, messages %d", srv.Calls("chat.postMessage"), len(srv.Messages(slackfake.DefaultChannelID)))
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before Retry-After", waited)
	}
}

func TestFailAndFaultOrder(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	srv.Fail("chat.postMessage", 1, "fatal_error")
	srv.RateLimit("chat.postMessage", 1, 0)
	_, _, err := api.PostMessageContext(ctx, slackfake.DefaultChannelID, slack.MsgOptionText("x", false))
	if got := slackErr(t, err); got != "fatal_error" {
		t.Errorf("first call: %q", got)
	}
	_, _, err = api.PostMessageContext(ctx, slackfake.DefaultChannelID, slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 0 {
		t.Errorf("second call: %v", err)
	}
	if _, _, err = api.PostMessageContext(ctx, slackfake.DefaultChannelID, slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("third call: %v", err)
	}
	// Faults of one method leave the others alone.
	srv.Fail("chat.update", 5, "internal_error")
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Errorf("auth.test: %v", err)
	}
}
