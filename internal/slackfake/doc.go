// Package slackfake is a fake Slack for tests: a Web API server that speaks the
// protocol slack-go v0.35.0 speaks (form POSTs to {APIURL}{method}, the token in
// the form or an Authorization header, JSON answers with "ok"), and a Driver
// that plays Slack's side towards our endpoints (signed slash commands and
// block_actions clicks).
//
// The server keeps what a channel would show: messages in order with their
// edit history, thread replies with their parent, ephemeral messages per user.
// Tests read that state (Messages, Message, Ephemerals, Calls), wait for it to
// change without sleeping (WaitFor, Changes) and inject faults (RateLimit,
// Fail). Where the fake and Slack disagree, the fake is wrong: the wire facts
// it follows are in /work/shared/PROTOCOLS.md.
//
// Approximations, each chosen where Slack's documentation is silent or
// ambiguous: chat.update without a blocks field drops the message's blocks
// (as PROTOCOLS.md says; WithUpdateKeepingBlocks gives the older documented
// behaviour); a response_url answers {"ok":true} as JSON, and 404 with
// "used_url" after five uses or "expired_url" after 30 minutes; a thread_ts
// that names no live message posts the reply unthreaded.
package slackfake
