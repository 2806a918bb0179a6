package esemu

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small allocation-free JSON tokenizer over a byte slice. The
// bulk path validates documents with it in one pass instead of decoding
// them into maps; positions are byte offsets so errors can be reported as
// ES does ("[line:column]", 1-based, counted in bytes).
type scanner struct {
	buf []byte
	pos int
}

// scanError is a JSON syntax error at a byte offset.
type scanError struct {
	off int
	msg string
}

func (e *scanError) Error() string { return e.msg }

func (s *scanner) fail(msg string) *scanError { return &scanError{off: s.pos, msg: msg} }

func (s *scanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next significant byte, or 0 at end of input.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos >= len(s.buf) {
		return 0
	}
	return s.buf[s.pos]
}

func (s *scanner) atEnd() bool {
	s.ws()
	return s.pos >= len(s.buf)
}

func describeChar(c byte) string {
	if c == 0 {
		return "end-of-input"
	}
	return "character ('" + string(rune(c)) + "' (code " + strconv.Itoa(int(c)) + "))"
}

func (s *scanner) expect(c byte) *scanError {
	if s.peek() != c {
		return s.fail("Unexpected " + describeChar(s.peek()) + ": was expecting '" + string(rune(c)) + "'")
	}
	s.pos++
	return nil
}

// str reads a string token and returns its raw content between the quotes
// and whether it contains escape sequences (see unescape).
func (s *scanner) str() (raw []byte, escaped bool, err *scanError) {
	if s.peek() != '"' {
		return nil, false, s.fail("Unexpected " + describeChar(s.peek()) + ": was expecting double-quote to start string")
	}
	s.pos++
	start := s.pos
	// Short strings (most field names) end within a few bytes.
	for i := start; i < len(s.buf) && i < start+24; i++ {
		c := s.buf[i]
		if c == '"' {
			s.pos = i + 1
			return s.buf[start:i], false, nil
		}
		if c == '\\' || c < 0x20 {
			goto slow
		}
	}
	// Fast path: find the closing quote, then make sure the run holds no
	// escapes or control characters.
	if i := bytes.IndexByte(s.buf[start:], '"'); i >= 0 {
		seg := s.buf[start : start+i]
		if bytes.IndexByte(seg, '\\') < 0 && !hasControl(seg) {
			s.pos = start + i + 1
			return seg, false, nil
		}
	}
slow:
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '"':
			raw = s.buf[start:s.pos]
			s.pos++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			s.pos += 2
		case c < 0x20:
			return nil, false, s.fail("Illegal unquoted character ((CTRL-CHAR, code " + strconv.Itoa(int(c)) + ")): has to be escaped using backslash to be included in string value")
		default:
			s.pos++
		}
	}
	return nil, false, s.fail("Unexpected end-of-input: was expecting closing quote for a string value")
}

