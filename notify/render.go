// Package notify turns the engine's job events into chat messages — one
// progress message per job, edited in place at a bounded rate, with stage
// changes as thread replies and a final summary — and delivers user-facing
// notices.
package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

// Action ids of the buttons on job messages (the bot handles the clicks).
const (
	ActionAbort   = "abort"
	ActionRestore = "restore"
)

// Style returns the chat style of env.
func Style(env *config.Environment) chat.Style {
	if env == nil {
		return chat.Style{}
	}
	label := env.Label
	if label == "" {
		label = env.Name
	}
	return chat.Style{Env: env.Name, Label: label, Colour: env.Colour, Production: env.Production}
}

// JobMessage renders a job's message from its latest event: progress with an
// Abort button while it runs, the summary with a Restore button once the new
// data is live. names maps person ids to display names.
func JobMessage(env *config.Environment, ev syncengine.Event, names func(string) string) chat.Message {
	j := ev.Job
	m := chat.Message{Style: Style(env)}
	who := []chat.Field{{Label: "Requested by", Value: names(j.Requester)}}
	if len(j.Approvers) > 0 {
		var ns []string
		for _, a := range j.Approvers {
			ns = append(ns, names(a))
		}
		who = append(who, chat.Field{Label: "Approved by", Value: strings.Join(ns, ", ")})
	}
	if j.Reason != "" {
		who = append(who, chat.Field{Label: "Reason", Value: j.Reason})
	}
	for _, ix := range ev.Indexes {
		m.Bars = append(m.Bars, chat.Bar{Label: ix.Alias, Done: ix.Written, Total: ix.Total})
	}
	m.Footer = fmt.Sprintf("job %s · generation %s", j.ID, j.Generation)

	switch {
	case ev.Kind != syncengine.EventFinished:
		m.Title = fmt.Sprintf(textRunningTitle, envLabel(env))
		m.Text = fmt.Sprintf(textRunningBody, stageWords(ev.Stage))
		m.Fields = append(who, progressFields(ev)...)
		m.Buttons = []chat.Button{{
			ActionID: ActionAbort, Value: j.ID, Label: textAbortButton, Style: chat.Danger,
			Confirm: &chat.Confirm{
				Title:  textAbortConfirmTitle,
				Text:   fmt.Sprintf(textAbortConfirmBody, envLabel(env)),
				OK:     textAbortButton,
				Cancel: textKeepRunning,
			},
		}}
	case j.State == syncengine.StateSucceeded:
		m.Title = fmt.Sprintf(textSucceededTitle, envLabel(env))
		m.Text = fmt.Sprintf(textSucceededBody, j.Generation, round(j.Duration(ev.Time)))
		m.Fields = append(who, summaryFields(ev)...)
		m.Buttons = []chat.Button{RestoreButton(env, j.Generation)}
	case j.State == syncengine.StateAborted:
		m.Title = fmt.Sprintf(textAbortedTitle, envLabel(env))
		m.Text = fmt.Sprintf(textAbortedBody, names(j.AbortedBy), chat.Thousands(j.Written))
		m.Fields = who
	default:
		m.Title = fmt.Sprintf(textFailedTitle, envLabel(env))
		m.Text = ev.Error
		m.Fields = append(who, checkFields(j.Checks)...)
	}
	return m
}

// RestoreButton undoes the job that made generation live: it restores
// whatever was live before it. The value names the generation being undone,
// so a second click cannot flip the data back.
func RestoreButton(env *config.Environment, generation string) chat.Button {
	return chat.Button{
		ActionID: ActionRestore, Value: env.Name + " " + generation, Label: textRestoreButton,
		Confirm: &chat.Confirm{
			Title:  textRestoreConfirmTitle,
			Text:   fmt.Sprintf(textRestoreConfirmBody, envLabel(env), generation),
			OK:     textRestoreButton,
			Cancel: textCancel,
		},
	}
}

// StageReply is the thread reply for a stage change or warning, or "" when
// the event is not worth a reply.
func StageReply(ev syncengine.Event) string {
	switch ev.Kind {
	case syncengine.EventWarning:
		return ":warning: " + ev.Message
	case syncengine.EventStage:
		switch {
		case ev.Message == "copy done":
			return fmt.Sprintf(textReplyCopied, chat.Thousands(ev.Written))
		case strings.HasPrefix(ev.Message, "verified"):
			return textReplyVerified
		case strings.HasPrefix(ev.Message, "swapped"):
			return textReplySwapped
		case strings.HasPrefix(ev.Message, "pruned"):
			return "Removed old generations: " + strings.TrimPrefix(ev.Message, "pruned generations ")
		case strings.HasPrefix(ev.Message, "interrupted"):
			return textReplyInterrupted
		case ev.Message == string(syncengine.StageVerify):
			return textReplyVerifying
		}
	case syncengine.EventFinished:
		switch ev.Job.State {
		case syncengine.StateSucceeded:
			return textReplyDone
		case syncengine.StateAborted:
			return textReplyAborted
		case syncengine.StateFailed:
			return ":x: " + ev.Error
		}
	}
	return ""
}

func progressFields(ev syncengine.Event) []chat.Field {
	var fs []chat.Field
	if ev.DocsPerSec > 0 {
		fs = append(fs, chat.Field{Label: "Rate", Value: chat.Thousands(int64(ev.DocsPerSec)) + " docs/s"})
	}
	if ev.ETA > 0 {
		fs = append(fs, chat.Field{Label: "ETA", Value: round(ev.ETA).String()})
	}
	if ev.Retries > 0 {
		fs = append(fs, chat.Field{Label: "Retries", Value: chat.Thousands(ev.Retries)})
	}
	return fs
}

func summaryFields(ev syncengine.Event) []chat.Field {
	var fs []chat.Field
	for _, ix := range ev.Indexes {
		fs = append(fs, chat.Field{Label: ix.Alias, Value: chat.Thousands(ix.Written) + " documents"})
	}
	return append(fs, checkFields(ev.Job.Checks)...)
}

func checkFields(cs []syncengine.CheckResult) []chat.Field {
	var fs []chat.Field
	for _, c := range cs {
		mark := ":white_check_mark:"
		if !c.OK {
			mark = ":x:"
		}
		v := fmt.Sprintf("%s expected %s, found %s", mark, c.Expected, c.Found)
		if len(c.Examples) > 0 {
			v += " (e.g. " + strings.Join(c.Examples, ", ") + ")"
		}
		fs = append(fs, chat.Field{Label: c.Alias + ": " + c.Name, Value: v})
	}
	return fs
}

func stageWords(s syncengine.Stage) string {
	switch s {
	case syncengine.StagePlan:
		return "planning"
	case syncengine.StageCopy:
		return "copying into new indexes (live data untouched)"
	case syncengine.StageVerify:
		return "verifying the new indexes"
	case syncengine.StageSwap:
		return "switching to the new data"
	case syncengine.StagePrune:
		return "removing old generations"
	}
	return string(s)
}

func envLabel(env *config.Environment) string {
	if env.Production {
		return "PRODUCTION (" + env.Name + ")"
	}
	if env.Label != "" && !strings.EqualFold(env.Label, env.Name) {
		return env.Label + " (" + env.Name + ")"
	}
	return env.Name
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}
