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
