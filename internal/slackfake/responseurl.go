package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Slack lets an app use a response_url up to five times within 30 minutes.
const (
	responseURLUses = 5
	responseURLTTL  = 30 * time.Minute
)

// hook is one minted response_url: the message it belongs to (none for a
// slash command) and the user whose interaction produced it.
type hook struct {
	channel string
	ts      string
	user    string
	created time.Time
	uses    int
}

// ResponseURL mints a response_url for the message ts in a channel, as Slack
// puts one in a block_actions payload. Ephemeral answers through it reach no
// one in particular (recipient ""); UserResponseURL names the user.
func (s *Server) ResponseURL(channelID, ts string) string {
	return s.UserResponseURL(channelID, ts, "")
}

// UserResponseURL mints a response_url for user's interaction with the
// message ts in a channel; ts is empty for a slash command, which has no
// original message. Ephemeral answers through it are shown to user.
func (s *Server) UserResponseURL(channelID, ts, user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextHook++
	id := fmt.Sprintf("%s-%d-%s", TeamID, s.nextHook, strconv.FormatInt(s.now().UnixNano()%1e9, 36))
	s.hooks[id] = &hook{channel: channelID, ts: ts, user: user, created: s.now()}
	return s.hs.URL + "/response/" + id
}

// responseBody is what Slack accepts at a response_url.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal flexBool        `json:"replace_original"`
	DeleteOriginal  flexBool        `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// flexBool accepts true and "true": Slack's examples use both.
type flexBool bool

// UnmarshalJSON reads a JSON boolean or a string holding one.
func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool(x)
	case string:
		*b = x == "true"
	case nil:
		*b = false
	default:
		return fmt.Errorf("not a boolean: %s", data)
	}
	return nil
}

// params renders the body as the arguments readContent and the call log use.
func (rb responseBody) params() url.Values {
	p := url.Values{}
	if rb.Text != "" {
		p.Set("text", rb.Text)
	}
	if len(rb.Blocks) > 0 && string(rb.Blocks) != "null" {
		p.Set("blocks", string(rb.Blocks))
	}
	if len(rb.Attachments) > 0 && string(rb.Attachments) != "null" {
		p.Set("attachments", string(rb.Attachments))
	}
	if rb.ResponseType != "" {
		p.Set("response_type", rb.ResponseType)
	}
	if rb.ThreadTS != "" {
		p.Set("thread_ts", rb.ThreadTS)
	}
	p.Set("replace_original", strconv.FormatBool(bool(rb.ReplaceOriginal)))
	p.Set("delete_original", strconv.FormatBool(bool(rb.DeleteOriginal)))
	return p
}

// handleResponseURL applies a response_url POST: delete_original deletes the
// original message, replace_original replaces its whole content (blocks or
// attachments left out are gone), otherwise the body is a new message,
// response_type "in_channel" in the channel and anything else ephemeral to
// the interacting user.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	raw, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody))
	var body responseBody
	decodeErr := json.Unmarshal(raw, &body)

	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	const method = "response_url"
	s.calls[method]++
	call := Call{Method: method, At: s.now(), Params: body.params()}
	call.Params.Set("id", r.PathValue("id"))
	defer func() { s.log = append(s.log, call) }()

	if f, ok := s.takeFaultLocked(method); ok {
		call.Status, call.Error = f.write(w)
		return
	}
	h := s.hooks[r.PathValue("id")]
	switch {
	case h == nil:
		call.Status, call.Error = writeError(w, &apiError{code: ErrCodeNoActiveHooks, status: http.StatusNotFound})
		return
	case s.now().Sub(h.created) > responseURLTTL:
		call.Status, call.Error = writeError(w, &apiError{code: ErrCodeExpiredURL, status: http.StatusNotFound})
		return
	case h.uses >= responseURLUses:
		call.Status, call.Error = writeError(w, &apiError{code: ErrCodeUsedURL, status: http.StatusNotFound})
		return
	}
	h.uses++
	if readErr != nil || decodeErr != nil {
		call.Status, call.Error = writeError(w, &apiError{code: ErrCodeInvalidPayload, status: http.StatusBadRequest})
		return
	}
	if aerr := s.respondLocked(h, body); aerr != nil {
		call.Status, call.Error = writeError(w, aerr)
		return
	}
	call.Status = writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) respondLocked(h *hook, body responseBody) *apiError {
	ch := s.channels[h.channel]
	if ch == nil {
		return fail(ErrCodeChannelNotFound)
	}
	original := func() *record {
		if h.ts == "" {
			return nil
		}
		if r := s.findLocked(h.channel, h.ts); r != nil && !r.deleted {
			return r
		}
		return nil
	}
	if body.DeleteOriginal {
		orig := original()
		if orig == nil {
			return fail(ErrCodeMessageNotFound)
		}
		orig.deleted = true
		return nil
	}
	c, aerr := readContent(body.params())
	if aerr != nil {
		return aerr
	}
	if c.empty() {
		return fail(ErrCodeNoText)
	}
	const via = "response_url"
	switch {
	case bool(body.ReplaceOriginal):
		orig := original()
		if orig == nil {
			return fail(ErrCodeMessageNotFound)
		}
		orig.versions = append(orig.versions, c.version(s.now(), via))
	case body.ResponseType == "in_channel":
		r := &record{user: BotUserID, via: via, versions: []Version{c.version(s.now(), via)}}
		s.addLocked(ch, r, body.ThreadTS)
	default:
		r := &record{user: BotUserID, recipient: h.user, via: via, versions: []Version{c.version(s.now(), via)}}
		s.addEphemeralLocked(ch, r, body.ThreadTS)
	}
	return nil
}
