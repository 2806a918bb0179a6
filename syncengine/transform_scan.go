package syncengine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// A small JSON scanner: it finds the members of one object and the extent of
// their values without decoding them. It checks what it must to stay in step
// (strings, brackets, separators) and leaves full validation to
// Elasticsearch, which refuses a malformed document on its own.

var errUnexpectedEnd = errors.New("unexpected end of JSON")

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string that starts at b[i].
func skipString(b []byte, i int) (int, error) {
	i++
	for {
		k := bytes.IndexByte(b[i:], '"')
		if k < 0 {
			return 0, errors.New("unterminated string")
		}
		j := i + k
		esc := 0
		for p := j - 1; p >= i && b[p] == '\\'; p-- {
			esc++
		}
		if esc%2 == 0 {
			return j + 1, nil
		}
		i = j + 1
	}
}

// skipValue returns the index just past the value that starts at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errUnexpectedEnd
	}
	switch c := b[i]; c {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errUnexpectedEnd
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f', 'n':
		j := i + 1
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j, nil
			}
			j++
		}
		return j, nil
	default:
		return 0, fmt.Errorf("unexpected %q where a value belongs", c)
	}
}

// objScanner walks the members of the object in b; i starts just after '{'.
type objScanner struct {
	b []byte
	i int
	n int // members seen
}

// member locates one object member: the key with its quotes, and the value.
type member struct {
	keyStart, keyEnd, valStart, valEnd int
}

// next returns the next member; ok is false after the closing brace, and
// s.i is then just past it.
func (s *objScanner) next() (m member, ok bool, err error) {
	b := s.b
	i := skipWS(b, s.i)
	if i >= len(b) {
		return m, false, errUnexpectedEnd
	}
	if b[i] == '}' {
		s.i = i + 1
		return m, false, nil
	}
	if s.n > 0 {
		if b[i] != ',' {
			return m, false, fmt.Errorf("unexpected %q after an object member", b[i])
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return m, false, errUnexpectedEnd
		}
	}
	if b[i] != '"' {
		return m, false, fmt.Errorf("unexpected %q where a key belongs", b[i])
	}
	m.keyStart = i
	if m.keyEnd, err = skipString(b, i); err != nil {
		return m, false, err
	}
	i = skipWS(b, m.keyEnd)
	if i >= len(b) || b[i] != ':' {
		return m, false, errors.New("missing ':' after a key")
	}
	m.valStart = skipWS(b, i+1)
	if m.valEnd, err = skipValue(b, m.valStart); err != nil {
		return m, false, err
	}
	s.i = m.valEnd
	s.n++
	return m, true, nil
}

// findMember returns the value of the member called name in the object obj
// (which starts with '{'). It stops at the first match, so a record's key
// near the front costs next to nothing to find.
func findMember(obj []byte, name string) (val []byte, found bool, err error) {
	s := objScanner{b: obj, i: 1}
	for {
		m, ok, err := s.next()
		if err != nil || !ok {
			return nil, false, err
		}
		key := obj[m.keyStart+1 : m.keyEnd-1]
		if string(key) == name {
			return obj[m.valStart:m.valEnd], true, nil
		}
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if json.Unmarshal(obj[m.keyStart:m.keyEnd], &k) == nil && k == name {
				return obj[m.valStart:m.valEnd], true, nil
			}
		}
	}
}
