package bot

import (
	"context"
	"strings"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

// resync handles /resync <env>: authorise, refuse if busy, plan, then either
// start at once (no approval needed) or post an approval request.
func (b *Bot) resync(ctx context.Context, ev CommandEvent, c commands.Command) {
	env := b.cfg.Environments[c.Env]
	person := b.dir.person(ev.User)
	if !b.dir.isEngineer(ev.User) {
		b.tell(ctx, ev.User, ev.Channel, textNotEngineer)
		return
	}
	if !b.fromOpsChannel(ctx, ev.User, ev.Channel, env) {
		return
	}
	if env.RequireReason && strings.TrimSpace(c.Reason) == "" {
		b.tellf(ctx, ev.User, ev.Channel, textReasonRequired, env.Name, env.Name)
		return
	}
	if busy := b.busyText(ctx, env); busy != "" {
		b.tell(ctx, ev.User, ev.Channel, busy)
		return
	}
	plan, err := b.engine.Plan(ctx, env.Name, c.Index)
	if err != nil {
		b.tellf(ctx, ev.User, ev.Channel, textPlanFailed, env.Name, err)
		return
	}
	if c.DryRun {
		m := PlanMessage(env, plan, b.dir.name(person), c.Reason, b.zone(env))
		m.Title = "Dry run: " + m.Title
		if err := b.chats[ev.User.Platform].Ephemeral(ctx, ev.Channel, ev.User.ID, m); err != nil {
			b.log.Warn().Err(err).Msg("could not show the dry run")
		}
		return
	}
	req := syncengine.Request{Env: env.Name, Index: c.Index, Requester: person, Reason: c.Reason}
	if env.Approvals.Resync == 0 {
		b.startJob(ctx, ev.User, ev.Channel, env, req)
		return
	}
	r, err := b.approvals.Create(ctx, approvals.Request{
		Env:       env.Name,
		Action:    approvals.ActionResync,
		Requester: person,
		Reason:    c.Reason,
		Needed:    env.Approvals.Resync,
		// The plan shown to approvers is kept with the request, so the
		// message can be redrawn after each vote without planning again.
		Payload: map[string]string{"index": c.Index, "plan": encodePlan(plan)},
	}, env.ApprovalTTL)
	if err != nil {
		b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
		return
	}
	b.postRequest(ctx, ev.User.Platform, ev.Channel, r, plan)
}

// fromOpsChannel enforces that production is only changed from its ops
// channel — on a platform where prod has none, from nowhere — and tells
// the user why not.
func (b *Bot) fromOpsChannel(ctx context.Context, u User, channel string, env *config.Environment) bool {
	if !env.Production {
		return true
	}
	ops := opsChannel(env, u.Platform)
	switch {
	case ops == "":
		b.tellf(ctx, u, channel, textProdNoOpsHere, envTitle(env), u.Platform)
		return false
	case ops != channel:
		b.tellf(ctx, u, channel, textProdOnlyFromOps, envTitle(env), channelMention(u.Platform, ops))
		return false
	}
	return true
}

// busyText describes who holds env, or "" if nobody does.
func (b *Bot) busyText(ctx context.Context, env *config.Environment) string {
	j, err := b.engine.Running(ctx, env.Name)
	if err != nil || j == nil {
		return ""
	}
	return b.busyJobText(env, j)
}

func (b *Bot) busyJobText(env *config.Environment, j *syncengine.Job) string {
	return strings.TrimSpace(sprintf(textBusy, envTitle(env), j.ID, b.dir.name(j.Requester), progressWords(j)))
}

// startJob starts a job and posts its message in the env's ops channel.
func (b *Bot) startJob(ctx context.Context, u User, channel string, env *config.Environment, req syncengine.Request) {
	res, err := b.engine.StartJob(ctx, req)
	if err != nil {
		b.tellf(ctx, u, channel, textStartFailed, env.Name, err)
		return
	}
	if res.Busy != nil {
		text := sprintf(textBusyRestore, envTitle(env))
		if res.Busy.Job != nil {
			text = b.busyJobText(env, res.Busy.Job)
		}
		b.tell(ctx, u, channel, text)
		return
	}
	target := opsChannel(env, u.Platform)
	if target == "" {
		target = channel
	}
	j := res.Job
	ev := syncengine.Event{Kind: syncengine.EventStage, JobID: j.ID, Env: env.Name, State: j.State, Stage: syncengine.StagePlan, Job: *j, Time: b.now()}
	ref, err := b.chats[u.Platform].Post(ctx, target, notify.JobMessage(env, ev, b.dir.name))
	if err != nil {
		b.log.Warn().Err(err).Str("job", j.ID).Msg("could not post the job message")
		return
	}
	if err := b.setJobMessage(ctx, j.ID, ref); err != nil {
		b.log.Warn().Err(err).Str("job", j.ID).Msg("progress will not be shown")
	}
}
