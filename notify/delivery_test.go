package notify_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/internal/teamsfake"
	"github.com/resyncbot/resyncbot/notify"
)

func TestDeliversToEveryDestinationOnce(t *testing.T) {
	f := newFixture(t, nil)
	d := f.delivery("w1")
	if got, want := d.Destinations("prod"), []string{"slack:CSTATUS", "teams:users", "teams:status"}; !slices.Equal(got, want) {
		t.Fatalf("destinations %v, want %v", got, want)
	}
	n := f.startNotice("job1:start")
	f.enqueue(n)
	f.start(d)
	st := f.settled(n.ID)

	for _, key := range []string{"slack:CSTATUS", "teams:users", "teams:status"} {
		if _, ok := st.Delivered[key]; !ok || st.Attempts[key] != 1 {
			t.Errorf("%s: delivered %v after %d attempts; want once", key, ok, st.Attempts[key])
		}
	}
	posts := f.chat.Posts("CSTATUS")
	if len(posts) != 1 || posts[0].Title != "Production: Data refresh in progress" {
		t.Fatalf("slack posts %+v", posts)
	}
	for _, hook := range []string{"users", "status"} {
		cards := f.teams.Cards(hook)
		if len(cards) != 1 {
			t.Fatalf("teams %s: %d cards, want 1", hook, len(cards))
		}
		c := cards[0]
		if c.Title() != n.Title || c.Colors()["In progress"] != "warning" {
			t.Errorf("teams %s: title %q, colours %v", hook, c.Title(), c.Colors())
		}
		if !slices.Contains(c.Texts(), n.Text) {
			t.Errorf("teams %s: the notice's text is missing: %v", hook, c.Texts())
		}
		facts := map[string]string{}
		for _, fa := range c.Facts() {
			facts[fa.Title] = fa.Value
		}
		if facts["Started"] != "16:05 GMT" || facts["Expected to finish"] != "16:30 GMT" {
			t.Errorf("teams %s: facts %v", hook, facts)
		}
	}
	if pending, err := f.outbox.Pending(context.Background()); err != nil || pending != 0 {
		t.Errorf("outbox holds %d notices after delivery (%v), want 0", pending, err)
	}
}

