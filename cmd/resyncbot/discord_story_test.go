package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	discordbot "github.com/resyncbot/resyncbot/bot/discord"
	"github.com/resyncbot/resyncbot/internal/discordfake"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/internal/slackfake"
)

// discordSlash sends a signed slash command to replica r as Discord does.
func (s *stack) discordSlash(r *replica, user, channel, command, sub string, opts map[string]any) {
	s.t.Helper()
	if err := s.dc.SetCommands("", discordbot.Commands([]string{"prod", "staging"}, map[string][]string{"prod": {"masterdoctorindex"}, "staging": {"stagingdoctors"}})); err != nil {
		s.t.Fatal(err)
	}
	res, err := s.dcd.Slash(context.Background(), r.url+"/discord/interactions", discordfake.Slash{
		Command: command, Subcommand: sub, Options: opts, UserID: user, UserName: strings.ToLower(user), ChannelID: channel,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if res.Status != http.StatusOK {
		s.t.Fatalf("/%s %s: HTTP %d %s", command, sub, res.Status, res.Body)
	}
}

// discordClick clicks customID on message m as user; a button with a
// confirm step is confirmed through Discord's "Are you sure?" follow-up.
func (s *stack) discordClick(r *replica, user string, m discordfake.Message, customID string) {
	s.t.Helper()
	url := r.url + "/discord/interactions"
	if _, ok := m.Button(customID); !ok {
		if _, ok := m.Button("confirm:" + customID); !ok {
			s.t.Fatalf("message %s has no %q button: %v", m.ID, customID, m.CustomIDs())
		}
		res, err := s.dcd.Click(context.Background(), url, discordfake.Click{MessageID: m.ID, CustomID: "confirm:" + customID, UserID: user, ChannelID: m.ChannelID})
		if err != nil {
			s.t.Fatal(err)
		}
		if res.Status != http.StatusOK || res.ApplyError != "" {
			s.t.Fatalf("confirm step of %s: HTTP %d %s", customID, res.Status, res.ApplyError)
		}
		// The question is the newest message only user sees with the real button.
		var question discordfake.Message
		for _, e := range s.dc.Ephemerals(user) {
			if _, ok := e.Button(customID); ok {
				question = e
			}
		}
		if question.ID == "" {
			s.t.Fatalf("no confirm question after clicking %s", customID)
		}
		m = question
	}
	res, err := s.dcd.Click(context.Background(), url, discordfake.Click{MessageID: m.ID, CustomID: customID, UserID: user, ChannelID: m.ChannelID})
	if err != nil {
		s.t.Fatal(err)
	}
	if res.Status != http.StatusOK {
		s.t.Fatalf("click %s: HTTP %d %s", customID, res.Status, res.Body)
	}
}

// discordMessage waits for a message in a Discord channel containing every string.
func (s *stack) discordMessage(channel string, contains ...string) discordfake.Message {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := s.dc.WaitForMessage(ctx, channel, func(m discordfake.Message) bool {
		for _, c := range contains {
			if !m.Contains(c) {
				return false
			}
		}
		return true
	})
	if err != nil {
		var all []string
		for _, m := range s.dc.Messages(channel) {
			all = append(all, m.Text())
		}
		s.t.Fatalf("no Discord message in %s containing %q: %v\n%s", channel, contains, err, strings.Join(all, "\n---\n"))
	}
	return m
}

// discordEphemeral waits for a message only user sees containing text.
func (s *stack) discordEphemeral(user, text string) discordfake.Message {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := s.dc.WaitForEphemeral(ctx, user, func(m discordfake.Message) bool { return m.Contains(text) })
	if err != nil {
		s.t.Fatalf("no ephemeral to %s containing %q: %v", user, text, err)
	}
	return m
}

func buttonWith(t *testing.T, m discordfake.Message, prefix string) string {
	t.Helper()
	for _, id := range m.CustomIDs() {
		if strings.HasPrefix(strings.TrimPrefix(id, "confirm:"), prefix) {
			return strings.TrimPrefix(id, "confirm:")
		}
	}
	t.Fatalf("message has no %s… button: %v", prefix, m.CustomIDs())
	return ""
}

// TestDiscordStory is the production story on Discord: requested, refused
// to its requester, approved by another, run, and restored.
func TestDiscordStory(t *testing.T) {
	s := newStack(t, stackOpts{})
	s.seedLegacy("masterdoctorindex", "masterdoctorindex_v1")
	a, b := s.startReplica(), s.startReplica()

	s.discordSlash(a, dAlice, dProd, "resync", "start", map[string]any{"env": "prod", "reason": "GMC data refresh"})
	req := s.discordMessage(dProd, "PRODUCTION", "requested", "GMC data refresh")
	approve := buttonWith(t, req, "approve:")
	if _, ok := req.Button("confirm:" + approve); !ok {
		t.Errorf("prod Approve has no confirm step: %v", req.CustomIDs())
	}
	s.discordClick(a, dAlice, req, approve)
	s.discordEphemeral(dAlice, "two-person rule")

	s.discordClick(b, dBob, req, approve)
	done := s.discordMessage(dProd, "finished", "Restore")
	if !done.Contains("Bob") {
		t.Errorf("summary does not name the approver:\n%s", done.Text())
	}
	if got := s.aliasTarget("masterdoctorindex"); !strings.HasPrefix(got, "masterdoctorindex-") {
		t.Fatalf("alias after the Discord resync: %q", got)
	}
	s.discordClick(b, dCarol, done, buttonWith(t, done, "restore:"))
	s.discordMessage(dProd, "restored", "Carol")
	if got := s.aliasTarget("masterdoctorindex"); got != "masterdoctorindex_v1" {
		t.Errorf("after a Discord restore the alias points at %q", got)
	}

	// Bad and stale signatures are refused by serve.
	for name, opt := range map[string]discordfake.SendOption{"wrong key": discordfake.WrongKey(), "stale": discordfake.StaleTimestamp()} {
		res, err := s.dcd.Ping(context.Background(), a.url+"/discord/interactions", opt)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s PING: HTTP %d, want 401", name, res.Status)
		}
	}
}

// TestSlackJobAbortedAndRestoredFromDiscord: a job started and approved on
// Slack is aborted from Discord; a finished one is restored from Discord.
func TestSlackJobAbortedAndRestoredFromDiscord(t *testing.T) {
	s := newStack(t, stackOpts{prodDocs: 40000})
	s.seedLegacy("masterdoctorindex", "masterdoctorindex_v1")
	s.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 30 * time.Millisecond})
	a, b := s.startReplica(), s.startReplica()

	s.slash(a, uAlice, cProd, "/resync", `prod reason="slack start"`)
	s.click(a, uBob, s.waitMessage(cProd, "requested", "Approve"), "approve")
	running := s.waitMessage(cProd, "running", "Abort")
	s.eventually(20*time.Second, "progress", func() bool {
		m, _ := s.slack.Message(cProd, running.TS)
		return m.Contains("▓")
	})
	job := jobIDOf(t, running.AllText())
	s.discordSlash(b, dCarol, dProd, "abort", "", map[string]any{"job": job})
	s.discordEphemeral(dCarol, "Abort requested")
	s.waitMessage(cProd, "aborted — live data unchanged")

	s.es.ClearFaults()
	s.slash(a, uAlice, cProd, "/resync", `prod reason="second try"`)
	s.click(a, uBob, s.waitMessage(cProd, "requested", "Approve", "second try"), "approve")
	s.waitMessage(cProd, "finished", "second try")
	s.discordSlash(b, dCarol, dProd, "restore", "", map[string]any{"env": "prod"})
	s.discordMessage(dProd, "restored", "Carol")
	if got := s.aliasTarget("masterdoctorindex"); got != "masterdoctorindex_v1" {
		t.Errorf("after restoring from Discord the alias points at %q", got)
	}
}

