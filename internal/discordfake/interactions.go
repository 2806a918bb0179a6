package discordfake

import (
	"encoding/json"
	"net/http"
	"time"
)

// Interaction types.
const (
	InteractionPing      = 1
	InteractionCommand   = 2
	InteractionComponent = 3
)

// Answer (interaction callback) types.
const (
	AnswerPong           = 1
	AnswerMessage        = 4
	AnswerDeferred       = 5
	AnswerDeferredUpdate = 6
	AnswerUpdate         = 7
)

// interaction is the server's state of one interaction the Driver sent.
type interaction struct {
	id      string
	token   string
	appID   string
	typ     int
	channel *channel
	user    wireUser
	created time.Time // server clock: token expiry
	sent    time.Time // wall clock: the 3-second answer window

	answered    bool
	answerType  int
	failed      bool
	original    *record // the answer's message, or the clicked message
	placeholder bool    // original is a deferred "thinking…" not yet filled
	clicked     *record
	messages    map[string]*record
}

// InteractionInfo is what became of one interaction.
type InteractionInfo struct {
	ID    string
	Token string
	Type  int
	// Answered is true once a valid answer arrived in time (in the HTTP
	// response or through the callback endpoint); AnswerType says which.
	Answered   bool
	AnswerType int
	// Failed is true when no valid answer came within 3 seconds: Discord
	// shows "This interaction failed".
	Failed bool
	// OriginalID names @original: the answer's message, or the clicked one.
	OriginalID string
	// Thinking is true while a deferred answer still shows "thinking…".
	Thinking bool
	// FollowupIDs lists the follow-up messages, oldest first.
	FollowupIDs []string
}

// Interaction returns what became of the interaction with id.
func (s *Server) Interaction(id string) (InteractionInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.intrByID[id]
	if it == nil {
		return InteractionInfo{}, false
	}
	info := InteractionInfo{ID: it.id, Token: it.token, Type: it.typ, Answered: it.answered,
		AnswerType: it.answerType, Thinking: it.placeholder,
		Failed: it.failed || !it.answered && time.Since(it.sent) > answerWindow}
	if it.original != nil {
		info.OriginalID = it.original.id
	}
	for id, rec := range it.messages {
		if rec != it.original {
			info.FollowupIDs = append(info.FollowupIDs, id)
		}
	}
	sortIDs(info.FollowupIDs)
	return info, true
}

// registerLocked starts tracking an interaction about to be sent.
func (s *Server) registerLocked(it *interaction) {
	it.messages = map[string]*record{}
	s.interactions[it.token] = it
	s.intrByID[it.id] = it
}

// answerLocked applies an interaction's answer; raw is the JSON
// {"type":…,"data":{…}} from the HTTP response or the callback endpoint.
func (s *Server) answerLocked(it *interaction, raw []byte) *apiError {
	if it.answered {
		return errAcked
	}
	if it.failed || time.Since(it.sent) > answerWindow {
		return errNoIntr
	}
	var a struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return badJSON()
	}
	var fe formErrors
	valid := map[int][]int{
		InteractionPing:      {AnswerPong},
		InteractionCommand:   {AnswerMessage, AnswerDeferred},
		InteractionComponent: {AnswerMessage, AnswerDeferred, AnswerDeferredUpdate, AnswerUpdate},
	}[it.typ]
	if !containsInt(valid, a.Type) {
		fe.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type for this interaction.")
		return fe.err()
	}
	b, aerr := parseBody(a.Data)
	if aerr != nil {
		return aerr
	}
	flags := 0
	if b.flags != nil {
		flags = *b.flags & (FlagEphemeral | FlagSuppressEmbeds)
	}
	switch a.Type {
	case AnswerMessage:
		if b.empty() {
			return errEmpty
		}
		it.original = s.interactionMessageLocked(it, b, flags, "response")
	case AnswerDeferred:
		rec := s.interactionMessageLocked(it, body{}, flags|FlagLoading, "response")
		rec.loading = true
		it.original, it.placeholder = rec, true
	case AnswerDeferredUpdate:
		it.original = it.clicked
	case AnswerUpdate:
		if aerr := s.editLocked(it.clicked, b, "update"); aerr != nil {
			return aerr
		}
		it.original = it.clicked
	}
	it.answered, it.answerType = true, a.Type
	return nil
}

