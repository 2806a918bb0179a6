package commands

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Every word the parser says to people is in this file, so the whole
// conversation can be read and changed in one place.

// Usage lines. Every error reply ends with the one for the command tried.
const (
	usageResync  = `/resync <env> [index=<alias>] [reason="…"] [dry-run]`
	usageStatus  = `/resync status [env]`
	usageHistory = `/resync history [env]`
	usageAbort   = `/abort [job-id]`
	usageRestore = `/restore <env> [generation]`
	usageNotice  = `/notice <env> <state> <text…>`

	usagePrefix = "Usage: "
)

// Error sentences, before the suggestion and the usage line. A %q is a
// word as typed; suggest adds " — did you mean …?" or the list of valid words.
const (
	msgUnknownEnv     = "Unknown environment %q"
	msgUnknownCommand = "Unknown command %q"
	msgMissingEnv     = "Which environment?"
	msgUnknownOption  = "Unknown option %q"
	msgTwice          = "%q is given twice."
	msgEmptyValue     = "%q needs a value."
	msgFlagValue      = "%q takes no value."
	msgMissingEquals  = "Missing \"=\" after %q."
	msgUnknownIndex   = "Environment %q has no index %q"
	msgUnexpected     = "Unexpected %q"
	msgUnterminated   = "Unterminated quote: %s"
	msgUnknownState   = "Unknown state %q"
	msgMissingState   = "Which state?"
	msgEmptyText      = "The notice has no text."
	msgBadJobID       = "%q is not a job id; job ids look like 20261126-230102-a1b2."
	msgBadGeneration  = "%q is not a generation id; generation ids look like 20261126-230102-a1b2."

	didYouMean = " — did you mean %q?"

	labelEnvs    = "Environments"
	labelIndexes = "Indexes"
	labelOptions = "Options"
	labelStates  = "States"
	listNone     = "none"
)

// Help texts. resyncHelp adds the configured environments.
const (
	helpResync = `resyncbot rebuilds an environment's search indexes into new ones while the live ones keep serving, then swaps them in.
/resync <env> [index=<alias>] [reason="…"] [dry-run] — start a full resync of every index (or one); dry-run only shows the plan. Example: /resync staging index=connections reason="GMC data refresh"
/resync status [env] — what is running and how far it got. Example: /resync status prod
/resync history [env] — recent runs and the generations kept for restore. Example: /resync history staging
/abort [job-id] — stop a running resync within one batch; live data stays as it was. Example: /abort 20261126-230102-a1b2
/restore <env> [generation] — put the previous (or the named) generation back in one atomic swap. Example: /restore prod
/notice <env> <state> <text…> — post an incident update to the status channels. Example: /notice prod investigating Revalidation lists are loading slowly
/resync help — this list; /abort help, /restore help and /notice help say more about those.
Production (prod) needs a second engineer to click Approve before a resync starts, and is only accepted in its ops channel.`

	helpAbort = `/abort [job-id] — stop a running resync before its next batch. The live indexes are never touched before the final swap, so nothing needs repair. With no job id it stops the running job; the id is in the job's messages. No approval needed.
Example: /abort
Example: /abort 20261126-230102-a1b2`

	helpRestore = `/restore <env> [generation] — swap every index alias of <env> back to the previous generation, or to the one named, in one atomic step. A restore is recorded like a resync, so it can itself be undone.
Example: /restore prod
Example: /restore prod 20261126-230102-a1b2`

	helpNotice = `/notice <env> <state> <text…> — post an incident update for users to the status channels of <env>.
States: investigating, identified, monitoring, resolved (incidents); scheduled, in_progress, completed (planned work).
Example: /notice prod investigating Revalidation lists are loading slowly; we are looking into it.
Example: /notice prod resolved "Lists are back to normal."`
)

// resyncHelp is the reply to /resync help (and to a bare /resync).
func resyncHelp(envs []string) string {
	return helpResync + "\n" + labelEnvs + ": " + list(envs, "") + "."
}

// fail builds an error reply about command name: the sentence, then the
// usage line.
func fail(name Name, usage, sentence string) Result {
	return Result{Kind: Reply, Command: Command{Name: name}, Reply: sentence + "\n" + usagePrefix + usage}
}

// suggest completes sentence with the nearest valid word if there is one,
// else with the list of valid words under label (each followed by suffix).
func suggest(sentence, near, label string, valid []string, suffix string) string {
	if near != "" {
		return sentence + fmt.Sprintf(didYouMean, near+suffix)
	}
	return sentence + ". " + label + ": " + list(valid, suffix) + "."
}

func list(words []string, suffix string) string {
	if len(words) == 0 {
		return listNone
	}
	return strings.Join(words, suffix+", ") + suffix
}

// Words echoed back are cut short so that a pasted paragraph does not come
// back as an error message.
const maxEcho = 40

// echo prepares a word as typed for a %q: valid UTF-8, at most maxEcho runes.
func echo(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	return string([]rune(s)[:maxEcho]) + "…"
}

// echoRaw prepares input for printing without quotes: as echo, and on one line.
func echoRaw(s string) string {
	return strings.Join(strings.Fields(echo(s)), " ")
}

// which asks for a missing word and lists the valid ones.
func which(question, label string, valid []string) string {
	return question + " " + label + ": " + list(valid, "") + "."
}

// HelpText returns the list of every command with an example each, as
// /resync help shows it, ending with the environments of g.
func HelpText(g Grammar) string { return resyncHelp(g.Envs) }
