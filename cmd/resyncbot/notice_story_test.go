package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/slackfake"
)

// TestNoticesReachUsers: a manual notice is previewed, posted and delivered
// to the status channel and Teams; a resync tells users when it starts and
// when it is done; /resync history lists the notices.
func TestNoticesReachUsers(t *testing.T) {
	s := newStack(t, stackOpts{})
	a := s.startReplica()

	s.slash(a, uAlice, cProd, "/notice", "prod investigating Some doctors are missing from the recommendations list")
	preview := s.waitEphemeral(uAlice, "Preview")
	if !preview.Contains("Some doctors are missing from the recommendations list. We are looking into it") {
		t.Errorf("preview does not show what users will read:\n%s", preview.AllText())
	}
	if len(s.slack.Messages(cStatus)) != 0 {
		t.Fatal("the notice was posted before Post was clicked")
	}
	s.click(a, uAlice, preview, "notice_post")
	s.waitEphemeral(uAlice, "queued")
	s.waitMessage(cStatus, "Some doctors are missing")
	s.waitCard("users", "Some doctors are missing")

	s.slash(a, uAlice, cProd, "/resync", `prod reason="restore the list"`)
	s.click(a, uBob, s.waitMessage(cProd, "requested", "Approve"), "approve")
	s.waitMessage(cProd, "finished")
	s.waitMessage(cStatus, "We are refreshing the revalidation data")
	s.waitMessage(cStatus, "has been refreshed")
	s.waitCard("users", "has been refreshed")
	for _, m := range s.slack.Messages(cStatus) {
		for _, jargon := range []string{"alias", "reindex", "index"} {
			if strings.Contains(strings.ToLower(m.Text), jargon) {
				t.Errorf("a user-facing notice says %q: %s", jargon, m.Text)
			}
		}
	}

	s.slash(a, uAlice, cProd, "/resync", "history prod")
	h := s.waitEphemeral(uAlice, "Recent notices")
	if !h.Contains("investigating") || !h.Contains("Some doctors are missing") {
		t.Errorf("history does not list the manual notice:\n%s", h.AllText())
	}
}

// waitCard waits for a Teams card on webhook name containing text.
func (s *stack) waitCard(name, text string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := s.teams.WaitFor(ctx, func() bool {
		for _, c := range s.teams.Cards(name) {
			if strings.Contains(c.PlainText(), text) {
				return true
			}
		}
		return false
	})
	if err != nil {
		s.t.Fatalf("no Teams card on %s containing %q", name, text)
	}
}

// TestOnlyTheDrafterPostsOrDiscardsANotice: Carol cannot post or discard
// Alice's draft; Alice's Cancel discards it.
func TestOnlyTheDrafterPostsOrDiscardsANotice(t *testing.T) {
	s := newStack(t, stackOpts{})
	a := s.startReplica()
	s.slash(a, uAlice, cProd, "/notice", "prod monitoring The lists are back")
	preview := s.waitEphemeral(uAlice, "Preview")
	for _, action := range []string{"notice_post", "notice_drop"} {
		b, _ := preview.Button(action)
		res, _, err := slackfake.NewDriver(signingSecret).Click(context.Background(), a.url+"/slack/interactions",
			slackfake.Click{ActionID: action, Value: b.Value, UserID: uCarol, ChannelID: cProd, MessageTS: "1700000000.000100"})
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("click %s: %v %v", action, res, err)
		}
	}
	s.eventually(10*time.Second, "two refusals to Carol", func() bool {
		n := 0
		for _, m := range s.slack.Ephemerals(uCarol) {
			if m.Contains("Only the person who drafted") {
				n++
			}
		}
		return n == 2
	})
	s.click(a, uAlice, preview, "notice_drop")
	s.waitEphemeral(uAlice, "Notice discarded")
	if n := len(s.slack.Messages(cStatus)); n != 0 {
		t.Errorf("%d notices posted", n)
	}
}
