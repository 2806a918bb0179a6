package bot

import (
	"slices"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
)

// directory maps platform identities to people and roles. One person known on
// several platforms is one identity, so the two-person rule holds across them.
type directory struct {
	people    map[string]config.Person
	byID      map[string]map[string]string // platform → user id → person id
	engineers map[string]bool
	approvers map[string]bool
	engRoles  []string // Discord roles whose members are engineers
	apprRoles []string
}

func newDirectory(cfg *config.Config) *directory {
	d := &directory{
		people:    cfg.People,
		byID:      map[string]map[string]string{chat.Slack: {}, chat.Discord: {}, chat.Console: {}},
		engineers: map[string]bool{},
		approvers: map[string]bool{},
		engRoles:  cfg.Roles.Engineers.DiscordRoles,
		apprRoles: cfg.Roles.Approvers.DiscordRoles,
	}
	for id, p := range cfg.People {
		if p.Slack != "" {
			d.byID[chat.Slack][p.Slack] = id
		}
		if p.Discord != "" {
			d.byID[chat.Discord][p.Discord] = id
		}
		if p.Console != "" {
			d.byID[chat.Console][p.Console] = id
		}
	}
	for _, id := range cfg.Roles.Engineers.People {
		d.engineers[id] = true
	}
	for _, id := range cfg.Roles.Approvers.People {
		d.approvers[id] = true
	}
	return d
}

// person returns the person id of u: the configured person, or for someone
// known only through a Discord role, an id of their own.
func (d *directory) person(u User) string {
	if id, ok := d.byID[u.Platform][u.ID]; ok {
		return id
	}
	return u.Platform + ":" + u.ID
}

func (d *directory) isEngineer(u User) bool {
	return d.engineers[d.person(u)] || d.hasRole(u, d.engRoles)
}

func (d *directory) isApprover(u User) bool {
	return d.approvers[d.person(u)] || d.hasRole(u, d.apprRoles)
}

func (d *directory) hasRole(u User, roles []string) bool {
	if u.Platform != chat.Discord {
		return false
	}
	for _, r := range u.Roles {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// name is a person's display name.
func (d *directory) name(person string) string {
	if p, ok := d.people[person]; ok && p.Name != "" {
		return p.Name
	}
	return person
}
