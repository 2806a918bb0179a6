package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

// startedEvent is what the engine publishes when job starts (or resumes) on prod.
func startedEvent(job string, at time.Time) syncengine.Event {
	return syncengine.Event{
		Kind: syncengine.EventStage, Time: at, JobID: job, Env: "prod", State: syncengine.StateRunning,
		Message: "started", Total: -1,
		Job: syncengine.Job{ID: job, Env: "prod", State: syncengine.StateRunning, Started: winter, Reason: "GMC refresh"},
	}
}

func progressEvent(job string, at time.Time, eta time.Duration) syncengine.Event {
	ev := startedEvent(job, at)
	ev.Kind, ev.Message, ev.Stage, ev.ETA, ev.Total, ev.Written, ev.DocsPerSec = syncengine.EventProgress, "", syncengine.StageCopy, eta, 1000, 100, 10
	return ev
}

func finishedEvent(job string, at time.Time, state syncengine.State) syncengine.Event {
	ev := startedEvent(job, at)
	ev.Kind, ev.Message, ev.State = syncengine.EventFinished, "", state
	ev.Job.State, ev.Job.Finished = state, at
	return ev
}

func recentByID(t *testing.T, f *fixture) map[string]notify.Notice {
	t.Helper()
	ns, err := f.outbox.Recent(context.Background(), "prod", 50)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]notify.Notice{}
	for _, n := range ns {
		out[n.ID] = n
	}
	return out
}

func TestNotifierWaitsForAnEstimateThenSaysWhenItEnds(t *testing.T) {
	f := newFixture(t, nil)
	n := notify.NewNotifier(f.cfg, f.outbox, f.log, notify.WithStartWait(time.Hour))
	n.Publish(startedEvent("job1", winter))
	if got := recentByID(t, f); len(got) != 0 {
		t.Fatalf("start notice sent before any estimate: %v", got)
	}
	// 16:06 + 21m12s = 16:27:12, said as "around 16:30".
	n.Publish(progressEvent("job1", winter.Add(time.Minute), 21*time.Minute+12*time.Second))
	n.Publish(progressEvent("job1", winter.Add(2*time.Minute), 5*time.Minute))
	n.Publish(finishedEvent("job1", winter.Add(22*time.Minute), syncengine.StateSucceeded))

	got := recentByID(t, f)
	start, ok := got["job1:start"]
	if !ok || !strings.Contains(start.Text, "started at 16:05 and should finish around 16:30.") {
		t.Fatalf("start notice %+v", start)
	}
	if !start.FinishBy.Equal(time.Date(2026, 3, 3, 16, 30, 0, 0, time.UTC)) {
		t.Errorf("FinishBy %s", start.FinishBy)
	}
	done, ok := got["job1:success"]
	if !ok || done.State != notify.StateCompleted || !strings.Contains(done.Text, "finished at 16:27.") {
		t.Errorf("success notice %+v", done)
	}
	if len(got) != 2 {
		t.Errorf("%d notices, want 2: %v", len(got), got)
	}
}

func TestNotifierSendsStartWithoutEstimateAfterTheWait(t *testing.T) {
	f := newFixture(t, nil)
	n := notify.NewNotifier(f.cfg, f.outbox, f.log, notify.WithStartWait(20*time.Millisecond))
	n.Publish(startedEvent("job1", winter))
	eventually(t, "the start notice", func() bool { _, ok := recentByID(t, f)["job1:start"]; return ok })
	if st := recentByID(t, f)["job1:start"]; strings.Contains(st.Text, "finish around") {
		t.Errorf("start notice claims a finish time: %q", st.Text)
	}
}

func TestNotifierEndNoticesFollowTheSwitches(t *testing.T) {
	f := newFixture(t, nil)
	f.cfg.Environments["prod"].Notices.OnAbort = new(bool) // off
	n := notify.NewNotifier(f.cfg, f.outbox, f.log, notify.WithStartWait(0))
	n.Publish(finishedEvent("job1", winter, syncengine.StateFailed))
	n.Publish(finishedEvent("job2", winter, syncengine.StateAborted))
	n.Publish(finishedEvent("job3", winter, syncengine.StateInterrupted))
	got := recentByID(t, f)
	if _, ok := got["job1:failure"]; !ok || len(got) != 1 {
		t.Errorf("notices %v; want only job1:failure (aborts are switched off)", got)
	}
}

func TestRestoreNotice(t *testing.T) {
	f := newFixture(t, nil)
	now := winter.Add(time.Hour)
	n := notify.NewNotifier(f.cfg, f.outbox, f.log, notify.WithNotifierClock(func() time.Time { return now }))
	nt, ok, err := n.RestoreNotice(context.Background(), "prod", time.Date(2026, 3, 3, 14, 45, 0, 0, time.UTC), "alice")
	if err != nil || !ok {
		t.Fatalf("RestoreNotice = %v, %v", ok, err)
	}
	if !strings.Contains(nt.Text, "We have restored the revalidation data as it was at 14:45.") || nt.By != "alice" {
		t.Errorf("restore notice %+v", nt)
	}
	if _, ok := recentByID(t, f)[nt.ID]; !ok {
		t.Errorf("restore notice not queued")
	}
	m, err := n.Announce(context.Background(), "prod", notify.StateMonitoring, "Lists are back", "alice")
	if err != nil || m.State != notify.StateMonitoring || m.ID == nt.ID {
		t.Errorf("Announce = %+v, %v", m, err)
	}
}
