package notify

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/resyncbot/resyncbot/config"
)

// State is where a notice says things stand, in incident practice.
type State string

// Incident states, for problems, and maintenance states, for planned work.
const (
	StateInvestigating State = "investigating"
	StateIdentified    State = "identified"
	StateMonitoring    State = "monitoring"
	StateResolved      State = "resolved"
	StateScheduled     State = "scheduled"
	StateInProgress    State = "in_progress"
	StateCompleted     State = "completed"
)

// ValidStates lists every state, incident states first.
func ValidStates() []State {
	return []State{StateInvestigating, StateIdentified, StateMonitoring, StateResolved,
		StateScheduled, StateInProgress, StateCompleted}
}

// Valid reports whether s is one of ValidStates.
func (s State) Valid() bool { return slices.Contains(ValidStates(), s) }

// Label is the state as people read it: "In progress".
func (s State) Label() string {
	switch s {
	case StateInvestigating:
		return textStateInvestigating
	case StateIdentified:
		return textStateIdentified
	case StateMonitoring:
		return textStateMonitoring
	case StateResolved:
		return textStateResolved
	case StateScheduled:
		return textStateScheduled
	case StateInProgress:
		return textStateInProgress
	case StateCompleted:
		return textStateCompleted
	}
	return string(s)
}

// Colour is the Adaptive Card colour of the state: attention while a problem
// is being looked at, warning while something is happening, good once over.
func (s State) Colour() string {
	switch s {
	case StateInvestigating:
		return "attention"
	case StateIdentified, StateInProgress:
		return "warning"
	case StateMonitoring, StateScheduled:
		return "accent"
	case StateResolved, StateCompleted:
		return "good"
	}
	return "default"
}

// hexColour is the state's colour as #rrggbb, for chat platforms.
func (s State) hexColour() string {
	switch s.Colour() {
	case "attention":
		return "#d40000"
	case "warning":
		return "#f2a900"
	case "accent":
		return "#2f6fd6"
	case "good":
		return "#2eb886"
	}
	return ""
}

// Event is what a notice is about: a job's start or end, a restore, or a
// manual update (/notice).
type Event string

// Notice events. The automatic ones are also the template names in
// notices.templates; a manual notice's template is named by its state.
const (
	EventStart   Event = "start"
	EventSuccess Event = "success"
	EventFailure Event = "failure"
	EventAbort   Event = "abort"
	EventRestore Event = "restore"
	EventManual  Event = "manual"
)

// AutomaticEvents lists the events that post a notice by themselves.
func AutomaticEvents() []Event {
	return []Event{EventStart, EventSuccess, EventFailure, EventAbort, EventRestore}
}

