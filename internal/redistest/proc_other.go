//go:build !linux

package redistest

import "os/exec"

// startProcess starts cmd. Outside Linux there is no parent-death signal, so
// the server outlives a test process that does not call Main.
func startProcess(cmd *exec.Cmd) (<-chan struct{}, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	return done, nil
}
