package approvals

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Hash fields of a stored request. Times are unix milliseconds (as decimal
// strings), the unit the Lua scripts compare; "" means unset.
const (
	fID          = "id"
	fEnv         = "env"
	fAction      = "action"
	fRequester   = "requester"
	fReason      = "reason"
	fNeeded      = "needed"
	fPayload     = "payload"
	fState       = "state"
	fVotes       = "votes"
	fCreated     = "created"
	fExpires     = "expires"
	fDecidedBy   = "decided_by"
	fDecidedAt   = "decided_at"
	fMsgPlatform = "msg_platform"
	fMsgChannel  = "msg_channel"
	fMsgID       = "msg_id"
)

// storedVote is a vote as kept in the votes JSON array; the vote script reads
// "person" and "approve", so those names are part of the storage format.
type storedVote struct {
	Person  string `json:"person"`
	Approve bool   `json:"approve"`
	At      int64  `json:"at"`
}

func millis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func parseMillis(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms).UTC(), nil
}

// encode lays r out as field/value pairs for HSET.
func encode(r *Request) ([]any, error) {
	payload, err := json.Marshal(r.Payload)
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	votes := make([]storedVote, len(r.Votes))
	for i, v := range r.Votes {
		votes[i] = storedVote{Person: v.Person, Approve: v.Approve, At: v.At.UnixMilli()}
	}
	vj, err := json.Marshal(votes)
	if err != nil {
		return nil, fmt.Errorf("encode votes: %w", err)
	}
	return []any{
		fID, r.ID,
		fEnv, r.Env,
		fAction, string(r.Action),
		fRequester, r.Requester,
		fReason, r.Reason,
		fNeeded, strconv.Itoa(r.Needed),
		fPayload, string(payload),
		fState, string(r.State),
		fVotes, string(vj),
		fCreated, millis(r.Created),
		fExpires, millis(r.Expires),
		fDecidedBy, r.DecidedBy,
		fDecidedAt, millis(r.DecidedAt),
		fMsgPlatform, r.Message.Platform,
		fMsgChannel, r.Message.Channel,
		fMsgID, r.Message.ID,
	}, nil
}

// decode reads a request from its hash.
func decode(h map[string]string) (*Request, error) {
	r := &Request{
		ID:        h[fID],
		Env:       h[fEnv],
		Action:    Action(h[fAction]),
		Requester: h[fRequester],
		Reason:    h[fReason],
		State:     State(h[fState]),
		DecidedBy: h[fDecidedBy],
		Message:   MessageRef{Platform: h[fMsgPlatform], Channel: h[fMsgChannel], ID: h[fMsgID]},
	}
	var err error
	if r.Needed, err = strconv.Atoi(h[fNeeded]); err != nil {
		return nil, fmt.Errorf("request %s: needed: %w", r.ID, err)
	}
	if p := h[fPayload]; p != "" && p != "null" {
		if err := json.Unmarshal([]byte(p), &r.Payload); err != nil {
			return nil, fmt.Errorf("request %s: payload: %w", r.ID, err)
		}
	}
	var votes []storedVote
	if err := json.Unmarshal([]byte(h[fVotes]), &votes); err != nil {
		return nil, fmt.Errorf("request %s: votes: %w", r.ID, err)
	}
	for _, v := range votes {
		r.Votes = append(r.Votes, Vote{Person: v.Person, Approve: v.Approve, At: time.UnixMilli(v.At).UTC()})
	}
	for name, dst := range map[string]*time.Time{fCreated: &r.Created, fExpires: &r.Expires, fDecidedAt: &r.DecidedAt} {
		if *dst, err = parseMillis(h[name]); err != nil {
			return nil, fmt.Errorf("request %s: %s: %w", r.ID, name, err)
		}
	}
	return r, nil
}

// decodeFlat reads a request from an HGETALL reply inside a script's answer.
func decodeFlat(v any) (*Request, error) {
	flat, ok := v.([]any)
	if !ok || len(flat)%2 != 0 {
		return nil, fmt.Errorf("unexpected hash reply %T", v)
	}
	h := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		k, _ := flat[i].(string)
		val, _ := flat[i+1].(string)
		h[k] = val
	}
	return decode(h)
}

// refusals maps the scripts' refusal codes to Refusal values.
var refusals = map[string]Refusal{
	"":              RefusedNone,
	"resolved":      RefusedResolved,
	"own":           RefusedOwnRequest,
	"voted":         RefusedAlreadyVoted,
	"expired":       RefusedExpired,
	"not_requester": RefusedNotRequester,
}

// decodeReply reads a transition script's {changed, refusal, hash} answer.
func decodeReply(v any) (Outcome, error) {
	parts, ok := v.([]any)
	if !ok || len(parts) != 3 {
		return Outcome{}, fmt.Errorf("unexpected script reply %T", v)
	}
	changed, _ := parts[0].(int64)
	code, _ := parts[1].(string)
	refusal, ok := refusals[code]
	if !ok {
		return Outcome{}, fmt.Errorf("unexpected refusal code %q", code)
	}
	r, err := decodeFlat(parts[2])
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Request: r, Changed: changed == 1, Refusal: refusal}, nil
}
