package esemu

import (
	"fmt"
	"strconv"
	"strings"
)

// dateFormat is a compiled ES date format: one or more parsers joined by
// "||", tried in order, as a date field's "format" parameter describes.
type dateFormat struct {
	spec    string
	parsers []dateParser
}

// dateParser parses a date string into epoch milliseconds (UTC unless the
// text carries an offset). On failure it returns the java.time style
// message ES places in date_time_parse_exception.
type dateParser interface {
	parse(s string) (int64, string)
}

const defaultDateFormat = "strict_date_optional_time||epoch_millis"

// compileDateFormat compiles a format specification, reporting an
// unknown named format or pattern letter as ES does at mapping time.
func compileDateFormat(spec string) (*dateFormat, error) {
	f := &dateFormat{spec: spec}
	for _, part := range strings.Split(spec, "||") {
		p, err := compileOne(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("Invalid format: [%s]: %w", spec, err)
		}
		f.parsers = append(f.parsers, p)
	}
	return f, nil
}

// fastOK reports whether raw is accepted by one of the format's fast
// parsers, without converting it to a string.
func (f *dateFormat) fastOK(raw []byte) bool {
	for _, p := range f.parsers {
		if pp, ok := p.(*patternParser); ok && pp.fast != fastNone {
			if _, ok := fastParse(raw, pp.fast == fastISO); ok {
				return true
			}
		}
	}
	return false
}

// parseMillis parses with each parser in turn; the error text is the
// date_time_parse_exception reason.
func (f *dateFormat) parseMillis(s string) (int64, string) {
	var first string
	for _, p := range f.parsers {
		v, msg := p.parse(s)
		if msg == "" {
			return v, ""
		}
		if first == "" {
			first = msg
		}
	}
	if len(f.parsers) > 1 {
		return 0, "Failed to parse with all enclosed parsers"
	}
	return 0, first
}

type epochParser struct{ scale int64 }

func (p epochParser) parse(s string) (int64, string) {
	t := s
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = t[1:]
	}
	intPart, frac, hasFrac := strings.Cut(t, ".")
	if intPart == "" && !hasFrac || !allDigits(intPart) || hasFrac && !allDigits(frac) || len(intPart) > 18 {
		return 0, "Text '" + s + "' could not be parsed at index 0"
	}
	v, _ := strconv.ParseInt(intPart, 10, 64)
	v *= p.scale
	if hasFrac && p.scale == 1000 && frac != "" {
		ms := frac + "000"
		add, _ := strconv.ParseInt(ms[:3], 10, 64)
		v += add
	}
	if neg {
		v = -v
	}
	return v, ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

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

type patternParser struct {
	tokens []dateToken
	// fast selects a hand-written parser for the common ISO shapes;
	// anything it does not recognise goes through the tokens.
	fast int
}

const (
	fastNone = iota
	fastISO  // (strict_)date_optional_time
	fastDate // yyyy-MM-dd
)

type dateState struct {
	set   [fCount]bool
	vals  [fCount]int
	nanos int
	off   int // offset seconds
	pm    int // -1 unset, 0 am, 1 pm
}

