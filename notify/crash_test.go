package notify_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/notify"
)

// crashChildEnv, when set, makes TestCrashChild run a delivery worker: the
// process TestKilledWorkerIsResumed kills.
const crashChildEnv = "NOTIFY_CRASH_CHILD"

// TestCrashChild is not a test on its own: it is the worker process that
// TestKilledWorkerIsResumed starts and kills with SIGKILL.
func TestCrashChild(t *testing.T) {
	if os.Getenv(crashChildEnv) == "" {
		t.Skip("run by TestKilledWorkerIsResumed")
	}
	opts, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	cfg := parseConfig(t, "", map[string]string{"TEAMS_USERS": os.Getenv("TEAMS_USERS"), "TEAMS_STATUS": os.Getenv("TEAMS_STATUS")})
	d := notify.NewDelivery(cfg, notify.NewOutbox(rdb, os.Getenv("PREFIX")), map[string]chat.Chat{}, nil, zerolog.New(os.Stderr),
		notify.WithConsumer("child"), notify.WithVisibility(time.Second), notify.WithPoll(50*time.Millisecond))
	_ = d.Run(context.Background()) // until killed
}

func TestKilledWorkerIsResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	f := newFixture(t, nil)
	release := f.teams.Hold("status")
	defer release()
	f.enqueue(f.notice("n1"))

	child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	child.Env = append(os.Environ(), crashChildEnv+"=1", "REDIS_URL="+f.redis.URL, "PREFIX="+f.redis.Prefix,
		"TEAMS_USERS="+f.teams.URL("users"), "TEAMS_STATUS="+f.teams.URL("status"))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()

	// The child delivers to one webhook and hangs on the other...
	eventually(t, "the child to deliver to teams users and hang on teams status", func() bool {
		st, err := f.outbox.Status(context.Background(), "n1")
		return err == nil && !st.Delivered["teams:users"].IsZero() && f.teams.Waiting("status") == 1
	})
	// ...and is killed there, leaving its lease and its pending entry behind.
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.teams.WaitFor(ctx, func() bool { return len(f.teams.Requests("status")) == 1 }); err != nil {
		t.Fatal(err)
	}
	release()

	// The restarted bot resumes it: only what is missing is sent.
	f.start(f.delivery("restarted"))
	f.settled("n1")
	if got := f.cardsOf("users", "n1"); got != 1 {
		t.Errorf("teams users got %d cards, want 1 (the child's)", got)
	}
	if got := f.cardsOf("status", "n1"); got != 1 {
		t.Errorf("teams status got %d cards, want 1", got)
	}
	if got := f.postsOf("CSTATUS", "n1"); got != 1 {
		t.Errorf("slack got %d posts, want 1", got)
	}
	if reqs := f.teams.Requests("status"); reqs[0].Status != 0 {
		t.Errorf("the killed child's request was answered %d; the test did not kill it mid-send", reqs[0].Status)
	}
}
