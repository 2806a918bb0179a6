package bot_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/bot"
	slackbot "github.com/resyncbot/resyncbot/bot/slack"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

var update = flag.Bool("update", false, "rewrite docs/messages.md from the renderers")

const docConfig = `
people:
  alice: {name: Alice Okafor, slack: UALICE}
  bob: {name: Bob Jones, slack: UBOB}
roles:
  engineers: {people: [alice]}
  approvers: {people: [bob]}
environments:
  prod:
    label: Production
    production: true
    colour: "#d40000"
    timezone: Europe/London
    ops_channel: {slack: COPS}
    elasticsearch: {urls: ["http://127.0.0.1:9200"]}
    indexes:
      - {alias: masterdoctorindex, mapping: ../examples/mappings/masterdoctorindex.json, source: {type: generate, count: 200000}, transform: {id_field: gmcReferenceNumber}}
      - {alias: recommendationindex, mapping: ../examples/mappings/recommendationindex.json, source: {type: generate, count: 200000, kind: recommendation}, transform: {id_field: gmcReferenceNumber, rename: {traineeInfo: recommendationInfo}}}
  staging:
    colour: "#2e7d32"
    timezone: Europe/London
    elasticsearch: {urls: ["http://127.0.0.1:9200"]}
    indexes:
      - {alias: masterdoctorindex, mapping: ../examples/mappings/masterdoctorindex.json, source: {type: generate, count: 200000}, transform: {id_field: gmcReferenceNumber}}
`

