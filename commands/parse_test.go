package commands_test

import (
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/commands"
)

// grammar is the configuration every test parses against: preprod has no
// indexes configured, to show what the parser says about that.
func grammar() commands.Grammar {
	return commands.Grammar{
		Envs: []string{"staging", "preprod", "prod"},
		Indexes: map[string][]string{
			"staging": {"connections", "recommendations"},
			"prod":    {"connections", "recommendations"},
		},
	}
}

// The usage lines, spelt out here so that a change to them is a change to
// a test as well.
const (
	uResync  = "\nUsage: /resync <env> [index=<alias>] [reason=\"…\"] [dry-run]"
	uStatus  = "\nUsage: /resync status [env]"
	uHistory = "\nUsage: /resync history [env]"
	uAbort   = "\nUsage: /abort [job-id]"
	uRestore = "\nUsage: /restore <env> [generation]"
	uNotice  = "\nUsage: /notice <env> <state> <text…>"
)

type parseCase struct {
	name        string
	slash, text string
	want        commands.Result
}

func run(c commands.Command) commands.Result {
	return commands.Result{Kind: commands.Run, Command: c}
}

func reply(n commands.Name, text string) commands.Result {
	return commands.Result{Kind: commands.Reply, Command: commands.Command{Name: n}, Reply: text}
}

// helpReply matches any help text; TestHelp checks what help says.
func helpReply() commands.Result { return reply(commands.Help, "(help)") }

