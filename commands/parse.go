package commands

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/resyncbot/resyncbot/internal/nearest"
)

// Parse reads one command. slash is the command as the platform reports
// it ("/resync", or "resync" from Discord); text is what was typed after
// it. Where a platform delivers a whole chat line, as the web console
// does, pass slash "" and the line as text.
//
// Parse returns Ignore for input that is not one of our commands, Reply
// with help or a short error (the nearest valid word and the usage line),
// or Run with a Command whose words are all known to g. A bare /resync,
// /restore or /notice replies with its help; a bare /abort runs.
func Parse(slash, text string, g Grammar) Result {
	cmd, text, ok := split(slash, text)
	if !ok {
		return Result{}
	}
	switch cmd {
	case "resync":
		return parseResync(text, g)
	case "abort":
		return parseAbort(text)
	case "restore":
		return parseRestore(text, g)
	case "notice":
		return parseNotice(text, g)
	}
	return Result{}
}

// split finds the command word, from slash or else from the start of a
// chat line, and reports whether it is one of ours.
func split(slash, text string) (cmd, rest string, ok bool) {
	slash = strings.TrimSpace(slash)
	if slash == "" {
		line := strings.TrimLeftFunc(text, unicode.IsSpace)
		if !strings.HasPrefix(line, "/") {
			return "", "", false
		}
		end := strings.IndexFunc(line, unicode.IsSpace)
		if end < 0 {
			end = len(line)
		}
		slash, text = line[:end], line[end:]
	}
	cmd = strings.ToLower(strings.TrimPrefix(slash, "/"))
	switch cmd {
	case "resync", "abort", "restore", "notice":
		return cmd, text, true
	}
	return "", "", false
}

// resyncKeys returns the key=value options of /resync.
func resyncKeys() []string { return []string{"index", "reason"} }

// dryRun is the canonical spelling of the /resync flag.
const dryRun = "dry-run"

func parseResync(text string, g Grammar) Result {
	sc := scanner{s: text}
	toks, err := sc.all()
	if err != nil {
		return quoteFail(Resync, usageResync, err)
	}
	if len(toks) == 0 {
		return help(resyncHelp(g.Envs))
	}
	if !toks[0].kv {
		switch strings.ToLower(toks[0].word) {
		case "status":
			return parseEnvQuery(Status, usageStatus, toks[1:], g)
		case "history":
			return parseEnvQuery(History, usageHistory, toks[1:], g)
		case "help":
			return help(resyncHelp(g.Envs))
		}
	}

	c := Command{Name: Resync}
	seen := map[string]bool{}
	for i, t := range toks {
		var problem string
		switch {
		case t.kv:
			problem = resyncOption(&c, seen, t)
		case isDryRun(t.word):
			if c.DryRun {
				problem = fmt.Sprintf(msgTwice, dryRun)
			}
			c.DryRun = true
		case c.Env == "":
			problem = resyncEnv(&c, t.word, i == 0, g)
		default:
			return unexpected(Resync, usageResync, t.word, resyncKeys(), []string{dryRun})
		}
		if problem != "" {
			return fail(Resync, usageResync, problem)
		}
	}
	if c.Env == "" {
		return fail(Resync, usageResync, which(msgMissingEnv, labelEnvs, g.Envs))
	}
	if c.Index != "" {
		// Checked last: which aliases are valid depends on the env.
		aliases := g.Indexes[c.Env]
		alias, ok := lookup(c.Index, aliases)
		if !ok {
			s := fmt.Sprintf(msgUnknownIndex, c.Env, echo(c.Index))
			return fail(Resync, usageResync, suggest(s, closest(c.Index, aliases), labelIndexes, aliases, ""))
		}
		c.Index = alias
	}
	return Result{Kind: Run, Command: c}
}

