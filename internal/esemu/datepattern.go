package esemu

import (
	"fmt"
	"strconv"
	"strings"
)

// token kinds of a compiled pattern.
const (
	tkNum = iota
	tkFrac
	tkLit
	tkOpt
	tkZone
	tkAmPm
	tkMonthText
	tkDayText
)

// date fields a numeric token fills.
const (
	fYear = iota
	fMonth
	fDay
	fHour
	fHour12
	fMinute
	fSecond
	fCount
)

type dateToken struct {
	kind       int
	field      int
	minW, maxW int
	lit        string
	sub        []dateToken
	// zoneZ: the offset may be written as "Z".
	zoneZ bool
}

type dateState struct {
	set   [fCount]bool
	vals  [fCount]int
	nanos int
	off   int // offset seconds
	pm    int // -1 unset, 0 am, 1 pm
}

// compilePattern compiles a java.time style pattern (the subset ES users
// write: y u M d H h m s S a Z X x E, quoted literals and [optional]
// sections).
func compilePattern(p string, nested bool) ([]dateToken, string, error) {
	var out []dateToken
	for len(p) > 0 {
		c := p[0]
		switch {
		case c == '[':
			sub, rest, err := compilePattern(p[1:], true)
			if err != nil {
				return nil, "", err
			}
			out = append(out, dateToken{kind: tkOpt, sub: sub})
			p = rest
			continue
		case c == ']':
			if !nested {
				return nil, "", fmt.Errorf("Pattern invalid as it contains ] without previous [")
			}
			return out, p[1:], nil
		case c == '\'':
			end := strings.IndexByte(p[1:], '\'')
			if end < 0 {
				return nil, "", fmt.Errorf("Pattern ends with an incomplete string literal: %s", p)
			}
			lit := p[1 : 1+end]
			if lit == "" {
				lit = "'"
			}
			out = append(out, dateToken{kind: tkLit, lit: lit})
			p = p[2+end:]
			continue
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			n := 1
			for n < len(p) && p[n] == c {
				n++
			}
			tok, err := letterToken(c, n)
			if err != nil {
				return nil, "", err
			}
			out = append(out, tok)
			p = p[n:]
			continue
		default:
			out = append(out, dateToken{kind: tkLit, lit: string(c)})
			p = p[1:]
		}
	}
	if nested {
		return out, "", nil
	}
	return out, "", nil
}

