package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

// RequestMessage renders an approval request: the plan, the reason and the
// requester, and while pending the Approve, Deny and Cancel buttons. A
// production request is red, says PRODUCTION, and its Approve asks to confirm.
func RequestMessage(env *config.Environment, r *approvals.Request, plan *syncengine.Plan, names func(string) string, zone *time.Location) chat.Message {
	var m chat.Message
	if plan != nil {
		m = PlanMessage(env, plan, names(r.Requester), r.Reason, zone)
	} else {
		m = chat.Message{Style: notify.Style(env), Fields: []chat.Field{{Label: "Requested by", Value: names(r.Requester)}}}
	}
	switch r.Action {
	case approvals.ActionRestore:
		m.Title = fmt.Sprintf(textRestoreRequestTitle, envTitle(env))
		target := r.Payload["generation"]
		if target == "" {
			target = "the previous generation"
		}
		m.Text = fmt.Sprintf(textRestoreRequestBody, names(r.Requester), target)
	default:
		m.Title = fmt.Sprintf(textRequestTitle, envTitle(env))
		m.Text = fmt.Sprintf(textRequestBody, names(r.Requester), env.Name)
	}
	m.Fields = append(m.Fields, chat.Field{Label: "Approvals", Value: fmt.Sprintf("%d of %d", r.Approvals(), r.Needed)})
	m.Footer = fmt.Sprintf("request %s · expires %s", r.ID, formatTime(r.Expires, zone))
	if r.State != approvals.StatePending {
		m.Text += "\n" + decidedText(r, names, zone)
		return m
	}
	approve := chat.Button{ActionID: ActionApprove, Value: r.ID, Label: textApprove, Style: chat.Primary}
	if env.Production {
		approve.Style = chat.Danger
		approve.Confirm = &chat.Confirm{
			Title:  fmt.Sprintf(textConfirmTitle, strings.ToUpper(env.Name)),
			Text:   fmt.Sprintf(textConfirmBody, envTitle(env), names(r.Requester)),
			OK:     textApprove,
			Cancel: textCancel,
		}
	}
	m.Buttons = []chat.Button{
		approve,
		{ActionID: ActionDeny, Value: r.ID, Label: textDeny},
		{ActionID: ActionCancel, Value: r.ID, Label: textCancelRequest},
	}
	return m
}

// PlanMessage renders a dry-run plan.
func PlanMessage(env *config.Environment, p *syncengine.Plan, requester, reason string, zone *time.Location) chat.Message {
	m := chat.Message{
		Title: fmt.Sprintf(textPlanTitle, envTitle(env)),
		Style: notify.Style(env),
	}
	m.Fields = append(m.Fields, chat.Field{Label: "Requested by", Value: requester})
	if reason != "" {
		m.Fields = append(m.Fields, chat.Field{Label: "Reason", Value: reason})
	}
	for _, ix := range p.Indexes {
		v := records(ix.Total) + " records from " + ix.SourceType
		if ix.LiveIndex != "" {
			v += fmt.Sprintf("; live now: %s docs", chat.Thousands(ix.LiveDocs))
		}
		m.Fields = append(m.Fields, chat.Field{Label: ix.Alias, Value: v})
	}
	live := textNoneYet
	if p.Live != nil {
		live = fmt.Sprintf("%s (%s)", p.Live.ID, formatTime(p.Live.Time, zone))
	}
	m.Fields = append(m.Fields, chat.Field{Label: "Live generation", Value: live})
	kept := textNothingKept
	if len(p.KeptForRestore) > 0 {
		kept = strings.Join(p.KeptForRestore, ", ")
	}
	m.Fields = append(m.Fields, chat.Field{Label: "Kept for restore", Value: kept})
	est := textUnknown
	if p.Estimate > 0 {
		est = "about " + roundDuration(p.Estimate).String()
	}
	m.Fields = append(m.Fields, chat.Field{Label: "Estimated duration", Value: est})
	return m
}

// RestoredMessage announces a restore in the ops channel, with a Restore
// button that undoes it. madeAt is when the restored data was first made live.
func RestoredMessage(env *config.Environment, res syncengine.RestoreResult, by string, madeAt time.Time, zone *time.Location) chat.Message {
	m := chat.Message{
		Title:   fmt.Sprintf(textRestoredTitle, envTitle(env)),
		Style:   notify.Style(env),
		Text:    fmt.Sprintf(textRestoredBody, by, res.To.ID, formatTime(madeAt, zone), res.From.ID),
		Buttons: []chat.Button{notify.RestoreButton(env, res.To.ID)},
	}
	for _, alias := range res.To.Aliases() {
		m.Fields = append(m.Fields, chat.Field{Label: alias, Value: res.To.Indexes[alias]})
	}
	return m
}

// decidedText says how a request ended, who decided and when.
func decidedText(r *approvals.Request, names func(string) string, zone *time.Location) string {
	at := formatTime(r.DecidedAt, zone)
	switch r.State {
	case approvals.StateApproved:
		return fmt.Sprintf(textDecidedApproved, names(r.DecidedBy), at)
	case approvals.StateDenied:
		return fmt.Sprintf(textDecidedDenied, names(r.DecidedBy), at)
	case approvals.StateCancelled:
		return fmt.Sprintf(textDecidedCancelled, names(r.DecidedBy), at)
	case approvals.StateExpired:
		return fmt.Sprintf(textDecidedExpired, at)
	}
	return ""
}

// envTitle names an env so that production cannot be mistaken for anything else.
func envTitle(env *config.Environment) string {
	if env.Production {
		return "PRODUCTION (" + env.Name + ")"
	}
	return env.Name
}

func channelMention(platform, id string) string {
	switch platform {
	case chat.Slack:
		return "<#" + id + ">"
	case chat.Discord:
		return "<#" + id + ">"
	}
	return "#" + id
}

// zone is the env's time zone for times shown to people.
func (b *Bot) zone(env *config.Environment) *time.Location {
	if env != nil && env.Timezone != "" {
		if loc, err := time.LoadLocation(env.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func formatTime(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.In(zone).Format("2006-01-02 15:04 MST")
}

func progressWords(j *syncengine.Job) string {
	if j.Total > 0 {
		return fmt.Sprintf("%s, %s of %s documents (%.0f%%)", j.Stage, chat.Thousands(j.Written), chat.Thousands(j.Total), float64(j.Written)*100/float64(j.Total))
	}
	return fmt.Sprintf("%s, %s documents", j.Stage, chat.Thousands(j.Written))
}

func records(n int64) string {
	if n < 0 {
		return "unknown number of"
	}
	return chat.Thousands(n)
}

func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
