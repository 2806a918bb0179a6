package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/bot/discord"
	"github.com/resyncbot/resyncbot/config"
)

const discordRegisterUsage = `Usage: resyncbot discord register --config FILE [--guild ID]

Registers resyncbot's slash commands (/resync, /abort, /restore, /notice)
for the Discord application of platforms.discord, in one bulk overwrite:
commands the application had and resyncbot does not define are removed.

With --guild, or platforms.discord.guild_id, the commands are registered in
that guild and appear at once; without either, globally, which Discord may
take up to an hour to show. The environments and indexes offered as choices
come from the configuration: register again after changing them.

Flags:
`

// errNoDiscord is why register stops on a configuration without Discord.
var errNoDiscord = errors.New("platforms.discord is not configured (application_id, public_key and bot_token)")

// runDiscordRegister is "resyncbot discord register".
func runDiscordRegister(ctx context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("discord register", flag.ContinueOnError)
	path := fs.String("config", e.getenv("RESYNCBOT_CONFIG"), "configuration `FILE` (default $RESYNCBOT_CONFIG)")
	guild := fs.String("guild", "", "register in the guild with this `ID` (default: platforms.discord.guild_id; global without one)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), discordRegisterUsage)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args, e); help || err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("discord register: unexpected argument %q", fs.Arg(0))
	case *path == "":
		return usageErrorf("discord register: --config FILE is required")
	}
	cfg, err := config.Load(*path, e.getenv)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("discord register: %w", err)}
	}
	d := cfg.Platforms.Discord
	if d == nil {
		return exitCode{code: 1, err: fmt.Errorf("discord register: %w", errNoDiscord)}
	}
	indexes := map[string][]string{}
	for name, env := range cfg.Environments {
		for _, ix := range env.Indexes {
			indexes[name] = append(indexes[name], ix.Alias)
		}
	}
	where := cmp.Or(strings.TrimSpace(*guild), d.GuildID)
	log := e.logger(cfg.Secrets())
	got, err := discord.Register(ctx, *d, where, discord.Commands(cfg.EnvironmentOrder, indexes), log)
	if err != nil {
		return exitCode{code: 1, err: fmt.Errorf("discord register: %w", err)}
	}
	log.Info().Str("guild", where).Int("commands", len(got)).Msg("discord commands registered")
	return printRegistered(e.stdout, d.ApplicationID, where, cfg.EnvironmentOrder, got)
}

// printRegistered says what Discord now has: each command as it answered,
// with its id and usage, and where.
func printRegistered(w io.Writer, app, guild string, envs []string, cmds []*discordgo.ApplicationCommand) error {
	if guild != "" {
		fmt.Fprintf(w, "Registered %s in guild %s for application %s, replacing any others there:\n", count(len(cmds), "command"), guild, app)
	} else {
		fmt.Fprintf(w, "Registered %s globally for application %s, replacing any others (Discord may take up to an hour to show them):\n", count(len(cmds), "command"), app)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  /%s\t%s\t%s\n", c.Name, c.ID, usageOf(c.Options))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "Environments offered: %s\n", strings.Join(envs, ", "))
	return err
}

// usageOf writes options as a usage line: <required> [optional], and
// subcommands separated by " | ".
func usageOf(opts []*discordgo.ApplicationCommandOption) string {
	var parts []string
	subs := false
	for _, o := range opts {
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			subs = true
			parts = append(parts, strings.TrimSpace(o.Name+" "+usageOf(o.Options)))
		default:
			if o.Required {
				parts = append(parts, "<"+o.Name+">")
			} else {
				parts = append(parts, "["+o.Name+"]")
			}
		}
	}
	if subs {
		return strings.Join(parts, " | ")
	}
	return strings.Join(parts, " ")
}
