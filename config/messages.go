package config

import (
	"fmt"
)

// The text of every problem a configuration file can have, in one place.
// None of them may include the value of a secret field.
const (
	// Decoding.
	msgUnknownField    = "unknown field"
	msgKeyNotString    = "keys must be strings"
	msgBadMerge        = "a merge key (<<) must refer to a mapping or a list of mappings"
	msgWantMapping     = "must be a mapping, got %s"
	msgWantList        = "must be a list, got %s"
	msgWantString      = "must be a string, got %s"
	msgWantInteger     = "must be an integer, got %s"
	msgWantNumber      = "must be a number, got %s"
	msgWantBool        = "must be true or false, got %s"
	msgWantDuration    = `must be a duration like "30s", "5m" or "1h30m", got %s`
	msgInvalid         = "invalid value: %v"
	msgSyntax          = "invalid YAML: %s"
	msgUnsetVar        = "environment variable %s is not set (write ${%[1]s:-default} to allow a default)"
	msgUnterminatedVar = `unterminated "${" (write "$${" for a literal "${")`
	msgBadVarName      = "invalid variable reference %q"

	// Values.
	msgRequired      = "required"
	msgNegative      = "must not be negative"
	msgAtLeastOne    = "must be at least 1"
	msgPositiveTime  = "must be longer than 0s"
	msgEmptyItem     = "must not be empty"
	msgColour        = `must be a colour like "#d40000", got %q`
	msgTimezone      = "unknown time zone %q"
	msgHTTPURL       = "must be an http:// or https:// URL with a host"
	msgRedisURL      = "must be a redis://, rediss:// or unix:// URL"
	msgAddr          = `must be host:port or :port, got %q`
	msgSlash         = `must end in "/"`
	msgHexKey        = "must be 64 hexadecimal characters (an Ed25519 public key)"
	msgMinMax        = "min must not be greater than max"
	msgNoMinMax      = "needs min, max or both"
	msgMutualAuth    = "set only one of username/password, token and api_key"
	msgPasswordAlone = "password needs a username"
	msgUsernameAlone = "username needs a password"

	// People and roles.
	msgUnknownPerson  = "unknown person %q"
	msgNoIdentity     = "needs at least one of slack, discord or console"
	msgSharedIdentity = "%s id %q is also people.%s's: one id must name one person"
	msgNoEngineers    = "needs at least one person or Discord role: nobody could use the bot"

	// Environments.
	msgNoEnvironments   = "needs at least one environment"
	msgEnvName          = "must be lowercase letters, digits, - and _, starting with a letter or digit"
	msgEnvReserved      = "%q is a /resync subcommand; choose another name"
	msgNoIndexes        = "needs at least one index"
	msgProdApprovals    = "a production environment needs at least 1 approval (or allow_unapproved: true)"
	msgNoApprovers      = "needs %d %s but roles.approvers is empty"
	msgTooFewApprovers  = "needs %d approvals but roles.approvers names only %d people"
	msgProdOpsChannel   = "required for a production environment: requests are only accepted there"
	msgUnknownWebhook   = "unknown Teams webhook %q"
	msgNoTeamsWebhooks  = "names Teams webhook %q but platforms.teams.webhooks is empty"
	msgAliasName        = "must be lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
	msgDuplicateAlias   = "duplicate alias %q (also indexes[%d])"
	msgSourceType       = "unknown source type %q; valid types are generate, ndjson, http, elasticsearch"
	msgSourceTypeNeeded = "required: one of generate, ndjson, http, elasticsearch"
	msgSourceField      = "not used by %s sources"
	msgGenerateKind     = "unknown kind %q; valid kinds are doctor, recommendation, connection"
	msgCursorPair       = "next_cursor_path and cursor_param go together"
	msgCursorOrPage     = "set cursor_param or page_param, not both"

	// Mapping files.
	msgMappingRead     = "cannot read %s: %v"
	msgMappingJSON     = "%s is not valid JSON: %s"
	msgMappingObject   = "%s must hold a JSON object"
	msgMappingMissing  = `%s has no "mappings"`
	msgMappingKey      = `%s: "%s" must be a JSON object`
	msgMappingExtraKey = `%s: unexpected key %q (only "settings" and "mappings")`
	msgNotInMapping    = "%q is not in the strict mapping (no %s in %s)"

	// Platforms.
	msgSlackSecret  = "required (or app_token for Socket Mode)"
	msgSlackToken   = "required to post messages"
	msgDiscordField = "required when Discord is configured"
)

func didYouMean(msg, suggestion string) string {
	return fmt.Sprintf("%s (did you mean %q?)", msg, suggestion)
}

func duplicateKey(first int) string {
	return fmt.Sprintf("duplicate key (first at line %d)", first)
}
