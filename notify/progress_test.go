package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	slackbot "github.com/resyncbot/resyncbot/bot/slack"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/slackfake"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

type oneRef chat.Ref

func (r oneRef) JobMessage(context.Context, string) (chat.Ref, bool, error) {
	return chat.Ref(r), true, nil
}

// TestThirtyMinuteJobEditsAtMostEveryInterval feeds a simulated 30-minute
// job — a progress event every 100 ms of simulated time — through Progress
// to the fake Slack, and counts the edits.
func TestThirtyMinuteJobEditsAtMostEveryInterval(t *testing.T) {
	cfg := &config.Config{Environments: map[string]*config.Environment{"prod": {Name: "prod", Production: true}}}
	fake := slackfake.New(t, slackfake.WithChannel("COPS", "ops"))
	adapter := slackbot.NewAdapter(config.Slack{BotToken: fake.Token(), SigningSecret: "x", APIURL: fake.URL()}, nil, nil, zerolog.Nop())
	c := adapter.Chat()
	ref, err := c.Post(context.Background(), "COPS", chat.Message{Text: "job"})
	if err != nil {
		t.Fatal(err)
	}
	const interval = 3 * time.Second
	p := notify.NewProgress(cfg, map[string]chat.Chat{chat.Slack: c}, oneRef(ref), func(s string) string { return s }, interval, zerolog.Nop())

	start := time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)
	const total = 18000 // 30 min of 100 ms batches
	job := syncengine.Job{ID: "j", Env: "prod", State: syncengine.StateRunning, Stage: syncengine.StageCopy, Total: total}
	for i := 1; i <= total; i++ {
		job.Written = int64(i)
		p.Publish(syncengine.Event{Kind: syncengine.EventProgress, Env: "prod", JobID: "j", Time: start.Add(time.Duration(i) * 100 * time.Millisecond), Job: job, Written: int64(i), Total: total,
			Indexes: []syncengine.IndexProgress{{Alias: "masterdoctorindex", Written: int64(i), Total: total}}})
	}
	job.State = syncengine.StateSucceeded
	p.Publish(syncengine.Event{Kind: syncengine.EventFinished, Env: "prod", JobID: "j", Time: start.Add(30 * time.Minute), Job: job})

	edits := fake.Calls("chat.update")
	maxEdits := int(30*time.Minute/interval) + 1 // one per interval, plus the summary
	if edits > maxEdits {
		t.Errorf("%d edits in 30 minutes, want at most %d (one per %s)", edits, maxEdits, interval)
	}
	if edits < maxEdits-1 {
		t.Errorf("%d edits in 30 minutes: progress was not shown every %s", edits, interval)
	}
	// Slack's chat.update is Tier 3, about 50 a minute: stay well under it.
	if perMinute := float64(edits) / 30; perMinute > 25 {
		t.Errorf("%.0f edits a minute, too close to Slack's limit", perMinute)
	}
	for _, call := range fake.CallLog("chat.update") {
		if call.Status == 429 {
			t.Errorf("chat.update answered 429")
		}
	}
	m, _ := fake.Message("COPS", ref.ID)
	if !m.Contains("finished") {
		t.Errorf("the last edit is not the summary: %s", m.AllText())
	}
}
