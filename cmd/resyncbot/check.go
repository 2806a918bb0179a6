package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
)

const checkUsage = `Usage: resyncbot check --config FILE

Validates a configuration file, with its ${VAR} references expanded from the
environment and its mapping files read, and lists every problem with its
path in the file. Exits 0 if the file is valid, 1 if not.

Flags:
`

func runCheck(_ context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	path := fs.String("config", e.getenv("RESYNCBOT_CONFIG"), "configuration `FILE` (default $RESYNCBOT_CONFIG)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), checkUsage)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args, e); help || err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("check: unexpected argument %q (the file goes after --config)", fs.Arg(0))
	case *path == "":
		return usageErrorf("check: --config FILE is required")
	}

	cfg, err := config.Load(*path, e.getenv)
	var ps *config.Problems
	if errors.As(err, &ps) {
		for _, p := range ps.List {
			fmt.Fprintln(e.stdout, p)
		}
		fmt.Fprintf(e.stdout, "%s in %s\n", count(len(ps.List), "problem"), *path)
		return exitCode{code: 1}
	}
	if err != nil {
		return exitCode{code: 1, err: err}
	}
	// Notice templates are rendered against sample data: a broken one is
	// found now, not when users should have been told something.
	if problems := notify.CheckTemplates(cfg); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(e.stdout, p)
		}
		fmt.Fprintf(e.stdout, "%s in %s\n", count(len(problems), "problem"), *path)
		return exitCode{code: 1}
	}
	log := e.logger(cfg.Secrets())
	log.Debug().Str("config", *path).Strs("environments", cfg.EnvironmentOrder).Msg("configuration is valid")
	return summarise(e.stdout, *path, cfg)
}

// summarise prints what a valid configuration defines, one line per
// environment, so a reader can see at a glance that it is the file they meant.
func summarise(w io.Writer, path string, cfg *config.Config) error {
	fmt.Fprintf(w, "%s is valid.\n", path)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	indexes := 0
	for _, name := range cfg.EnvironmentOrder {
		env := cfg.Environments[name]
		var aliases []string
		for _, ix := range env.Indexes {
			aliases = append(aliases, ix.Alias)
		}
		indexes += len(aliases)
		kind := ""
		if env.Production {
			kind = ", production"
		}
		fmt.Fprintf(tw, "  %s\t%s (%s)\tresync approvals: %d%s\n",
			name, count(len(aliases), "index"), strings.Join(aliases, ", "), env.Approvals.Resync, kind)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%s, %s; platforms enabled: %s\n",
		count(len(cfg.EnvironmentOrder), "environment"), count(indexes, "index"), platforms(cfg.Platforms))
	return err
}

func platforms(p config.Platforms) string {
	var on []string
	if p.Slack != nil {
		mode := "HTTP"
		if p.Slack.AppToken != "" {
			mode = "Socket Mode"
		}
		on = append(on, "slack ("+mode+")")
	}
	if p.Discord != nil {
		on = append(on, "discord")
	}
	if p.Teams != nil {
		on = append(on, "teams ("+count(len(p.Teams.Webhooks), "webhook")+")")
	}
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, ", ")
}

// count writes n and noun, in the plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "x") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
