package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/internal/slackfake"
)

// seedLegacy puts a hand-made index behind alias, as before resyncbot.
func (s *stack) seedLegacy(alias, index string) {
	s.t.Helper()
	calls := []struct{ method, path, body string }{
		{"PUT", "/" + index, `{}`},
		{"POST", "/" + index + "/_bulk?refresh=true", "{\"index\":{\"_id\":\"1\"}}\n{\"gmcReferenceNumber\":\"1\"}\n"},
		{"POST", "/_aliases", `{"actions":[{"add":{"index":"` + index + `","alias":"` + alias + `"}}]}`},
	}
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, s.esURL+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			s.t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 {
			s.t.Fatalf("%s %s: %d", c.method, c.path, res.StatusCode)
		}
	}
}

// TestStoryOnTwoReplicas is the whole story: a production resync requested
// on one replica, refused to its requester, approved on the other, run,
// summarised, and restored by a third engineer.
func TestStoryOnTwoReplicas(t *testing.T) {
	s := newStack(t, stackOpts{})
	s.seedLegacy("masterdoctorindex", "masterdoctorindex_v1")
	a, b := s.startReplica(), s.startReplica()

	s.slash(a, uAlice, cProd, "/resync", `prod reason="GMC data refresh"`)
	req := s.waitMessage(cProd, "PRODUCTION", "Resync of PRODUCTION (prod) requested", "GMC data refresh", "Approve")
	approve, _ := req.Button("approve")
	if approve.Style != "danger" || !strings.Contains(string(req.RawBlocks), `"confirm"`) {
		t.Errorf("prod Approve is not a danger button with a confirm dialog: %+v", approve)
	}

	s.click(a, uAlice, req, "approve")
	s.waitEphemeral(uAlice, "two-person rule")
	if m, _ := s.slack.Message(cProd, req.TS); !m.Contains("0 of 1") {
		t.Errorf("the requester's own approval counted:\n%s", m.AllText())
	}

	s.click(b, uBob, req, "approve")
	decided := s.waitMessage(cProd, "Approved* by Bob")
	if len(decided.ActionIDs()) != 0 {
		t.Errorf("the decided request still has buttons: %v", decided.ActionIDs())
	}
	if !decided.Contains("Kept for restore") || !decided.Contains("2,000 records") {
		t.Errorf("the decided request lost the plan approvers saw:\n%s", decided.AllText())
	}
	done := s.waitMessage(cProd, "Resync of PRODUCTION (prod) finished", "Restore previous")
	if done.Edits == 0 {
		t.Error("the job message was never updated while it ran")
	}
	if !done.Contains("Approved by") || !done.Contains("Bob") || !done.Contains("2,000 documents") {
		t.Errorf("summary lacks approver or counts:\n%s", done.AllText())
	}
	newIndex := s.aliasTarget("masterdoctorindex")
	if !strings.HasPrefix(newIndex, "masterdoctorindex-") {
		t.Fatalf("alias points at %q after the resync", newIndex)
	}

	s.click(b, uCarol, done, "restore")
	s.waitMessage(cProd, "restored", "Carol")
	if got := s.aliasTarget("masterdoctorindex"); got != "masterdoctorindex_v1" {
		t.Errorf("after restore the alias points at %q, want the previous data", got)
	}
	// A second click on the same summary must not flip the data back.
	s.click(a, uCarol, done, "restore")
	s.waitEphemeral(uCarol, "no longer live")
	if got := s.aliasTarget("masterdoctorindex"); got != "masterdoctorindex_v1" {
		t.Errorf("a repeated restore click moved the alias to %q", got)
	}
}

func TestAbortFromTheOtherReplica(t *testing.T) {
	s := newStack(t, stackOpts{prodDocs: 200000})
	s.seedLegacy("masterdoctorindex", "masterdoctorindex_v1")
	s.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 30 * time.Millisecond})
	a, b := s.startReplica(), s.startReplica()

	s.slash(a, uAlice, cProd, "/resync", `prod reason="refresh"`)
	req := s.waitMessage(cProd, "requested", "Approve")
	s.click(a, uBob, req, "approve")
	running := s.waitMessage(cProd, "running", "Abort")
	s.eventually(20*time.Second, "progress shown", func() bool {
		m, _ := s.slack.Message(cProd, running.TS)
		return m.Contains("▓")
	})
	s.click(b, uCarol, running, "abort")
	s.waitEphemeral(uCarol, "Abort requested")
	s.waitMessage(cProd, "aborted — live data unchanged")
	if got := s.aliasTarget("masterdoctorindex"); got != "masterdoctorindex_v1" {
		t.Errorf("abort moved the alias to %q", got)
	}
}

