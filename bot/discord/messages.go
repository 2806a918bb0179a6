package discord

// Every piece of text a Discord user can see that this package writes itself
// lives here, so it can be read and changed in one place. Message content
// comes from the bot core; these are the frames around it.
const (
	// msgProductionBanner is the content line of every production message;
	// it is meant to be impossible to miss.
	msgProductionBanner = "🚨 **PRODUCTION** 🚨"

	// msgEnvLabel names a non-production environment (label, then name) as
	// the embed's author line; msgEnvLabelOnly one whose label is its name.
	msgEnvLabel     = "Environment: %s (%s)"
	msgEnvLabelOnly = "Environment: %s"

	// The ephemeral confirm step that stands in for Slack's confirm dialog.
	// msgConfirmAsk is the prompt's text: the title in bold, then the text.
	msgConfirmAsk    = "**%s**\n%s"
	msgConfirmTitle  = "Are you sure?"
	msgConfirmOK     = "Confirm"
	msgConfirmCancel = "Cancel"
	// msgConfirmGeneric is the prompt's text when the button's own text is
	// not known here (the message was posted by another replica, or before
	// a restart): the button's label and the message's title.
	msgConfirmGeneric = "Please confirm “%s” on “%s”."
	// msgConfirmed and msgCancelled replace the prompt once answered, so its
	// buttons cannot be pressed twice.
	msgConfirmed = "✅ Confirmed."
	msgCancelled = "Cancelled — nothing was done."

	// msgTimedOut replaces the "thinking…" answer of a command whose
	// handler ran out of time without saying anything.
	msgTimedOut = "⌛ That took too long. Check the channel, or try again."

	// msgMention opens a message meant for one user when no interaction
	// token is left to answer them privately.
	msgMention = "<@%s> "

	// msgFallback is the content of a message that has nothing else to show.
	msgFallback = "resyncbot"

	// msgEmptyValue stands in for a field's empty value; msgEmptyName for an
	// empty label (Discord refuses empty field names).
	msgEmptyValue = "–"
	msgEmptyName  = "\u200b"

	// msgButton labels a button the bot core gave neither label nor action id.
	msgButton = "button"

	// msgShortened ends text cut to fit Discord's limits.
	msgShortened = "… (shortened to fit Discord)"

	// ellipsis marks short text cut to fit one of Discord's limits.
	ellipsis = "…"

	// HTTP answers. Discord shows none of these to users, but an operator
	// reading proxy logs does.
	msgUnauthorized   = "invalid request signature"
	msgBadRequest     = "malformed request"
	msgTooLarge       = "request body too large"
	msgShuttingDown   = "shutting down, try again"
	msgMethodNotAllow = "method not allowed"
	msgUnknownType    = "unsupported interaction type"
)

// Descriptions of the slash commands and their options, as Discord shows
// them while the command is typed (at most 100 characters each).
const (
	descResync         = "Rebuild an environment's search indexes from the systems of record"
	descResyncStart    = "Start a full resync (production needs a second engineer's approval)"
	descResyncStatus   = "Show running jobs and the live generation"
	descResyncHistory  = "Show recent jobs"
	descResyncHelp     = "Explain /resync"
	descEnvQuery       = "Environment (default: all)"
	descIndex          = "Rebuild only this index (default: all of the environment's)"
	descReason         = "Why; shown to approvers and in notices"
	descDryRun         = "Only show the plan; change nothing"
	descAbort          = "Stop a running resync; live data stays as it is"
	descJob            = "Job id (default: the running job)"
	descRestore        = "Put an environment's previous data back"
	descGeneration     = "Generation to restore (default: the previous one)"
	descNotice         = "Post a user-facing notice to the environment's status channels"
	descNoticeState    = "Where the incident or work stands"
	descNoticeText     = "The notice, in plain language"
	descNoticeEnv      = "Environment the notice is about"
	descRestoreEnv     = "Environment to restore"
	descResyncStartEnv = "Environment to resync"
)

// msgUnknownCommand answers a slash command this version does not define:
// Discord still shows commands registered by an older version.
const msgUnknownCommand = "resyncbot does not know this command. An admin can update the commands with `resyncbot discord register`."
