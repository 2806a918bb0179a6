package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
)

// Notices is what the bot needs to tell the application's users things.
type Notices interface {
	Announce(ctx context.Context, env string, state notify.State, text, by string) (notify.Notice, error)
	RestoreNotice(ctx context.Context, env string, restoredTo time.Time, by string) (notify.Notice, bool, error)
	Recent(ctx context.Context, env string, n int) ([]notify.Notice, error)
}

// draftTTL is how long a previewed notice waits for Post.
const draftTTL = 30 * time.Minute

func (b *Bot) draftKey(id string) string { return b.prefix + "notice-draft:" + id }

// notice handles /notice <env> <state> <text>: it shows the requester
// exactly what users will read, with Post and Cancel.
func (b *Bot) notice(ctx context.Context, ev CommandEvent, c commands.Command) {
	if !b.dir.isEngineer(ev.User) {
		b.tell(ctx, ev.User, ev.Channel, textNotEngineer)
		return
	}
	env := b.cfg.Environments[c.Env]
	person := b.dir.person(ev.User)
	n, err := notify.RenderNotice(env, notify.EventManual, notify.NoticeData{State: notify.State(c.NoticeState), Text: c.Text, At: b.now(), By: b.dir.name(person)})
	if err != nil {
		b.tellf(ctx, ev.User, ev.Channel, textNoticeInvalid, err)
		return
	}
	tok := make([]byte, 6)
	_, _ = rand.Read(tok)
	id := "n-" + hex.EncodeToString(tok)
	err = b.rdb.HSet(ctx, b.draftKey(id), "env", env.Name, "state", c.NoticeState, "text", c.Text, "by", person).Err()
	if err == nil {
		err = b.rdb.Expire(ctx, b.draftKey(id), draftTTL).Err()
	}
	if err != nil {
		b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
		return
	}
	m := notify.NoticeMessage(env, n)
	m.Title = fmt.Sprintf(textNoticePreviewTitle, m.Title)
	m.Footer = fmt.Sprintf(textNoticePreviewFooter, destinations(env))
	post := chat.Button{ActionID: ActionPostNotice, Value: id, Label: textPostNotice, Style: chat.Primary}
	if env.Approvals.Notice > 0 {
		post.Label = textAskNoticeApproval
	}
	m.Buttons = []chat.Button{post, {ActionID: ActionDropNotice, Value: id, Label: textCancel}}
	if err := b.chats[ev.User.Platform].Ephemeral(ctx, ev.Channel, ev.User.ID, m); err != nil {
		b.log.Warn().Err(err).Msg("could not show the notice preview")
	}
}

// clickPostNotice posts a previewed notice, or asks for approval first
// where the env's policy says so. Only the person who drafted it may.
func (b *Bot) clickPostNotice(ctx context.Context, ev ClickEvent) {
	d, err := b.rdb.HGetAll(ctx, b.draftKey(ev.Value)).Result()
	if err != nil {
		b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
		return
	}
	person := b.dir.person(ev.User)
	switch {
	case len(d) == 0:
		b.tell(ctx, ev.User, ev.Channel, textNoticeGone)
		return
	case d["by"] != person:
		b.tell(ctx, ev.User, ev.Channel, textNoticeNotYours)
		return
	}
	if n, _ := b.rdb.Del(ctx, b.draftKey(ev.Value)).Result(); n == 0 {
		b.tell(ctx, ev.User, ev.Channel, textNoticeGone) // a double click: posted once already
		return
	}
	env := b.cfg.Environments[d["env"]]
	if env == nil {
		b.tell(ctx, ev.User, ev.Channel, textNoticeGone)
		return
	}
	if env.Approvals.Notice > 0 {
		r, err := b.approvals.Create(ctx, approvals.Request{
			Env: env.Name, Action: approvals.ActionNotice, Requester: person, Needed: env.Approvals.Notice,
			Payload: map[string]string{"state": d["state"], "text": d["text"]},
		}, env.ApprovalTTL)
		if err != nil {
			b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
			return
		}
		b.postRequest(ctx, ev.User.Platform, ev.Channel, r, nil)
		return
	}
	b.announce(ctx, ev.User, ev.Channel, env, notify.State(d["state"]), d["text"], person)
}

// announce queues a manual notice for delivery and tells the poster.
func (b *Bot) announce(ctx context.Context, u User, channel string, env *config.Environment, state notify.State, text, person string) {
	n, err := b.notices.Announce(ctx, env.Name, state, text, b.dir.name(person))
	if err != nil {
		b.tellf(ctx, u, channel, textNoticeInvalid, err)
		return
	}
	b.tellf(ctx, u, channel, textNoticeQueued, n.ID, destinations(env))
}

// clickDropNotice discards a previewed notice; only its drafter may.
func (b *Bot) clickDropNotice(ctx context.Context, ev ClickEvent) {
	by, err := b.rdb.HGet(ctx, b.draftKey(ev.Value), "by").Result()
	if err == nil && by != b.dir.person(ev.User) {
		b.tell(ctx, ev.User, ev.Channel, textNoticeNotYours)
		return
	}
	n, err := b.rdb.Del(ctx, b.draftKey(ev.Value)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		b.tellf(ctx, ev.User, ev.Channel, textInternal, err)
		return
	}
	if n == 0 {
		b.tell(ctx, ev.User, ev.Channel, textNoticeGone)
		return
	}
	b.tell(ctx, ev.User, ev.Channel, textNoticeDropped)
}

// destinations says in words where an env's notices go.
func destinations(env *config.Environment) string {
	s := env.StatusChannels
	n := len(s.Slack) + len(s.Discord) + len(s.Console) + len(s.Teams)
	if n == 0 {
		return "no status channel (none is configured)"
	}
	return fmt.Sprintf("%d status channel(s)", n)
}