// Named ES formats, expressed as patterns in the same token language.
// "strict" ones need fixed digit counts; the others accept fewer digits.
func namedFormat(name string) ([]dateToken, bool) {
	strict := strings.HasPrefix(name, "strict_")
	base := strings.TrimPrefix(name, "strict_")
	d2 := func(f int) dateToken {
		if strict {
			return dateToken{kind: tkNum, field: f, minW: 2, maxW: 2}
		}
		return dateToken{kind: tkNum, field: f, minW: 1, maxW: 2}
	}
	year := dateToken{kind: tkNum, field: fYear, minW: 4, maxW: 9}
	if !strict {
		year.minW = 1
	}
	lit := func(s string) dateToken { return dateToken{kind: tkLit, lit: s} }
	opt := func(t ...dateToken) dateToken { return dateToken{kind: tkOpt, sub: t} }
	frac := dateToken{kind: tkFrac, minW: 1, maxW: 9}
	zone := dateToken{kind: tkZone, zoneZ: true}
	date := []dateToken{year, lit("-"), d2(fMonth), lit("-"), d2(fDay)}
	hms := []dateToken{d2(fHour), lit(":"), d2(fMinute), lit(":"), d2(fSecond)}
	join := func(parts ...[]dateToken) []dateToken {
		var out []dateToken
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	switch base {
	case "date_optional_time", "date_optional_time_nanos":
		timePart := opt(lit("T"), d2(fHour), opt(lit(":"), d2(fMinute), opt(lit(":"), d2(fSecond), opt(lit("."), frac))), opt(zone))
		return []dateToken{year, opt(lit("-"), d2(fMonth), opt(lit("-"), d2(fDay), timePart))}, true
	case "date", "year_month_day":
		return date, true
	case "year_month":
		return []dateToken{year, lit("-"), d2(fMonth)}, true
	case "year":
		return []dateToken{year}, true
	case "date_time":
		return join(date, []dateToken{lit("T")}, hms, []dateToken{lit("."), frac, zone}), true
	case "date_time_no_millis":
		return join(date, []dateToken{lit("T")}, hms, []dateToken{zone}), true
	case "date_hour_minute_second":
		return join(date, []dateToken{lit("T")}, hms), true
	case "date_hour_minute_second_millis", "date_hour_minute_second_fraction":
		return join(date, []dateToken{lit("T")}, hms, []dateToken{lit("."), frac}), true
	case "date_hour_minute":
		return join(date, []dateToken{lit("T"), d2(fHour), lit(":"), d2(fMinute)}), true
	case "date_hour":
		return join(date, []dateToken{lit("T"), d2(fHour)}), true
	case "basic_date":
		return []dateToken{{kind: tkNum, field: fYear, minW: 4, maxW: 4}, {kind: tkNum, field: fMonth, minW: 2, maxW: 2}, {kind: tkNum, field: fDay, minW: 2, maxW: 2}}, true
	case "basic_date_time", "basic_date_time_no_millis":
		t := []dateToken{{kind: tkNum, field: fYear, minW: 4, maxW: 4}, {kind: tkNum, field: fMonth, minW: 2, maxW: 2}, {kind: tkNum, field: fDay, minW: 2, maxW: 2},
			lit("T"), {kind: tkNum, field: fHour, minW: 2, maxW: 2}, {kind: tkNum, field: fMinute, minW: 2, maxW: 2}, {kind: tkNum, field: fSecond, minW: 2, maxW: 2}}
		if base == "basic_date_time" {
			t = append(t, lit("."), frac)
		}
		return append(t, zone), true
	}
	return nil, false
}

func compileOne(spec string) (dateParser, error) {
	switch spec {
	case "epoch_millis":
		return epochParser{scale: 1}, nil
	case "epoch_second":
		return epochParser{scale: 1000}, nil
	}
	if toks, ok := namedFormat(spec); ok {
		p := &patternParser{tokens: toks}
		switch strings.TrimPrefix(spec, "strict_") {
		case "date_optional_time", "date_optional_time_nanos":
			p.fast = fastISO
		case "date", "year_month_day":
			p.fast = fastDate
		}
		return p, nil
	}
	toks, rest, err := compilePattern(spec, false)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return nil, fmt.Errorf("Pattern includes reserved character: ']'")
	}
	p := &patternParser{tokens: toks}
	if spec == "yyyy-MM-dd" || spec == "uuuu-MM-dd" {
		p.fast = fastDate
	}
	return p, nil
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

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's algorithm: days since 1970-01-01.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// fastParse handles yyyy-MM-dd and, when withTime, the ISO forms
// yyyy-MM-dd'T'HH[:mm[:ss[.S+]]][Z|±HH[:]mm|±HH] with a four-digit year.
// It reports false for anything else, including invalid dates, so the
// general parser produces the error message.
func fastParse[T ~string | ~[]byte](s T, withTime bool) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, false
	}
	ms := daysFromCivil(y, mo, d) * 86400000
	if len(s) == 10 {
		return ms, true
	}
	if !withTime || s[10] != 'T' || len(s) < 13 {
		return 0, false
	}
	h, ok := digits(s, 11, 2)
	if !ok || h > 23 {
		return 0, false
	}
	i := 13
	var mi, sec, nanos int
	if i < len(s) && s[i] == ':' {
		if mi, ok = digits(s, i+1, 2); !ok || mi > 59 {
			return 0, false
		}
		i += 3
		if i < len(s) && s[i] == ':' {
			if sec, ok = digits(s, i+1, 2); !ok || sec > 59 {
				return 0, false
			}
			i += 3
			if i < len(s) && s[i] == '.' {
				j := i + 1
				for j < len(s) && j-i-1 < 9 && s[j] >= '0' && s[j] <= '9' {
					nanos = nanos*10 + int(s[j]-'0')
					j++
				}
				n := j - i - 1
				if n == 0 {
					return 0, false
				}
				for k := n; k < 9; k++ {
					nanos *= 10
				}
				i = j
			}
		}
	}
	off := 0
	if i < len(s) {
		switch s[i] {
		case 'Z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			oh, ok := digits(s, i+1, 2)
			if !ok || oh > 18 {
				return 0, false
			}
			i += 3
			om := 0
			if i < len(s) && s[i] == ':' {
				if om, ok = digits(s, i+1, 2); !ok {
					return 0, false
				}
				i += 3
			} else if i+2 <= len(s) {
				if om, ok = digits(s, i, 2); !ok {
					return 0, false
				}
				i += 2
			}
			if om > 59 {
				return 0, false
			}
			off = sign * (oh*3600 + om*60)
		default:
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	return ms + int64(h*3600+mi*60+sec-off)*1000 + int64(nanos/1_000_000), true
}

func digits[T ~string | ~[]byte](s T, at, n int) (int, bool) {
	if at+n > len(s) {
		return 0, false
	}
	v := 0
	for i := at; i < at+n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}