// resyncOption records one key=value of /resync in c, or says what is
// wrong with it. Index is recorded as typed; parseResync checks it once
// the env is known.
func resyncOption(c *Command, seen map[string]bool, t token) string {
	key := strings.ToLower(t.key)
	switch {
	case isDryRun(key):
		return fmt.Sprintf(msgFlagValue, dryRun)
	case !slices.Contains(resyncKeys(), key):
		s := fmt.Sprintf(msgUnknownOption, echo(t.key)+"=")
		return suggest(s, closest(t.key, resyncKeys()), labelOptions, resyncKeys(), "=")
	case seen[key]:
		return fmt.Sprintf(msgTwice, key+"=")
	}
	seen[key] = true
	v := strings.TrimSpace(t.value)
	switch {
	case v == "":
		return fmt.Sprintf(msgEmptyValue, key+"=")
	case key == "index":
		c.Index = v
	default:
		c.Reason = v
	}
	return ""
}

// resyncEnv records the env of /resync in c, or says what is wrong with
// word. The first word of /resync may also have been meant as a subcommand.
func resyncEnv(c *Command, word string, first bool, g Grammar) string {
	if env, ok := lookup(word, g.Envs); ok {
		c.Env = env
		return ""
	}
	if isKey(word, resyncKeys()) {
		return fmt.Sprintf(msgMissingEquals, strings.ToLower(word))
	}
	var subcommands []string
	if first {
		subcommands = []string{"status", "history", "help"}
	}
	return unknownEnv(word, g, subcommands)
}

// parseEnvQuery parses the optional environment of /resync status and
// /resync history.
func parseEnvQuery(name Name, usage string, toks []token, g Grammar) Result {
	c := Command{Name: name}
	for i, t := range toks {
		if i > 0 || t.kv || isDryRun(t.word) {
			return unexpected(name, usage, t.word, nil, nil)
		}
		env, ok := lookup(t.word, g.Envs)
		if !ok {
			return fail(name, usage, unknownEnv(t.word, g, nil))
		}
		c.Env = env
	}
	return Result{Kind: Run, Command: c}
}

func parseAbort(text string) Result {
	sc := scanner{s: text}
	toks, err := sc.all()
	if err != nil {
		return quoteFail(Abort, usageAbort, err)
	}
	c := Command{Name: Abort}
	for i, t := range toks {
		switch {
		case i == 0 && !t.kv && strings.EqualFold(t.word, "help"):
			return help(helpAbort)
		case i > 0 || t.kv:
			return unexpected(Abort, usageAbort, t.word, nil, nil)
		case !validID(t.word):
			return fail(Abort, usageAbort, fmt.Sprintf(msgBadJobID, echo(t.word)))
		}
		c.JobID = t.word
	}
	return Result{Kind: Run, Command: c}
}

func parseRestore(text string, g Grammar) Result {
	sc := scanner{s: text}
	toks, err := sc.all()
	if err != nil {
		return quoteFail(Restore, usageRestore, err)
	}
	if len(toks) == 0 {
		return help(helpRestore)
	}
	c := Command{Name: Restore}
	for i, t := range toks {
		switch {
		case i == 0 && !t.kv && strings.EqualFold(t.word, "help"):
			return help(helpRestore)
		case i > 1 || t.kv:
			return unexpected(Restore, usageRestore, t.word, nil, nil)
		case i == 0:
			env, ok := lookup(t.word, g.Envs)
			if !ok {
				return fail(Restore, usageRestore, unknownEnv(t.word, g, nil))
			}
			c.Env = env
		case !validID(t.word):
			return fail(Restore, usageRestore, fmt.Sprintf(msgBadGeneration, echo(t.word)))
		default:
			c.Generation = t.word
		}
	}
	return Result{Kind: Run, Command: c}
}

