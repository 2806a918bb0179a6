package discord_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/bot/discord"
	"github.com/resyncbot/resyncbot/commands"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/discordfake"
)

// option finds an option by path of names ("start", "env").
func option(t *testing.T, c *discordgo.ApplicationCommand, names ...string) *discordgo.ApplicationCommandOption {
	t.Helper()
	opts := c.Options
	var o *discordgo.ApplicationCommandOption
	for _, n := range names {
		i := slices.IndexFunc(opts, func(o *discordgo.ApplicationCommandOption) bool { return o.Name == n })
		if i < 0 {
			t.Fatalf("/%s has no option %v", c.Name, names)
		}
		o = opts[i]
		opts = o.Options
	}
	return o
}

func choices(o *discordgo.ApplicationCommandOption) []string {
	var out []string
	for _, c := range o.Choices {
		out = append(out, fmt.Sprint(c.Value))
	}
	return out
}

func TestCommands(t *testing.T) {
	cmds := discord.Commands(testEnvs, testIndexes)
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"resync", "abort", "restore", "notice"}) {
		t.Fatalf("commands %v", names)
	}
	resync, restore, notice := cmds[0], cmds[2], cmds[3]
	if env := option(t, resync, "start", "env"); !env.Required || !slices.Equal(choices(env), testEnvs) {
		t.Errorf("start env %+v", env)
	}
	if ix := option(t, resync, "start", "index"); ix.Required || !slices.Equal(choices(ix), []string{"masterdoctorindex", "recommendationindex", "connectionindex"}) {
		t.Errorf("index choices %v", choices(ix))
	}
	if dr := option(t, resync, "start", "dry_run"); dr.Type != discordgo.ApplicationCommandOptionBoolean {
		t.Errorf("dry_run %+v", dr)
	}
	if env := option(t, resync, "status", "env"); env.Required {
		t.Error("status env is required")
	}
	if env := option(t, restore, "env"); !env.Required || !slices.Equal(choices(env), testEnvs) {
		t.Errorf("restore env %+v", env)
	}
	if st := option(t, notice, "state"); !slices.Equal(choices(st), commands.NoticeStates()) {
		t.Errorf("notice states %v", choices(st))
	}

	// Past 25 environments there are no choices: anything can be typed and
	// the parser answers with the nearest environment.
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("env%02d", i))
	}
	big := discord.Commands(many, nil)
	if env := option(t, big[0], "start", "env"); len(env.Choices) != 0 {
		t.Errorf("%d choices for 30 environments", len(env.Choices))
	}
	if ix := option(t, big[0], "start", "index"); len(ix.Choices) != 0 {
		t.Errorf("index choices without indexes: %v", choices(ix))
	}
	// Discord (the fake's rules) accepts both.
	fake := discordfake.New(t)
	for _, set := range [][]*discordgo.ApplicationCommand{cmds, big} {
		if err := fake.SetCommands("", set); err != nil {
			t.Error(err)
		}
	}
}

func TestRegister(t *testing.T) {
	fake := discordfake.New(t)
	cfg := config.Discord{ApplicationID: fake.AppID(), BotToken: fake.Token(), APIURL: fake.URL()}
	cmds := discord.Commands(testEnvs, testIndexes)

	got, err := discord.Register(t.Context(), cfg, "", cmds, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].ID == "" || got[0].Name != "resync" || got[0].GuildID != "" {
		t.Fatalf("registered %+v", got)
	}
	if len(fake.Commands("")) != 4 || len(fake.Commands(discordfake.DefaultGuildID)) != 0 {
		t.Error("global registration went elsewhere")
	}

	// In a guild, with a 429 on the way.
	fake.RateLimit(discordfake.RouteCommandsOverwrite, 1, 100*time.Millisecond)
	got, err = discord.Register(t.Context(), cfg, discordfake.DefaultGuildID, cmds, zerolog.Nop())
	if err != nil || len(got) != 4 || got[0].GuildID != discordfake.DefaultGuildID {
		t.Fatalf("guild registration %+v %v", got, err)
	}
	if calls := fake.Calls(discordfake.RouteCommandsOverwrite); len(calls) != 3 || calls[1].Status != 429 {
		t.Errorf("calls %+v", calls)
	}

	if _, err := discord.Register(t.Context(), config.Discord{BotToken: "x"}, "", cmds, zerolog.Nop()); !errors.Is(err, discord.ErrNoApplication) {
		t.Errorf("no application id: %v", err)
	}
	bad := cfg
	bad.BotToken = "wrong"
	if _, err := discord.Register(t.Context(), bad, "", cmds, zerolog.Nop()); err == nil {
		t.Error("registered with a wrong token")
	}
}

// TestAPIURLWithoutTrailingSlash: api_url may be written either way.
func TestAPIURLWithoutTrailingSlash(t *testing.T) {
	fake := discordfake.New(t)
	url := fake.URL()
	cfg := config.Discord{ApplicationID: fake.AppID(), BotToken: fake.Token(), APIURL: url[:len(url)-1]}
	if _, err := discord.Register(t.Context(), cfg, "", discord.Commands(testEnvs, testIndexes), zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
}
