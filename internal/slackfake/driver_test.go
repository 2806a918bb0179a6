package slackfake_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/internal/slackfake"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// received is one request our fake app endpoint got, checked the way a real
// handler checks it.
type received struct {
	header    http.Header
	body      []byte
	verifyErr error
	slash     slack.SlashCommand
	click     slack.InteractionCallback
	parseErr  error
}

// app is an endpoint that verifies and parses what the Driver sends.
type app struct {
	mu   sync.Mutex
	got  []received
	url  string
	kind string // "slash" or "click"
}

func newApp(t *testing.T, kind string) *app {
	t.Helper()
	a := &app{kind: kind}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := received{header: r.Header.Clone(), body: body}
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		rec.verifyErr = err
		r.Body = io.NopCloser(bytes.NewReader(body))
		if a.kind == "slash" {
			rec.slash, rec.parseErr = slack.SlashCommandParse(r)
		} else {
			rec.click, rec.parseErr = slack.InteractionCallbackParse(r)
		}
		a.mu.Lock()
		a.got = append(a.got, rec)
		a.mu.Unlock()
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ack")
	}))
	t.Cleanup(hs.Close)
	a.url = hs.URL + "/slack/" + kind
	return a
}

func (a *app) last(t *testing.T) received {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.got) == 0 {
		t.Fatal("the app received nothing")
	}
	return a.got[len(a.got)-1]
}

func (a *app) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.got)
}

func TestSignatureMatchesSlackExample(t *testing.T) {
	// The worked example of Slack's "Verifying requests from Slack" guide.
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	got := slackfake.Signature(secret, "1531420618", []byte(body))
	if want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
}

