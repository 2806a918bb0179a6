// Package commands names the chat commands resyncbot understands and parses
// what people type into them.
//
// Parsing is pure: Parse reads the slash command, its text and the Grammar
// the configuration allows, and returns a Result. It never talks to chat,
// Redis or Elasticsearch, so a typo is answered without touching anything
// and every answer can be tested as a plain value.
package commands

import "fmt"

// Name identifies a command. Dispatch keys on it, so a new command is a new
// constant here rather than a new string compared in several places.
type Name int

// The commands. Unknown is the zero value so that a Command nobody filled
// in never dispatches to anything.
const (
	Unknown Name = iota
	Resync       // /resync <env> …: start a full resync (or only plan it)
	Status       // /resync status [env]
	History      // /resync history [env]
	Help         // /resync help, /abort help, /restore help, /notice help
	Abort        // /abort [job-id]
	Restore      // /restore <env> [generation]
	Notice       // /notice <env> <state> <text…>
)

// String returns the name as people type it after the slash or as the
// subcommand, e.g. "resync", "status".
func (n Name) String() string {
	switch n {
	case Unknown:
		return "unknown"
	case Resync:
		return "resync"
	case Status:
		return "status"
	case History:
		return "history"
	case Help:
		return "help"
	case Abort:
		return "abort"
	case Restore:
		return "restore"
	case Notice:
		return "notice"
	}
	return fmt.Sprintf("Name(%d)", int(n))
}

// Kind says what the bot should do with a Result.
type Kind int

// The kinds of Result. Ignore is the zero value: a Result nobody filled in
// makes the bot stay silent rather than act.
const (
	Ignore Kind = iota // not ours (another slash command, ordinary chat)
	Run                // Command is valid: authorise it and run it
	Reply              // answer the requester with Reply (help or an error) and do nothing else
)

// String returns the kind's name in lower case, for logs.
func (k Kind) String() string {
	switch k {
	case Ignore:
		return "ignore"
	case Run:
		return "run"
	case Reply:
		return "reply"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Command is a parsed, syntactically valid command. Which fields are set
// depends on Name; the others are empty. Env, Index and NoticeState are in
// their configured (canonical) spelling whatever case was typed.
type Command struct {
	Name Name

	Env    string // Resync, Restore, Notice: always set; Status, History: optional
	Index  string // Resync: one index alias of Env, or "" for all of them
	Reason string // Resync: reason="…", quotes removed
	DryRun bool   // Resync: plan only

	JobID      string // Abort: optional; "" leaves the choice of job to the handler
	Generation string // Restore: optional; "" means the previous generation

	NoticeState string // Notice: one of NoticeStates
	Text        string // Notice: the message, as typed
}

// Grammar is what the configuration knows and the parser checks against:
// the environment names in their configured order and, per environment,
// its index aliases. Parse only reads it.
type Grammar struct {
	Envs    []string
	Indexes map[string][]string // env → index aliases
}

// Result is the outcome of Parse. Kind says which of the other fields
// matter: Command for Run, Reply for Reply, neither for Ignore. On Reply,
// Command.Name still names the command the reply is about (Help for help
// text) so that the bot can log or count it.
type Result struct {
	Kind    Kind
	Command Command
	Reply   string
}

// NoticeStates returns the states /notice accepts, in the order of an
// incident's life and then of planned work. The caller owns the slice.
func NoticeStates() []string {
	return []string{
		"investigating", "identified", "monitoring", "resolved",
		"scheduled", "in_progress", "completed",
	}
}
