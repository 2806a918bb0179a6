package discordfake

import (
	"encoding/json"
	"net/http"
)

// channel is one guild text channel and the messages posted in it.
type channel struct {
	id    string
	guild string
	name  string
	msgs  []*record // in id order, deleted ones included
}

// createMessageLocked is POST /channels/{channel}/messages.
func (s *Server) createMessageLocked(r *http.Request, raw []byte) (int, any, *apiError) {
	ch := s.channels[r.PathValue("channel")]
	if ch == nil {
		return 0, nil, errNoChannel
	}
	b, aerr := parseBody(raw)
	if aerr != nil {
		return 0, nil, aerr
	}
	if b.empty() {
		return 0, nil, errEmpty
	}
	rec := &record{channel: ch.id, guild: ch.guild, author: botUser(), msgType: typeDefault, via: "channel"}
	if ref := b.reference; ref != nil {
		parent := s.byID[ref.MessageID]
		switch {
		case parent != nil && parent.channel == ch.id && !parent.deleted && !parent.ephemeral:
			rec.reference, rec.msgType = parent.id, typeReply
		case ref.FailIfNotExists == nil || *ref.FailIfNotExists:
			var fe formErrors
			fe.add("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
			return 0, nil, fe.err()
		}
	}
	flags := 0
	if b.flags != nil {
		// Only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS can be set here.
		flags = *b.flags & (FlagSuppressEmbeds | 1<<12)
	}
	s.storeLocked(ch, rec, b, flags, "channel")
	return http.StatusOK, rec.wire(), nil
}

// editMessageLocked is PATCH /channels/{channel}/messages/{message}: the
// fields sent replace the message's, the others stay.
func (s *Server) editMessageLocked(r *http.Request, raw []byte) (int, any, *apiError) {
	rec, aerr := s.channelMessageLocked(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if rec.human {
		return 0, nil, errNotAuthor
	}
	b, aerr := parseBody(raw)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.editLocked(rec, b, "edit"); aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, rec.wire(), nil
}

// getMessageLocked is GET /channels/{channel}/messages/{message}.
func (s *Server) getMessageLocked(r *http.Request, _ []byte) (int, any, *apiError) {
	rec, aerr := s.channelMessageLocked(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, rec.wire(), nil
}

// channelMessageLocked finds the live, non-ephemeral message the path names.
func (s *Server) channelMessageLocked(r *http.Request) (*record, *apiError) {
	ch := s.channels[r.PathValue("channel")]
	if ch == nil {
		return nil, errNoChannel
	}
	rec := s.byID[r.PathValue("message")]
	if rec == nil || rec.channel != ch.id || rec.deleted || rec.ephemeral {
		return nil, errNoMessage
	}
	return rec, nil
}

// storeLocked gives rec an id and its first version from b, and files it in
// ch (or with its recipient, when ephemeral).
func (s *Server) storeLocked(ch *channel, rec *record, b body, flags int, via string) {
	rec.id = s.snowflakeLocked()
	v := Version{Flags: flags, At: s.now(), Via: via, RawEmbeds: json.RawMessage("[]"), RawComponents: json.RawMessage("[]")}
	if b.content != nil {
		v.Content = *b.content
	}
	if b.embeds != nil {
		v.RawEmbeds = b.embeds
	}
	if b.components != nil {
		v.RawComponents = b.components
	}
	rec.versions = []Version{v}
	s.byID[rec.id] = rec
	if rec.ephemeral {
		s.ephemeral[rec.recipient] = append(s.ephemeral[rec.recipient], rec)
	} else {
		ch.msgs = append(ch.msgs, rec)
	}
}

// editLocked adds a version to rec with the fields b sends. A message left
// with nothing to show is refused, as Discord does.
func (s *Server) editLocked(rec *record, b body, via string) *apiError {
	v := rec.current()
	if b.content != nil {
		v.Content = *b.content
	}
	if b.embeds != nil {
		v.RawEmbeds = b.embeds
	}
	if b.components != nil {
		v.RawComponents = b.components
	}
	next := body{content: &v.Content, embeds: v.RawEmbeds, components: v.RawComponents}
	if next.empty() {
		return errEmpty
	}
	v.Flags &^= FlagLoading
	v.At, v.Via = s.now(), via
	rec.versions = append(rec.versions, v)
	rec.loading = false
	return nil
}

// PostAsUser adds a message written by a person, which the bot may not edit
// (50005). It returns the message id, or "" if the channel does not exist.
func (s *Server) PostAsUser(channelID, userID, userName, content string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return ""
	}
	rec := &record{channel: ch.id, guild: ch.guild, author: humanUser(userID, userName), human: true, via: "user"}
	s.storeLocked(ch, rec, body{content: &content}, 0, "user")
	s.notifyLocked()
	return rec.id
}

// Messages lists the live messages of a channel in the order they were
// posted. Ephemeral messages are not in a channel: see Ephemerals.
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

// Message returns one message by id, ephemeral and deleted ones included.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byID[id]
	if r == nil {
		return Message{}, false
	}
	return r.snapshot(), true
}

// Ephemerals lists the live ephemeral messages shown to user, in the order
// they were created, across channels; a deferred answer still "thinking…"
// is one (Loading).
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
