package commands_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/resyncbot/resyncbot/commands"
)

// maxReply bounds every reply: help is the longest, and words echoed in
// errors are cut short, so pasting a paragraph never bounces it back.
const maxReply = 2500

// FuzzParse checks what must hold for any input: Parse does not panic, is
// a function of its input, and a Run result is a command the bot can act
// on without checking the words again.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases() {
		f.Add(tc.slash, tc.text)
	}
	for _, s := range []string{
		`prod reason=“a ”b” c”`, `prod reason=\`, `prod reason="\`, `prod reason="\"`, `'`, `"`, "\u201c",
		"prod reason=\xff\xfe", "\xffprod", "prod index=\u00a0", "prod\u00a0dry-run", "==", "=x prod", "prod x=",
		`notice`, `prod reason=""" dry-run`, "status \"\"", `""`, "prod index=connections index=", "\u2014\u2014dry_run prod",
	} {
		f.Add("/resync", s)
		f.Add("/notice", "prod resolved "+s)
		f.Add("", "/restore "+s)
	}
	g := grammar()
	f.Fuzz(func(t *testing.T, slash, text string) {
		got := commands.Parse(slash, text, g)
		if again := commands.Parse(slash, text, g); again != got {
			t.Fatalf("Parse is not deterministic: %+v then %+v", got, again)
		}
		switch got.Kind {
		case commands.Ignore:
			if got != (commands.Result{}) {
				t.Fatalf("Ignore with content: %+v", got)
			}
			switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(slash), "/")) {
			case "resync", "abort", "restore", "notice":
				t.Fatalf("Parse(%q, %q) ignored one of our commands", slash, text)
			}
		case commands.Reply:
			checkReply(t, got)
		case commands.Run:
			checkRun(t, g, got)
		default:
			t.Fatalf("unknown kind %v", got.Kind)
		}
	})
}

func checkReply(t *testing.T, r commands.Result) {
	t.Helper()
	switch {
	case r.Reply == "":
		t.Fatalf("empty reply: %+v", r)
	case !utf8.ValidString(r.Reply):
		t.Fatalf("reply is not valid UTF-8: %q", r.Reply)
	case len(r.Reply) > maxReply:
		t.Fatalf("reply of %d bytes: %q", len(r.Reply), r.Reply)
	case r.Command != commands.Command{Name: r.Command.Name}:
		t.Fatalf("reply carries a command: %+v", r.Command)
	case r.Command.Name == commands.Unknown:
		t.Fatalf("reply about no command: %q", r.Reply)
	case r.Command.Name != commands.Help && !strings.Contains(r.Reply, "\nUsage: /"):
		t.Fatalf("error without a usage line: %q", r.Reply)
	}
}

func checkRun(t *testing.T, g commands.Grammar, r commands.Result) {
	t.Helper()
	c := r.Command
	if r.Reply != "" {
		t.Fatalf("Run with a reply: %+v", r)
	}
	if c.Env != "" && !slices.Contains(g.Envs, c.Env) {
		t.Fatalf("env %q is not in the grammar", c.Env)
	}
	// Every field another command uses stays empty.
	var only commands.Command
	switch c.Name {
	case commands.Resync:
		if c.Env == "" {
			t.Fatalf("resync without env")
		}
		if c.Index != "" && !slices.Contains(g.Indexes[c.Env], c.Index) {
			t.Fatalf("index %q is not one of %s's", c.Index, c.Env)
		}
		if c.Reason != strings.TrimSpace(c.Reason) || c.Index != strings.TrimSpace(c.Index) {
			t.Fatalf("untrimmed value: %+v", c)
		}
		only = commands.Command{Name: c.Name, Env: c.Env, Index: c.Index, Reason: c.Reason, DryRun: c.DryRun}
	case commands.Status, commands.History:
		only = commands.Command{Name: c.Name, Env: c.Env}
	case commands.Abort:
		if c.JobID != "" && !isID(c.JobID) {
			t.Fatalf("job id %q", c.JobID)
		}
		only = commands.Command{Name: c.Name, JobID: c.JobID}
	case commands.Restore:
		if c.Env == "" || c.Generation != "" && !isID(c.Generation) {
			t.Fatalf("restore %+v", c)
		}
		only = commands.Command{Name: c.Name, Env: c.Env, Generation: c.Generation}
	case commands.Notice:
		if c.Env == "" || !slices.Contains(commands.NoticeStates(), c.NoticeState) || strings.TrimSpace(c.Text) == "" {
			t.Fatalf("notice %+v", c)
		}
		only = commands.Command{Name: c.Name, Env: c.Env, NoticeState: c.NoticeState, Text: c.Text}
	default:
		t.Fatalf("Run with name %v", c.Name)
	}
	if c != only {
		t.Fatalf("%v sets fields it does not use: %+v", c.Name, c)
	}
}

// isID is the shape of job and generation ids, written independently of
// the parser's check.
func isID(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, part := range strings.Split(s, "-") {
		if part == "" || strings.Trim(part, "0123456789abcdef") != "" {
			return false
		}
	}
	return true
}