// interactionMessageLocked creates a message sent on it's behalf: its
// answer or a follow-up, ephemeral when flags say so.
func (s *Server) interactionMessageLocked(it *interaction, b body, flags int, via string) *record {
	rec := &record{
		channel: it.channel.id, guild: it.channel.guild, author: botUser(),
		msgType: typeDefault, webhookID: it.appID, via: via,
		meta: &interactionMeta{ID: it.id, Type: it.typ, User: it.user},
	}
	if it.typ == InteractionCommand {
		rec.msgType = typeChatInput
	}
	if it.clicked != nil {
		rec.meta.InteractedMessageID = it.clicked.id
	}
	if via == "followup" && it.original != nil && it.original != it.clicked {
		rec.meta.OriginalResponseID = it.original.id
	}
	if flags&FlagEphemeral != 0 {
		rec.ephemeral, rec.recipient = true, it.user.ID
	}
	s.storeLocked(it.channel, rec, b, flags, via)
	it.messages[rec.id] = rec
	return rec
}

// callbackLocked is POST /interactions/{id}/{token}/callback.
func (s *Server) callbackLocked(r *http.Request, raw []byte) (int, any, *apiError) {
	it := s.interactions[r.PathValue("token")]
	if it == nil || it.id != r.PathValue("id") {
		return 0, nil, errNoIntr
	}
	if aerr := s.answerLocked(it, raw); aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusNoContent, nil, nil
}

// webhookLocked finds the interaction whose token the webhook path holds,
// if its token is still good.
func (s *Server) webhookLocked(r *http.Request) (*interaction, *apiError) {
	it := s.interactions[r.PathValue("token")]
	switch {
	case it == nil || it.appID != r.PathValue("app") || !it.answered:
		return nil, errNoWebhook
	case s.now().Sub(it.created) > tokenLife:
		return nil, errTokenExpired
	}
	return it, nil
}

// followupLocked is POST /webhooks/{app}/{token}: a follow-up message. After
// a deferred answer the first follow-up takes the place of "thinking…" and
// keeps the deferred answer's ephemerality.
func (s *Server) followupLocked(r *http.Request, raw []byte) (int, any, *apiError) {
	it, aerr := s.webhookLocked(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	b, aerr := parseBody(raw)
	if aerr != nil {
		return 0, nil, aerr
	}
	if b.empty() {
		return 0, nil, errEmpty
	}
	var rec *record
	if it.placeholder {
		if aerr := s.editLocked(it.original, b, "followup"); aerr != nil {
			return 0, nil, aerr
		}
		rec, it.placeholder = it.original, false
	} else {
		flags := 0
		if b.flags != nil {
			flags = *b.flags & (FlagEphemeral | FlagSuppressEmbeds)
		}
		rec = s.interactionMessageLocked(it, b, flags, "followup")
	}
	if r.URL.Query().Get("wait") != "true" {
		return http.StatusNoContent, nil, nil
	}
	return http.StatusOK, rec.wire(), nil
}

// webhookMessageLocked finds the message a webhook message path names:
// @original or one of the interaction's messages.
func (s *Server) webhookMessageLocked(r *http.Request) (*interaction, *record, *apiError) {
	it, aerr := s.webhookLocked(r)
	if aerr != nil {
		return nil, nil, aerr
	}
	id := r.PathValue("message")
	rec := it.messages[id]
	if id == "@original" {
		rec = it.original
	}
	if rec == nil || rec.deleted {
		return nil, nil, errNoMessage
	}
	return it, rec, nil
}

// editFollowupLocked is PATCH /webhooks/{app}/{token}/messages/{message}.
func (s *Server) editFollowupLocked(r *http.Request, raw []byte) (int, any, *apiError) {
	it, rec, aerr := s.webhookMessageLocked(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	b, aerr := parseBody(raw)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.editLocked(rec, b, "followup.edit"); aerr != nil {
		return 0, nil, aerr
	}
	if rec == it.original {
		it.placeholder = false
	}
	return http.StatusOK, rec.wire(), nil
}

// deleteFollowupLocked is DELETE /webhooks/{app}/{token}/messages/{message}.
func (s *Server) deleteFollowupLocked(r *http.Request, _ []byte) (int, any, *apiError) {
	it, rec, aerr := s.webhookMessageLocked(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	rec.deleted = true
	rec.loading = false
	if rec == it.original {
		it.placeholder = false
	}
	return http.StatusNoContent, nil, nil
}

// getFollowupLocked is GET /webhooks/{app}/{token}/messages/{message}.
func (s *Server) getFollowupLocked(r *http.Request, _ []byte) (int, any, *apiError) {
	_, rec, aerr := s.webhookMessageLocked(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, rec.wire(), nil
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
