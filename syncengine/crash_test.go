package syncengine_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/syncengine"
)

// childOrTests runs the tests, or, in a child started by the crash test,
// an engine that starts a job and runs until it is killed.
func childOrTests(m *testing.M) {
	if os.Getenv("SYNCENGINE_CHILD") != "1" {
		os.Exit(m.Run())
	}
	if err := runChild(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	select {} // work until SIGKILL
}

func runChild() error {
	opts, err := redis.ParseURL(os.Getenv("CHILD_REDIS_URL"))
	if err != nil {
		return err
	}
	docs, _ := strconv.Atoi(os.Getenv("CHILD_DOCS"))
	cfg := loadConfigFor(os.Getenv("CHILD_ES_URL"), envOpts{docs: docs}, os.Getenv("CHILD_DIR"), os.Getenv("CHILD_MAPPINGS"))
	e, err := syncengine.New(redis.NewClient(opts), cfg, syncengine.Options{Prefix: os.Getenv("CHILD_PREFIX"), LockTTL: time.Second})
	if err != nil {
		return err
	}
	res, err := e.StartJob(context.Background(), syncengine.Request{Env: "prod", Index: "masterdoctorindex", Requester: "alice"})
	if err != nil {
		return err
	}
	fmt.Println("job", res.Job.ID)
	return nil
}

func TestKilledMidCopyResumesExactly(t *testing.T) {
	const docs, batch = 8000, 100
	f := newFixture(t, envOpts{docs: docs})
	// A slower cluster, so the kill lands mid-copy.
	f.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 15 * time.Millisecond})

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(),
		"SYNCENGINE_CHILD=1",
		"CHILD_REDIS_URL="+f.redis.URL,
		"CHILD_PREFIX="+f.redis.Prefix,
		"CHILD_ES_URL="+f.esURL,
		"CHILD_DOCS="+strconv.Itoa(docs),
		"CHILD_DIR="+t.TempDir(),
		"CHILD_MAPPINGS="+mappings(t),
	)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var jobID string
	poll(t, 30*time.Second, func() bool {
		hist, _ := f.engine.History(context.Background(), "prod", 1)
		if len(hist) == 0 {
			return false
		}
		jobID = hist[0].ID
		return hist[0].Written >= 2000
	})
	if err := child.Process.Kill(); err != nil { // SIGKILL: no cleanup of any kind
		t.Fatal(err)
	}
	_ = child.Wait()
	atKill, _ := f.engine.Job(context.Background(), jobID)
	if atKill.State.Done() || atKill.Written >= docs {
		t.Fatalf("job at kill = %s with %d written", atKill.State, atKill.Written)
	}
	f.es.ClearFaults()
	// Once the dead process's lock lapses, the job reads as interrupted.
	poll(t, 10*time.Second, func() bool {
		j, _ := f.engine.Job(context.Background(), jobID)
		return j.State == syncengine.StateInterrupted
	})

	// Nothing is resumed while the dead process's lock still stands; then one is.
	var resumed []string
	poll(t, 10*time.Second, func() bool {
		var err error
		resumed, err = f.engine.Recover(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(resumed) > 0
	})
	if len(resumed) != 1 || resumed[0] != jobID {
		t.Fatalf("resumed %v, want [%s]", resumed, jobID)
	}
	j := f.waitDone(jobID)
	if j.State != syncengine.StateSucceeded {
		t.Fatalf("resumed job: %s %s", j.State, j.Error)
	}
	if n := f.count("masterdoctorindex"); n != docs {
		t.Errorf("index holds %d documents after resume, want exactly %d", n, docs)
	}
	// Every id was sent once, except at most the one batch that was in flight at the kill.
	sent := map[string]int{}
	total := 0
	for _, r := range f.es.Requests() {
		for _, id := range r.IDs {
			if r.Status == 200 {
				sent[id]++
				total++
			}
		}
	}
	resent := total - len(sent)
	if len(sent) != docs {
		t.Errorf("%d distinct ids sent, want %d", len(sent), docs)
	}
	if resent > batch {
		t.Errorf("%d documents sent twice, want at most one batch (%d)", resent, batch)
	}
	t.Logf("killed at %d written; %d documents re-sent after resume", atKill.Written, resent)
}

// loadConfigFor is loadConfig for the child, which has no *testing.T of its own.
func loadConfigFor(esURL string, o envOpts, dir, mappingDir string) *config.Config {
	text := fmt.Sprintf(envYAML, esURL, mappingDir, o.docs, "", mappingDir+"/recommendationindex.json", 10, "{traineeInfo: recommendationInfo}")
	cfg, err := config.Parse([]byte(text), dir, func(string) string { return "" })
	if err != nil {
		fmt.Fprintln(os.Stderr, "child config:", err)
		os.Exit(2)
	}
	return cfg
}
