package main

import (
	"runtime"
	"testing"
)

func TestVersion(t *testing.T) {
	r := runArgs(t, nil, "version")
	r.wantCode(t, 0)
	// Test binaries carry no module version, so this is the default.
	if want := "resyncbot dev (" + runtime.Version() + ")\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
}
