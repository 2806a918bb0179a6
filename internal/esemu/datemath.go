package esemu

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

func parseTimeZone(s string) (*time.Location, *esError) {
	switch s {
	case "Z", "UTC", "utc", "GMT":
		return time.UTC, nil
	}
	if len(s) > 1 && (s[0] == '+' || s[0] == '-') {
		var st dateState
		if p, ok := parseOffset(s, 0, false, &st); ok && p == len(s) {
			return time.FixedZone(s, st.off), nil
		}
	}
	if l, err := time.LoadLocation(s); err == nil {
		return l, nil
	}
	return nil, errIllegalArgument("Unknown time-zone ID: " + s)
}

// dateValue parses a date (with date math) for a term query.
func (c *compiler) dateValue(fm *fieldMapping, text string, format *dateFormat, roundUp bool) (int64, *esError) {
	return c.dateBound(fm, text, format, nil, roundUp)
}

// dateBound parses a range bound: a date in the field's (or the query's)
// format, or date math ("now-1d/d", "2020-01-01||+1M"). roundUp selects
// the end of a rounded unit, as for gt and lte.
func (c *compiler) dateBound(fm *fieldMapping, text string, format *dateFormat, loc *time.Location, roundUp bool) (int64, *esError) {
	if format == nil {
		format = fm.format
	}
	if loc == nil {
		loc = time.UTC
	}
	var anchor time.Time
	var expr string
	switch {
	case strings.HasPrefix(text, "now"):
		anchor = c.e.now().In(loc)
		expr = text[3:]
	case strings.Contains(text, "||"):
		i := strings.Index(text, "||")
		ms, err := parseDateIn(format, text[:i], loc)
		if err != nil {
			return 0, err
		}
		anchor = time.UnixMilli(ms).In(loc)
		expr = text[i+2:]
	default:
		return parseDateIn(format, text, loc)
	}
	t := anchor
	for len(expr) > 0 {
		op := expr[0]
		expr = expr[1:]
		n := 1
		if op == '+' || op == '-' {
			j := 0
			for j < len(expr) && expr[j] >= '0' && expr[j] <= '9' {
				j++
			}
			if j > 0 {
				n, _ = strconv.Atoi(expr[:j])
				expr = expr[j:]
			}
			if op == '-' {
				n = -n
			}
		} else if op != '/' {
			return 0, errDateMath(text, "operator not supported for date math ["+string(op)+"]")
		}
		if len(expr) == 0 {
			return 0, errDateMath(text, "truncated date math ["+text+"]")
		}
		unit := expr[0]
		expr = expr[1:]
		if op == '/' {
			t = roundDate(t, unit, roundUp)
			continue
		}
		switch unit {
		case 'y':
			t = t.AddDate(n, 0, 0)
		case 'M':
			t = t.AddDate(0, n, 0)
		case 'w':
			t = t.AddDate(0, 0, 7*n)
		case 'd':
			t = t.AddDate(0, 0, n)
		case 'h', 'H':
			t = t.Add(time.Duration(n) * time.Hour)
		case 'm':
			t = t.Add(time.Duration(n) * time.Minute)
		case 's':
			t = t.Add(time.Duration(n) * time.Second)
		default:
			return 0, errDateMath(text, "unit ["+string(unit)+"] not supported for date math ["+text+"]")
		}
	}
	return t.UnixMilli(), nil
}

func roundDate(t time.Time, unit byte, up bool) time.Time {
	y, mo, d := t.Date()
	loc := t.Location()
	var start, next time.Time
	switch unit {
	case 'y':
		start = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		next = start.AddDate(1, 0, 0)
	case 'M':
		start = time.Date(y, mo, 1, 0, 0, 0, 0, loc)
		next = start.AddDate(0, 1, 0)
	case 'w':
		wd := (int(t.Weekday()) + 6) % 7
		start = time.Date(y, mo, d-wd, 0, 0, 0, 0, loc)
		next = start.AddDate(0, 0, 7)
	case 'd':
		start = time.Date(y, mo, d, 0, 0, 0, 0, loc)
		next = start.AddDate(0, 0, 1)
	case 'h', 'H':
		start = time.Date(y, mo, d, t.Hour(), 0, 0, 0, loc)
		next = start.Add(time.Hour)
	case 'm':
		start = time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, loc)
		next = start.Add(time.Minute)
	case 's':
		start = time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), 0, loc)
		next = start.Add(time.Second)
	default:
		return t
	}
	if up {
		return next.Add(-time.Millisecond)
	}
	return start
}

func errDateMath(text, why string) *esError {
	return newErr(http.StatusBadRequest, "parse_exception", "failed to parse date field ["+text+"]: ["+why+"]")
}

// parseDateIn parses a date; text without an explicit offset is read in
// loc.
func parseDateIn(f *dateFormat, text string, loc *time.Location) (int64, *esError) {
	ms, msg := f.parseMillis(text)
	if msg != "" {
		reason := "failed to parse date field [" + text + "] with format [" + f.spec + "]"
		return 0, newErr(http.StatusBadRequest, "parse_exception", reason+": ["+reason+"]").
			withCause(newErr(0, "illegal_argument_exception", reason).withCause(newErr(0, "date_time_parse_exception", msg), false), false)
	}
	if loc != time.UTC && !hasExplicitOffset(text) && !allDigits(strings.TrimPrefix(text, "-")) {
		_, off := time.UnixMilli(ms).In(loc).Zone()
		ms -= int64(off) * 1000
	}
	return ms, nil
}

func hasExplicitOffset(s string) bool {
	i := strings.IndexByte(s, 'T')
	if i < 0 {
		return false
	}
	rest := s[i:]
	return strings.ContainsAny(rest, "Z+") || strings.Contains(rest[1:], "-")
}