// TestSamePersonCannotApproveFromTheOtherPlatform: Alice asks on Discord and
// tries to approve with her Slack identity.
func TestSamePersonCannotApproveFromTheOtherPlatform(t *testing.T) {
	s := newStack(t, stackOpts{})
	a := s.startReplica()
	s.discordSlash(a, dAlice, dProd, "resync", "start", map[string]any{"env": "prod", "reason": "cross-platform"})
	req := s.discordMessage(dProd, "requested")
	id := strings.TrimPrefix(buttonWith(t, req, "approve:"), "approve:")
	res, _, err := slackfake.NewDriver(signingSecret).Click(context.Background(), a.url+"/slack/interactions",
		slackfake.Click{ActionID: "approve", Value: id, UserID: uAlice, ChannelID: cProd, MessageTS: "1700000000.000100"})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("click: %v %v", res, err)
	}
	s.waitEphemeral(uAlice, "two-person rule")
	if m, _ := s.dc.Message(req.ID); !m.Contains("0 of 1") {
		t.Errorf("Alice's Slack identity approved her own Discord request:\n%s", m.Text())
	}
}

// TestDiscordRateLimitStormDoesNotStallTheJob: Discord answers 429 to a
// run of message edits; the job still finishes and its summary arrives.
func TestDiscordRateLimitStormDoesNotStallTheJob(t *testing.T) {
	s := newStack(t, stackOpts{prodDocs: 20000})
	a := s.startReplica()
	s.discordSlash(a, dAlice, dProd, "resync", "start", map[string]any{"env": "prod", "reason": "storm"})
	req := s.discordMessage(dProd, "requested")
	s.dc.RateLimit(discordfake.RouteMessageEdit, 16, 200*time.Millisecond)
	s.discordClick(a, dBob, req, buttonWith(t, req, "approve:"))
	// The job is not held up by its message: it finishes at its own pace…
	var state string
	s.eventually(20*time.Second, "job finished under a 429 storm", func() bool {
		hist := s.redis.Client.ZRange(context.Background(), s.redis.Prefix+"env:prod:jobs", 0, -1).Val()
		if len(hist) != 1 {
			return false
		}
		state = s.redis.Client.HGet(context.Background(), s.redis.Prefix+"job:"+hist[0], "state").Val()
		return state == "succeeded" || state == "failed" || state == "aborted"
	})
	if state != "succeeded" {
		t.Errorf("job state %q under a 429 storm", state)
	}
	// …and the summary still arrives once Discord lets edits through.
	s.discordMessage(dProd, "finished")
}