// Notice is one user-facing message to the status channels of an
// environment. Its ID makes it idempotent: enqueueing the same ID twice is
// one notice.
type Notice struct {
	ID    string `json:"id"`
	Env   string `json:"env"`
	State State  `json:"state"`
	Event Event  `json:"event"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Started and FinishBy bound the work the notice is about; either may be zero.
	Started  time.Time `json:"started,omitzero"`
	FinishBy time.Time `json:"finish_by,omitzero"`
	// At is when the thing the notice reports happened.
	At time.Time `json:"at"`
	// By is the person behind a manual notice or a restore; "" for automatic ones.
	By string `json:"by,omitempty"`
	// Created is when the notice was enqueued.
	Created time.Time `json:"created"`
}

// NoticeData is what a notice template sees. The caller fills the times and
// words; RenderNotice fills Env, EnvName, State and the formatted fields,
// every time in the environment's time zone.
type NoticeData struct {
	// Env is the environment's label ("Production"); EnvName its name ("prod").
	Env     string
	EnvName string
	State   State
	// Started, FinishBy and RestoredTo may be zero (unknown, or not relevant).
	Started    time.Time
	FinishBy   time.Time
	RestoredTo time.Time
	// At is when the event happened; zero means now.
	At time.Time
	// Text is a manual notice's words.
	Text string
	// Reason is the job's reason, as the requester gave it.
	Reason string
	// By names the person behind a manual notice or a restore.
	By string

	// StartedAt, FinishByAt and RestoredToAt are clock times ("16:05"), with
	// the day added when it is not At's day ("23:40 on Monday 2 March"); ""
	// when the time is zero.
	StartedAt    string
	FinishByAt   string
	RestoredToAt string
	// Time is At as a clock time, Date its day ("Tuesday 3 March"), and Zone
	// the time zone's abbreviation ("GMT").
	Time string
	Date string
	Zone string
}

// Template errors and outcomes callers can branch on.
var (
	// ErrUnknownState is returned for a manual notice whose state is not one of ValidStates.
	ErrUnknownState = errors.New("unknown notice state")
	// ErrEmptyNotice is returned when a template renders nothing.
	ErrEmptyNotice = errors.New("the template renders an empty notice")
)

// defaultTemplates are the built-in templates by name.
var defaultTemplates = map[string]string{
	string(EventStart): tmplStart, string(EventSuccess): tmplSuccess, string(EventFailure): tmplFailure,
	string(EventAbort): tmplAbort, string(EventRestore): tmplRestore,
	string(StateInvestigating): tmplInvestigating, string(StateIdentified): tmplIdentified,
	string(StateMonitoring): tmplMonitoring, string(StateResolved): tmplResolved,
	string(StateScheduled): tmplScheduled, string(StateInProgress): tmplInProgress,
	string(StateCompleted): tmplCompleted,
}

// TemplateNames lists the names a template may have in notices.templates.
func TemplateNames() []string {
	return slices.Sorted(maps.Keys(defaultTemplates))
}

// DefaultTemplate returns the built-in template called name, if any.
func DefaultTemplate(name string) (string, bool) {
	t, ok := defaultTemplates[name]
	return t, ok
}

// eventState is the state an automatic notice announces. A failed or
// aborted refresh is planned work that is over with nothing changed, so it
// is completed; a restore answers a problem, so it is resolved.
func eventState(ev Event) State {
	switch ev {
	case EventStart:
		return StateInProgress
	case EventRestore:
		return StateResolved
	}
	return StateCompleted
}

func headline(ev Event, s State) string {
	switch ev {
	case EventStart:
		return textHeadlineStart
	case EventSuccess:
		return textHeadlineSuccess
	case EventFailure:
		return textHeadlineFailure
	case EventAbort:
		return textHeadlineAbort
	case EventRestore:
		return textHeadlineRestore
	}
	switch s {
	case StateInvestigating:
		return textHeadlineInvestigating
	case StateIdentified:
		return textHeadlineIdentified
	case StateMonitoring:
		return textHeadlineMonitoring
	case StateResolved:
		return textHeadlineResolved
	case StateScheduled:
		return textHeadlineScheduled
	case StateInProgress:
		return textHeadlineInProgress
	}
	return textHeadlineCompleted
}

// Enabled reports whether env posts the automatic notice for ev; a switch
// left unset (nil) is on, and manual notices are always on.
func Enabled(env *config.Environment, ev Event) bool {
	if env == nil {
		return false
	}
	var on *bool
	switch ev {
	case EventStart:
		on = env.Notices.OnStart
	case EventSuccess:
		on = env.Notices.OnSuccess
	case EventFailure:
		on = env.Notices.OnFailure
	case EventAbort:
		on = env.Notices.OnAbort
	case EventRestore:
		on = env.Notices.OnRestore
	case EventManual:
		return true
	default:
		return false
	}
	return on == nil || *on
}

// RenderNotice renders env's notice for ev from d: the env's own template
// under notices.templates if it has one (by event name, or by state name for
// a manual notice), the default otherwise. The notice's ID is left for the
// caller to set; Created is set by the outbox.
func RenderNotice(env *config.Environment, ev Event, d NoticeData) (Notice, error) {
	if env == nil {
		return Notice{}, errors.New("render notice: no environment")
	}
	n, err := render(env, ev, d)
	if err != nil {
		return Notice{}, fmt.Errorf("render %s notice of %s: %w", templateName(ev, d.State), env.Name, err)
	}
	return n, nil
}

// templateName is the name of the template for ev (and, for a manual
// notice, state).
func templateName(ev Event, s State) string {
	if ev == EventManual {
		return string(s)
	}
	return string(ev)
}

// render is RenderNotice with the template package's errors unwrapped, as
// CheckTemplates reports them.
func render(env *config.Environment, ev Event, d NoticeData) (Notice, error) {
	name := string(ev)
	switch ev {
	case EventManual:
		if !d.State.Valid() {
			return Notice{}, fmt.Errorf("%w %q", ErrUnknownState, d.State)
		}
		name = string(d.State)
	case EventStart, EventSuccess, EventFailure, EventAbort, EventRestore:
		d.State = eventState(ev)
	default:
		return Notice{}, fmt.Errorf("unknown notice event %q", ev)
	}
	src, ok := env.Notices.Templates[name]
	if !ok {
		src = defaultTemplates[name]
	}
	loc, err := zone(env)
	if err != nil {
		return Notice{}, err
	}
	if d.At.IsZero() {
		d.At = time.Now()
	}
	d = fill(env, loc, d)
	text, err := execute(name, src, loc, d)
	if err != nil {
		return Notice{}, err
	}
	return Notice{
		Env:      env.Name,
		State:    d.State,
		Event:    ev,
		Title:    fmt.Sprintf(textNoticeTitle, d.Env, headline(ev, d.State)),
		Text:     text,
		Started:  d.Started,
		FinishBy: d.FinishBy,
		At:       d.At,
		By:       d.By,
	}, nil
}

// zone is the env's time zone.
func zone(env *config.Environment) (*time.Location, error) {
	if env.Timezone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(env.Timezone)
	if err != nil {
		return nil, fmt.Errorf("time zone of %s: %w", env.Name, err)
	}
	return loc, nil
}

// fill sets the fields of d that RenderNotice owns.
func fill(env *config.Environment, loc *time.Location, d NoticeData) NoticeData {
	d.Env = env.Label
	if d.Env == "" {
		d.Env = env.Name
	}
	d.EnvName = env.Name
	at := d.At.In(loc)
	d.StartedAt = clockOn(d.Started, at)
	d.FinishByAt = clockOn(d.FinishBy, at)
	d.RestoredToAt = clockOn(d.RestoredTo, at)
	d.Time = clock(at, loc)
	d.Date = day(at, loc)
	d.Zone, _ = at.Zone()
	return d
}

// clock formats t as "16:05" in loc; "" for the zero time.
func clock(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("15:04")
}

// day formats t's day as "Tuesday 3 March" in loc; "" for the zero time.
func day(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("Monday 2 January")
}

// clockOn formats t as a clock time in at's zone, naming its day when that
// is not at's day.
func clockOn(t, at time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := at.Location()
	t = t.In(loc)
	y1, m1, d1 := t.Date()
	y2, m2, d2 := at.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return clock(t, loc)
	}
	return fmt.Sprintf(textOnDay, clock(t, loc), day(t, loc))
}

// funcs are the functions templates may call, with times in loc.
func funcs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"clock":    func(t time.Time) string { return clock(t, loc) },
		"day":      func(t time.Time) string { return day(t, loc) },
		"sentence": sentence,
	}
}

// sentence trims s and ends it with a full stop unless it already ends
// with punctuation: manual texts are typed in a hurry.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune(".!?…:", r) {
		return s
	}
	return s + "."
}

// spaces collapses runs of blanks that optional template parts leave.
var spaces = regexp.MustCompile(`[ \t]{2,}`)

func execute(name, src string, loc *time.Location, d NoticeData) (string, error) {
	t, err := template.New(name).Funcs(funcs(loc)).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if err := t.Execute(&sb, d); err != nil {
		return "", err
	}
	text := strings.TrimSpace(spaces.ReplaceAllString(sb.String(), " "))
	if text == "" {
		return "", ErrEmptyNotice
	}
	return text, nil
}

// CheckTemplates renders every notice template of every environment (its
// own and the defaults it does not override) against sample data, with and
// without the optional times, and returns one line per problem, with the
// template's path in the configuration file:
//
//	environments.prod.notices.templates.start: template: start:1: function "oops" not defined
func CheckTemplates(cfg *config.Config) []string {
	var problems []string
	names := TemplateNames()
	for _, envName := range envOrder(cfg) {
		env := cfg.Environments[envName]
		envPath := keyPath("environments", envName)
		base := envPath + ".notices.templates"
		if _, err := zone(env); err != nil {
			problems = append(problems, envPath+".timezone: "+err.Error())
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(env.Notices.Templates)) {
			if !slices.Contains(names, name) {
				problems = append(problems, fmt.Sprintf("%s: unknown notice template %q; the names are %s",
					keyPath(base, name), name, strings.Join(names, ", ")))
				continue
			}
			for _, d := range sampleData() {
				ev, state := Event(name), State(name)
				if state.Valid() {
					ev, d.State = EventManual, state
				}
				if _, err := render(env, ev, d); err != nil {
					problems = append(problems, keyPath(base, name)+": "+err.Error())
					break
				}
			}
		}
	}
	return problems
}

// sampleData is what CheckTemplates renders with: everything known, then
// only what every notice has.
func sampleData() []NoticeData {
	at := time.Date(2026, time.March, 3, 16, 5, 0, 0, time.UTC)
	return []NoticeData{
		{
			Started: at, FinishBy: at.Add(25 * time.Minute), RestoredTo: at.Add(-80 * time.Minute), At: at,
			Text: "Some lists show older data", Reason: "GMC data refresh", By: "Alice",
		},
		{At: at},
	}
}

func envOrder(cfg *config.Config) []string {
	if len(cfg.EnvironmentOrder) == len(cfg.Environments) {
		return cfg.EnvironmentOrder
	}
	return slices.Sorted(maps.Keys(cfg.Environments))
}

// keyPath extends path with a mapping key the way config's problem paths
// do: a key with characters other than letters, digits, "_" and "-" is
// quoted, as in people["a.b"].
func keyPath(path, k string) string {
	if k == "" {
		return path + `[""]`
	}
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return path + "[" + strconv.Quote(k) + "]"
		}
	}
	return path + "." + k
}