// hasControl reports a byte below 0x20, eight bytes at a time.
func hasControl(b []byte) bool {
	const lo, hi = 0x2020202020202020, 0x8080808080808080
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		if (x-lo)&^x&hi != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// number reads a number token; isInt reports the absence of a fraction or
// exponent.
func (s *scanner) number() (raw []byte, isInt bool, err *scanError) {
	start := s.pos
	if s.pos < len(s.buf) && s.buf[s.pos] == '-' {
		s.pos++
	}
	digits := s.pos
	for s.pos < len(s.buf) && s.buf[s.pos] >= '0' && s.buf[s.pos] <= '9' {
		s.pos++
	}
	if s.pos == digits {
		return nil, false, s.fail("Unexpected " + describeChar(s.cur()) + ": expected digit (0-9) to follow minus sign, for valid numeric value")
	}
	if s.buf[digits] == '0' && s.pos-digits > 1 {
		return nil, false, &scanError{off: start, msg: "Invalid numeric value: Leading zeroes not allowed"}
	}
	isInt = true
	if s.pos < len(s.buf) && s.buf[s.pos] == '.' {
		isInt = false
		s.pos++
		d := s.pos
		for s.pos < len(s.buf) && s.buf[s.pos] >= '0' && s.buf[s.pos] <= '9' {
			s.pos++
		}
		if s.pos == d {
			return nil, false, s.fail("Unexpected " + describeChar(s.cur()) + ": Decimal point not followed by a digit")
		}
	}
	if s.pos < len(s.buf) && (s.buf[s.pos] == 'e' || s.buf[s.pos] == 'E') {
		isInt = false
		s.pos++
		if s.pos < len(s.buf) && (s.buf[s.pos] == '+' || s.buf[s.pos] == '-') {
			s.pos++
		}
		d := s.pos
		for s.pos < len(s.buf) && s.buf[s.pos] >= '0' && s.buf[s.pos] <= '9' {
			s.pos++
		}
		if s.pos == d {
			return nil, false, s.fail("Unexpected " + describeChar(s.cur()) + ": Exponent indicator not followed by a digit")
		}
	}
	return s.buf[start:s.pos], isInt, nil
}

func (s *scanner) cur() byte {
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

// literal reads true, false or null.
func (s *scanner) literal() (byte, *scanError) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(s.buf)-s.pos >= len(lit) && string(s.buf[s.pos:s.pos+len(lit)]) == lit {
			end := s.pos + len(lit)
			if end < len(s.buf) && isIdentChar(s.buf[end]) {
				break
			}
			s.pos = end
			return lit[0], nil
		}
	}
	end := s.pos
	for end < len(s.buf) && isIdentChar(s.buf[end]) {
		end++
	}
	tok := string(s.buf[s.pos:end])
	if tok == "" {
		return 0, s.fail("Unexpected " + describeChar(s.cur()) + ": expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
	}
	return 0, s.fail("Unrecognized token '" + tok + "': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
}

func isIdentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// skip consumes one value of any kind.
func (s *scanner) skip() *scanError {
	switch c := s.peek(); c {
	case '{':
		s.pos++
		if s.peek() == '}' {
			s.pos++
			return nil
		}
		for {
			if _, _, err := s.str(); err != nil {
				return err
			}
			if err := s.expect(':'); err != nil {
				return err
			}
			if err := s.skip(); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
			case '}':
				s.pos++
				return nil
			default:
				return s.fail("Unexpected " + describeChar(s.peek()) + ": was expecting comma to separate Object entries")
			}
		}
	case '[':
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.skip(); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
			case ']':
				s.pos++
				return nil
			default:
				return s.fail("Unexpected " + describeChar(s.peek()) + ": was expecting comma to separate Array entries")
			}
		}
	case '"':
		_, _, err := s.str()
		return err
	default:
		if c == '-' || c >= '0' && c <= '9' {
			_, _, err := s.number()
			return err
		}
		_, err := s.literal()
		return err
	}
}

// objectNext advances past the separator after an object member: it
// reports false at the closing brace.
func (s *scanner) objectNext() (bool, *scanError) {
	switch s.peek() {
	case ',':
		s.pos++
		return true, nil
	case '}':
		s.pos++
		return false, nil
	default:
		return false, s.fail("Unexpected " + describeChar(s.peek()) + ": was expecting comma to separate Object entries")
	}
}

// arrayNext is objectNext for arrays.
func (s *scanner) arrayNext() (bool, *scanError) {
	switch s.peek() {
	case ',':
		s.pos++
		return true, nil
	case ']':
		s.pos++
		return false, nil
	default:
		return false, s.fail("Unexpected " + describeChar(s.peek()) + ": was expecting comma to separate Array entries")
	}
}

// unescape decodes the escape sequences of a raw JSON string body.
func unescape(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'u':
			r, n := decodeU(raw[i+1:])
			if n == 0 {
				out = append(out, 'u')
				continue
			}
			i += n
			if utf16.IsSurrogate(r) {
				if len(raw) > i+2 && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2, n2 := decodeU(raw[i+3:])
					if n2 > 0 {
						if rr := utf16.DecodeRune(r, r2); rr != utf8.RuneError {
							i += 2 + n2
							out = utf8.AppendRune(out, rr)
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, raw[i])
		}
	}
	return out
}

func decodeU(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, 0
		}
	}
	return r, 4
}

// strText returns the decoded text of a raw string token body.
func strText(raw []byte, escaped bool) string {
	if escaped {
		return string(unescape(raw))
	}
	return string(raw)
}

// lineCol converts a byte offset into ES's 1-based "[line:column]".
func lineCol(buf []byte, off int) (int, int) {
	line, col := 1, 1
	for i := 0; i < off && i < len(buf); i++ {
		if buf[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func locPrefix(buf []byte, off int) string {
	l, c := lineCol(buf, off)
	return "[" + strconv.Itoa(l) + ":" + strconv.Itoa(c) + "] "
}
