package commands

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one whitespace-separated word of a command, with quotes removed.
type token struct {
	word   string // the whole word, unquoted (for key=value: key=value)
	kv     bool   // word has the form key=value with a non-empty key
	key    string // as typed; compare case-insensitively
	value  string
	quoted bool // some part of the word was in quotes
}

// unterminatedQuote reports a quote that has no closing partner. from is
// the input from the start of the word that holds it.
type unterminatedQuote struct{ from string }

func (e unterminatedQuote) Error() string { return "unterminated quote: " + e.from }

// scanner splits command text into tokens.
//
// Quotes group words: "…", '…', and the typographic “…” and ‘…’ that
// Slack and macOS autocorrect put in place of straight ones. Autocorrect
// often turns the opening quote after "=" into a closing one, so quotes
// are matched by family: any double quote closes any double quote, any
// single quote any single quote. A quote opens only at the start of a word
// or right after the "=" of key=value, so apostrophes inside words (don't,
// we’re) stay literal; and it closes only where it is followed by
// whitespace or the end, so reason='it's done' means what it says. Inside
// quotes a backslash escapes a quote of the same family or a backslash.
type scanner struct {
	s string
	i int // byte offset of the next unread rune
}

// next returns the next token, false at the end of the input, or an
// unterminatedQuote error.
func (sc *scanner) next() (token, bool, error) {
	sc.skipSpace()
	if sc.i >= len(sc.s) {
		return token{}, false, nil
	}
	start := sc.i
	var b strings.Builder
	var t token
	keyLen, afterEq := -1, -1 // bytes of key written to b; input offset just past the first "="
	for sc.i < len(sc.s) {
		r, size := utf8.DecodeRuneInString(sc.s[sc.i:])
		if unicode.IsSpace(r) {
			break
		}
		if fam := quoteFamily(r); fam != 0 && (sc.i == start || sc.i == afterEq) {
			sc.i += size
			s, ok := sc.quoted(fam)
			if !ok {
				return token{}, false, unterminatedQuote{from: sc.s[start:]}
			}
			b.WriteString(s)
			t.quoted = true
			break // a closing quote is followed by whitespace or the end
		}
		if r == '=' && keyLen < 0 && sc.i > start {
			keyLen, afterEq = b.Len(), sc.i+size
		}
		b.WriteString(sc.s[sc.i : sc.i+size])
		sc.i += size
	}
	t.word = b.String()
	if keyLen > 0 {
		t.kv, t.key, t.value = true, t.word[:keyLen], t.word[keyLen+1:]
	}
	return t, true, nil
}

// quoted reads up to and past the closing quote of family fam, the opening
// quote already consumed, and returns the text between them.
func (sc *scanner) quoted(fam rune) (string, bool) {
	var b strings.Builder
	for sc.i < len(sc.s) {
		r, size := utf8.DecodeRuneInString(sc.s[sc.i:])
		if r == '\\' {
			n, nsize := utf8.DecodeRuneInString(sc.s[sc.i+size:])
			if n == '\\' || quoteFamily(n) == fam {
				b.WriteString(sc.s[sc.i+size : sc.i+size+nsize])
				sc.i += size + nsize
				continue
			}
		}
		if quoteFamily(r) == fam && sc.boundary(sc.i+size) {
			sc.i += size
			return b.String(), true
		}
		b.WriteString(sc.s[sc.i : sc.i+size])
		sc.i += size
	}
	return "", false
}

// all returns every remaining token.
func (sc *scanner) all() ([]token, error) {
	var toks []token
	for {
		t, ok, err := sc.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return toks, nil
		}
		toks = append(toks, t)
	}
}

// rest returns the unread input as typed, without surrounding whitespace.
func (sc *scanner) rest() string {
	return strings.TrimSpace(sc.s[sc.i:])
}

// done reports whether only whitespace is left.
func (sc *scanner) done() bool {
	sc.skipSpace()
	return sc.i >= len(sc.s)
}

func (sc *scanner) skipSpace() {
	for sc.i < len(sc.s) {
		r, size := utf8.DecodeRuneInString(sc.s[sc.i:])
		if !unicode.IsSpace(r) {
			return
		}
		sc.i += size
	}
}

// boundary reports whether offset i is the end of the input or whitespace.
func (sc *scanner) boundary(i int) bool {
	if i >= len(sc.s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(sc.s[i:])
	return unicode.IsSpace(r)
}

// quoteFamily names the family of a quote rune: the straight double quote
// for every double quote, the straight apostrophe for every single one,
// and 0 for any other rune.
func quoteFamily(r rune) rune {
	switch r {
	case '"', '\u201c', '\u201d', '\u201e', '\u201f': // " “ ” „ ‟
		return '"'
	case '\'', '\u2018', '\u2019', '\u201a', '\u201b': // ' ‘ ’ ‚ ‛
		return '\''
	}
	return 0
}
