package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot/console"
	"github.com/resyncbot/resyncbot/chat"
	cmds "github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

// Demo defaults.
const (
	demoDefaultDocs = 200000
	demoDefaultAddr = "127.0.0.1:8088"
	demoDefaultSeed = 42
	// demoDefaultPace slows each bulk batch of the in-process emulator once
	// the demo data is loaded, so that a resync takes long enough to watch
	// and to abort, as a real one would.
	demoDefaultPace = 75 * time.Millisecond
	demoBatchSize   = 1000
)

// runDemo runs resyncbot with everything it needs in this process and the
// web console in front of it, until ctx ends.
func runDemo(ctx context.Context, args []string, e *env) error {
	start := time.Now()
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	docs := fs.Int("docs", demoDefaultDocs, "generated doctor `records` per environment, split across its three indexes")
	addr := fs.String("addr", demoDefaultAddr, "serve the console on `HOST:PORT`")
	seed := fs.Int64("seed", demoDefaultSeed, "generator `seed`: the same seed makes the same doctors")
	pace := fs.Duration("pace", demoDefaultPace, "`time` added to each bulk batch of the in-process emulator once the demo data is loaded, so a resync can be watched and aborted (0: full speed)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), demoUsage)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args, e); help || err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("demo: unexpected argument %q", fs.Arg(0))
	case *docs < 3 || *docs > 3*syncengine.GenerateMaxCount:
		return usageErrorf("demo: --docs must be between 3 and %d", 3*syncengine.GenerateMaxCount)
	case *pace < 0:
		return usageErrorf("demo: --pace must not be negative")
	}
	quiet := *e
	if quiet.log.level == zerolog.InfoLevel {
		quiet.log.level = zerolog.WarnLevel // the terminal is for the guide
	}

	d := &demo{e: e, log: quiet.logger(nil)}
	defer d.close()
	if err := d.startRedis(ctx); err != nil {
		return exitCode{code: 1, err: fmt.Errorf("demo: %w", err)}
	}
	if err := d.startElasticsearch(); err != nil {
		return exitCode{code: 1, err: fmt.Errorf("demo: %w", err)}
	}
	counts := splitDocs(*docs)
	cfg, _, err := demoConfig(demoSettings{
		RedisURL: d.redisURL, RedisPrefix: d.prefix, ES: d.esURLs, AliasPrefix: d.aliasPrefix,
		Counts: counts, Seed: *seed, Timezone: localZone(e.getenv), BatchSize: demoBatchSize,
	})
	if err != nil {
		return exitCode{code: 1, err: err}
	}
	log := quiet.logger(cfg.Secrets())
	d.log = log

	panel := newDemoPanel(cfg)
	a, err := assemble(cfg, d.rdb, log, demoConsole(panel))
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("demo: %w", err)}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("demo: listen: %w", err)}
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	for _, sub := range []syncengine.Subscriber{a.progress, panel, d, userNotices(a.notifier)} {
		defer a.engine.Subscribe(sub)()
	}
	// The loops outlive ctx: they stop after the HTTP server, so that no
	// request finds them gone.
	loops, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){
		func(ctx context.Context) { _ = a.engine.Run(ctx, cfg.Server.RecoverInterval) },
		func(ctx context.Context) { _ = a.bot.Run(ctx, cfg.Server.ExpireInterval) },
		func(ctx context.Context) { _ = a.delivery.Run(ctx) },
		func(ctx context.Context) { d.load(ctx, a.engine, panel, *pace) },
	} {
		wg.Add(1)
		go func() { defer wg.Done(); loop(loops) }()
	}

	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(e.stdout, demoGuide, url, time.Since(start).Round(time.Millisecond), d.redisWords, d.esWords,
		chat.Thousands(int64(*docs)), countWords(counts))

	select {
	case err = <-errc:
		err = exitCode{code: 1, err: fmt.Errorf("demo: %w", err)}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if cerr := a.console.Close(shutdown); cerr != nil {
		log.Warn().Err(cerr).Msg("console shutdown")
	}
	if serr := srv.Shutdown(shutdown); serr != nil {
		log.Warn().Err(serr).Msg("http shutdown")
	}
	stopLoops() // the engine's loop leaves running jobs resumable
	wg.Wait()
	fmt.Fprint(e.stdout, demoStopped)
	return err
}

// demoConsole adds the web console to a replica as it is assembled: the
// bot answers through it, and its side panel reads the replica's engine.
func demoConsole(panel *demoPanel) appOption {
	return func(a *app, chats map[string]chat.Chat) {
		panel.engine, panel.outbox, panel.names = a.engine, a.outbox, a.bot.Name
		a.console = console.New(a.bot, panel, a.log,
			console.WithPeople(consolePeople(a.cfg)...),
			console.WithChannels(consoleChannels(a.cfg)...),
			console.WithHelp(cmds.HelpText(cmds.Grammar{Envs: a.cfg.EnvironmentOrder})),
			console.WithHandlerTimeout(a.cfg.Server.HandlerTimeout),
		)
		panel.changed = a.console.PanelChanged
		chats[chat.Console] = a.console
	}
}

// consolePeople lists the people who have a console id, engineers first,
// with their roles.
func consolePeople(cfg *config.Config) []console.Person {
	roles := map[string][]string{}
	for _, id := range cfg.Roles.Engineers.People {
		roles[id] = append(roles[id], "engineer")
	}
	for _, id := range cfg.Roles.Approvers.People {
		roles[id] = append(roles[id], "approver")
	}
	var out []console.Person
	seen := map[string]bool{}
	add := func(id string) {
		p, ok := cfg.People[id]
		if !ok || p.Console == "" || seen[id] {
			return
		}
		seen[id] = true
		name := p.Name
		if name == "" {
			name = id
		}
		out = append(out, console.Person{ID: p.Console, Name: name, Roles: roles[id]})
	}
	for _, id := range append(append([]string(nil), cfg.Roles.Engineers.People...), cfg.Roles.Approvers.People...) {
		add(id)
	}
	for id := range cfg.People {
		add(id)
	}
	return out
}

// consoleChannels lists each environment's ops channel, then the status
// channels.
func consoleChannels(cfg *config.Config) []console.Channel {
	var out []console.Channel
	status := map[string]bool{}
	var statusOrder []string
	for _, name := range cfg.EnvironmentOrder {
		env := cfg.Environments[name]
		if ch := env.OpsChannel.Console; ch != "" {
			style := notify.Style(env)
			out = append(out, console.Channel{
				Name: ch, Env: name, Colour: env.Colour, Production: env.Production,
				Topic: fmt.Sprintf(textOpsTopic, style.Label, name),
			})
		}
		for _, ch := range env.StatusChannels.Console {
			if !status[ch] {
				status[ch] = true
				statusOrder = append(statusOrder, ch)
			}
		}
	}
	for _, ch := range statusOrder {
		out = append(out, console.Channel{Name: ch, Topic: textStatusTopic})
	}
	return out
}

// userNotices passes the engine's events to the notifier, except those of
// the demo's own loading jobs: users were not waiting for those.
func userNotices(n *notify.Notifier) syncengine.Subscriber {
	return syncengine.SubscriberFunc(func(ev syncengine.Event) {
		if ev.Job.Requester == seedRequester {
			return
		}
		n.Publish(ev)
	})
}
