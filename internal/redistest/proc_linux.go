package redistest

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startProcess starts cmd so that the kernel kills it when this process dies,
// whether or not Main runs (a panic, a -timeout, a Ctrl-C). The parent-death
// signal fires when the *thread* that started the child exits, not the
// process, so the start happens on a goroutine locked to its thread that stays
// there, waiting, for as long as the child lives.
func startProcess(cmd *exec.Cmd) (<-chan struct{}, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		// Never unlocked: when this goroutine returns the thread ends with it,
		// which is harmless once the child has exited.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}