func TestSignedRequestsOnly(t *testing.T) {
	s := newStack(t, stackOpts{})
	a := s.startReplica()
	url := a.url + "/slack/commands"
	cmd := slackfake.Slash{Command: "/resync", Text: "staging", UserID: uAlice, UserName: "alice", ChannelID: cStaging}
	for name, opt := range map[string]slackfake.SendOption{
		"unsigned":     slackfake.Unsigned(),
		"wrong secret": slackfake.SignWith("not-the-secret"),
		"stale":        slackfake.StaleTimestamp(),
		"tampered":     slackfake.Tampered(),
	} {
		res, _, err := s.driver.SlashCommand(context.Background(), url, cmd, opt)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s request: HTTP %d, want 401", name, res.StatusCode)
		}
	}
	// A genuine request, then the same bytes again.
	res, _, err := s.driver.SlashCommand(context.Background(), url, slackfake.Slash{Command: "/resync", Text: "status", UserID: uAlice, UserName: "alice", ChannelID: cStaging})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("genuine request: %v %v", res.StatusCode, err)
	}
	s.waitEphemeral(uAlice, "Status of")
	res, _, err = s.driver.Replay(context.Background(), s.driver.Last())
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed request: HTTP %d, want 401", res.StatusCode)
	}
	// The same signature in upper case still verifies (hex), so it is still a replay.
	again := s.driver.Last()
	sig := again.Header.Get(slackfake.HeaderSignature)
	again.Header.Set(slackfake.HeaderSignature, "v0="+strings.ToUpper(strings.TrimPrefix(sig, "v0=")))
	res, _, err = s.driver.Replay(context.Background(), again)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("replay with the signature's case changed: HTTP %d, want 401", res.StatusCode)
	}
	if n := len(s.slack.Messages(cStaging)); n != 0 {
		t.Errorf("refused requests had an effect: %d messages", n)
	}
	s.waitEphemeral(uAlice, "Status of staging") // status shows one message per environment
	if n := len(s.slack.Ephemerals(uAlice)); n != 2 {
		t.Errorf("%d ephemerals to alice, want the 2 of the one genuine status request", n)
	}
}

func TestRefusals(t *testing.T) {
	s := newStack(t, stackOpts{})
	a := s.startReplica()
	s.slash(a, uAlice, cProd, "/resync", `prd reason="x"`)
	s.waitEphemeral(uAlice, `did you mean "prod"`)
	s.slash(a, uDave, cProd, "/resync", `prod reason="x"`)
	s.waitEphemeral(uDave, "Only engineers")
	s.slash(a, uAlice, cRandom, "/resync", `prod reason="x"`)
	s.waitEphemeral(uAlice, "only accepted in <#"+cProd+">")
	s.slash(a, uAlice, cProd, "/resync", `prod`)
	s.waitEphemeral(uAlice, "A reason is required")
	if n := len(s.slack.Messages(cProd)); n != 0 {
		t.Errorf("a refused request posted %d messages", n)
	}
}

func TestFiftyConcurrentApprovalsStartOneJob(t *testing.T) {
	s := newStack(t, stackOpts{})
	a, b := s.startReplica(), s.startReplica()
	s.slash(a, uAlice, cProd, "/resync", `prod reason="race"`)
	req := s.waitMessage(cProd, "requested", "Approve")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, user := a, uBob
			if i%2 == 1 {
				r, user = b, uErin
			}
			s.clickStale(r, user, req, "approve")
		}()
	}
	wg.Wait()
	s.waitMessage(cProd, "finished")
	jobs := 0
	for _, m := range s.slack.Messages(cProd) {
		if m.Contains("Resync of PRODUCTION (prod) finished") || m.Contains("running") {
			jobs++
		}
	}
	if jobs != 1 {
		t.Errorf("%d job messages, want exactly 1", jobs)
	}
	hist := s.redis.Client.ZCard(context.Background(), s.redis.Prefix+"env:prod:jobs").Val()
	if hist != 1 {
		t.Errorf("%d jobs recorded, want 1", hist)
	}
}

