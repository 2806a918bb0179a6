package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

// restore handles /restore <env> [generation].
func (b *Bot) restore(ctx context.Context, ev CommandEvent, c commands.Command) {
	env := b.cfg.Environments[c.Env]
	b.requestRestore(ctx, ev.User, ev.Channel, env, c.Generation)
}

// clickRestore handles the Restore button on a summary. Its value names the
// generation whose job it would undo; once that generation is no longer live
// the click is a polite no-op, so a double click cannot flip the data back.
func (b *Bot) clickRestore(ctx context.Context, ev ClickEvent) {
	envName, undo, _ := strings.Cut(ev.Value, " ")
	env := b.cfg.Environments[envName]
	if env == nil {
		b.tell(ctx, ev.User, ev.Channel, textNoSuchRequest)
		return
	}
	gens, err := b.engine.Generations(ctx, env.Name)
	if err != nil {
		b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
		return
	}
	if len(gens) == 0 || gens[0].ID != undo {
		b.tellf(ctx, ev.User, ev.Channel, textRestoreNotLive, undo, env.Name)
		return
	}
	b.requestRestore(ctx, ev.User, ev.Channel, env, gens[0].Replaced)
}

// requestRestore authorises a restore and runs it, or asks for approval
// when the env's policy needs it.
func (b *Bot) requestRestore(ctx context.Context, u User, channel string, env *config.Environment, generation string) {
	if !b.dir.isEngineer(u) {
		b.tell(ctx, u, channel, textNotEngineer)
		return
	}
	if !b.fromOpsChannel(ctx, u, channel, env) {
		return
	}
	if generation == "" {
		// Name the target now: "the previous one" must not change between
		// the request and an approval, or a second request flip the data back.
		gens, err := b.engine.Generations(ctx, env.Name)
		if err != nil {
			b.tellf(ctx, u, channel, textInternal, err)
			return
		}
		if len(gens) < 2 {
			b.tellf(ctx, u, channel, textRestoreRefused, fmt.Sprintf("%s has no earlier generation to go back to", env.Name))
			return
		}
		generation = gens[1].ID
	}
	person := b.dir.person(u)
	if env.Approvals.Restore == 0 {
		b.doRestore(ctx, u, channel, env, generation, person)
		return
	}
	r, err := b.approvals.Create(ctx, approvals.Request{
		Env: env.Name, Action: approvals.ActionRestore, Requester: person,
		Needed: env.Approvals.Restore, Payload: map[string]string{"generation": generation},
	}, env.ApprovalTTL)
	if err != nil {
		b.tellf(ctx, u, channel, textInternal, err)
		return
	}
	b.postRequest(ctx, u.Platform, channel, r, nil)
}

// doRestore restores and posts the outcome in the env's ops channel.
func (b *Bot) doRestore(ctx context.Context, u User, channel string, env *config.Environment, generation, by string) {
	res, err := b.engine.Restore(ctx, env.Name, generation, by)
	switch {
	case errors.Is(err, syncengine.ErrNothingToRestore), errors.Is(err, syncengine.ErrGenerationNotFound),
		errors.Is(err, syncengine.ErrGenerationPruned), errors.Is(err, syncengine.ErrGenerationEmpty):
		b.tellf(ctx, u, channel, textRestoreRefused, err)
		return
	case err != nil:
		b.tellf(ctx, u, channel, textInternal, err)
		return
	case res.Busy != nil:
		text := fmt.Sprintf(textBusyRestore, envTitle(env))
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
	madeAt := b.generationTime(ctx, env.Name, res.To.ID)
	m := RestoredMessage(env, res, b.dir.name(by), madeAt, b.zone(env))
	if b.notices != nil {
		if _, _, err := b.notices.RestoreNotice(ctx, env.Name, madeAt, b.dir.name(by)); err != nil {
			b.log.Warn().Err(err).Str("env", env.Name).Msg("could not queue the restore notice")
		}
	}
	if _, err := b.chats[u.Platform].Post(ctx, target, m); err != nil {
		b.log.Warn().Err(err).Msg("could not post the restore")
	}
	if target != channel {
		b.tellf(ctx, u, channel, textRestoreDone, env.Name, res.To.ID)
	}
}
