package notify_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// jargon are words users of the application should never read in a notice.
var jargon = regexp.MustCompile(`(?i)\b(re)?index(es|ed|ing)?\b|\balias(es)?\b|elasticsearch|generation|\bjob\b|\bswap`)

// winter and summer are sample times on either side of the UK's clock
// change: 16:05 in London is 16:05 UTC in March and 15:05 UTC in July.
var (
	winter = time.Date(2026, time.March, 3, 16, 5, 0, 0, time.UTC)
	summer = time.Date(2026, time.July, 1, 15, 5, 0, 0, time.UTC)
)

func TestDefaultTemplatesArePlainLanguage(t *testing.T) {
	cfg := parseConfig(t, "", nil)
	env := cfg.Environments["prod"]
	for _, name := range notify.TemplateNames() {
		ev, d := notify.Event(name), notify.NoticeData{
			Started: winter, FinishBy: winter.Add(25 * time.Minute), RestoredTo: winter.Add(-80 * time.Minute), At: winter,
			Text: "Some lists show older data", Reason: "GMC refresh after the traineeInfo field was renamed",
		}
		if s := notify.State(name); s.Valid() {
			ev, d.State = notify.EventManual, s
		}
		n, err := notify.RenderNotice(env, ev, d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range []string{n.Title, n.Text, chat.PlainText(notify.NoticeMessage(env, n))} {
			if w := jargon.FindString(s); w != "" {
				t.Errorf("%s notice says %q, which users do not understand:\n%s", name, w, s)
			}
		}
		if strings.Contains(n.Title+n.Text, "{{") || strings.Contains(n.Text, "<no value>") {
			t.Errorf("%s notice shows template syntax: %q", name, n.Text)
		}
	}
}

func TestNoticeTimesAreInTheEnvironmentsZone(t *testing.T) {
	cfg := parseConfig(t, "", nil)
	for _, tc := range []struct {
		env          string
		at           time.Time
		start, until string
		zone         string
	}{
		{"prod", winter, "16:05", "16:30", "GMT"},
		{"prod", summer, "16:05", "16:30", "BST"},
		{"staging", winter, "11:05", "11:30", "EST"},
	} {
		n, err := notify.RenderNotice(cfg.Environments[tc.env], notify.EventStart,
			notify.NoticeData{Started: tc.at, FinishBy: tc.at.Add(25 * time.Minute), At: tc.at})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("started at %s and should finish around %s.", tc.start, tc.until)
		if !strings.Contains(n.Text, want) {
			t.Errorf("%s at %s: text %q lacks %q", tc.env, tc.at, n.Text, want)
		}
		plain := chat.PlainText(notify.NoticeMessage(cfg.Environments[tc.env], n))
		if !strings.Contains(plain, "Started: "+tc.start+" "+tc.zone) || !strings.Contains(plain, "Expected to finish: "+tc.until+" "+tc.zone) {
			t.Errorf("%s at %s: plain text lacks zoned times:\n%s", tc.env, tc.at, plain)
		}
	}
}

func TestStartNoticeWithoutEstimateSaysNoFinishTime(t *testing.T) {
	cfg := parseConfig(t, "", nil)
	n, err := notify.RenderNotice(cfg.Environments["prod"], notify.EventStart, notify.NoticeData{Started: winter, At: winter})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(n.Text, "finish around") || !strings.Contains(n.Text, "started at 16:05.") {
		t.Errorf("text %q", n.Text)
	}
}

func TestTimeOnAnotherDayNamesTheDay(t *testing.T) {
	cfg := parseConfig(t, "", nil)
	n, err := notify.RenderNotice(cfg.Environments["prod"], notify.EventRestore,
		notify.NoticeData{RestoredTo: winter.Add(-25 * time.Hour), At: winter, By: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(n.Text, "as it was at 15:05 on Monday 2 March.") {
		t.Errorf("text %q does not name the day of the restored data", n.Text)
	}
	if n.State != notify.StateResolved || n.By != "alice" {
		t.Errorf("state %q by %q", n.State, n.By)
	}
}

func TestEnvironmentTemplatesOverrideDefaults(t *testing.T) {
	cfg := parseConfig(t, `    notices:
      on_abort: false
      templates:
        start: "Refreshing from {{.StartedAt}} until about {{.FinishByAt}} ({{.Zone}}, {{.Date}}); reason: {{.Reason}}."
        investigating: "{{.Env}}: {{.Text}} (posted {{clock .At}} {{day .At}})"`, nil)
	env := cfg.Environments["prod"]
	n, err := notify.RenderNotice(env, notify.EventStart, notify.NoticeData{Started: winter, FinishBy: winter.Add(25 * time.Minute), At: winter, Reason: "GMC refresh"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Refreshing from 16:05 until about 16:30 (GMT, Tuesday 3 March); reason: GMC refresh."; n.Text != want {
		t.Errorf("start text %q, want %q", n.Text, want)
	}
	n, err = notify.RenderNotice(env, notify.EventManual, notify.NoticeData{State: notify.StateInvestigating, Text: "Lists are slow", At: summer})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Production: Lists are slow (posted 16:05 Wednesday 1 July)"; n.Text != want {
		t.Errorf("manual text %q, want %q", n.Text, want)
	}
	// The other templates keep their defaults.
	n, err = notify.RenderNotice(env, notify.EventManual, notify.NoticeData{State: notify.StateResolved, Text: "Lists are fast again", At: summer})
	if err != nil || n.Text != "Lists are fast again. This is now resolved." {
		t.Errorf("resolved text %q, %v", n.Text, err)
	}
	if notify.Enabled(env, notify.EventAbort) || !notify.Enabled(env, notify.EventStart) || !notify.Enabled(env, notify.EventManual) {
		t.Errorf("on_abort: false not honoured, or another switch off")
	}
	if !notify.Enabled(&config.Environment{Name: "bare"}, notify.EventRestore) {
		t.Errorf("an unset switch (nil) is off; want on")
	}
}

func TestManualNoticeNeedsAKnownState(t *testing.T) {
	cfg := parseConfig(t, "", nil)
	_, err := notify.RenderNotice(cfg.Environments["prod"], notify.EventManual, notify.NoticeData{State: "panicking", Text: "x"})
	if !errors.Is(err, notify.ErrUnknownState) {
		t.Errorf("err = %v, want ErrUnknownState", err)
	}
	if len(notify.ValidStates()) != 7 {
		t.Errorf("states %v", notify.ValidStates())
	}
}

func TestCheckTemplatesReportsBrokenTemplates(t *testing.T) {
	cfg := parseConfig(t, `    notices:
      templates:
        start: "We started at {{.StartedAt"
        success: "Done at {{.FinishedAt}}"
        failure: "{{if .Reason}}{{end}}"
        abort: "Stopped at {{oops .At}}"
        begin: "Hello"
        resolved: "Fixed: {{.Text}}"`, nil)
	got := notify.CheckTemplates(cfg)
	want := []string{
		`environments.prod.notices.templates.abort: template: abort:1: function "oops" not defined`,
		`environments.prod.notices.templates.begin: unknown notice template "begin"; the names are`,
		`environments.prod.notices.templates.failure: the template renders an empty notice`,
		`environments.prod.notices.templates.start: template: start:1: unclosed action`,
		`environments.prod.notices.templates.success: template: success:1:`,
	}
	if len(got) != len(want) {
		t.Fatalf("CheckTemplates found %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	if !strings.Contains(got[4], "FinishedAt") {
		t.Errorf("the unknown field is not named: %s", got[4])
	}
	if ps := notify.CheckTemplates(parseConfig(t, "", nil)); len(ps) != 0 {
		t.Errorf("the defaults have problems: %v", ps)
	}
}

// TestProdNoticesGolden renders every automatic notice of prod, as a
// bridged channel shows it, for review in testdata/prod_notices.golden.
// Run with -update to rewrite it after changing a text on purpose.
func TestProdNoticesGolden(t *testing.T) {
	cfg := parseConfig(t, "", nil)
	env := cfg.Environments["prod"]
	started := winter
	finish := started.Add(25 * time.Minute)
	ended := started.Add(22 * time.Minute)
	cases := []struct {
		name string
		ev   notify.Event
		d    notify.NoticeData
	}{
		{"start, with an estimate", notify.EventStart, notify.NoticeData{Started: started, FinishBy: finish, At: started}},
		{"start, no estimate yet", notify.EventStart, notify.NoticeData{Started: started, At: started}},
		{"success", notify.EventSuccess, notify.NoticeData{Started: started, At: ended}},
		{"failure", notify.EventFailure, notify.NoticeData{Started: started, At: ended}},
		{"abort", notify.EventAbort, notify.NoticeData{Started: started, At: ended}},
		{"restore, same day", notify.EventRestore, notify.NoticeData{RestoredTo: time.Date(2026, 3, 3, 14, 45, 0, 0, time.UTC), At: ended, By: "alice"}},
		{"restore, an earlier day", notify.EventRestore, notify.NoticeData{RestoredTo: time.Date(2026, 3, 2, 14, 45, 0, 0, time.UTC), At: ended, By: "alice"}},
		{"restore, time unknown", notify.EventRestore, notify.NoticeData{At: ended, By: "alice"}},
	}
	for _, s := range notify.ValidStates() {
		cases = append(cases, struct {
			name string
			ev   notify.Event
			d    notify.NoticeData
		}{"manual " + string(s), notify.EventManual, notify.NoticeData{State: s, Text: "Some lists show older data", At: ended}})
	}
	var sb strings.Builder
	sb.WriteString("# Every automatic notice of prod (Europe/London), and each manual state's default,\n")
	sb.WriteString("# as a plain-text (Teams-bridged) channel shows it. Review wording changes here.\n")
	for _, c := range cases {
		n, err := notify.RenderNotice(env, c.ev, c.d)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fmt.Fprintf(&sb, "\n== %s (%s, %s) ==\n%s\n", c.name, n.Event, n.State, chat.PlainText(notify.NoticeMessage(env, n)))
	}
	golden(t, "prod_notices.golden", sb.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from what the code renders (run go test ./notify/ -run Golden -update and review the diff):\n%s", path, got)
	}
}

func TestNoticeMessageHasNoProductionAlarm(t *testing.T) {
	cfg := parseConfig(t, "", nil)
	env := cfg.Environments["prod"]
	n, err := notify.RenderNotice(env, notify.EventSuccess, notify.NoticeData{Started: winter, At: winter.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	m := notify.NoticeMessage(env, n)
	if m.Style.Production || strings.Contains(chat.PlainText(m), "🚨") {
		t.Errorf("a user-facing notice carries the engineers' production banner:\n%s", chat.PlainText(m))
	}
	if len(m.Buttons) != 0 {
		t.Errorf("a notice has buttons, which cannot cross a bridge")
	}
	if m.Style.Colour == "" || m.Title != "Production: Data refresh finished" {
		t.Errorf("style %+v title %q", m.Style, m.Title)
	}
}