func TestRequestExpiryEditsTheMessage(t *testing.T) {
	s := newStack(t, stackOpts{approvalTTL: "300ms"})
	a := s.startReplica()
	s.slash(a, uAlice, cProd, "/resync", `prod reason="will lapse"`)
	req := s.waitMessage(cProd, "requested", "Approve")
	expired := s.waitMessage(cProd, "Expired* at")
	if expired.TS != req.TS || len(expired.ActionIDs()) != 0 {
		t.Errorf("expiry did not edit the request in place and remove its buttons: %v", expired.ActionIDs())
	}
	// A client still showing the old buttons clicks Approve late.
	approve, _ := req.Button("approve")
	stale := slackfake.NewDriver(signingSecret)
	res, _, err := stale.Click(context.Background(), a.url+"/slack/interactions", slackfake.Click{ActionID: "approve", Value: approve.Value, UserID: uBob, ChannelID: cProd, MessageTS: req.TS})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("late click: %v %v", res, err)
	}
	s.waitEphemeral(uBob, "expired")
}

func TestSecondResyncWhileRunningIsRefusedWithProgress(t *testing.T) {
	s := newStack(t, stackOpts{prodDocs: 100000})
	s.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 30 * time.Millisecond})
	a := s.startReplica()
	s.slash(a, uAlice, cProd, "/resync", `prod reason="first"`)
	s.click(a, uBob, s.waitMessage(cProd, "requested", "Approve"), "approve")
	s.waitMessage(cProd, "running")
	s.eventually(20*time.Second, "some progress", func() bool {
		for _, m := range s.slack.Messages(cProd) {
			if m.Contains("running") && m.Contains("▓") {
				return true
			}
		}
		return false
	})
	s.slash(a, uCarol, cProd, "/resync", `prod reason="second"`)
	m := s.waitEphemeral(uCarol, "prod) is busy")
	for _, want := range []string{"requested by Alice", "documents"} {
		if !m.Contains(want) {
			t.Errorf("busy answer lacks %q: %s", want, m.AllText())
		}
	}
}

// TestRestoreTargetIsFixedWhenRequested: two /restore prod requests made
// while the same data is live both mean "go back to the data before it";
// approving the second after the first must not flip the data forward again.
func TestRestoreTargetIsFixedWhenRequested(t *testing.T) {
	s := newStack(t, stackOpts{restoreApprovals: 1})
	s.seedLegacy("masterdoctorindex", "masterdoctorindex_v1")
	a := s.startReplica()
	s.slash(a, uAlice, cProd, "/resync", `prod reason="new data"`)
	s.click(a, uBob, s.waitMessage(cProd, "Resync of PRODUCTION (prod) requested", "Approve"), "approve")
	s.waitMessage(cProd, "finished")

	s.slash(a, uAlice, cProd, "/restore", "prod")
	first := s.waitMessage(cProd, "Restore of PRODUCTION (prod) requested", "Approve")
	s.slash(a, uCarol, cProd, "/restore", "prod")
	var second slackfake.Message
	s.eventually(20*time.Second, "second restore request", func() bool {
		for _, m := range s.slack.Messages(cProd) {
			if m.TS != first.TS && m.Contains("Restore of PRODUCTION (prod) requested") && m.Contains("Approve") {
				second = m
				return true
			}
		}
		return false
	})
	s.click(a, uBob, first, "approve")
	s.waitMessage(cProd, "restored")
	if got := s.aliasTarget("masterdoctorindex"); got != "masterdoctorindex_v1" {
		t.Fatalf("after the first restore the alias points at %q", got)
	}
	s.click(a, uBob, second, "approve")
	s.waitEphemeral(uBob, "already live")
	if got := s.aliasTarget("masterdoctorindex"); got != "masterdoctorindex_v1" {
		t.Errorf("the second restore flipped the data to %q", got)
	}
}
