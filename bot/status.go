package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

// historyLen is how many jobs /resync history lists.
const historyLen = 10

// status handles /resync status [env]: the live generation, the running job
// and its progress, per environment.
func (b *Bot) status(ctx context.Context, ev CommandEvent, c commands.Command) {
	envs := b.envNames()
	if c.Env != "" {
		envs = []string{c.Env}
	}
	for _, name := range envs {
		env := b.cfg.Environments[name]
		m := chat.Message{Title: fmt.Sprintf(textStatusTitle, envTitle(env)), Style: notify.Style(env)}
		gens, err := b.engine.Generations(ctx, name)
		if err != nil {
			b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
			return
		}
		if len(gens) == 0 {
			m.Fields = append(m.Fields, chat.Field{Label: "Live generation", Value: textNoneYet})
		} else {
			g := gens[0]
			m.Fields = append(m.Fields, chat.Field{Label: "Live generation", Value: fmt.Sprintf("%s (%s %s)", g.ID, g.Action, formatTime(g.Time, b.zone(env)))})
			if len(gens) > 1 {
				var older []string
				for _, o := range gens[1:] {
					if !o.Pruned {
						older = append(older, o.ID)
					}
				}
				if len(older) > 0 {
					m.Fields = append(m.Fields, chat.Field{Label: "Restorable", Value: strings.Join(older, ", ")})
				}
			}
		}
		j, err := b.engine.Running(ctx, name)
		if err != nil {
			b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
			return
		}
		if j != nil {
			m.Fields = append(m.Fields, chat.Field{Label: "Running", Value: fmt.Sprintf("%s by %s: %s", j.ID, b.dir.name(j.Requester), progressWords(j))})
			if j.Total > 0 {
				m.Bars = []chat.Bar{{Label: "all indexes", Done: j.Written, Total: j.Total}}
			}
		} else {
			m.Fields = append(m.Fields, chat.Field{Label: "Running", Value: textNothing})
		}
		if err := b.chats[ev.User.Platform].Ephemeral(ctx, ev.Channel, ev.User.ID, m); err != nil {
			b.log.Warn().Err(err).Msg("could not show status")
		}
	}
}

// history handles /resync history [env]: the last jobs with outcome,
// duration, requester and approvers.
func (b *Bot) history(ctx context.Context, ev CommandEvent, c commands.Command) {
	envs := b.envNames()
	if c.Env != "" {
		envs = []string{c.Env}
	}
	for _, name := range envs {
		env := b.cfg.Environments[name]
		jobs, err := b.engine.History(ctx, name, historyLen)
		if err != nil {
			b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
			return
		}
		m := chat.Message{Title: fmt.Sprintf(textHistoryTitle, envTitle(env)), Style: notify.Style(env)}
		if len(jobs) == 0 {
			m.Text = textNoJobs
		}
		var lines []string
		for _, j := range jobs {
			lines = append(lines, b.historyLine(j, b.zone(env)))
		}
		m.Text += strings.Join(lines, "\n")
		if b.notices != nil {
			ns, err := b.notices.Recent(ctx, name, historyLen)
			if err != nil {
				b.log.Warn().Err(err).Msg("could not list notices")
			}
			if len(ns) > 0 {
				m.Text += "\n\n*" + textNoticesTitle + "*"
				for _, n := range ns {
					m.Text += fmt.Sprintf("\n:mega: %s %s — %s", formatTime(n.Created, b.zone(env)), n.State, n.Text)
				}
			}
		}
		if err := b.chats[ev.User.Platform].Ephemeral(ctx, ev.Channel, ev.User.ID, m); err != nil {
			b.log.Warn().Err(err).Msg("could not show history")
		}
	}
}

func (b *Bot) historyLine(j *syncengine.Job, zone *time.Location) string {
	mark := map[syncengine.State]string{
		syncengine.StateSucceeded: ":white_check_mark:", syncengine.StateFailed: ":x:",
		syncengine.StateAborted: ":octagonal_sign:", syncengine.StateRunning: ":arrows_counterclockwise:",
	}[j.State]
	if mark == "" {
		mark = ":hourglass:"
	}
	line := fmt.Sprintf("%s %s `%s` %s, %s, requested by %s", mark, formatTime(j.Created, zone), j.ID, j.State, roundDuration(j.Duration(b.now())), b.dir.name(j.Requester))
	if len(j.Approvers) > 0 {
		var names []string
		for _, a := range j.Approvers {
			names = append(names, b.dir.name(a))
		}
		line += ", approved by " + strings.Join(names, ", ")
	}
	if j.Reason != "" {
		line += " — " + j.Reason
	}
	return line
}

// generationTime is when generation id was first made live.
func (b *Bot) generationTime(ctx context.Context, env, id string) time.Time {
	gens, err := b.engine.Generations(ctx, env)
	if err != nil {
		return time.Time{}
	}
	for _, g := range gens {
		if g.ID == id && g.Job != "" {
			if j, err := b.engine.Job(ctx, g.Job); err == nil && !j.Finished.IsZero() {
				return j.Finished
			}
		}
	}
	return time.Time{}
}