func TestSlashCommand(t *testing.T) {
	srv := slackfake.New(t, slackfake.WithChannel("C0OPS", "ops"))
	a := newApp(t, "slash")
	d := slackfake.NewDriver(secret, slackfake.WithServer(srv))
	resp, body, err := d.SlashCommand(timeout(t), a.url, slackfake.Slash{Text: "run orders --dry-run", ChannelID: "C0OPS", UserID: "U0BOB", UserName: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || string(body) != "ack" {
		t.Errorf("answer %d %q", resp.StatusCode, body)
	}
	rec := a.last(t)
	if rec.verifyErr != nil || rec.parseErr != nil {
		t.Fatalf("verify: %v, parse: %v", rec.verifyErr, rec.parseErr)
	}
	s := rec.slash
	want := slack.SlashCommand{Token: "fake-verification-token", TeamID: slackfake.TeamID, TeamDomain: slackfake.TeamDomain,
		ChannelID: "C0OPS", ChannelName: "ops", UserID: "U0BOB", UserName: "bob", Command: "/resync",
		Text: "run orders --dry-run", APIAppID: slackfake.AppID, ResponseURL: s.ResponseURL, TriggerID: s.TriggerID}
	if s != want {
		t.Errorf("parsed\n%+v\nwant\n%+v", s, want)
	}
	if s.TriggerID == "" || !strings.HasPrefix(s.ResponseURL, "http://127.0.0.1") {
		t.Errorf("trigger_id %q response_url %q", s.TriggerID, s.ResponseURL)
	}
	if ct := rec.header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	// The response_url answers as the command's user, in its channel.
	api := client(t, srv)
	if _, _, err := api.PostMessageContext(timeout(t), "", slack.MsgOptionResponseURL(s.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("Resync of orders planned", false)); err != nil {
		t.Fatal(err)
	}
	if eph := srv.Ephemerals("U0BOB"); len(eph) != 1 || eph[0].Channel != "C0OPS" {
		t.Errorf("ephemerals = %+v", eph)
	}
}

func TestClickRoundTrips(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	ch, ts, err := api.PostMessageContext(ctx, slackfake.DefaultChannelID,
		slack.MsgOptionText("approve?", false), slack.MsgOptionBlocks(approvalBlocks("req-9")...))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, "click")
	d := slackfake.NewDriver(secret, slackfake.WithServer(srv))
	if _, _, err := d.Click(ctx, a.url, slackfake.Click{ActionID: "approve", UserID: "U0BOB", UserName: "bob", MessageTS: ts}); err != nil {
		t.Fatal(err)
	}
	rec := a.last(t)
	if rec.verifyErr != nil || rec.parseErr != nil {
		t.Fatalf("verify: %v, parse: %v", rec.verifyErr, rec.parseErr)
	}
	ic := rec.click
	if ic.Type != slack.InteractionTypeBlockActions || len(ic.ActionCallback.BlockActions) != 1 {
		t.Fatalf("callback = %+v", ic)
	}
	act := ic.ActionCallback.BlockActions[0]
	if act.ActionID != "approve" || act.Value != "req-9" || act.BlockID != "decide" || act.Type != "button" || act.Text.Text != "Approve" || act.ActionTs == "" {
		t.Errorf("action = %+v", act)
	}
	if ic.User.ID != "U0BOB" || ic.User.Name != "bob" || ic.User.TeamID != slackfake.TeamID {
		t.Errorf("user = %+v", ic.User)
	}
	if ic.Channel.ID != ch || ic.Channel.Name != "general" || ic.Team.ID != slackfake.TeamID || ic.Team.Domain != slackfake.TeamDomain {
		t.Errorf("channel %+v team %+v", ic.Channel.GroupConversation, ic.Team)
	}
	if ic.Container.Type != "message" || ic.Container.MessageTs != ts || ic.Container.ChannelID != ch || ic.Container.IsEphemeral {
		t.Errorf("container = %+v", ic.Container)
	}
	if ic.Message.Timestamp != ts || ic.Message.Text != "approve?" || len(ic.Message.Blocks.BlockSet) != 2 || ic.Message.BotID != slackfake.BotID {
		t.Errorf("message = %+v", ic.Message.Msg)
	}
	if ic.APIAppID != slackfake.AppID || ic.TriggerID == "" || ic.Token != "fake-verification-token" || ic.BlockActionState == nil {
		t.Errorf("app %q trigger %q token %q state %v", ic.APIAppID, ic.TriggerID, ic.Token, ic.BlockActionState)
	}

	// The response_url in the payload replaces the clicked message.
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(ic.ResponseURL), slack.MsgOptionText("Approved by <@U0BOB>", false)); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Message(ch, ts); m.Text != "Approved by <@U0BOB>" || len(m.Buttons()) != 0 {
		t.Errorf("after replace: %+v", m)
	}
}

func TestClickRefusesImpossibleClicks(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	_, ts, err := api.PostMessageContext(ctx, slackfake.DefaultChannelID, slack.MsgOptionBlocks(approvalBlocks("r")...))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, "click")
	d := slackfake.NewDriver(secret, slackfake.WithServer(srv))
	if _, _, err := d.Click(ctx, a.url, slackfake.Click{ActionID: "cancel", MessageTS: ts}); !errors.Is(err, slackfake.ErrNoButton) {
		t.Errorf("unknown button: %v", err)
	}
	if _, _, err := api.DeleteMessageContext(ctx, slackfake.DefaultChannelID, ts); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Click(ctx, a.url, slackfake.Click{ActionID: "approve", MessageTS: ts}); !errors.Is(err, slackfake.ErrNoMessage) {
		t.Errorf("deleted message: %v", err)
	}
	if a.count() != 0 {
		t.Errorf("%d impossible clicks were sent", a.count())
	}
}

func TestClickOnEphemeral(t *testing.T) {
	srv := slackfake.New(t)
	api := client(t, srv)
	ctx := timeout(t)
	ets, err := api.PostEphemeralContext(ctx, slackfake.DefaultChannelID, "U0BOB", slack.MsgOptionBlocks(approvalBlocks("r")...))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, "click")
	d := slackfake.NewDriver(secret, slackfake.WithServer(srv))
	if _, _, err := d.Click(ctx, a.url, slackfake.Click{ActionID: "deny", UserID: "U0BOB", MessageTS: ets}); err != nil {
		t.Fatal(err)
	}
	ic := a.last(t).click
	if !ic.Container.IsEphemeral || ic.Message.Timestamp != "" || ic.ActionCallback.BlockActions[0].Value != "r" {
		t.Errorf("ephemeral click: container %+v, message ts %q", ic.Container, ic.Message.Timestamp)
	}
	if !bytes.Contains(a.last(t).body, []byte("payload=")) {
		t.Errorf("body is not a payload form: %s", a.last(t).body)
	}
}

