package discord

import (
	"strconv"
	"strings"
)

// A button's custom_id says what a click means, in at most 100 characters:
//
//	approve:REQ-1           a click on Approve for request REQ-1
//	confirm:approve:REQ-1   the same button when it asks "are you sure?" first
//	confirm-cancel          Cancel on that question
//
// An action id may carry a counter ("approve#2:…") when a message has two
// buttons with one action id: Discord refuses duplicate custom_ids. Action
// ids therefore must not contain ":" or "#"; values may hold anything.
const (
	idSep         = ":"
	dupSep        = "#"
	confirmPrefix = "confirm" + idSep
	// customCancel is the custom_id of Cancel in the confirm step.
	customCancel = "confirm-cancel"
)

// customID encodes a button's action and value, with the confirm prefix when
// the click must be confirmed first. A value that would break the 100
// character limit is cut (the bot's values are ids, far shorter).
func customID(action, value string, confirm bool) string {
	id := action + idSep + value
	if confirm {
		id = confirmPrefix + id
	}
	return prefix(id, maxCustomID)
}

// click is what a custom_id asks for.
type click struct {
	// ask is true for a button that wants a confirmation first.
	ask bool
	// cancel is true for Cancel in the confirm step.
	cancel   bool
	actionID string
	value    string
}

// parseCustomID reads a custom_id written by customID.
func parseCustomID(id string) click {
	if id == customCancel {
		return click{cancel: true}
	}
	var c click
	if rest, ok := strings.CutPrefix(id, confirmPrefix); ok {
		c.ask, id = true, rest
	}
	action, value, _ := strings.Cut(id, idSep)
	c.actionID, c.value = originalActionID(action), value
	return c
}

// originalActionID undoes the counter buttonRows adds to duplicates.
func originalActionID(id string) string {
	base, n, ok := strings.Cut(id, dupSep)
	if !ok || n == "" {
		return id
	}
	if _, err := strconv.Atoi(n); err != nil {
		return id
	}
	return base
}