// parseNotice reads the environment and the state as words; the rest of
// the line is the notice as typed, so that quotes and apostrophes in prose
// stay as they are. Only a text that is one quoted string loses its quotes.
func parseNotice(text string, g Grammar) Result {
	sc := scanner{s: text}
	t, ok, err := sc.next()
	if err != nil {
		return quoteFail(Notice, usageNotice, err)
	}
	if !ok || strings.EqualFold(t.word, "help") && !t.kv {
		return help(helpNotice)
	}
	c := Command{Name: Notice}
	env, ok := lookup(t.word, g.Envs)
	if !ok {
		return fail(Notice, usageNotice, unknownEnv(t.word, g, nil))
	}
	c.Env = env

	t, ok, err = sc.next()
	if err != nil {
		return quoteFail(Notice, usageNotice, err)
	}
	states := NoticeStates()
	if !ok {
		return fail(Notice, usageNotice, which(msgMissingState, labelStates, states))
	}
	state := strings.ReplaceAll(strings.ToLower(t.word), "-", "_")
	if !slices.Contains(states, state) {
		s := fmt.Sprintf(msgUnknownState, echo(t.word))
		return fail(Notice, usageNotice, suggest(s, closest(state, states), labelStates, states, ""))
	}
	c.NoticeState = state

	c.Text = noticeText(sc.rest())
	if c.Text == "" {
		return fail(Notice, usageNotice, msgEmptyText)
	}
	return Result{Kind: Run, Command: c}
}

// noticeText removes the quotes around a text that is one quoted string.
func noticeText(rest string) string {
	sc := scanner{s: rest}
	t, ok, err := sc.next()
	if err == nil && ok && t.quoted && !t.kv && sc.done() {
		return strings.TrimSpace(t.word)
	}
	return rest
}

func help(text string) Result {
	return Result{Kind: Reply, Command: Command{Name: Help}, Reply: text}
}

func quoteFail(name Name, usage string, err error) Result {
	from := err.Error()
	if u := (unterminatedQuote{}); errors.As(err, &u) {
		from = u.from
	}
	return fail(name, usage, fmt.Sprintf(msgUnterminated, echoRaw(from)))
}

// unknownEnv says that word is not an environment, suggesting the nearest
// one or else listing them; or, if word is nearest to one of subcommands,
// suggesting that.
func unknownEnv(word string, g Grammar, subcommands []string) string {
	near := closest(word, slices.Concat(g.Envs, subcommands))
	if near != "" && slices.Contains(subcommands, near) && !slices.Contains(g.Envs, near) {
		return fmt.Sprintf(msgUnknownCommand, echo(word)) + fmt.Sprintf(didYouMean, near)
	}
	return suggest(fmt.Sprintf(msgUnknownEnv, echo(word)), near, labelEnvs, g.Envs, "")
}

// unexpected answers a word with no place in the command: a key written
// without its "=", a misspelt flag, or simply one word too many.
func unexpected(name Name, usage, word string, keys, flags []string) Result {
	if isKey(word, keys) {
		return fail(name, usage, fmt.Sprintf(msgMissingEquals, strings.ToLower(word)))
	}
	s := fmt.Sprintf(msgUnexpected, echo(word))
	if near := closest(word, flags); near != "" {
		return fail(name, usage, s+fmt.Sprintf(didYouMean, near))
	}
	return fail(name, usage, s+".")
}

// lookup finds word among names ignoring case and returns the configured
// spelling.
func lookup(word string, names []string) (string, bool) {
	for _, n := range names {
		if n != "" && strings.EqualFold(n, word) {
			return n, true
		}
	}
	return "", false
}

func isKey(word string, keys []string) bool {
	return slices.Contains(keys, strings.ToLower(word))
}

// isDryRun accepts dry-run, dryrun and dry_run, with or without leading
// dashes, including the en and em dashes that autocorrect makes of "--".
func isDryRun(word string) bool {
	switch strings.ToLower(strings.TrimLeft(word, "-\u2013\u2014")) {
	case "dry-run", "dryrun", "dry_run":
		return true
	}
	return false
}

// maxID bounds job and generation ids; ours are 20 characters.
const maxID = 64

// validID reports whether s has the shape of a job or generation id, like
// 20261126-230102-a1b2: groups of lower-case hex digits joined by single
// dashes.
func validID(s string) bool {
	if s == "" || len(s) > maxID || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || r == '-') {
			return false
		}
	}
	return true
}

// maxTypo is the longest word worth comparing with valid words: a longer
// one is no typo of a configured name, and comparing costs time in the
// length of the word.
const maxTypo = 64

// closest returns the valid word that word is likely a typo of, or "".
func closest(word string, valid []string) string {
	if len(word) > maxTypo {
		return ""
	}
	return nearest.Word(word, valid)
}
