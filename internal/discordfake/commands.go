package discordfake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Discord's limits on application commands.
const (
	maxCommands        = 100
	maxOptions         = 25
	maxChoices         = 25
	maxCommandDesc     = 100
	maxChoiceName      = 100
	maxChoiceValue     = 100
	maxCommandChars    = 4000
	maxOptionMaxLength = 6000
)

// nameRE is the rule for command and option names of chat input commands
// (Discord also allows a few scripts; lower case where the script has case).
var nameRE = regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`)

// command is a registered application command.
type command = discordgo.ApplicationCommand

// overwriteLocked is PUT /applications/{app}/commands and
// /applications/{app}/guilds/{guild}/commands: the body replaces every
// command of that scope. A command keeps its id when its name stays.
func (s *Server) overwriteLocked(r *http.Request, raw []byte) (int, any, *apiError) {
	if r.PathValue("app") != s.appID {
		return 0, nil, errNoAccess
	}
	guild := r.PathValue("guild")
	if guild != "" && !s.guilds[guild] {
		return 0, nil, errNoAccess
	}
	var cmds []*command
	if err := json.Unmarshal(raw, &cmds); err != nil {
		return 0, nil, badJSON()
	}
	var fe formErrors
	checkCommands(cmds, &fe)
	if aerr := fe.err(); aerr != nil {
		return 0, nil, aerr
	}
	old := map[string]string{}
	for _, c := range s.commands[guild] {
		old[c.Name] = c.ID
	}
	s.overwrites[guild]++
	version := s.snowflakeLocked()
	for _, c := range cmds {
		c.ID = cmp.Or(old[c.Name], s.snowflakeLocked())
		c.ApplicationID, c.GuildID, c.Version = s.appID, guild, version
		if c.Type == 0 {
			c.Type = discordgo.ChatApplicationCommand
		}
	}
	s.commands[guild] = cmds
	return http.StatusOK, cmds, nil
}

func checkCommands(cmds []*command, fe *formErrors) {
	if len(cmds) > maxCommands {
		fe.add("_root", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxCommands))
	}
	seen := map[string]bool{}
	for i, c := range cmds {
		p := strconv.Itoa(i)
		if c == nil {
			fe.add(p, "BASE_TYPE_REQUIRED", "This field is required")
			continue
		}
		if c.Type != 0 && c.Type != discordgo.ChatApplicationCommand {
			fe.add(p+".type", "BASE_TYPE_CHOICES", "Only chat input commands (type 1) are supported by this fake.")
			continue
		}
		checkName(fe, p+".name", c.Name)
		checkDesc(fe, p+".description", c.Description)
		if seen[c.Name] {
			fe.add(p+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[c.Name] = true
		checkOptions(fe, p+".options", c.Options, 0)
		if n := commandChars(c); n > maxCommandChars {
			fe.add(p, "APPLICATION_COMMAND_TOO_LARGE", fmt.Sprintf("Command exceeds maximum size (%d)", maxCommandChars))
		}
	}
}

// checkOptions checks one level of options; depth is 0 at the top, 1 inside
// a subcommand or group, 2 inside a group's subcommand.
func checkOptions(fe *formErrors, p string, opts []*discordgo.ApplicationCommandOption, depth int) {
	if len(opts) > maxOptions {
		fe.add(p, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxOptions))
	}
	seen := map[string]bool{}
	optional, subs, plain := false, 0, 0
	for i, o := range opts {
		op := p + "." + strconv.Itoa(i)
		if o == nil {
			fe.add(op, "BASE_TYPE_REQUIRED", "This field is required")
			continue
		}
		checkName(fe, op+".name", o.Name)
		checkDesc(fe, op+".description", o.Description)
		if seen[o.Name] {
			fe.add(op+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		seen[o.Name] = true
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			subs++
			if o.Required {
				fe.add(op+".required", "APPLICATION_COMMAND_OPTION_REQUIRED_INVALID", "Subcommands cannot be required")
			}
			if o.Type == discordgo.ApplicationCommandOptionSubCommandGroup && depth > 0 ||
				o.Type == discordgo.ApplicationCommandOptionSubCommand && depth > 1 {
				fe.add(op+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands cannot nest here")
			}
			if o.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
				for j, sub := range o.Options {
					if sub != nil && sub.Type != discordgo.ApplicationCommandOptionSubCommand {
						fe.add(op+".options."+strconv.Itoa(j)+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "A group holds only subcommands")
					}
				}
			}
			checkOptions(fe, op+".options", o.Options, depth+1)
		case discordgo.ApplicationCommandOptionString, discordgo.ApplicationCommandOptionInteger,
			discordgo.ApplicationCommandOptionBoolean, discordgo.ApplicationCommandOptionUser,
			discordgo.ApplicationCommandOptionChannel, discordgo.ApplicationCommandOptionRole,
			discordgo.ApplicationCommandOptionMentionable, discordgo.ApplicationCommandOptionNumber,
			discordgo.ApplicationCommandOptionAttachment:
			plain++
			if o.Required && optional {
				fe.add(op+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
			}
			optional = optional || !o.Required
			if len(o.Options) > 0 {
				fe.add(op+".options", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only subcommands and groups have options")
			}
			checkChoices(fe, op, o)
			if o.MaxLength != 0 && (o.Type != discordgo.ApplicationCommandOptionString || o.MaxLength < 1 || o.MaxLength > maxOptionMaxLength) {
				fe.add(op+".max_length", "NUMBER_TYPE_MAX", fmt.Sprintf("max_length must be between 1 and %d on a string option.", maxOptionMaxLength))
			}
		default:
			fe.add(op+".type", "BASE_TYPE_CHOICES", "Value must be one of the option types.")
		}
	}
	if subs > 0 && plain > 0 {
		fe.add(p, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands and groups cannot be mixed with other options")
	}
}

func checkChoices(fe *formErrors, p string, o *discordgo.ApplicationCommandOption) {
	if len(o.Choices) == 0 {
		return
	}
	switch o.Type {
	case discordgo.ApplicationCommandOptionString, discordgo.ApplicationCommandOptionInteger, discordgo.ApplicationCommandOptionNumber:
	default:
		fe.add(p+".choices", "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Only string, integer and number options have choices")
		return
	}
	if o.Autocomplete {
		fe.add(p+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete and choices are exclusive")
	}
	if len(o.Choices) > maxChoices {
		fe.add(p+".choices", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxChoices))
	}
	for i, c := range o.Choices {
		cp := p + ".choices." + strconv.Itoa(i)
		if c == nil {
			fe.add(cp, "BASE_TYPE_REQUIRED", "This field is required")
			continue
		}
		if n(c.Name) < 1 || n(c.Name) > maxChoiceName {
			fe.add(cp+".name", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxChoiceName))
		}
		switch v := c.Value.(type) {
		case string:
			if o.Type != discordgo.ApplicationCommandOptionString || n(v) < 1 || n(v) > maxChoiceValue {
				fe.add(cp+".value", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be a string of 1 to %d characters.", maxChoiceValue))
			}
		case float64:
			if o.Type == discordgo.ApplicationCommandOptionString {
				fe.add(cp+".value", "BASE_TYPE_STRING", "Must be a string.")
			}
		default:
			fe.add(cp+".value", "BASE_TYPE_REQUIRED", "This field is required")
		}
	}
}

func checkName(fe *formErrors, p, name string) {
	if !nameRE.MatchString(name) || name != strings.ToLower(name) {
		fe.add(p, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

func checkDesc(fe *formErrors, p, desc string) {
	if n(desc) < 1 || n(desc) > maxCommandDesc {
		fe.add(p, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxCommandDesc))
	}
}

// commandChars counts what Discord counts against a command's 4000
// characters: names, descriptions, choice names and values, all levels.
func commandChars(c *command) int {
	total := n(c.Name) + n(c.Description)
	var walk func([]*discordgo.ApplicationCommandOption)
	walk = func(opts []*discordgo.ApplicationCommandOption) {
		for _, o := range opts {
			if o == nil {
				continue
			}
			total += n(o.Name) + n(o.Description)
			for _, ch := range o.Choices {
				if ch != nil {
					total += n(ch.Name) + n(fmt.Sprint(ch.Value))
				}
			}
			walk(o.Options)
		}
	}
	walk(c.Options)
	return total
}

// Commands returns the commands registered in guild ("" for the global
// ones) as Discord holds them, ids included.
func (s *Server) Commands(guild string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, _ := json.Marshal(s.commands[guild])
	var out []*discordgo.ApplicationCommand
	_ = json.Unmarshal(raw, &out)
	return out
}

// Overwrites counts the bulk overwrites of guild's commands ("" global).
func (s *Server) Overwrites(guild string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overwrites[guild]
}

// SetCommands registers cmds in guild ("" for global) as a bulk overwrite
// would, for tests that drive commands without registering them first.
func (s *Server) SetCommands(guild string, cmds []*discordgo.ApplicationCommand) error {
	raw, err := json.Marshal(cmds)
	if err != nil {
		return fmt.Errorf("discordfake: set commands: %w", err)
	}
	var fresh []*command
	if err := json.Unmarshal(raw, &fresh); err != nil {
		return fmt.Errorf("discordfake: set commands: %w", err)
	}
	var fe formErrors
	checkCommands(fresh, &fe)
	if aerr := fe.err(); aerr != nil {
		detail, _ := json.Marshal(aerr.errors)
		return fmt.Errorf("discordfake: set commands: invalid: %s", detail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	version := s.snowflakeLocked()
	for _, c := range fresh {
		c.ID, c.ApplicationID, c.GuildID, c.Version = s.snowflakeLocked(), s.appID, guild, version
		if c.Type == 0 {
			c.Type = discordgo.ChatApplicationCommand
		}
	}
	s.commands[guild] = fresh
	s.notifyLocked()
	return nil
}

// lookupCommandLocked finds the command name as a user in guild sees it:
// the guild's own first, then the global one.
func (s *Server) lookupCommandLocked(guild, name string) *command {
	for _, scope := range []string{guild, ""} {
		for _, c := range s.commands[scope] {
			if c.Name == name {
				return c
			}
		}
		if guild == "" {
			break
		}
	}
	return nil
}

// sortIDs sorts snowflakes numerically.
func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
}