func parseCases() []parseCase {
	const (
		Resync  = commands.Resync
		Status  = commands.Status
		History = commands.History
		Abort   = commands.Abort
		Restore = commands.Restore
		Notice  = commands.Notice
	)
	type C = commands.Command
	return []parseCase{
		// Not ours.
		{"empty", "", "", commands.Result{}},
		{"blank", "  ", " \t ", commands.Result{}},
		{"other slash", "/deploy", "prod", commands.Result{}},
		{"chat line", "", "resync prod please", commands.Result{}},
		{"other slash in chat line", "", "/deploy prod", commands.Result{}},

		// /resync, valid.
		{"env only", "/resync", "prod", run(C{Name: Resync, Env: "prod"})},
		{"slash without slash", "resync", "staging", run(C{Name: Resync, Env: "staging"})},
		{"slash in upper case", "/RESYNC", "staging", run(C{Name: Resync, Env: "staging"})},
		{"chat line with slash", "", "  /resync prod dry-run", run(C{Name: Resync, Env: "prod", DryRun: true})},
		{"everything", "/resync", `prod index=connections reason="GMC data refresh" dry-run`,
			run(C{Name: Resync, Env: "prod", Index: "connections", Reason: "GMC data refresh", DryRun: true})},
		{"options before env", "/resync", `dry-run reason=x index=recommendations staging`,
			run(C{Name: Resync, Env: "staging", Index: "recommendations", Reason: "x", DryRun: true})},
		{"case-insensitive words", "/resync", `PROD INDEX=Connections Reason="As typed" DRY-RUN`,
			run(C{Name: Resync, Env: "prod", Index: "connections", Reason: "As typed", DryRun: true})},
		{"--dry-run", "/resync", "staging --dry-run", run(C{Name: Resync, Env: "staging", DryRun: true})},
		{"dryrun", "/resync", "staging dryrun", run(C{Name: Resync, Env: "staging", DryRun: true})},
		{"autocorrected em dash", "/resync", "staging \u2014dry-run", run(C{Name: Resync, Env: "staging", DryRun: true})},
		{"unquoted reason", "/resync", "prod reason=refresh", run(C{Name: Resync, Env: "prod", Reason: "refresh"})},
		{"single quotes", "/resync", "prod reason='GMC refresh'", run(C{Name: Resync, Env: "prod", Reason: "GMC refresh"})},
		{"apostrophe in single quotes", "/resync", "prod reason='it's done'", run(C{Name: Resync, Env: "prod", Reason: "it's done"})},
		{"typographic double quotes", "/resync", "prod reason=\u201cGMC data refresh\u201d",
			run(C{Name: Resync, Env: "prod", Reason: "GMC data refresh"})},
		{"typographic closing quote used to open", "/resync", "prod reason=\u201dGMC refresh\u201d",
			run(C{Name: Resync, Env: "prod", Reason: "GMC refresh"})},
		{"typographic single quotes with apostrophe", "/resync", "prod reason=\u2018it\u2019s late\u2019 dry-run",
			run(C{Name: Resync, Env: "prod", Reason: "it\u2019s late", DryRun: true})},
		{"mixed straight and typographic", "/resync", "prod reason=\"GMC refresh\u201d",
			run(C{Name: Resync, Env: "prod", Reason: "GMC refresh"})},
		{"escaped quotes", "/resync", `prod reason="say \"hi\" to \\ them"`,
			run(C{Name: Resync, Env: "prod", Reason: `say "hi" to \ them`})},
		{"other backslashes stay", "/resync", `prod reason="C:\temp"`, run(C{Name: Resync, Env: "prod", Reason: `C:\temp`})},
		{"quote inside a word is literal", "/resync", `prod reason=don"t`, run(C{Name: Resync, Env: "prod", Reason: `don"t`})},
		{"quoted env", "/resync", `"prod"`, run(C{Name: Resync, Env: "prod"})},
		{"newlines and tabs separate", "/resync", "prod\n\tdry-run", run(C{Name: Resync, Env: "prod", DryRun: true})},
		{"status", "/resync", "status", run(C{Name: Status})},
		{"status env", "/resync", "Status PROD", run(C{Name: Status, Env: "prod"})},
		{"history env", "/resync", "history staging", run(C{Name: History, Env: "staging"})},

		// /resync, help.
		{"bare resync", "/resync", "", helpReply()},
		{"resync help", "/resync", "HELP", helpReply()},

		// /resync, errors.
		{"unknown env, near", "/resync", "prd", reply(Resync, `Unknown environment "prd" — did you mean "prod"?`+uResync)},
		{"unknown env, far", "/resync", "production", reply(Resync, `Unknown environment "production". Environments: staging, preprod, prod.`+uResync)},
		{"misspelt subcommand", "/resync", "stauts", reply(Resync, `Unknown command "stauts" — did you mean "status"?`+uResync)},
		{"missing env", "/resync", "dry-run", reply(Resync, `Which environment? Environments: staging, preprod, prod.`+uResync)},
		{"unknown key, near", "/resync", "prod indx=connections", reply(Resync, `Unknown option "indx=" — did you mean "index="?`+uResync)},
		{"unknown key, far", "/resync", "prod colour=red", reply(Resync, `Unknown option "colour=". Options: index=, reason=.`+uResync)},
		{"duplicate key", "/resync", "prod index=connections INDEX=recommendations", reply(Resync, `"index=" is given twice.`+uResync)},
		{"duplicate flag", "/resync", "prod dry-run --dry-run", reply(Resync, `"dry-run" is given twice.`+uResync)},
		{"empty value", "/resync", "prod reason=", reply(Resync, `"reason=" needs a value.`+uResync)},
		{"blank quoted value", "/resync", `prod reason=" "`, reply(Resync, `"reason=" needs a value.`+uResync)},
		{"flag with value", "/resync", "prod dry-run=yes", reply(Resync, `"dry-run" takes no value.`+uResync)},
		{"key without =", "/resync", `prod reason "GMC refresh"`, reply(Resync, `Missing "=" after "reason".`+uResync)},
		{"key without = first", "/resync", `Index connections prod`, reply(Resync, `Missing "=" after "index".`+uResync)},
		{"unknown index, near", "/resync", "prod index=conections", reply(Resync, `Environment "prod" has no index "conections" — did you mean "connections"?`+uResync)},
		{"unknown index, far", "/resync", "staging index=doctors", reply(Resync, `Environment "staging" has no index "doctors". Indexes: connections, recommendations.`+uResync)},
		{"env without indexes", "/resync", "preprod index=connections", reply(Resync, `Environment "preprod" has no index "connections". Indexes: none.`+uResync)},
		{"two envs", "/resync", "prod staging", reply(Resync, `Unexpected "staging".`+uResync)},
		{"misspelt flag", "/resync", "prod dry-rn", reply(Resync, `Unexpected "dry-rn" — did you mean "dry-run"?`+uResync)},
		{"unterminated quote", "/resync", `prod reason="GMC data refresh`, reply(Resync, `Unterminated quote: reason="GMC data refresh`+uResync)},
		{"unterminated typographic quote", "/resync", "prod reason=\u201cGMC", reply(Resync, "Unterminated quote: reason=\u201cGMC"+uResync)},
		{"closing quote must end the word", "/resync", `prod reason="a"b`, reply(Resync, `Unterminated quote: reason="a"b`+uResync)},
		{"unterminated quote shown short, one line", "/resync", "prod reason=\"" + strings.Repeat("word\n", 20),
			reply(Resync, `Unterminated quote: reason="word word word word word word wo…`+uResync)},
		{"long word shown short", "/resync", strings.Repeat("x", 50),
			reply(Resync, `Unknown environment "`+strings.Repeat("x", 40)+`…". Environments: staging, preprod, prod.`+uResync)},
		{"status unknown env", "/resync", "status prd", reply(Status, `Unknown environment "prd" — did you mean "prod"?`+uStatus)},
		{"status extra word", "/resync", "status prod now", reply(Status, `Unexpected "now".`+uStatus)},
		{"history option", "/resync", "history index=connections", reply(History, `Unexpected "index=connections".`+uHistory)},

		// /abort.
		{"abort", "/abort", "", run(C{Name: Abort})},
		{"abort job", "/abort", "20261126-230102-a1b2", run(C{Name: Abort, JobID: "20261126-230102-a1b2"})},
		{"abort help", "/ABORT", "Help", helpReply()},
		{"abort upper-case id", "/abort", "20261126-230102-A1B2", reply(Abort, `"20261126-230102-A1B2" is not a job id; job ids look like 20261126-230102-a1b2.`+uAbort)},
		{"abort env", "/abort", "prod", reply(Abort, `"prod" is not a job id; job ids look like 20261126-230102-a1b2.`+uAbort)},
		{"abort double dash", "/abort", "2026--a1", reply(Abort, `"2026--a1" is not a job id; job ids look like 20261126-230102-a1b2.`+uAbort)},
		{"abort two ids", "/abort", "a1 b2", reply(Abort, `Unexpected "b2".`+uAbort)},

		// /restore.
		{"restore", "/restore", "Prod", run(C{Name: Restore, Env: "prod"})},
		{"restore generation", "/restore", "prod 20261126-230102-a1b2", run(C{Name: Restore, Env: "prod", Generation: "20261126-230102-a1b2"})},
		{"bare restore", "/restore", " ", helpReply()},
		{"restore help", "/restore", "help", helpReply()},
		{"restore unknown env", "/restore", "stagign", reply(Restore, `Unknown environment "stagign" — did you mean "staging"?`+uRestore)},
		{"restore bad generation", "/restore", "prod latest", reply(Restore, `"latest" is not a generation id; generation ids look like 20261126-230102-a1b2.`+uRestore)},
		{"restore extra", "/restore", "prod a1 b2", reply(Restore, `Unexpected "b2".`+uRestore)},

		// /notice.
		{"notice", "/notice", "prod investigating Lists are slow to load.",
			run(C{Name: Notice, Env: "prod", NoticeState: "investigating", Text: "Lists are slow to load."})},
		{"notice text as typed", "/notice", "PROD Monitoring  We\u2019re watching; don't \"refresh\"   yet.\n",
			run(C{Name: Notice, Env: "prod", NoticeState: "monitoring", Text: "We\u2019re watching; don't \"refresh\"   yet."})},
		{"notice quoted text", "/notice", `staging resolved "All fixed."`,
			run(C{Name: Notice, Env: "staging", NoticeState: "resolved", Text: "All fixed."})},
		{"notice typographic quoted text", "/notice", "staging identified \u201cCause found.\u201d",
			run(C{Name: Notice, Env: "staging", NoticeState: "identified", Text: "Cause found."})},
		{"notice quotes not around all", "/notice", `prod scheduled "Friday" 18:00, lists read-only`,
			run(C{Name: Notice, Env: "prod", NoticeState: "scheduled", Text: `"Friday" 18:00, lists read-only`})},
		{"notice in-progress", "/notice", "prod In-Progress Rebuilding.",
			run(C{Name: Notice, Env: "prod", NoticeState: "in_progress", Text: "Rebuilding."})},
		{"notice unbalanced quote in prose", "/notice", `prod completed Done, "mostly`,
			run(C{Name: Notice, Env: "prod", NoticeState: "completed", Text: `Done, "mostly`})},
		{"bare notice", "/notice", "", helpReply()},
		{"notice help", "/notice", "help", helpReply()},
		{"notice unknown env", "/notice", "prd resolved ok", reply(Notice, `Unknown environment "prd" — did you mean "prod"?`+uNotice)},
		{"notice missing state", "/notice", "prod", reply(Notice, `Which state? States: investigating, identified, monitoring, resolved, scheduled, in_progress, completed.`+uNotice)},
		{"notice unknown state, near", "/notice", "prod resolvd ok", reply(Notice, `Unknown state "resolvd" — did you mean "resolved"?`+uNotice)},
		{"notice unknown state, far", "/notice", "prod broken ok", reply(Notice, `Unknown state "broken". States: investigating, identified, monitoring, resolved, scheduled, in_progress, completed.`+uNotice)},
		{"notice no text", "/notice", "prod resolved  ", reply(Notice, `The notice has no text.`+uNotice)},
		{"notice empty quoted text", "/notice", `prod resolved ""`, reply(Notice, `The notice has no text.`+uNotice)},
		{"notice unterminated env", "/notice", `"prod resolved ok`, reply(Notice, `Unterminated quote: "prod resolved ok`+uNotice)},
	}
}

