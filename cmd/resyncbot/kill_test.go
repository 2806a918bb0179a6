package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/esemu"
)

// TestMain lets a test start this binary as a real `resyncbot serve`
// process, so that it can be killed with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("RESYNCBOT_TEST_SERVE") == "1" {
		args := strings.Split(os.Getenv("RESYNCBOT_TEST_ARGS"), "\x1f")
		os.Exit(exitStatus(run(context.Background(), args, os.Getenv, os.Stdout, os.Stderr)))
	}
	os.Exit(m.Run())
}

// startChild runs `resyncbot serve` as a child process and returns it with its URL.
func (s *stack) startChild() (*exec.Cmd, string) {
	s.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RESYNCBOT_TEST_SERVE=1",
		"RESYNCBOT_TEST_ARGS="+strings.Join([]string{"--log-level", "warn", "serve", "--config", s.config, "--addr", "127.0.0.1:0"}, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			return cmd, sc.Text()[i:]
		}
	}
	s.t.Fatal("child replica printed no address")
	return nil, ""
}

func TestReplicaKilledMidJobTheOtherResumes(t *testing.T) {
	s := newStack(t, stackOpts{prodDocs: 30000})
	s.seedLegacy("masterdoctorindex", "masterdoctorindex_v1")
	s.es.AddFault(esemu.Fault{Path: "/*/_bulk", Latency: 20 * time.Millisecond})
	child, childURL := s.startChild()
	a := &replica{url: childURL}

	s.slash(a, uAlice, cProd, "/resync", `prod reason="survive a crash"`)
	req := s.waitMessage(cProd, "requested", "Approve")
	s.click(a, uBob, req, "approve") // the job runs in the child
	running := s.waitMessage(cProd, "running", "Abort")
	s.eventually(20*time.Second, "progress before the kill", func() bool {
		m, _ := s.slack.Message(cProd, running.TS)
		return m.Contains("▓")
	})
	if err := child.Process.Kill(); err != nil { // SIGKILL: no cleanup at all
		t.Fatal(err)
	}
	_ = child.Wait()
	s.es.ClearFaults()

	s.startReplica() // the survivor finds the lapsed lock and resumes
	done := s.waitMessage(cProd, "Resync of PRODUCTION (prod) finished")
	if done.TS != running.TS {
		t.Errorf("the resumed job posted a new message instead of updating its own")
	}
	if !done.Contains("30,000 documents") {
		t.Errorf("summary after resume:\n%s", done.AllText())
	}
	if got := s.aliasTarget("masterdoctorindex"); !strings.HasPrefix(got, "masterdoctorindex-") {
		t.Errorf("alias after the resumed job points at %q", got)
	}
}
