package discordfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Discord's JSON error codes the fake answers with.
const (
	CodeUnknownChannel     = 10003
	CodeUnknownMessage     = 10008
	CodeUnknownWebhook     = 10015
	CodeUnknownInteraction = 10062
	CodeMissingAccess      = 50001
	CodeCannotEditOthers   = 50005
	CodeEmptyMessage       = 50006
	CodeInvalidToken       = 50027
	CodeInvalidForm        = 50035
	CodeAlreadyAcked       = 40060
)

// Errors of the Driver: it refuses to send what no Discord client could.
var (
	// ErrNoMessage: a click on a message that does not exist (or that the
	// user cannot see).
	ErrNoMessage = errors.New("discordfake: no such message")
	// ErrNoButton: a click on a button the message does not have, or a
	// disabled one.
	ErrNoButton = errors.New("discordfake: no such button")
	// ErrUnknownCommand: a slash command that is not registered.
	ErrUnknownCommand = errors.New("discordfake: command not registered")
	// ErrBadOptions: options that Discord's client would not let a user send.
	ErrBadOptions = errors.New("discordfake: options do not match the command")
)

// apiError is an error answer: an HTTP status and Discord's JSON body.
type apiError struct {
	status  int
	code    int
	message string
	errors  map[string]any
}

func (e *apiError) write(w http.ResponseWriter) int {
	body := map[string]any{"message": e.message, "code": e.code}
	if e.errors != nil {
		body["errors"] = e.errors
	}
	writeJSON(w, e.status, body)
	return e.status
}

func notFound(code int, msg string) *apiError {
	return &apiError{status: http.StatusNotFound, code: code, message: msg}
}

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized, code: 0, message: "401: Unauthorized"}
	errNoChannel    = notFound(CodeUnknownChannel, "Unknown Channel")
	errNoMessage    = notFound(CodeUnknownMessage, "Unknown Message")
	errNoWebhook    = notFound(CodeUnknownWebhook, "Unknown Webhook")
	errNoIntr       = notFound(CodeUnknownInteraction, "Unknown interaction")
	errAcked        = &apiError{status: http.StatusBadRequest, code: CodeAlreadyAcked, message: "Interaction has already been acknowledged."}
	errTokenExpired = &apiError{status: http.StatusUnauthorized, code: CodeInvalidToken, message: "Invalid Webhook Token"}
	errEmpty        = &apiError{status: http.StatusBadRequest, code: CodeEmptyMessage, message: "Cannot send an empty message"}
	errNotAuthor    = &apiError{status: http.StatusForbidden, code: CodeCannotEditOthers, message: "Cannot edit a message authored by another user"}
	errNoAccess     = &apiError{status: http.StatusForbidden, code: CodeMissingAccess, message: "Missing Access"}
)

// formErrors collects the problems of a request body in Discord's nested
// "errors" shape: {"embeds":{"0":{"title":{"_errors":[{code,message}]}}}}.
type formErrors struct{ root map[string]any }

func (f *formErrors) add(path, code, msg string) {
	if f.root == nil {
		f.root = map[string]any{}
	}
	node := f.root
	for _, p := range strings.Split(path, ".") {
		next, ok := node[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[p] = next
		}
		node = next
	}
	list, _ := node["_errors"].([]any)
	node["_errors"] = append(list, map[string]any{"code": code, "message": msg})
}

// err is the 400 Invalid Form Body answer, or nil when nothing was added.
func (f *formErrors) err() *apiError {
	if f.root == nil {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, code: CodeInvalidForm, message: "Invalid Form Body", errors: f.root}
}

func badJSON() *apiError {
	return &apiError{status: http.StatusBadRequest, code: CodeInvalidForm, message: "Invalid Form Body",
		errors: map[string]any{"_errors": []any{map[string]any{"code": "MODEL_TYPE_CONVERT", "message": "Could not interpret the body as JSON."}}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