func TestParse(t *testing.T) {
	g := grammar()
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := commands.Parse(tc.slash, tc.text, g)
			if tc.want == helpReply() {
				if got.Kind != commands.Reply || got.Command != (commands.Command{Name: commands.Help}) || got.Reply == "" {
					t.Fatalf("Parse(%q, %q) = %+v, want help", tc.slash, tc.text, got)
				}
				return
			}
			if got != tc.want {
				t.Errorf("Parse(%q, %q)\n got: %s %+v\n%s\nwant: %s %+v\n%s",
					tc.slash, tc.text, got.Kind, got.Command, got.Reply, tc.want.Kind, tc.want.Command, tc.want.Reply)
			}
		})
	}
}

func TestParseEnvSpelling(t *testing.T) {
	// Env and alias come back as configured, however they were typed.
	g := commands.Grammar{Envs: []string{"Prod-EU"}, Indexes: map[string][]string{"Prod-EU": {"Connections"}}}
	got := commands.Parse("/resync", "prod-eu index=CONNECTIONS", g)
	want := run(commands.Command{Name: commands.Resync, Env: "Prod-EU", Index: "Connections"})
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	got = commands.Parse("/resync", "prod", commands.Grammar{})
	if want := "Unknown environment \"prod\". Environments: none." + uResync; got.Reply != want {
		t.Fatalf("no environments: got %q, want %q", got.Reply, want)
	}
}

