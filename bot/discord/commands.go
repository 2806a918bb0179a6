package discord

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/commands"
)

// Names of the slash commands, their subcommands and options. The commands
// package parses text, so options are joined back into its grammar.
const (
	cmdResync  = "resync"
	cmdAbort   = "abort"
	cmdRestore = "restore"
	cmdNotice  = "notice"

	subStart   = "start"
	subStatus  = "status"
	subHistory = "history"
	subHelp    = "help"

	optEnv        = "env"
	optIndex      = "index"
	optReason     = "reason"
	optDryRun     = "dry_run"
	optJob        = "job"
	optGeneration = "generation"
	optState      = "state"
	optText       = "text"
)

// Discord's limits on command definitions.
const (
	maxChoices     = 25
	maxChoiceValue = 100
	// maxReason and maxNoticeText bound what can be typed into those
	// options; Discord allows up to 6000.
	maxReason     = 500
	maxNoticeText = 1500
)

// Commands returns the slash command definitions for the environments envs
// (in their configured order) and their index aliases: /resync with the
// subcommands start, status, history and help; /abort; /restore; /notice.
// Environments, indexes and notice states are offered as choices where
// Discord's limit of 25 choices allows.
func Commands(envs []string, indexes map[string][]string) []*discordgo.ApplicationCommand {
	guildOnly := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	env := func(desc string, required bool) *discordgo.ApplicationCommandOption {
		return stringOption(optEnv, desc, required, envs)
	}
	var aliases []string
	for _, e := range envs {
		for _, a := range indexes[e] {
			if !slices.Contains(aliases, a) {
				aliases = append(aliases, a)
			}
		}
	}
	return []*discordgo.ApplicationCommand{
		{
			Name: cmdResync, Description: descResync, Type: discordgo.ChatApplicationCommand, Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: subStart, Description: descResyncStart,
					Options: []*discordgo.ApplicationCommandOption{
						env(descResyncStartEnv, true),
						stringOption(optIndex, descIndex, false, aliases),
						withMaxLength(stringOption(optReason, descReason, false, nil), maxReason),
						{Type: discordgo.ApplicationCommandOptionBoolean, Name: optDryRun, Description: descDryRun},
					},
				},
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: subStatus, Description: descResyncStatus,
					Options: []*discordgo.ApplicationCommandOption{env(descEnvQuery, false)},
				},
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: subHistory, Description: descResyncHistory,
					Options: []*discordgo.ApplicationCommandOption{env(descEnvQuery, false)},
				},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: subHelp, Description: descResyncHelp},
			},
		},
		{
			Name: cmdAbort, Description: descAbort, Type: discordgo.ChatApplicationCommand, Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{stringOption(optJob, descJob, false, nil)},
		},
		{
			Name: cmdRestore, Description: descRestore, Type: discordgo.ChatApplicationCommand, Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				env(descRestoreEnv, true),
				stringOption(optGeneration, descGeneration, false, nil),
			},
		},
		{
			Name: cmdNotice, Description: descNotice, Type: discordgo.ChatApplicationCommand, Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				env(descNoticeEnv, true),
				stringOption(optState, descNoticeState, true, commands.NoticeStates()),
				withMaxLength(stringOption(optText, descNoticeText, true, nil), maxNoticeText),
			},
		},
	}
}

// stringOption is a string option offering choices, unless there are none
// or more than Discord allows (then anything may be typed and the parser
// says what is wrong).
func stringOption(name, desc string, required bool, choices []string) *discordgo.ApplicationCommandOption {
	o := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc, Required: required,
	}
	if len(choices) == 0 || len(choices) > maxChoices {
		return o
	}
	for _, c := range choices {
		if c == "" || runes(c) > maxChoiceValue {
			o.Choices = nil
			return o
		}
		o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
	}
	return o
}

func withMaxLength(o *discordgo.ApplicationCommandOption, n int) *discordgo.ApplicationCommandOption {
	o.MaxLength = n
	return o
}

// commandText turns a slash command's options back into the text the
// commands package parses: "/resync start env:prod reason:x dry_run:true"
// becomes "prod reason=\"x\" dry-run". It reports false for a command that
// is not ours.
func commandText(d discordgo.ApplicationCommandInteractionData) (slash, text string, ok bool) {
	opts := d.Options
	var words []string
	switch d.Name {
	case cmdResync:
		if len(opts) != 1 || opts[0].Type != discordgo.ApplicationCommandOptionSubCommand {
			return "", "", false
		}
		sub := opts[0]
		opts = sub.Options
		switch sub.Name {
		case subStart:
			words = append(words, word(str(opts, optEnv)))
			if v := str(opts, optIndex); v != "" {
				words = append(words, optIndex+"="+word(v))
			}
			if v := str(opts, optReason); v != "" {
				words = append(words, optReason+"="+quote(v))
			}
			if b, _ := value(opts, optDryRun).(bool); b {
				words = append(words, "dry-run")
			}
		case subStatus, subHistory:
			words = append(words, sub.Name, word(str(opts, optEnv)))
		case subHelp:
			words = append(words, subHelp)
		default:
			return "", "", false
		}
	case cmdAbort:
		words = append(words, word(str(opts, optJob)))
	case cmdRestore:
		words = append(words, word(str(opts, optEnv)), word(str(opts, optGeneration)))
	case cmdNotice:
		// The notice text is the rest of the line, as typed: the parser
		// keeps its quotes and apostrophes.
		words = append(words, word(str(opts, optEnv)), word(str(opts, optState)), strings.TrimSpace(str(opts, optText)))
	default:
		return "", "", false
	}
	words = slices.DeleteFunc(words, func(w string) bool { return w == "" })
	return "/" + d.Name, strings.Join(words, " "), true
}

// value is the value of the option called name, or nil.
func value(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) any {
	for _, o := range opts {
		if o != nil && o.Name == name {
			return o.Value
		}
	}
	return nil
}

// str is the option's value as text ("" when absent).
func str(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	switch v := value(opts, name).(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	default:
		return fmt.Sprint(v)
	}
}

// word writes v as one word of the grammar, quoted if it must be.
func word(v string) string {
	if v == "" || !strings.ContainsFunc(v, needsQuotes) {
		return v
	}
	return quote(v)
}

// needsQuotes reports whether r would split a word or open a quote.
func needsQuotes(r rune) bool {
	return unicode.IsSpace(r) || r == '\\' || isQuote(r)
}

// quote writes v as one double-quoted word: the parser ends a quote at any
// double quote (straight or typographic), so those and backslashes are
// escaped with a backslash.
func quote(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		if r == '\\' || isDoubleQuote(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// isDoubleQuote reports the quotes the parser treats as double quotes.
func isDoubleQuote(r rune) bool {
	switch r {
	case '"', '\u201c', '\u201d', '\u201e', '\u201f':
		return true
	}
	return false
}

// isQuote reports every quote the parser reads as one.
func isQuote(r rune) bool {
	switch r {
	case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
		return true
	}
	return isDoubleQuote(r)
}
