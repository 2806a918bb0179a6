package slackfake

import "time"

// channel is one conversation and the messages posted in it.
type channel struct {
	id      string
	name    string
	created time.Time
	msgs    []*record // live and deleted, in ts order
	byTS    map[string]*record
	lastTS  int64 // microseconds of the last ts handed out
}

// newChannel makes an empty channel; NewServer and AddChannel stamp created.
func newChannel(id, name string) *channel {
	return &channel{id: id, name: name, byTS: map[string]*record{}}
}

// nextTS hands out a ts from the clock, strictly increasing within the
// channel.
func (c *channel) nextTS(now time.Time) string {
	us := now.UnixMicro()
	if us <= c.lastTS {
		us = c.lastTS + 1
	}
	c.lastTS = us
	return formatTS(us)
}

// live returns the message with ts if it exists and is not deleted.
func (c *channel) live(ts string) *record {
	if r := c.byTS[ts]; r != nil && !r.deleted {
		return r
	}
	return nil
}

// addLocked stores a new message in ch. A thread_ts naming no live message
// posts the message unthreaded; one naming a reply joins that reply's thread.
func (s *Server) addLocked(ch *channel, r *record, threadTS string) {
	r.channel = ch.id
	r.ts = ch.nextTS(s.now())
	if parent := ch.live(threadTS); threadTS != "" && parent != nil {
		if parent.threadTS != "" {
			parent = ch.byTS[parent.threadTS]
		}
		r.threadTS = parent.ts
		parent.replies = append(parent.replies, r)
	}
	ch.msgs = append(ch.msgs, r)
	ch.byTS[r.ts] = r
}

// addEphemeralLocked stores an ephemeral message for recipient in ch.
func (s *Server) addEphemeralLocked(ch *channel, r *record, threadTS string) {
	r.channel = ch.id
	r.ts = ch.nextTS(s.now())
	r.ephemeral = true
	if parent := ch.live(threadTS); threadTS != "" && parent != nil {
		r.threadTS = parent.ts
		if parent.threadTS != "" {
			r.threadTS = parent.threadTS
		}
	}
	s.ephemeral[r.recipient] = append(s.ephemeral[r.recipient], r)
}

// findLocked finds a message by channel and ts, ephemeral ones included.
func (s *Server) findLocked(channelID, ts string) *record {
	if ch := s.channels[channelID]; ch != nil {
		if r := ch.byTS[ts]; r != nil {
			return r
		}
	}
	for _, list := range s.ephemeral {
		for _, r := range list {
			if r.channel == channelID && r.ts == ts {
				return r
			}
		}
	}
	return nil
}

// Messages lists the live messages of a channel, thread replies included, in
// ts order. Ephemeral messages are not in a channel: see Ephemerals.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil
	}
	var out []Message
	for _, r := range ch.msgs {
		if !r.deleted {
			out = append(out, r.snapshot())
		}
	}
	return out
}

// TopLevel lists the live messages of a channel that are not thread replies.
func (s *Server) TopLevel(channelID string) []Message {
	var out []Message
	for _, m := range s.Messages(channelID) {
		if m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

// Replies lists the live replies in the thread of the message ts, oldest
// first.
func (s *Server) Replies(channelID, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil || ch.byTS[ts] == nil {
		return nil
	}
	var out []Message
	for _, r := range ch.byTS[ts].replies {
		if !r.deleted {
			out = append(out, r.snapshot())
		}
	}
	return out
}

// Message returns one message, ephemeral or deleted ones included (see
// Message.Deleted); ok is false if no message ever had that channel and ts.
func (s *Server) Message(channelID, ts string) (m Message, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.findLocked(channelID, ts)
	if r == nil {
		return Message{}, false
	}
	return r.snapshot(), true
}

// Ephemerals lists the live ephemeral messages shown to user, in the order
// they were posted, across channels.
func (s *Server) Ephemerals(user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, r := range s.ephemeral[user] {
		if !r.deleted {
			out = append(out, r.snapshot())
		}
	}
	return out
}

// PostAsUser adds a message written by a person, which the bot may not edit
// or delete (cant_update_message, cant_delete_message). It returns the ts, or
// "" if the channel does not exist.
func (s *Server) PostAsUser(channelID, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return ""
	}
	r := &record{user: user, human: true, via: "user",
		versions: []Version{{Text: text, At: s.now(), Via: "user"}}}
	s.addLocked(ch, r, "")
	s.notifyLocked()
	return r.ts
}
