package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

// Engine is what the bot needs of the sync engine.
type Engine interface {
	StartJob(ctx context.Context, req syncengine.Request) (syncengine.StartResult, error)
	Abort(ctx context.Context, id, by string) (syncengine.AbortResult, error)
	Restore(ctx context.Context, env, generation, by string) (syncengine.RestoreResult, error)
	Plan(ctx context.Context, env, index string) (*syncengine.Plan, error)
	Job(ctx context.Context, id string) (*syncengine.Job, error)
	History(ctx context.Context, env string, n int) ([]*syncengine.Job, error)
	Running(ctx context.Context, env string) (*syncengine.Job, error)
	Generations(ctx context.Context, env string) ([]*syncengine.Generation, error)
}

// Approvals is what the bot needs of the approval store.
type Approvals interface {
	Create(ctx context.Context, r approvals.Request, ttl time.Duration) (*approvals.Request, error)
	Get(ctx context.Context, id string) (*approvals.Request, error)
	Vote(ctx context.Context, id, person string, approve bool) (approvals.Outcome, error)
	Cancel(ctx context.Context, id, person string) (approvals.Outcome, error)
	Expire(ctx context.Context) ([]*approvals.Request, error)
	SetMessage(ctx context.Context, id string, ref approvals.MessageRef) error
}

// Deps are what a Bot is built from.
type Deps struct {
	Config    *config.Config
	Engine    Engine
	Approvals Approvals
	Notices   Notices
	// Redis keeps where each job's message is, for whichever replica runs it.
	Redis  redis.UniversalClient
	Prefix string
	// Chats are the platforms, by name (chat.Slack, …).
	Chats  map[string]chat.Chat
	Logger zerolog.Logger
	Now    func() time.Time
}

// Bot handles commands and clicks from every platform.
type Bot struct {
	cfg       *config.Config
	engine    Engine
	approvals Approvals
	notices   Notices
	rdb       redis.UniversalClient
	prefix    string
	chats     map[string]chat.Chat
	log       zerolog.Logger
	now       func() time.Time
	dir       *directory
	grammar   commands.Grammar
	runners   map[commands.Name]runner
	clicks    map[string]clickRunner
	timeout   time.Duration
}

// runner runs one parsed command.
type runner func(ctx context.Context, ev CommandEvent, c commands.Command)

// clickRunner handles one kind of button.
type clickRunner func(ctx context.Context, ev ClickEvent)

// New returns a Bot.
func New(d Deps) *Bot {
	b := &Bot{
		cfg:       d.Config,
		engine:    d.Engine,
		approvals: d.Approvals,
		notices:   d.Notices,
		rdb:       d.Redis,
		prefix:    d.Prefix,
		chats:     d.Chats,
		log:       d.Logger,
		now:       d.Now,
		dir:       newDirectory(d.Config),
		timeout:   d.Config.Server.HandlerTimeout,
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.timeout <= 0 {
		b.timeout = 10 * time.Second
	}
	b.grammar = commands.Grammar{Envs: d.Config.EnvironmentOrder, Indexes: map[string][]string{}}
	for name, env := range d.Config.Environments {
		for _, ix := range env.Indexes {
			b.grammar.Indexes[name] = append(b.grammar.Indexes[name], ix.Alias)
		}
	}
	b.runners = map[commands.Name]runner{
		commands.Resync:  b.resync,
		commands.Status:  b.status,
		commands.History: b.history,
		commands.Abort:   b.abort,
		commands.Restore: b.restore,
		commands.Notice:  b.notice,
	}
	b.clicks = map[string]clickRunner{
		ActionApprove:    b.clickVote(true),
		ActionDeny:       b.clickVote(false),
		ActionCancel:     b.clickCancel,
		ActionAbort:      b.clickAbort,
		ActionRestore:    b.clickRestore,
		ActionPostNotice: b.clickPostNotice,
		ActionDropNotice: b.clickDropNotice,
	}
	return b
}

// Command handles a slash command, under the handler timeout.
func (b *Bot) Command(ctx context.Context, ev CommandEvent) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	res := commands.Parse(ev.Slash, ev.Text, b.grammar)
	b.audit(ctx, b.dir.person(ev.User), "command", "", strings.TrimSpace(ev.Slash+" "+ev.Text))
	switch res.Kind {
	case commands.Ignore:
		return
	case commands.Reply:
		b.tell(ctx, ev.User, ev.Channel, res.Reply)
		return
	}
	run, ok := b.runners[res.Command.Name]
	if !ok {
		b.tell(ctx, ev.User, ev.Channel, commands.HelpText(b.grammar))
		return
	}
	run(ctx, ev, res.Command)
}

