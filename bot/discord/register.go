package discord

import (
	"context"
	"errors"

	"github.com/bwmarrin/discordgo"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/config"
)

// ErrNoApplication is returned by Register when the configuration names no
// application id.
var ErrNoApplication = errors.New("discord application_id is not configured")

// Register replaces the application's slash commands with cmds in one bulk
// overwrite: in guild guildID, where they appear at once, or globally when
// guildID is "" (Discord may take up to an hour to show global changes).
// Commands not in cmds are deleted. It returns the commands as Discord
// registered them, with their ids.
func Register(ctx context.Context, cfg config.Discord, guildID string, cmds []*discordgo.ApplicationCommand, log zerolog.Logger, opts ...Option) ([]*discordgo.ApplicationCommand, error) {
	if cfg.ApplicationID == "" {
		return nil, ErrNoApplication
	}
	o := newOptions(opts)
	c := newClient(newSession(cfg, o.httpClient), cfg.ApplicationID, log, o)
	where := "global scope"
	if guildID != "" {
		where = "guild " + guildID
	}
	var out []*discordgo.ApplicationCommand
	err := c.call(ctx, "bulk overwrite commands", where, "", func(ropts ...discordgo.RequestOption) error {
		var err error
		out, err = c.s.ApplicationCommandBulkOverwrite(cfg.ApplicationID, guildID, cmds, ropts...)
		return err
	})
	return out, err
}