func TestClickWithoutServer(t *testing.T) {
	a := newApp(t, "click")
	d := slackfake.NewDriver(secret)
	c := slackfake.Click{ActionID: "approve", Value: "r1", ChannelID: "C0OPS", MessageTS: "1700000000.000100", ResponseURL: "http://127.0.0.1:1/response/x"}
	if _, _, err := d.Click(timeout(t), a.url, c); err != nil {
		t.Fatal(err)
	}
	rec := a.last(t)
	if rec.verifyErr != nil || rec.parseErr != nil {
		t.Fatalf("verify: %v, parse: %v", rec.verifyErr, rec.parseErr)
	}
	ic := rec.click
	if ic.ActionCallback.BlockActions[0].Value != "r1" || ic.Container.MessageTs != c.MessageTS || ic.ResponseURL != c.ResponseURL || ic.User.ID != slackfake.DefaultUserID {
		t.Errorf("callback = %+v", ic)
	}
}

func TestSigningFaults(t *testing.T) {
	a := newApp(t, "slash")
	d := slackfake.NewDriver(secret)
	ctx := timeout(t)
	for _, tc := range []struct {
		name string
		opt  slackfake.SendOption
		want error
	}{
		{"wrong secret", slackfake.SignWith("not-the-secret"), slack.ErrInvalidSignature},
		{"unsigned", slackfake.Unsigned(), slack.ErrMissingHeaders},
		{"no timestamp", slackfake.NoTimestamp(), slack.ErrMissingHeaders},
		{"stale", slackfake.StaleTimestamp(), slack.ErrExpiredTimestamp},
		{"future", slackfake.Aged(-10 * time.Minute), slack.ErrExpiredTimestamp},
		{"tampered body", slackfake.Tampered(), slack.ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _, err := d.SlashCommand(ctx, a.url, slackfake.Slash{Text: "run"}, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.last(t).verifyErr; !errors.Is(got, tc.want) {
				t.Errorf("verifier said %v, want %v", got, tc.want)
			}
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	// Four minutes old still passes: the window is five.
	if _, _, err := d.SlashCommand(ctx, a.url, slackfake.Slash{Text: "run"}, slackfake.Aged(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := a.last(t).verifyErr; err != nil {
		t.Errorf("4 minutes old: %v", err)
	}
}

func TestReplaySendsSameBytesAndClock(t *testing.T) {
	a := newApp(t, "slash")
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	d := slackfake.NewDriver(secret, slackfake.WithDriverClock(func() time.Time { return at }))
	ctx := timeout(t)
	if _, _, err := d.SlashCommand(ctx, a.url, slackfake.Slash{Text: "run orders"}); err != nil {
		t.Fatal(err)
	}
	first := a.last(t)
	if got, want := first.header.Get(slackfake.HeaderTimestamp), strconv.FormatInt(at.Unix(), 10); got != want {
		t.Errorf("timestamp %s, want %s from the injected clock", got, want)
	}
	if _, _, err := d.Replay(ctx, d.Last()); err != nil {
		t.Fatal(err)
	}
	second := a.last(t)
	if !bytes.Equal(first.body, second.body) {
		t.Error("replayed body differs")
	}
	for _, h := range []string{slackfake.HeaderTimestamp, slackfake.HeaderSignature, "Content-Type"} {
		if first.header.Get(h) != second.header.Get(h) {
			t.Errorf("replayed %s differs", h)
		}
	}
	// slack-go's verifier does not deduplicate: remembering signatures is
	// the app's job, and a replay is how its tests prove it does.
	if second.verifyErr != nil {
		t.Errorf("replay failed verification: %v", second.verifyErr)
	}
	if _, _, err := d.Replay(ctx, slackfake.Request{}); err == nil {
		t.Error("replay of nothing succeeded")
	}
}