// TestMessagesDoc renders every message the bot posts, with the real
// renderers, into docs/messages.md, and fails when the file has drifted.
func TestMessagesDoc(t *testing.T) {
	cfg, err := config.Parse([]byte(docConfig), ".", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	prod, staging := cfg.Environments["prod"], cfg.Environments["staging"]
	london, _ := time.LoadLocation("Europe/London")
	at := time.Date(2026, 11, 26, 14, 45, 0, 0, time.UTC)
	names := func(id string) string {
		if p, ok := cfg.People[id]; ok {
			return p.Name
		}
		return id
	}
	live := &syncengine.Generation{ID: "20261120-101500-3f2a", Time: at.Add(-6 * 24 * time.Hour), Action: syncengine.ActionSync,
		Indexes: map[string]string{"masterdoctorindex": "masterdoctorindex-20261120-101500-3f2a", "recommendationindex": "recommendationindex-20261120-101500-3f2a"}}
	plan := &syncengine.Plan{
		Env: "prod", Total: 400000, Rate: 9800, Estimate: 41 * time.Second, Live: live,
		KeptForRestore: []string{live.ID},
		Indexes: []syncengine.PlanIndex{
			{Alias: "masterdoctorindex", SourceType: "generate", Total: 200000, LiveIndex: live.Indexes["masterdoctorindex"], LiveDocs: 199874},
			{Alias: "recommendationindex", SourceType: "generate", Total: 200000, LiveIndex: live.Indexes["recommendationindex"], LiveDocs: 199874},
		},
	}
	req := &approvals.Request{ID: "a-k3j9x2mq", Env: "prod", Action: approvals.ActionResync, Requester: "alice", Reason: "GMC data refresh",
		Needed: 1, State: approvals.StatePending, Created: at, Expires: at.Add(30 * time.Minute)}
	approved := *req
	approved.State, approved.DecidedBy, approved.DecidedAt = approvals.StateApproved, "bob", at.Add(2*time.Minute)
	approved.Votes = []approvals.Vote{{Person: "bob", Approve: true, At: approved.DecidedAt}}
	expired := *req
	expired.State, expired.DecidedAt = approvals.StateExpired, req.Expires

	job := syncengine.Job{ID: "20261126-144700-9c1e", Env: "prod", Generation: "20261126-144700-9c1e", Requester: "alice", Approvers: []string{"bob"},
		Reason: "GMC data refresh", Created: at, Started: at.Add(2 * time.Minute), Total: 400000}
	running := job
	running.State, running.Stage, running.Written = syncengine.StateRunning, syncengine.StageCopy, 96000
	progress := syncengine.Event{Kind: syncengine.EventProgress, Time: at.Add(2*time.Minute + 10*time.Second), Job: running, Stage: syncengine.StageCopy,
		Written: 96000, Total: 400000, DocsPerSec: 9600, ETA: 32 * time.Second, Retries: 12,
		Indexes: []syncengine.IndexProgress{{Alias: "masterdoctorindex", Written: 96000, Total: 200000}, {Alias: "recommendationindex", Total: 200000}}}
	checks := []syncengine.CheckResult{
		{Alias: "masterdoctorindex", Name: "document count", Expected: "200000", Found: "200000", OK: true},
		{Alias: "recommendationindex", Name: "document count", Expected: "200000", Found: "200000", OK: true},
		{Alias: "recommendationindex", Name: "documents missing recommendationInfo", Expected: "0", Found: "0", OK: true},
	}
	done := job
	done.State, done.Stage, done.Written, done.Finished, done.Checks = syncengine.StateSucceeded, syncengine.StagePrune, 400000, at.Add(2*time.Minute+43*time.Second), checks
	finished := syncengine.Event{Kind: syncengine.EventFinished, Time: done.Finished, Job: done,
		Indexes: []syncengine.IndexProgress{{Alias: "masterdoctorindex", Written: 200000, Total: 200000}, {Alias: "recommendationindex", Written: 200000, Total: 200000}}}
	failedJob := done
	failedJob.State = syncengine.StateFailed
	failedJob.Checks = []syncengine.CheckResult{checks[0], checks[1], {Alias: "recommendationindex", Name: "documents missing recommendationInfo", Expected: "0", Found: "200000", Examples: []string{"1000003", "1000017"}}}
	failedJob.Error = syncengine.Reason(&syncengine.VerifyError{Checks: failedJob.Checks[2:]})
	failed := syncengine.Event{Kind: syncengine.EventFinished, Time: done.Finished, Job: failedJob, Error: failedJob.Error, Indexes: finished.Indexes}
	abortedJob := running
	abortedJob.State, abortedJob.AbortedBy = syncengine.StateAborted, "alice"
	aborted := syncengine.Event{Kind: syncengine.EventFinished, Time: at.Add(3 * time.Minute), Job: abortedJob, Indexes: progress.Indexes}
	restore := syncengine.RestoreResult{
		From: &syncengine.Generation{ID: done.Generation},
		To:   &syncengine.Generation{ID: live.ID, Indexes: live.Indexes, Action: syncengine.ActionRestore},
	}
	stagingPlan := &syncengine.Plan{Env: "staging", Total: 200000, Indexes: []syncengine.PlanIndex{{Alias: "masterdoctorindex", SourceType: "generate", Total: 200000}}}

	var doc strings.Builder
	doc.WriteString("# What resyncbot posts\n\nGenerated by `go test ./bot -run TestMessagesDoc -update` from the real renderers; do not edit by hand.\n" +
		"Each message is shown as the Block Kit JSON sent to Slack and as the plain text that notifications and Teams-bridged channels show.\n")
	section := func(title, note string, m chat.Message) {
		r := slackbot.Render(m)
		buf, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&doc, "\n## %s\n\n%s\n\n```text\n%s\n```\n\n<details><summary>Block Kit</summary>\n\n```json\n%s\n```\n\n</details>\n", title, note, chat.PlainText(m), buf)
	}
	section("Production approval request", "Posted where `/resync prod reason=\"…\"` was typed (only the prod ops channel is accepted). Approve asks for confirmation.",
		bot.RequestMessage(prod, req, plan, names, london))
	section("Approval request, approved", "The same message once a second engineer approved: the buttons are gone.", bot.RequestMessage(prod, &approved, plan, names, london))
	section("Approval request, expired", "Nobody approved within `approval_ttl`.", bot.RequestMessage(prod, &expired, plan, names, london))
	section("Dry run (staging)", "`/resync staging dry-run`, shown to the requester only.", bot.PlanMessage(staging, stagingPlan, "Alice Okafor", "", london))
	section("Job running", "The job's message in the ops channel, edited in place at most every `notify.progress_interval`.", notify.JobMessage(prod, progress, names))
	section("Job finished", "The summary with each check and the Restore button.", notify.JobMessage(prod, finished, names))
	section("Job failed at the verification gate", "The swap was refused; the live data never changed.", notify.JobMessage(prod, failed, names))
	section("Job aborted", "After `/abort` or the Abort button.", notify.JobMessage(prod, aborted, names))
	section("Restored", "After Restore: the previous generation is live again; Restore undoes this too.", bot.RestoredMessage(prod, restore, "Alice Okafor", live.Time, london))
	doc.WriteString("\n## Thread replies\n\nStage changes go as replies under the job's message:\n\n")
	for _, ev := range []syncengine.Event{
		{Kind: syncengine.EventStage, Message: "copy done", Written: 400000},
		{Kind: syncengine.EventStage, Message: string(syncengine.StageVerify)},
		{Kind: syncengine.EventStage, Message: "verified: every check passed"},
		{Kind: syncengine.EventStage, Message: "swapped: the new data is live"},
		{Kind: syncengine.EventFinished, Job: done},
		{Kind: syncengine.EventFinished, Job: abortedJob},
	} {
		fmt.Fprintf(&doc, "- %s\n", notify.StageReply(ev))
	}

	doc.WriteString("\n# What users read: notices\n\nNotices go to the environment's status channels (Slack, Discord, the console) and to Microsoft Teams Workflows webhooks as an Adaptive Card 1.4. " +
		"These are the default templates for prod (time zone Europe/London); each can be replaced per environment under `notices.templates`.\n")
	notice := func(title string, ev notify.Event, d notify.NoticeData) {
		n, err := notify.RenderNotice(prod, ev, d)
		if err != nil {
			t.Fatal(err)
		}
		n.ID, n.Created = "notice-"+string(ev), d.At
		m := notify.NoticeMessage(prod, n)
		r := slackbot.Render(m)
		blocks, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		card, err := notify.TeamsCard(prod, n)
		if err != nil {
			t.Fatal(err)
		}
		var pretty strings.Builder
		var v any
		_ = json.Unmarshal(card, &v)
		cardJSON, _ := json.MarshalIndent(v, "", "  ")
		pretty.Write(cardJSON)
		fmt.Fprintf(&doc, "\n## %s\n\n```text\n%s\n```\n\n<details><summary>Slack Block Kit</summary>\n\n```json\n%s\n```\n\n</details>\n\n<details><summary>Teams Adaptive Card</summary>\n\n```json\n%s\n```\n\n</details>\n",
			title, chat.PlainText(m), blocks, pretty.String())
	}
	started, finishBy := at.Add(2*time.Minute), at.Add(15*time.Minute)
	notice("Refresh started", notify.EventStart, notify.NoticeData{Started: started, FinishBy: finishBy, At: started})
	notice("Refresh finished", notify.EventSuccess, notify.NoticeData{Started: started, At: done.Finished})
	notice("Refresh failed", notify.EventFailure, notify.NoticeData{Started: started, At: done.Finished})
	notice("Refresh stopped (aborted)", notify.EventAbort, notify.NoticeData{Started: started, At: at.Add(3 * time.Minute)})
	notice("Data restored", notify.EventRestore, notify.NoticeData{RestoredTo: live.Time, At: at.Add(20 * time.Minute), By: "Alice Okafor"})
	for _, st := range notify.ValidStates() {
		notice("Manual notice: "+string(st), notify.EventManual, notify.NoticeData{State: st, Text: "Some doctors are missing from the recommendations list", Started: at, FinishBy: finishBy, At: at, By: "Alice Okafor"})
	}
	writeOrCompare(t, "../docs/messages.md", doc.String())
}

func writeOrCompare(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run TestMessagesDoc -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date with the renderers; run go test ./bot -run TestMessagesDoc -update and review the diff", path)
	}
}
