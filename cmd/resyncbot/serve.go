package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/approvals"
	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/bot/console"
	discordbot "github.com/resyncbot/resyncbot/bot/discord"
	slackbot "github.com/resyncbot/resyncbot/bot/slack"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

const serveUsage = `Usage: resyncbot serve --config FILE [--addr HOST:PORT]

Runs the bot: the Slack endpoints (or Socket Mode), the sync engine, and the
loops that resume interrupted jobs and expire approval requests. Run several
replicas against one Redis for availability: each environment still runs one
job at a time, and a replica that dies has its job resumed by another.

Flags:
`

func runServe(ctx context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	path := fs.String("config", e.getenv("RESYNCBOT_CONFIG"), "configuration `FILE` (default $RESYNCBOT_CONFIG)")
	addr := fs.String("addr", "", "listen on `HOST:PORT` instead of server.addr")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args, e); help || err != nil {
		return err
	}
	if *path == "" {
		return usageErrorf("serve: --config FILE is required")
	}
	cfg, err := config.Load(*path, e.getenv)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("serve: %w", err)}
	}
	if *addr != "" {
		cfg.Server.Addr = *addr
	}
	log := e.logger(cfg.Secrets())
	rdb, err := openRedis(ctx, cfg.Redis.URL)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("serve: %w", err)}
	}
	defer rdb.Close()
	a, err := assemble(cfg, rdb, log)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("serve: %w", err)}
	}
	return a.serve(ctx, cfg.Server.Addr, e)
}

// app is one replica, wired.
type app struct {
	cfg      *config.Config
	rdb      *redis.Client
	log      zerolog.Logger
	engine   *syncengine.Engine
	bot      *bot.Bot
	slack    *slackbot.Adapter
	discord  *discordbot.Adapter
	progress *notify.Progress
	outbox   *notify.Outbox
	notifier *notify.Notifier
	delivery *notify.Delivery
	// console is the local web console (the demo has one; serve does not).
	console *console.Console
}

// notices joins the notifier (which writes notices) and the outbox (which
// lists them) into what the bot needs.
type notices struct {
	*notify.Notifier
	*notify.Outbox
}

// appOption adds to a replica while it is assembled, after the bot and
// before anything takes its chats (the demo adds its console this way).
type appOption func(a *app, chats map[string]chat.Chat)

// assemble wires the engine, approvals, bot, platforms and progress.
func assemble(cfg *config.Config, rdb *redis.Client, log zerolog.Logger, opts ...appOption) (*app, error) {
	eng, err := syncengine.New(rdb, cfg, syncengine.Options{Prefix: cfg.Redis.Prefix, LockTTL: cfg.Server.LockTTL, Logger: log})
	if err != nil {
		return nil, err
	}
	chats := map[string]chat.Chat{}
	a := &app{cfg: cfg, rdb: rdb, log: log, engine: eng}
	a.outbox = notify.NewOutbox(rdb, cfg.Redis.Prefix)
	a.notifier = notify.NewNotifier(cfg, a.outbox, log)
	a.bot = bot.New(bot.Deps{
		Config:    cfg,
		Engine:    eng,
		Approvals: approvals.NewStore(rdb, cfg.Redis.Prefix, nil),
		Notices:   notices{a.notifier, a.outbox},
		Redis:     rdb,
		Prefix:    cfg.Redis.Prefix,
		Chats:     chats,
		Logger:    log,
	})
	guard := bot.NewReplayGuard(rdb, cfg.Redis.Prefix)
	if cfg.Platforms.Slack != nil {
		a.slack = slackbot.NewAdapter(*cfg.Platforms.Slack, a.bot, guard, log, slackbot.WithHandlerTimeout(cfg.Server.HandlerTimeout))
		chats[chat.Slack] = a.slack.Chat()
	}
	if cfg.Platforms.Discord != nil {
		a.discord = discordbot.NewAdapter(*cfg.Platforms.Discord, a.bot, guard, log, discordbot.WithHandlerTimeout(cfg.Server.HandlerTimeout))
		chats[chat.Discord] = a.discord.Chat()
	}
	for _, o := range opts {
		o(a, chats)
	}
	a.progress = notify.NewProgress(cfg, chats, a.bot, a.bot.Name, cfg.Notify.ProgressInterval, log)
	a.delivery = notify.NewDelivery(cfg, a.outbox, chats, &http.Client{Timeout: 30 * time.Second}, log)
	return a, nil
}

// serve listens on addr and runs the background loops until ctx ends, then
// shuts down: stop taking requests, finish the ones in flight, leave running
// jobs resumable.
func (a *app) serve(ctx context.Context, addr string, e *env) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("serve: listen: %w", err)}
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	defer a.engine.Subscribe(a.progress)()
	defer a.engine.Subscribe(a.notifier)()

	loops, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); _ = a.engine.Run(loops, a.cfg.Server.RecoverInterval) }()
	go func() { defer wg.Done(); _ = a.delivery.Run(loops) }()
	go func() { defer wg.Done(); _ = a.bot.Run(loops, a.cfg.Server.ExpireInterval) }()
	if a.slack != nil && a.slack.SocketMode() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.slack.Run(loops); err != nil {
				a.log.Error().Err(err).Msg("slack socket mode stopped")
			}
		}()
	}

	fmt.Fprintf(e.stdout, "resyncbot listening on http://%s\n", ln.Addr())
	a.log.Info().Str("addr", ln.Addr().String()).Msg("serving")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		a.log.Info().Msg("shutting down")
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		if err := srv.Shutdown(shutdown); err != nil {
			a.log.Warn().Err(err).Msg("http shutdown")
		}
		cancel()
	}
	a.closeAdapters(context.WithoutCancel(ctx))
	stopLoops() // the engine's loop stops its jobs, leaving them resumable
	wg.Wait()
	if serveErr != nil {
		return exitCode{code: 1, err: fmt.Errorf("serve: %w", serveErr)}
	}
	return nil
}

// closeAdapters lets the platform handlers in flight finish — each adapter
// gets the full handler timeout — before the loops and Redis go away.
func (a *app) closeAdapters(ctx context.Context) {
	budget := a.cfg.Server.HandlerTimeout + 5*time.Second
	closeOne := func(name string, c func(context.Context) error) {
		closeCtx, cancel := context.WithTimeout(ctx, budget)
		defer cancel()
		if err := c(closeCtx); err != nil {
			a.log.Warn().Err(err).Str("platform", name).Msg("handlers still running at shutdown")
		}
	}
	if a.slack != nil {
		closeOne("slack", a.slack.Close)
	}
	if a.discord != nil {
		closeOne("discord", a.discord.Close)
	}
}

// openRedis connects to url and checks that Redis answers.
func openRedis(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("redis.url is not a valid redis:// URL")
	}
	rdb := redis.NewClient(opts)
	ping, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ping).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
	}
	return rdb, nil
}
