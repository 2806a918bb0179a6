package main

import (
	"github.com/resyncbot/resyncbot/internal/nearest"

	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
)

// usage is the text of "resyncbot help"; the commands are listed after it.
const usage = `resyncbot makes full re-synchronisations of Elasticsearch indexes safe,
from chat: /resync, approvals, /abort, /restore and user-facing notices.

Usage:
  resyncbot [global flags] <command> [flags]

Global flags:
  --log-format json|console   log as JSON lines (default) or for people
  --log-level LEVEL           trace, debug, info (default), warn or error

Commands:
`

// usageFooter follows the list of commands.
const usageFooter = `
Run "resyncbot <command> --help" for a command's flags.
`

// command is one subcommand: what it does, in a line, and the function that
// does it. args are the arguments after the command's name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, e *env) error
}

// commands maps each subcommand's name to its command. A name may be two
// words ("discord register"); the longest match wins.
func commands() map[string]command {
	return map[string]command{
		"check":            {"validate a configuration file and list every problem", runCheck},
		"demo":             {"run resyncbot on this machine with nothing to install, behind a web console", runDemo},
		"discord register": {"register the Discord slash commands (bulk overwrite)", runDiscordRegister},
		"help":             {"show this help, or a command's", runHelp},
		"plan":             {"show what a resync of an environment would do, changing nothing", runPlan},
		"serve":            {"run the bot: chat endpoints, sync engine, resume and expiry loops", runServe},
		"version":          {"print the version", runVersion},
	}
}

// env is what a subcommand gets from run: the process's surroundings, the
// parsed global flags, and the means to log.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	log    logOptions
}

// exitCode is an error that sets the process's exit status: 1 for a failure,
// 2 for a usage mistake. A nil err means the reason has already been printed.
type exitCode struct {
	code int
	err  error
}

func (e exitCode) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e exitCode) Unwrap() error { return e.err }

// usageErrorf is a usage mistake: exit status 2, with a message.
func usageErrorf(format string, args ...any) error {
	return exitCode{code: 2, err: fmt.Errorf(format, args...)}
}

// exitStatus is the process exit status for run's error.
func exitStatus(err error) int {
	var ec exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return ec.code
	}
	return 1
}

// run is the whole program: it parses the global flags, dispatches to the
// subcommand and prints its error, if any, to stderr. It stops on SIGINT or
// SIGTERM by cancelling ctx.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := dispatch(ctx, args, &env{getenv: getenv, stdout: stdout, stderr: stderr})
	var ec exitCode
	if err != nil && !(errors.As(err, &ec) && ec.err == nil) && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "resyncbot: %v\n", err)
	}
	return err
}

func dispatch(ctx context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("resyncbot", flag.ContinueOnError)
	format := fs.String("log-format", "json", "log as `json` lines or for people (console)")
	level := fs.String("log-level", "info", "log `level`: trace, debug, info, warn or error")
	fs.Usage = func() { printUsage(fs.Output()) }
	if help, err := parseFlags(fs, args, e); help || err != nil {
		return err
	}
	opts, err := parseLogOptions(*format, *level)
	if err != nil {
		return exitCode{code: 2, err: err}
	}
	e.log = opts

	if fs.NArg() == 0 {
		printUsage(e.stderr)
		return exitCode{code: 2}
	}
	name, cmd, ok := lookup(fs.Args())
	if !ok {
		return unknownCommand(fs.Arg(0))
	}
	return cmd.run(ctx, fs.Args()[len(strings.Fields(name)):], e)
}

// lookup finds the command args start with, trying two-word names first.
func lookup(args []string) (string, command, bool) {
	cmds := commands()
	if len(args) >= 2 {
		if c, ok := cmds[args[0]+" "+args[1]]; ok {
			return args[0] + " " + args[1], c, true
		}
	}
	if len(args) >= 1 {
		if c, ok := cmds[args[0]]; ok {
			return args[0], c, true
		}
	}
	return "", command{}, false
}

func unknownCommand(name string) error {
	var names []string
	for n := range commands() {
		names = append(names, n, strings.Fields(n)[0])
	}
	if s := nearest.Word(name, names); s != "" {
		return usageErrorf("unknown command %q (did you mean %q?); run \"resyncbot help\" for the list", name, s)
	}
	return usageErrorf("unknown command %q; run \"resyncbot help\" for the list", name)
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%s\n", n, cmds[n].summary)
	}
	tw.Flush()
	fmt.Fprint(w, usageFooter)
}

// runHelp prints the usage, or a command's when named.
func runHelp(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || slices.Contains([]string{"help", "-h", "-help", "--help"}, args[0]) {
		printUsage(e.stdout)
		return nil
	}
	_, cmd, ok := lookup(args)
	if !ok {
		return unknownCommand(args[0])
	}
	return cmd.run(ctx, []string{"--help"}, e)
}

// parseFlags parses a flag set whose Usage is set. --help prints the usage to
// stdout and reports help; a bad flag prints the flag package's message and
// the usage to stderr and returns a usage error.
func parseFlags(fs *flag.FlagSet, args []string, e *env) (help bool, err error) {
	var out bytes.Buffer
	fs.SetOutput(&out)
	err = fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, err = out.WriteTo(e.stdout)
		return true, err
	case err != nil:
		_, _ = out.WriteTo(e.stderr)
		return false, exitCode{code: 2}
	}
	return false, nil
}
