package config

import (
	"encoding/hex"
	"fmt"

	"github.com/resyncbot/resyncbot/internal/nearest"
)

// Validation of who may use the bot and through which chat platforms.

func (v *validator) people(people map[string]Person) {
	owner := make(map[string]string) // "platform\x00id" → person
	for _, id := range v.keys["people"] {
		p := people[id]
		path := key("people", id)
		if p.Slack == "" && p.Discord == "" && p.Console == "" {
			v.r.add(path, msgNoIdentity)
		}
		for _, ident := range []struct{ platform, field, id string }{
			{"Slack", "slack", p.Slack}, {"Discord", "discord", p.Discord}, {"Console", "console", p.Console},
		} {
			if ident.id == "" {
				continue
			}
			k := ident.platform + "\x00" + ident.id
			if other, dup := owner[k]; dup {
				v.r.addf(key(path, ident.field), msgSharedIdentity, ident.platform, ident.id, other)
				continue
			}
			owner[k] = id
		}
	}
}

func (v *validator) roles(c *Config) {
	ids := v.keys["people"]
	for _, role := range []struct {
		name string
		r    Role
	}{{"engineers", c.Roles.Engineers}, {"approvers", c.Roles.Approvers}} {
		path := "roles." + role.name
		for i, id := range role.r.People {
			p := index(path+".people", i)
			switch _, ok := c.People[id]; {
			case id == "":
				v.r.add(p, msgEmptyItem)
			case !ok:
				msg := fmt.Sprintf(msgUnknownPerson, id)
				if s := nearest.Word(id, ids); s != "" {
					msg = didYouMean(msg, s)
				}
				v.r.add(p, msg)
			}
		}
		v.nonEmptyItems(path+".discord_roles", role.r.DiscordRoles)
	}
	if len(c.Roles.Engineers.People) == 0 && len(c.Roles.Engineers.DiscordRoles) == 0 {
		v.r.add("roles.engineers", msgNoEngineers)
	}
}

func (v *validator) platforms(p *Platforms) {
	if s := p.Slack; s != nil && s.enabled() {
		if s.BotToken == "" {
			v.r.add("platforms.slack.bot_token", msgSlackToken)
		}
		if s.SigningSecret == "" && s.AppToken == "" {
			v.r.add("platforms.slack.signing_secret", msgSlackSecret)
		}
	}
	if s := p.Slack; s != nil && s.APIURL != "" {
		switch {
		case !isURL(s.APIURL, "http", "https"):
			v.r.add("platforms.slack.api_url", msgHTTPURL)
		case s.APIURL[len(s.APIURL)-1] != '/':
			v.r.add("platforms.slack.api_url", msgSlash)
		}
	}
	if d := p.Discord; d != nil && d.enabled() {
		for _, f := range []struct{ name, value string }{
			{"application_id", d.ApplicationID}, {"public_key", d.PublicKey}, {"bot_token", d.BotToken},
		} {
			if f.value == "" {
				v.r.add("platforms.discord."+f.name, msgDiscordField)
			}
		}
		if k, err := hex.DecodeString(d.PublicKey); d.PublicKey != "" && (err != nil || len(k) != 32) {
			v.r.add("platforms.discord.public_key", msgHexKey)
		}
	}
	if d := p.Discord; d != nil && d.APIURL != "" && !isURL(d.APIURL, "http", "https") {
		v.r.add("platforms.discord.api_url", msgHTTPURL)
	}
	if t := p.Teams; t != nil {
		for _, name := range v.keys["platforms.teams.webhooks"] {
			if u := t.Webhooks[name]; u != "" && !isURL(u, "http", "https") {
				v.r.add(key("platforms.teams.webhooks", name), msgHTTPURL)
			}
		}
	}
}
