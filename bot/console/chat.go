package console

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/resyncbot/resyncbot/chat"
)

// entry is one message the console holds: the bot's, a thread reply, an
// ephemeral for one user, or the echo of a command someone typed.
type entry struct {
	id      string
	channel string
	// parent is the message this one replies to, in its thread.
	parent string
	// user, when set, is the only user who sees the entry.
	user string
	// command is the line a user typed (the entry is its echo).
	command string
	author  string
	time    time.Time
	edited  time.Time
	msg     chat.Message
}

// Post adds m to channel and pushes it to every page.
func (c *Console) Post(ctx context.Context, channel string, m chat.Message) (chat.Ref, error) {
	e := c.add(&entry{channel: channel, msg: m})
	return chat.Ref{Platform: chat.Console, Channel: channel, ID: e.id}, nil
}

// Update replaces the message ref with m, in place, on every page.
func (c *Console) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	c.mu.Lock()
	e := c.find(ref.Channel, ref.ID)
	if e == nil {
		c.mu.Unlock()
		return fmt.Errorf("update %s in %s: %w", ref.ID, ref.Channel, ErrNoMessage)
	}
	e.msg = m
	e.edited = c.now()
	c.broadcast(e)
	c.mu.Unlock()
	c.PanelChanged()
	return nil
}

// Ephemeral shows m in channel to user alone: only that user's pages get it.
func (c *Console) Ephemeral(ctx context.Context, channel, user string, m chat.Message) error {
	c.add(&entry{channel: channel, user: user, msg: m})
	return nil
}

// Reply adds m to the thread under parent.
func (c *Console) Reply(ctx context.Context, parent chat.Ref, m chat.Message) (chat.Ref, error) {
	c.mu.Lock()
	p := c.find(parent.Channel, parent.ID)
	c.mu.Unlock()
	if p == nil {
		return chat.Ref{}, fmt.Errorf("reply to %s in %s: %w", parent.ID, parent.Channel, ErrNoMessage)
	}
	e := c.add(&entry{channel: parent.Channel, parent: parent.ID, user: p.user, msg: m})
	return chat.Ref{Platform: chat.Console, Channel: parent.Channel, ID: e.id}, nil
}

// echo shows user the command they typed, as Slack shows a slash command
// only to its typist.
func (c *Console) echo(channel string, p Person, line string) {
	c.add(&entry{channel: channel, user: p.ID, command: line, author: p.Name})
}

// add stores e under a new id, forgets the oldest messages of its channel
// beyond the history, and pushes e to the pages that may see it.
func (c *Console) add(e *entry) *entry {
	c.mu.Lock()
	c.seq++
	e.id = "m" + strconv.FormatInt(c.seq, 10)
	e.time = c.now()
	list := append(c.msgs[e.channel], e)
	if over := len(list) - c.history; over > 0 {
		clear(list[:over])
		list = list[over:]
	}
	c.msgs[e.channel] = list
	c.broadcast(e)
	c.mu.Unlock()
	if e.user == "" {
		c.PanelChanged()
	}
	return e
}

// find returns the entry id of channel, or nil. c.mu must be held.
func (c *Console) find(channel, id string) *entry {
	list := c.msgs[channel]
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].id == id {
			return list[i]
		}
	}
	return nil
}

// visible returns, oldest first, the entries of every channel that user may
// see. c.mu must be held.
func (c *Console) visible(user string) []*entry {
	var out []*entry
	for _, name := range c.channelOrder() {
		for _, e := range c.msgs[name] {
			if e.user == "" || e.user == user {
				out = append(out, e)
			}
		}
	}
	return out
}

// channelOrder lists the configured channels, then any other channel
// something was posted in. c.mu must be held.
func (c *Console) channelOrder() []string {
	seen := map[string]bool{}
	var names []string
	for _, ch := range c.channels {
		if !seen[ch.Name] {
			seen[ch.Name] = true
			names = append(names, ch.Name)
		}
	}
	var rest []string
	for name := range c.msgs {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}