func TestHelp(t *testing.T) {
	g := grammar()
	resync := commands.Parse("/resync", "help", g).Reply
	if resync != commands.HelpText(g) {
		t.Errorf("/resync help differs from HelpText")
	}
	for _, want := range []string{
		"/resync <env> [index=<alias>] [reason=\"…\"] [dry-run] — ", "Example: /resync staging",
		"/resync status [env] — ", "Example: /resync status ",
		"/resync history [env] — ", "Example: /resync history ",
		"/abort [job-id] — ", "Example: /abort ",
		"/restore <env> [generation] — ", "Example: /restore ",
		"/notice <env> <state> <text…> — ", "Example: /notice ",
		"second engineer", "Approve",
		"Environments: staging, preprod, prod.",
	} {
		if !strings.Contains(resync, want) {
			t.Errorf("/resync help lacks %q:\n%s", want, resync)
		}
	}
	for _, tc := range []struct{ slash, usage string }{
		{"/abort", "/abort [job-id] — "},
		{"/restore", "/restore <env> [generation] — "},
		{"/notice", "/notice <env> <state> <text…> — "},
	} {
		text := commands.Parse(tc.slash, "help", g).Reply
		if !strings.HasPrefix(text, tc.usage) || !strings.Contains(text, "\nExample: "+tc.slash) {
			t.Errorf("%s help lacks its usage or an example:\n%s", tc.slash, text)
		}
	}
	notice := commands.Parse("/notice", "help", g).Reply
	for _, s := range commands.NoticeStates() {
		if !strings.Contains(notice, s) {
			t.Errorf("/notice help lacks state %q", s)
		}
	}
}

func TestHelpExamplesParse(t *testing.T) {
	// Every example in the help must itself be a valid command.
	g := grammar()
	var help []string
	for _, slash := range []string{"/resync", "/abort", "/restore", "/notice"} {
		help = append(help, commands.Parse(slash, "help", g).Reply)
	}
	n := 0
	for _, line := range strings.Split(strings.Join(help, "\n"), "\n") {
		_, ex, ok := strings.Cut(line, "Example: ")
		if !ok {
			continue
		}
		n++
		if got := commands.Parse("", ex, g); got.Kind != commands.Run {
			t.Errorf("example %q does not run: %+v", ex, got)
		}
	}
	if n < 6 {
		t.Errorf("found %d examples, want at least one per command", n)
	}
}

func TestNames(t *testing.T) {
	for n, want := range map[commands.Name]string{
		commands.Unknown: "unknown", commands.Resync: "resync", commands.Status: "status",
		commands.History: "history", commands.Help: "help", commands.Abort: "abort",
		commands.Restore: "restore", commands.Notice: "notice", commands.Name(99): "Name(99)",
	} {
		if got := n.String(); got != want {
			t.Errorf("Name(%d).String() = %q, want %q", int(n), got, want)
		}
	}
	for k, want := range map[commands.Kind]string{
		commands.Ignore: "ignore", commands.Run: "run", commands.Reply: "reply", commands.Kind(7): "Kind(7)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
