package bot

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

// postRequest posts an approval request in channel and remembers where.
func (b *Bot) postRequest(ctx context.Context, platform, channel string, r *approvals.Request, plan *syncengine.Plan) {
	env := b.cfg.Environments[r.Env]
	m := RequestMessage(env, r, plan, b.dir.name, b.zone(env))
	ref, err := b.chats[platform].Post(ctx, channel, m)
	if err != nil {
		b.log.Warn().Err(err).Str("approval", r.ID).Msg("could not post the approval request")
		return
	}
	if err := b.approvals.SetMessage(ctx, r.ID, approvals.MessageRef(ref)); err != nil {
		b.log.Warn().Err(err).Str("approval", r.ID).Msg("could not remember the request's message")
	}
}

// updateRequest edits a request's message to show its current state; a
// decided request loses its buttons and says who decided and when.
func (b *Bot) updateRequest(ctx context.Context, r *approvals.Request) {
	if r.Message.ID == "" {
		return
	}
	c := b.chats[r.Message.Platform]
	if c == nil {
		return
	}
	env := b.cfg.Environments[r.Env]
	if env == nil {
		return
	}
	if err := c.Update(ctx, chat.Ref(r.Message), RequestMessage(env, r, decodePlan(r.Payload["plan"]), b.dir.name, b.zone(env))); err != nil {
		b.log.Warn().Err(err).Str("approval", r.ID).Msg("could not update the approval request")
	}
}

// encodePlan keeps a plan with its approval request ("" for none).
func encodePlan(p *syncengine.Plan) string {
	if p == nil {
		return ""
	}
	buf, err := json.Marshal(p)
	if err != nil {
		return ""
	}
	return string(buf)
}

// decodePlan reads a plan kept with an approval request (nil for none).
func decodePlan(s string) *syncengine.Plan {
	if s == "" {
		return nil
	}
	var p syncengine.Plan
	if json.Unmarshal([]byte(s), &p) != nil {
		return nil
	}
	return &p
}

// clickVote handles Approve (approve=true) and Deny.
func (b *Bot) clickVote(approve bool) clickRunner {
	return func(ctx context.Context, ev ClickEvent) {
		if !b.dir.isApprover(ev.User) {
			b.tell(ctx, ev.User, ev.Channel, textNotApprover)
			return
		}
		person := b.dir.person(ev.User)
		out, err := b.approvals.Vote(ctx, ev.Value, person, approve)
		if errors.Is(err, approvals.ErrNotFound) {
			b.tell(ctx, ev.User, ev.Channel, textNoSuchRequest)
			return
		}
		if err != nil {
			b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
			return
		}
		b.afterVote(ctx, ev.User, ev.Channel, out)
	}
}

// afterVote tells the clicker what happened and carries out an approval.
func (b *Bot) afterVote(ctx context.Context, u User, channel string, out approvals.Outcome) {
	r := out.Request
	env := b.cfg.Environments[r.Env]
	switch out.Refusal {
	case approvals.RefusedOwnRequest:
		b.tell(ctx, u, channel, textOwnRequest)
		return
	case approvals.RefusedAlreadyVoted:
		b.tell(ctx, u, channel, textAlreadyVoted)
		return
	case approvals.RefusedResolved, approvals.RefusedNotRequester:
		if out.Refusal == approvals.RefusedNotRequester {
			b.tell(ctx, u, channel, textOnlyRequesterCancels)
			return
		}
		b.tell(ctx, u, channel, decidedText(r, b.dir.name, b.zone(env)))
		return
	case approvals.RefusedExpired:
		b.tellf(ctx, u, channel, textExpired, formatTime(r.Expires, b.zone(env)))
		if out.Changed {
			b.updateRequest(ctx, r)
		}
		return
	}
	if !out.Changed {
		return
	}
	b.updateRequest(ctx, r)
	if r.State != approvals.StateApproved {
		return
	}
	var approvers []string
	for _, v := range r.Votes {
		if v.Approve {
			approvers = append(approvers, v.Person)
		}
	}
	switch r.Action {
	case approvals.ActionResync:
		b.startJob(ctx, u, r.Message.Channel, env,
			syncengine.Request{Env: r.Env, Index: r.Payload["index"], Requester: r.Requester, Approvers: approvers, Reason: r.Reason})
	case approvals.ActionRestore:
		b.doRestore(ctx, u, r.Message.Channel, env, r.Payload["generation"], r.Requester)
	case approvals.ActionNotice:
		b.announce(ctx, u, r.Message.Channel, env, notify.State(r.Payload["state"]), r.Payload["text"], r.Requester)
	}
}

// clickCancel handles the requester's Cancel.
func (b *Bot) clickCancel(ctx context.Context, ev ClickEvent) {
	out, err := b.approvals.Cancel(ctx, ev.Value, b.dir.person(ev.User))
	if errors.Is(err, approvals.ErrNotFound) {
		b.tell(ctx, ev.User, ev.Channel, textNoSuchRequest)
		return
	}
	if err != nil {
		b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
		return
	}
	b.afterVote(ctx, ev.User, ev.Channel, out)
}