func letterToken(c byte, n int) (dateToken, error) {
	num := func(f int) dateToken {
		if n == 1 {
			return dateToken{kind: tkNum, field: f, minW: 1, maxW: 2}
		}
		return dateToken{kind: tkNum, field: f, minW: n, maxW: n}
	}
	switch c {
	case 'y', 'u':
		if n == 2 {
			return dateToken{kind: tkNum, field: fYear, minW: 2, maxW: 2, lit: "yy"}, nil
		}
		return dateToken{kind: tkNum, field: fYear, minW: max(n, 1), maxW: 9}, nil
	case 'M', 'L':
		if n >= 3 {
			return dateToken{kind: tkMonthText, minW: n}, nil
		}
		return num(fMonth), nil
	case 'd':
		return num(fDay), nil
	case 'H':
		return num(fHour), nil
	case 'h':
		return num(fHour12), nil
	case 'm':
		return num(fMinute), nil
	case 's':
		return num(fSecond), nil
	case 'S':
		return dateToken{kind: tkFrac, minW: n, maxW: n}, nil
	case 'a':
		return dateToken{kind: tkAmPm}, nil
	case 'E':
		return dateToken{kind: tkDayText, minW: n}, nil
	case 'Z':
		return dateToken{kind: tkZone, zoneZ: n >= 4}, nil
	case 'X':
		return dateToken{kind: tkZone, zoneZ: true}, nil
	case 'x':
		return dateToken{kind: tkZone}, nil
	}
	return dateToken{}, fmt.Errorf("Unknown pattern letter: %c", c)
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

var dayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

func (p *patternParser) parse(s string) (int64, string) {
	if p.fast != fastNone {
		if ms, ok := fastParse(s, p.fast == fastISO); ok {
			return ms, ""
		}
	}
	st := dateState{pm: -1}
	pos, ok := parseTokens(p.tokens, s, 0, &st)
	if !ok {
		return 0, "Text '" + s + "' could not be parsed at index " + strconv.Itoa(pos)
	}
	if pos < len(s) {
		return 0, "Text '" + s + "' could not be parsed, unparsed text found at index " + strconv.Itoa(pos)
	}
	return st.resolve(s)
}

// parseTokens parses toks from s[pos:]; on failure it reports the index
// where parsing stopped.
func parseTokens(toks []dateToken, s string, pos int, st *dateState) (int, bool) {
	for i, t := range toks {
		switch t.kind {
		case tkOpt:
			saved := *st
			np, ok := parseTokens(t.sub, s, pos, st)
			if ok {
				pos = np
			} else {
				*st = saved
			}
		case tkLit:
			if !strings.HasPrefix(s[pos:], t.lit) {
				return pos, false
			}
			pos += len(t.lit)
		case tkNum:
			maxW := t.maxW
			// Adjacent value parsing: leave room for fixed-width numbers
			// that follow directly.
			if t.minW != t.maxW {
				reserve := 0
				for _, nt := range toks[i+1:] {
					if nt.kind != tkNum || nt.minW != nt.maxW {
						break
					}
					reserve += nt.minW
				}
				if reserve > 0 {
					avail := 0
					for pos+avail < len(s) && s[pos+avail] >= '0' && s[pos+avail] <= '9' {
						avail++
					}
					maxW = min(maxW, max(avail-reserve, t.minW))
				}
			}
			n := 0
			for n < maxW && pos+n < len(s) && s[pos+n] >= '0' && s[pos+n] <= '9' {
				n++
			}
			if n < t.minW {
				return pos, false
			}
			v, _ := strconv.Atoi(s[pos : pos+n])
			if t.lit == "yy" {
				v += 2000
			}
			st.vals[t.field] = v
			st.set[t.field] = true
			pos += n
		case tkFrac:
			n := 0
			for n < t.maxW && pos+n < len(s) && s[pos+n] >= '0' && s[pos+n] <= '9' {
				n++
			}
			if n < t.minW {
				return pos, false
			}
			digits := s[pos:pos+n] + "000000000"
			st.nanos, _ = strconv.Atoi(digits[:9])
			pos += n
		case tkZone:
			np, ok := parseOffset(s, pos, t.zoneZ, st)
			if !ok {
				return pos, false
			}
			pos = np
		case tkAmPm:
			rest := strings.ToUpper(s[pos:])
			switch {
			case strings.HasPrefix(rest, "AM"):
				st.pm = 0
			case strings.HasPrefix(rest, "PM"):
				st.pm = 1
			default:
				return pos, false
			}
			pos += 2
		case tkMonthText, tkDayText:
			names := monthNames
			if t.kind == tkDayText {
				names = dayNames
			}
			rest := strings.ToLower(s[pos:])
			matched := false
			for idx, name := range names {
				cand := name[:3]
				if t.minW >= 4 {
					cand = name
				}
				if strings.HasPrefix(rest, cand) {
					if t.kind == tkMonthText {
						st.vals[fMonth] = idx + 1
						st.set[fMonth] = true
					}
					pos += len(cand)
					matched = true
					break
				}
			}
			if !matched {
				return pos, false
			}
		}
	}
	return pos, true
}

func parseOffset(s string, pos int, allowZ bool, st *dateState) (int, bool) {
	if pos >= len(s) {
		return pos, false
	}
	if s[pos] == 'Z' {
		if !allowZ {
			return pos, false
		}
		st.off = 0
		return pos + 1, true
	}
	if s[pos] != '+' && s[pos] != '-' {
		return pos, false
	}
	sign := 1
	if s[pos] == '-' {
		sign = -1
	}
	p := pos + 1
	two := func() (int, bool) {
		if p+2 > len(s) || !allDigits(s[p:p+2]) {
			return 0, false
		}
		v, _ := strconv.Atoi(s[p : p+2])
		p += 2
		return v, true
	}
	h, ok := two()
	if !ok {
		return pos, false
	}
	m := 0
	if p < len(s) && s[p] == ':' {
		p++
		if m, ok = two(); !ok {
			return pos, false
		}
	} else if p+2 <= len(s) && allDigits(s[p:p+2]) {
		m, _ = two()
	}
	if h > 18 || m > 59 {
		return pos, false
	}
	st.off = sign * (h*3600 + m*60)
	return p, true
}

func (st *dateState) resolve(s string) (int64, string) {
	year, month, day := 1970, 1, 1
	if st.set[fYear] {
		year = st.vals[fYear]
	}
	if st.set[fMonth] {
		month = st.vals[fMonth]
	}
	if st.set[fDay] {
		day = st.vals[fDay]
	}
	hour := 0
	if st.set[fHour] {
		hour = st.vals[fHour]
	} else if st.set[fHour12] {
		h := st.vals[fHour12]
		if h < 1 || h > 12 {
			return 0, "Text '" + s + "' could not be parsed: Invalid value for ClockHourOfAmPm (valid values 1 - 12): " + strconv.Itoa(h)
		}
		hour = h % 12
		if st.pm == 1 {
			hour += 12
		}
	}
	invalid := func(field string, lo, hi, v int) string {
		return "Text '" + s + "' could not be parsed: Invalid value for " + field +
			" (valid values " + strconv.Itoa(lo) + " - " + strconv.Itoa(hi) + "): " + strconv.Itoa(v)
	}
	switch {
	case month < 1 || month > 12:
		return 0, invalid("MonthOfYear", 1, 12, month)
	case day < 1 || day > 31:
		return 0, invalid("DayOfMonth", 1, 31, day)
	case hour > 23:
		return 0, invalid("HourOfDay", 0, 23, hour)
	case st.vals[fMinute] > 59:
		return 0, invalid("MinuteOfHour", 0, 59, st.vals[fMinute])
	case st.vals[fSecond] > 59:
		return 0, invalid("SecondOfMinute", 0, 59, st.vals[fSecond])
	}
	if day > daysIn(year, month) {
		return 0, "Text '" + s + "' could not be parsed: Invalid date '" + strings.ToUpper(monthNames[month-1]) + " " + strconv.Itoa(day) + "'"
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + int64(hour)*3600 + int64(st.vals[fMinute])*60 + int64(st.vals[fSecond]) - int64(st.off)
	return secs*1000 + int64(st.nanos/1_000_000), ""
}
