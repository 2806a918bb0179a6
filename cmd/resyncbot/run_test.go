package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// result is what one run of the program did.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

// runArgs runs the program with args and environment variables vars.
func runArgs(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return vars[k] }
	err := run(context.Background(), args, getenv, &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: exitStatus(err), err: err}
}

// wantCode fails the test unless the run exited with code.
func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", r.code, code, r.err, r.stdout, r.stderr)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "help"}, {"--log-format", "console", "help"}} {
		r := runArgs(t, nil, args...)
		r.wantCode(t, 0)
		for _, want := range []string{"Usage:\n  resyncbot [global flags] <command> [flags]", "  check ", "  version ", "--log-format"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%q: stdout lacks %q:\n%s", args, want, r.stdout)
			}
		}
		if r.stderr != "" {
			t.Errorf("%q: stderr %q", args, r.stderr)
		}
	}
}

func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"check", "--help"}, {"help", "check"}, {"check", "-h"}} {
		r := runArgs(t, nil, args...)
		r.wantCode(t, 0)
		if !strings.HasPrefix(r.stdout, "Usage: resyncbot check --config FILE\n") || !strings.Contains(r.stdout, "-config FILE") {
			t.Errorf("%q: stdout:\n%s", args, r.stdout)
		}
	}
	r := runArgs(t, nil, "version", "--help")
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "Usage: resyncbot version") {
		t.Errorf("version --help: %s", r.stdout)
	}
}

func TestUsageMistakes(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string // a line stderr must contain
	}{
		{nil, "Usage:"},
		{[]string{"chek"}, `resyncbot: unknown command "chek" (did you mean "check"?); run "resyncbot help" for the list`},
		{[]string{"versoin"}, `(did you mean "version"?)`},
		{[]string{"frobnicate"}, `resyncbot: unknown command "frobnicate"; run "resyncbot help" for the list`},
		{[]string{"help", "chekc"}, `unknown command "chekc" (did you mean "check"?)`},
		{[]string{"--log-format", "xml", "version"}, `resyncbot: --log-format "xml": want json or console`},
		{[]string{"--log-level", "loud", "version"}, `resyncbot: --log-level "loud": want trace, debug, info, warn or error`},
		{[]string{"--bogus", "version"}, "flag provided but not defined: -bogus"},
		{[]string{"check"}, "resyncbot: check: --config FILE is required"},
		{[]string{"check", "--config"}, "flag needs an argument: -config"},
		{[]string{"check", "x.yaml"}, `resyncbot: check: unexpected argument "x.yaml" (the file goes after --config)`},
		{[]string{"version", "extra"}, "resyncbot: version takes no arguments"},
	}
	for _, tt := range tests {
		r := runArgs(t, nil, tt.args...)
		if r.code != 2 {
			t.Errorf("%q: exit status %d, want 2", tt.args, r.code)
		}
		if !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("%q: stderr lacks %q:\n%s", tt.args, tt.stderr, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%q: stdout %q", tt.args, r.stdout)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for name, cmd := range commands() {
		if cmd.summary == "" || cmd.run == nil {
			t.Errorf("command %q lacks a summary or a function", name)
		}
		r := runArgs(t, nil, append(strings.Fields(name), "--help")...)
		r.wantCode(t, 0)
		if r.stdout == "" {
			t.Errorf("%s --help prints nothing", name)
		}
	}
}
