package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/nearest"
	"github.com/resyncbot/resyncbot/syncengine"
)

const planUsage = `Usage: resyncbot plan --config FILE --env ENV [--index ALIAS]

Prints what "/resync ENV" would do, without changing anything: the indexes
and their source counts, what the aliases point at now, the live generation,
what is kept for restore, and the duration the last successful run's rate
predicts. Reads Redis and Elasticsearch as configured.

Flags:
`

func runPlan(ctx context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	path := fs.String("config", e.getenv("RESYNCBOT_CONFIG"), "configuration `FILE` (default $RESYNCBOT_CONFIG)")
	envName := fs.String("env", "", "the `ENV`ironment to plan a resync of")
	index := fs.String("index", "", "plan only this `ALIAS`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), planUsage)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args, e); help || err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("plan: unexpected argument %q", fs.Arg(0))
	case *path == "":
		return usageErrorf("plan: --config FILE is required")
	case *envName == "":
		return usageErrorf("plan: --env ENV is required")
	}
	cfg, err := config.Load(*path, e.getenv)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("plan: %w", err)}
	}
	if _, ok := cfg.Environments[*envName]; !ok {
		if s := nearest.Word(*envName, cfg.EnvironmentOrder); s != "" {
			return usageErrorf("plan: unknown environment %q (did you mean %q?)", *envName, s)
		}
		return usageErrorf("plan: unknown environment %q (known: %s)", *envName, joinComma(cfg.EnvironmentOrder))
	}
	opts, err := redis.ParseURL(cfg.Redis.URL)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("plan: redis.url is not a redis URL")}
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	eng, err := syncengine.New(rdb, cfg, syncengine.Options{Prefix: cfg.Redis.Prefix, Logger: e.logger(cfg.Secrets())})
	if err != nil {
		return exitCode{code: 1, err: err}
	}
	p, err := eng.Plan(ctx, *envName, *index)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("plan: %w", err)}
	}
	return printPlan(e.stdout, cfg.Environments[*envName], p)
}

// printPlan writes a plan for people.
func printPlan(w io.Writer, env *config.Environment, p *syncengine.Plan) error {
	label := env.Name
	if env.Label != "" {
		label += " (" + env.Label + ")"
	}
	fmt.Fprintf(w, "Plan for a resync of %s — dry run, nothing was changed.\n\n", label)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  INDEX\tSOURCE\tRECORDS\tLIVE NOW")
	for _, ix := range p.Indexes {
		live := "nothing yet"
		if ix.LiveIndex != "" {
			live = fmt.Sprintf("%s (%s docs)", ix.LiveIndex, thousands(ix.LiveDocs))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", ix.Alias, ix.SourceType, records(ix.Total), live)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if p.Live != nil {
		fmt.Fprintf(w, "Live generation: %s (%s %s)\n", p.Live.ID, p.Live.Action, p.Live.Time.UTC().Format("2006-01-02 15:04 MST"))
	} else {
		fmt.Fprintln(w, "Live generation: none recorded by resyncbot yet")
	}
	if len(p.KeptForRestore) > 0 {
		fmt.Fprintf(w, "Kept for restore after the run: %s\n", joinComma(p.KeptForRestore))
	} else {
		fmt.Fprintln(w, "Kept for restore after the run: nothing (this is the first generation)")
	}
	switch {
	case p.Estimate > 0:
		d := "under a second"
		if p.Estimate >= time.Second {
			d = p.Estimate.Round(time.Second).String()
		}
		fmt.Fprintf(w, "Estimated duration: %s (at %s docs/s, the last successful run's rate)\n", d, thousands(int64(p.Rate)))
	default:
		fmt.Fprintln(w, "Estimated duration: unknown (no successful run to learn the rate from)")
	}
	fmt.Fprintf(w, "Records to copy: %s\n", records(p.Total))
	if p.Busy != nil {
		fmt.Fprintf(w, "\nBusy: %s holds %s now; a resync would be refused until it ends.\n", p.Busy.Holder, p.Env)
	}
	return nil
}

func records(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return thousands(n)
}

// thousands formats n with commas: 1234567 → 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}

func joinComma(ss []string) string { return strings.Join(ss, ", ") }
