package console

// Every sentence the console's server says to people, in one place. The
// page's own words are in static/index.html and static/app.js.
const (
	textUnknownUser      = "Pick who you are first: that user is not one of the console's people."
	textUnknownChannel   = "There is no such channel."
	textNotACommand      = "Commands start with a slash, for example /resync help."
	textEmptyCommand     = "Type a command, for example /resync help."
	textTooLong          = "That is too long for a command."
	textBadRequest       = "The console could not read that request."
	textNoAction         = "That button does nothing."
	textShuttingDown     = "resyncbot is shutting down."
	textCrossOrigin      = "Requests from other sites are refused."
	textWrongHost        = "The console answers only at an IP address or localhost."
	textPanelUnavailable = "The side panel could not be read"
	textDocs             = "docs"
	textRestoreLabel     = "Restore"
)

// emojiCodes maps the Slack emoji codes the bot and notify write to
// symbols that common system fonts have (no emoji font needed), as
// strings.NewReplacer pairs.
var emojiCodes = []string{
	":white_check_mark:", "✔",
	":x:", "✘",
	":warning:", "⚠",
	":octagonal_sign:", "■",
	":arrows_counterclockwise:", "↻",
	":hourglass:", "◷",
	":hourglass_flowing_sand:", "◷",
	":rotating_light:", "‼",
}
