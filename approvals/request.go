// Package approvals keeps approval requests and enforces the two-person rule.
//
// A request is a small state machine kept in one Redis hash:
//
//	pending → approved | denied | expired | cancelled
//
// Every transition is a compare-and-set done by one Lua script, which also
// writes the audit entry, so any number of replicas and concurrent button
// clicks agree on a single outcome and the audit trail cannot disagree with the
// state. Clicks that change nothing (a second vote, a vote on a decided
// request, the requester approving their own request) are answered with a
// Refusal value, not an error: chat platforms deliver clicks more than once and
// people click late, and both deserve a precise, polite answer.
//
// Who may approve (roles) is the caller's business; the store only knows
// person ids and refuses a vote by the requester.
package approvals

import (
	"errors"
	"time"
)

// ErrNotFound means there is no such request, or it has been forgotten (its
// hash is kept for its TTL plus Retention).
var ErrNotFound = errors.New("approval request not found")

// DefaultTTL is how long a request stays open when Create is given no TTL.
const DefaultTTL = 30 * time.Minute

// Retention is how long a request is kept after it would have expired, so a
// late click still gets a precise answer ("already approved by …").
const Retention = 7 * 24 * time.Hour

// Action is what a request asks permission for.
type Action string

// Actions that can need approval.
const (
	ActionResync  Action = "resync"
	ActionRestore Action = "restore"
	ActionNotice  Action = "notice"
)

// Valid reports whether a is one of the known actions.
func (a Action) Valid() bool {
	switch a {
	case ActionResync, ActionRestore, ActionNotice:
		return true
	}
	return false
}

// State is where a request is in its life.
type State string

// Request states. Only StatePending can change; the others are final.
const (
	StatePending   State = "pending"
	StateApproved  State = "approved"
	StateDenied    State = "denied"
	StateExpired   State = "expired"
	StateCancelled State = "cancelled"
)

// Final reports whether s can no longer change.
func (s State) Final() bool { return s != StatePending && s != "" }

// Request is one approval request as stored.
type Request struct {
	// ID is short and readable ("a-" and 8 base32 characters), fit for button
	// values and for people to quote.
	ID     string
	Env    string
	Action Action
	// Requester is the person id of whoever asked; they cannot vote on it.
	Requester string
	Reason    string
	// Needed is how many distinct approvers must approve.
	Needed int
	// Payload is whatever the caller needs to carry out the action once
	// approved (index, dry-run, notice text); the store does not read it.
	Payload map[string]string
	State   State
	// Votes are in the order they were cast; refused clicks are not votes.
	Votes   []Vote
	Created time.Time
	Expires time.Time
	// DecidedBy is the person whose vote or cancel ended the request: the
	// deciding approver, the denier or the requester who cancelled. It is ""
	// for expired requests.
	DecidedBy string
	// DecidedAt is when the request left pending. For an expired request it is
	// Expires, the moment it lapsed, whenever that was noticed.
	DecidedAt time.Time
	// Message is where the request was posted, so it can be edited later.
	Message MessageRef
}

// Approvals counts the approving votes.
func (r *Request) Approvals() int {
	n := 0
	for _, v := range r.Votes {
		if v.Approve {
			n++
		}
	}
	return n
}

// Vote is one person's recorded approve or deny.
type Vote struct {
	Person  string
	Approve bool
	At      time.Time
}

// MessageRef names the chat message that shows a request.
type MessageRef struct {
	Platform string
	Channel  string
	ID       string
}

// Refusal says why a vote or cancel did not take effect. The zero value,
// RefusedNone, means it did.
type Refusal int

// Refusals. They are answers to give the clicker, not failures.
const (
	// RefusedNone: the vote or cancel was accepted.
	RefusedNone Refusal = iota
	// RefusedResolved: the request was already approved, denied or cancelled;
	// Request.DecidedBy and DecidedAt say by whom and when.
	RefusedResolved
	// RefusedOwnRequest: the requester cannot vote on their own request.
	RefusedOwnRequest
	// RefusedAlreadyVoted: this person has voted already; the click is a no-op.
	RefusedAlreadyVoted
	// RefusedExpired: the request expired before the click. If this call is the
	// one that noticed, Outcome.Changed is true and the caller should update
	// the message.
	RefusedExpired
	// RefusedNotRequester: only the requester can cancel a request.
	RefusedNotRequester
)

// String names the refusal for logs and audit details.
func (r Refusal) String() string {
	switch r {
	case RefusedNone:
		return "none"
	case RefusedResolved:
		return "resolved"
	case RefusedOwnRequest:
		return "own request"
	case RefusedAlreadyVoted:
		return "already voted"
	case RefusedExpired:
		return "expired"
	case RefusedNotRequester:
		return "not the requester"
	}
	return "unknown"
}

// Outcome is the result of a vote or cancel.
type Outcome struct {
	// Request is the request as it stands after the call.
	Request *Request
	// Changed reports that this call changed the request (a vote recorded, a
	// decision, or an expiry it noticed), so the caller should edit the
	// message. Exactly one of any number of concurrent clicks gets the
	// decisive change.
	Changed bool
	// Refusal says why nothing was done; RefusedNone when the call took effect.
	Refusal Refusal
}