// Click handles a button click, under the handler timeout.
func (b *Bot) Click(ctx context.Context, ev ClickEvent) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	run, ok := b.clicks[ev.ActionID]
	if !ok {
		b.log.Warn().Str("action", ev.ActionID).Msg("click on an unknown button")
		return
	}
	run(ctx, ev)
}

// tell shows text to the user alone.
func (b *Bot) tell(ctx context.Context, u User, channel, text string) {
	c := b.chats[u.Platform]
	if c == nil {
		return
	}
	if err := c.Ephemeral(ctx, channel, u.ID, chat.Message{Text: text}); err != nil {
		b.log.Warn().Err(err).Str("platform", u.Platform).Msg("could not answer the user")
	}
}

// tellf formats and shows text to the user alone.
func (b *Bot) tellf(ctx context.Context, u User, channel, format string, args ...any) {
	b.tell(ctx, u, channel, fmt.Sprintf(format, args...))
}

// opsChannel is env's ops channel on platform ("" if none is configured).
func opsChannel(env *config.Environment, platform string) string {
	switch platform {
	case chat.Slack:
		return env.OpsChannel.Slack
	case chat.Discord:
		return env.OpsChannel.Discord
	case chat.Console:
		return env.OpsChannel.Console
	}
	return ""
}

// jobRefTTL keeps the pointer from a job to its message long after the job.
const jobRefTTL = 30 * 24 * time.Hour

func (b *Bot) jobKey(id string) string { return b.prefix + "jobmsg:" + id }

// JobMessage returns where the job's message was posted (for notify).
func (b *Bot) JobMessage(ctx context.Context, jobID string) (chat.Ref, bool, error) {
	raw, err := b.rdb.Get(ctx, b.jobKey(jobID)).Result()
	if errors.Is(err, redis.Nil) {
		return chat.Ref{}, false, nil
	}
	if err != nil {
		return chat.Ref{}, false, fmt.Errorf("job message of %s: %w", jobID, err)
	}
	var ref chat.Ref
	if err := json.Unmarshal([]byte(raw), &ref); err != nil {
		return chat.Ref{}, false, fmt.Errorf("job message of %s: %w", jobID, err)
	}
	return ref, true, nil
}

func (b *Bot) setJobMessage(ctx context.Context, jobID string, ref chat.Ref) error {
	buf, _ := json.Marshal(ref)
	if err := b.rdb.Set(ctx, b.jobKey(jobID), buf, jobRefTTL).Err(); err != nil {
		return fmt.Errorf("remember job message of %s: %w", jobID, err)
	}
	return nil
}

// Name returns a person's display name.
func (b *Bot) Name(person string) string { return b.dir.name(person) }

// Run expires approval requests past their time, editing their messages,
// until ctx ends. Every replica may run it: each request expires once.
func (b *Bot) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := b.ExpireApprovals(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn().Err(err).Msg("expiring approval requests failed; will retry")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ExpireApprovals expires due requests now and edits their messages.
func (b *Bot) ExpireApprovals(ctx context.Context) error {
	expired, err := b.approvals.Expire(ctx)
	if err != nil {
		return err
	}
	for _, r := range expired {
		b.updateRequest(ctx, r)
	}
	return nil
}

// audit records a command or click in the audit stream.
func (b *Bot) audit(ctx context.Context, actor, action, env, detail string) {
	err := b.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: b.prefix + "audit",
		MaxLen: 100000,
		Approx: true,
		Values: map[string]any{"time": b.now().UTC().Format(time.RFC3339Nano), "actor": actor, "action": action, "env": env, "job": "", "detail": detail},
	}).Err()
	if err != nil {
		b.log.Warn().Err(err).Msg("could not write audit entry")
	}
}

// envNames lists the environments in file order.
func (b *Bot) envNames() []string {
	names := append([]string(nil), b.cfg.EnvironmentOrder...)
	if len(names) == 0 {
		for n := range b.cfg.Environments {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	return names
}
