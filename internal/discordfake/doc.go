// Package discordfake is a fake Discord for tests: a REST server that speaks
// the subset of Discord's HTTP API that discordgo v0.29.0 calls for
// resyncbot (channel messages, interaction callbacks, webhook follow-ups and
// their edits, bulk overwrite of application commands), and a Driver that
// plays Discord towards an interactions endpoint: PINGs, slash commands and
// button clicks as Discord sends them, signed with an Ed25519 key pair whose
// public key goes into the bot's configuration.
//
// The server keeps what users would see: channel messages with their edit
// history, ephemeral messages per user, the answer to each interaction and
// the registered commands. Tests read that state (Messages, Message,
// Ephemerals, Interaction, Commands, Calls), wait for it to change without
// sleeping (WaitFor, Changes) and inject faults (RateLimit, Fail).
//
// Interaction semantics follow Discord's: an interaction must be answered
// within 3 seconds, in the HTTP response or through the callback endpoint,
// once; its token then carries follow-ups and edits for 15 minutes. After a
// deferred answer (type 5) the first follow-up replaces the "thinking…"
// placeholder and keeps the deferred answer's ephemerality; @original names
// the answer of a command and the clicked message of a click answered with
// type 6 or 7. An answer sent in the HTTP response takes effect once the
// Driver has read it, so a follow-up the app sends before that is refused
// with 404 Unknown Webhook, as Discord at times does (discord-api-docs#7220).
//
// Nothing in discordgo is global state here: point a session at the fake
// with a transport (see bot/discord) or by URL, and run as many servers as
// tests need. Where the fake and Discord disagree, the fake is wrong: the
// wire facts it follows are in /work/shared/PROTOCOLS.md.
package discordfake
