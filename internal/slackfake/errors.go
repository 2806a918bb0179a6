package slackfake

import "errors"

// Slack error codes the fake answers with, as Slack spells them. Tests can pass
// any code to Fail; these are the ones the fake produces by itself.
const (
	ErrCodeNotAuthed          = "not_authed"
	ErrCodeInvalidAuth        = "invalid_auth"
	ErrCodeChannelNotFound    = "channel_not_found"
	ErrCodeMessageNotFound    = "message_not_found"
	ErrCodeCantUpdateMessage  = "cant_update_message"
	ErrCodeCantDeleteMessage  = "cant_delete_message"
	ErrCodeNoText             = "no_text"
	ErrCodeInvalidBlocks      = "invalid_blocks"
	ErrCodeInvalidBlocksFmt   = "invalid_blocks_format"
	ErrCodeInvalidAttachments = "invalid_attachments"
	ErrCodeUserNotFound       = "user_not_found"
	ErrCodeRateLimited        = "ratelimited"
	ErrCodeUnknownMethod      = "unknown_method"
	ErrCodeInvalidPayload     = "invalid_payload"
	ErrCodeUsedURL            = "used_url"
	ErrCodeExpiredURL         = "expired_url"
	ErrCodeNoActiveHooks      = "no_active_hooks"
)

// Errors the Driver returns before sending anything.
var (
	// ErrNoMessage means a click named a message the attached Server does not
	// hold (never posted, or deleted): a user could not have clicked it.
	ErrNoMessage = errors.New("slackfake: no such message")
	// ErrNoButton means a click named an action_id that the message's blocks
	// do not contain.
	ErrNoButton = errors.New("slackfake: no such button in the message")
)