func TestTeams500FiveTimesThen202DeliversOnce(t *testing.T) {
	f := newFixture(t, nil)
	f.teams.Script("users", teamsfake.Repeat(5, teamsfake.Response{Status: 500, Body: `{"error":{"code":"InternalServerError"}}`})...)
	f.enqueue(f.notice("n1"))
	f.start(f.delivery("w1"))
	st := f.settled("n1")

	if got := f.cardsOf("users", "n1"); got != 1 {
		t.Errorf("teams users: %d cards, want exactly 1", got)
	}
	if got := len(f.teams.Requests("users")); got != 6 {
		t.Errorf("teams users: %d requests, want 6 (5 failures, 1 success)", got)
	}
	if st.Attempts["teams:users"] != 6 || st.Delivered["teams:users"].IsZero() || len(st.GaveUp) != 0 {
		t.Errorf("status %+v", st)
	}
	if got := f.cardsOf("status", "n1") + f.postsOf("CSTATUS", "n1"); got != 2 {
		t.Errorf("the other destinations got %d copies, want one each", got)
	}
	if !strings.Contains(st.Errors["teams:users"], "500") {
		t.Errorf("last error %q does not say what Teams answered", st.Errors["teams:users"])
	}
	if sig := f.teams.Signature("users"); strings.Contains(st.Errors["teams:users"], sig) {
		t.Errorf("the stored error holds the webhook's signature")
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFixture(t, nil)
	f.teams.Script("users", teamsfake.Response{Status: 429, RetryAfter: "7"})
	f.chat.fail = func(channel string, n int) error {
		if n == 1 {
			return fmt.Errorf("slack chat.postMessage %s: %w", channel, &slackapi.RateLimitedError{RetryAfter: 3 * time.Second})
		}
		return nil
	}
	f.enqueue(f.notice("n1"))
	f.start(f.delivery("w1"))
	f.settled("n1")

	waits := f.waits()
	for _, want := range []time.Duration{7 * time.Second, 3 * time.Second} {
		if !slices.Contains(waits, want) {
			t.Errorf("waits %v lack the %s the destination asked for", waits, want)
		}
	}
	if f.cardsOf("users", "n1") != 1 || f.postsOf("CSTATUS", "n1") != 1 {
		t.Errorf("delivered %d cards, %d posts; want 1 each", f.cardsOf("users", "n1"), f.postsOf("CSTATUS", "n1"))
	}
}

func TestSlowDestinationDelaysNeitherEnqueueNorOthers(t *testing.T) {
	f := newFixture(t, nil)
	release := f.teams.Hold("users")
	defer release()
	f.start(f.delivery("w1"))

	// The engine's side: a job starts while Teams hangs.
	notifier := notify.NewNotifier(f.cfg, f.outbox, f.log, notify.WithStartWait(0))
	notifier.Publish(startedEvent("job1", winter))
	if got := f.waitPosts("CSTATUS", 1); !strings.Contains(got[0].Title, "Data refresh in progress") {
		t.Fatalf("slack got %q", got[0].Title)
	}
	// Later notices still reach the healthy destinations while the slow one
	// holds its first.
	f.enqueue(f.notice("n2"))
	f.waitPosts("CSTATUS", 2)
	eventually(t, "teams status to get both notices", func() bool { return len(f.teams.Cards("status")) == 2 })
	if n := len(f.teams.Cards("users")); n != 0 {
		t.Fatalf("the held webhook accepted %d cards", n)
	}

	release()
	eventually(t, "teams users to get both notices", func() bool { return len(f.teams.Cards("users")) == 2 })
	cards := f.teams.Cards("users")
	if !strings.Contains(cards[0].Title(), "Data refresh in progress") || f.cardsOf("users", "n2") != 1 {
		t.Errorf("teams users got the notices out of order: %q, %q", cards[0].Title(), cards[1].Title())
	}
}

// waitPosts waits for n posts in channel and returns them.
func (f *fixture) waitPosts(channel string, n int) []chat.Message {
	f.t.Helper()
	eventually(f.t, fmt.Sprintf("%d posts in %s", n, channel), func() bool { return len(f.chat.Posts(channel)) >= n })
	return f.chat.Posts(channel)
}

func TestQueuedBeforeAnyWorkerIsDeliveredOnce(t *testing.T) {
	f := newFixture(t, nil)
	// The process died after queueing: no worker has ever run.
	f.enqueue(f.notice("n1"))
	stop := f.start(f.delivery("w1"))
	f.settled("n1")
	stop()

	// A restarted bot (a new worker) finds nothing left to send.
	if pending, _ := f.outbox.Pending(context.Background()); pending != 0 {
		t.Fatalf("outbox holds %d notices after delivery", pending)
	}
	stop = f.start(f.delivery("w2"))
	f.enqueue(f.notice("n2"))
	f.settled("n2")
	stop()
	for _, id := range []string{"n1", "n2"} {
		if f.postsOf("CSTATUS", id) != 1 || f.cardsOf("users", id) != 1 || f.cardsOf("status", id) != 1 {
			t.Errorf("%s: %d posts, %d+%d cards; want exactly 1 each", id, f.postsOf("CSTATUS", id), f.cardsOf("users", id), f.cardsOf("status", id))
		}
	}
}

func TestResumesAfterStopMidNotice(t *testing.T) {
	f := newFixture(t, nil)
	release := f.teams.Hold("users")
	defer release()
	f.enqueue(f.notice("n1"))
	stop := f.start(f.delivery("w1"))
	eventually(t, "slack and teams status to be delivered", func() bool {
		st := f.status("n1")
		return !st.Delivered["slack:CSTATUS"].IsZero() && !st.Delivered["teams:status"].IsZero()
	})
	eventually(t, "teams users to be in flight", func() bool { return f.teams.Waiting("users") == 1 })
	stop() // the worker goes away with teams:users unsent
	release()

	// Another replica takes the notice over and sends only what is missing.
	f.start(f.delivery("w2"))
	st := f.settled("n1")
	if f.postsOf("CSTATUS", "n1") != 1 || f.cardsOf("status", "n1") != 1 {
		t.Errorf("an already delivered destination got the notice again: %d posts, %d cards",
			f.postsOf("CSTATUS", "n1"), f.cardsOf("status", "n1"))
	}
	if f.cardsOf("users", "n1") != 1 || st.Delivered["teams:users"].IsZero() {
		t.Errorf("teams users: %d cards, want 1", f.cardsOf("users", "n1"))
	}
}

func TestSameEventEnqueuedTwiceIsOneNotice(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	n := f.notice("job1:start")
	if ok, err := f.outbox.Enqueue(ctx, n); !ok || err != nil {
		t.Fatalf("first Enqueue = %v, %v", ok, err)
	}
	if ok, err := f.outbox.Enqueue(ctx, n); ok || err != nil {
		t.Fatalf("second Enqueue = %v, %v; want false, nil", ok, err)
	}
	// A resumed job says "started" again; it is the same notice.
	notifier := notify.NewNotifier(f.cfg, f.outbox, f.log, notify.WithStartWait(0))
	notifier.Publish(startedEvent("job2", winter))
	notifier.Publish(startedEvent("job2", winter.Add(time.Minute)))

	if pending, _ := f.outbox.Pending(ctx); pending != 2 {
		t.Errorf("outbox holds %d notices, want 2", pending)
	}
	recent, err := f.outbox.Recent(ctx, "prod", 10)
	if err != nil || len(recent) != 2 || recent[0].ID != "job2:start" || recent[1].ID != "job1:start" {
		t.Fatalf("Recent = %+v, %v", recent, err)
	}
	audit, err := f.redis.Client.XRange(ctx, f.redis.Prefix+"audit", "-", "+").Result()
	if err != nil || len(audit) != 2 {
		t.Fatalf("audit holds %d entries (%v), want 2", len(audit), err)
	}
	if v := audit[0].Values; v["action"] != "notice" || v["env"] != "prod" || v["job"] != "" || !strings.Contains(v["detail"].(string), "job1:start") {
		t.Errorf("audit entry %v", v)
	}

	f.start(f.delivery("w1"))
	f.settled("job1:start")
	f.settled("job2:start")
	if got := countText(f.chat.Posts("CSTATUS"), "Problem job1:start"); got != 1 {
		t.Errorf("job1:start posted %d times, want 1", got)
	}
	if got := len(f.chat.Posts("CSTATUS")); got != 2 {
		t.Errorf("%d posts, want 2", got)
	}
}

func TestGivesUpAfterMaxAttemptsAndWarnsOps(t *testing.T) {
	f := newFixture(t, map[string]string{"MAX_ATTEMPTS": "3"})
	f.teams.Script("users", teamsfake.Repeat(10, teamsfake.Response{Status: 503})...)
	f.teams.Script("status", teamsfake.Response{Status: 400, Body: `{"error":{"code":"InvalidTemplate"}}`})
	f.enqueue(f.notice("n1"))
	f.start(f.delivery("w1"))
	st := f.settled("n1")

	if got := len(f.teams.Requests("users")); got != 3 {
		t.Errorf("teams users tried %d times, want max_attempts = 3", got)
	}
	if got := len(f.teams.Requests("status")); got != 1 {
		t.Errorf("teams status tried %d times; a refused card (400) is not retried", got)
	}
	if st.GaveUp["teams:users"].IsZero() || st.GaveUp["teams:status"].IsZero() || st.Delivered["slack:CSTATUS"].IsZero() {
		t.Errorf("status %+v", st)
	}
	ops := f.waitPosts("COPS", 1)
	if len(ops) != 1 {
		t.Fatalf("%d warnings in the ops channel, want 1", len(ops))
	}
	text := chat.PlainText(ops[0])
	for _, want := range []string{"notice n1 could not be delivered to teams:status and teams:users", "3 attempts", "503"} {
		if !strings.Contains(text, want) {
			t.Errorf("ops warning lacks %q:\n%s", want, text)
		}
	}
	if st.Reported.IsZero() {
		t.Errorf("the warning is not recorded")
	}
	if pending, _ := f.outbox.Pending(context.Background()); pending != 0 {
		t.Errorf("a given-up notice stays in the outbox")
	}
}

func TestReplicasDeliverEachNoticeOnce(t *testing.T) {
	f := newFixture(t, nil)
	f.teams.Script("users", teamsfake.Repeat(3, teamsfake.Response{Status: 500})...)
	// Answers slower than the visibility timeout: the other replicas see
	// those notices idle and claim them, yet must not send them again.
	f.teams.Script("status", teamsfake.Repeat(2, teamsfake.Response{Delay: 700 * time.Millisecond})...)
	f.start(f.delivery("w1"))
	f.start(f.delivery("w2"))
	f.start(f.delivery("w3"))
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nt := f.notice(fmt.Sprintf("n%02d", i))
			if _, err := f.outbox.Enqueue(context.Background(), nt); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range n {
		f.settled(fmt.Sprintf("n%02d", i))
	}
	for i := range n {
		id := fmt.Sprintf("n%02d", i)
		if f.postsOf("CSTATUS", id) != 1 || f.cardsOf("users", id) != 1 || f.cardsOf("status", id) != 1 {
			t.Errorf("%s: %d posts, %d+%d cards; want exactly 1 each", id, f.postsOf("CSTATUS", id), f.cardsOf("users", id), f.cardsOf("status", id))
		}
	}
}

func TestLongTextCardStaysUnder28KB(t *testing.T) {
	f := newFixture(t, nil)
	n := f.notice("long")
	n.Text = strings.Repeat("Lists of doctors under notice \"are\" slow. ", 2000)
	body, err := notify.TeamsCard(f.cfg.Environments["prod"], n)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) >= notify.MaxCardBytes {
		t.Fatalf("card is %d bytes", len(body))
	}
	f.enqueue(n)
	f.start(f.delivery("w1"))
	st := f.settled("long")
	if st.Delivered["teams:users"].IsZero() || len(f.teams.Cards("users")) != 1 {
		t.Errorf("the shortened card was not accepted: %+v", st)
	}
}
