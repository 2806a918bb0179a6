package bot

import (
	"context"
	"errors"

	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/syncengine"
)

// abort handles /abort [job-id]. Without an id it aborts the job running in
// the environment whose ops channel this is, or the only running job.
func (b *Bot) abort(ctx context.Context, ev CommandEvent, c commands.Command) {
	if !b.dir.isEngineer(ev.User) {
		b.tell(ctx, ev.User, ev.Channel, textNotEngineer)
		return
	}
	id := c.JobID
	if id == "" {
		var running []*syncengine.Job
		for _, name := range b.envNames() {
			j, err := b.engine.Running(ctx, name)
			if err != nil {
				b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
				return
			}
			if j == nil {
				continue
			}
			if opsChannel(b.cfg.Environments[name], ev.User.Platform) == ev.Channel {
				running = []*syncengine.Job{j}
				break
			}
			running = append(running, j)
		}
		switch len(running) {
		case 0:
			b.tell(ctx, ev.User, ev.Channel, textNothingRunning)
			return
		case 1:
			id = running[0].ID
		default:
			b.tell(ctx, ev.User, ev.Channel, textWhichJob)
			return
		}
	}
	b.doAbort(ctx, ev.User, ev.Channel, id)
}

// clickAbort handles the Abort button on a running job's message.
func (b *Bot) clickAbort(ctx context.Context, ev ClickEvent) {
	if !b.dir.isEngineer(ev.User) {
		b.tell(ctx, ev.User, ev.Channel, textNotEngineer)
		return
	}
	b.doAbort(ctx, ev.User, ev.Channel, ev.Value)
}

func (b *Bot) doAbort(ctx context.Context, u User, channel, id string) {
	res, err := b.engine.Abort(ctx, id, b.dir.person(u))
	switch {
	case errors.Is(err, syncengine.ErrJobNotFound):
		b.tellf(ctx, u, channel, textNoSuchJob, id)
	case err != nil:
		b.tellf(ctx, u, channel, textInternal, err)
	case res.Swapped:
		b.tellf(ctx, u, channel, textAbortTooLate, id, res.Job.Env)
	case res.Ended:
		b.tellf(ctx, u, channel, textAbortEnded, id, res.Job.State)
	default:
		b.tellf(ctx, u, channel, textAbortRequested, id)
	}
}