// jobIDOf finds the job id in a job message's footer.
func jobIDOf(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "job ")
	for i >= 0 {
		rest := text[i+4:]
		if len(rest) >= 20 && rest[8] == '-' && rest[15] == '-' {
			return rest[:20]
		}
		j := strings.Index(rest, "job ")
		if j < 0 {
			break
		}
		i += 4 + j
	}
	t.Fatalf("no job id in %q", text)
	return ""
}

// TestProdRefusedOnAPlatformWithoutItsOpsChannel: prod has an ops channel
// on Slack only, so no Discord channel may start or restore it.
func TestProdRefusedOnAPlatformWithoutItsOpsChannel(t *testing.T) {
	s := newStack(t, stackOpts{noDiscordOps: true})
	a := s.startReplica()
	s.discordSlash(a, dAlice, dProd, "resync", "start", map[string]any{"env": "prod", "reason": "from the wrong place"})
	s.discordEphemeral(dAlice, "has no ops channel on discord")
	s.discordSlash(a, dAlice, dProd, "restore", "", map[string]any{"env": "prod"})
	s.eventually(10*time.Second, "two refusals", func() bool {
		n := 0
		for _, m := range s.dc.Ephemerals(dAlice) {
			if m.Contains("has no ops channel on discord") {
				n++
			}
		}
		return n == 2
	})
	if n := len(s.dc.Messages(dProd)); n != 0 {
		t.Errorf("a refused prod request posted %d messages", n)
	}
}
