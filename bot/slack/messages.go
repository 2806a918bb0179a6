package slack

// Every piece of text a Slack user can see that this package writes itself
// lives here, so it can be read and changed in one place. Message content
// comes from the bot core; these are the frames around it.
const (
	// msgWorking is the ephemeral answer to a slash command, sent at once
	// while the command runs in the background.
	msgWorking = ":hourglass_flowing_sand: Working on it…"

	// msgProductionBanner opens every production message; it is meant to be
	// impossible to miss.
	msgProductionBanner = ":rotating_light: *PRODUCTION* :rotating_light:"

	// msgEnvLabel names a non-production environment (label, then name).
	msgEnvLabel = "Environment: *%s* (`%s`)"
	// msgEnvLabelOnly names an environment whose label and name are the same.
	msgEnvLabelOnly = "Environment: *%s*"

	// msgConfirmTitle, msgConfirmOK and msgConfirmCancel fill the parts of a
	// confirm dialog the bot core left empty.
	msgConfirmTitle  = "Are you sure?"
	msgConfirmText   = "Please confirm."
	msgConfirmOK     = "Yes"
	msgConfirmCancel = "Cancel"

	// msgFallback is the notification text of a message that has no text at all.
	msgFallback = "resyncbot"

	// ellipsis marks text cut to fit one of Slack's limits.
	ellipsis = "…"

	// HTTP answers. Slack shows none of these to users, but an operator
	// reading proxy logs does.
	msgUnauthorized   = "invalid request signature"
	msgBadRequest     = "malformed request"
	msgTooLarge       = "request body too large"
	msgShuttingDown   = "shutting down, try again"
	msgMethodNotAllow = "method not allowed"
)

// msgShortened replaces the blocks dropped to stay under Slack's block limit.
const msgShortened = "_… shortened to fit Slack; the full text is in the notification._"

// msgEmptyValue stands in for a field's empty value.
const msgEmptyValue = "–"

// msgButton labels a button the bot core gave neither label nor action id.
const msgButton = "button"
