package esemu

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
)

func (p *docParser) fieldErr(fm *fieldMapping, off int, preview string, cause *esError) *esError {
	return p.docErr(off, "failed to parse field ["+fm.path+"] of type ["+fm.typeName+"] in document with id '"+p.id+"'. Preview of field's value: '"+preview+"'", cause)
}

// scalar checks one scalar value against a leaf field type.
func (p *docParser) scalar(fm *fieldMapping, off int, raw []byte, esc bool, kind jkind, isInt bool) *esError {
	causeType, causeReason := checkScalar(fm, raw, esc, kind, isInt)
	if causeType == "" || fm.ignoreMal {
		return nil
	}
	text := string(raw)
	if esc {
		text = string(unescape(raw))
	}
	return p.fieldErr(fm, off, text, newErr(0, causeType, causeReason))
}

// checkScalar returns the cause type and reason of a rejected value, or
// empty strings when the value is acceptable for the field.
func checkScalar(fm *fieldMapping, raw []byte, esc bool, kind jkind, isInt bool) (string, string) {
	switch t := fm.typ; {
	case t == ftKeyword || t == ftText:
		return "", ""
	case t.isInteger():
		if kind == jBool {
			return "illegal_argument_exception", "Current token (VALUE_" + strings.ToUpper(string(raw)) + ") not numeric, can not use numeric value accessors"
		}
		if kind == jStr && len(raw) == 0 && fm.coerce {
			return "", ""
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		v, ok, ct, cr := parseLongValue(text, kind == jNum, isInt, fm.coerce)
		if !ok {
			return ct, cr
		}
		if t != ftLong && kind == jNum && (v < math.MinInt32 || v > math.MaxInt32) {
			// Jackson's getIntValue refuses before ES's own range check.
			return "input_coercion_exception", "Numeric value (" + text + ") out of range of int (-2147483648 - 2147483647)"
		}
		return integerRange(t, v)
	case t.isFloat():
		if kind == jBool {
			return "illegal_argument_exception", "Current token (VALUE_" + strings.ToUpper(string(raw)) + ") not numeric, can not use numeric value accessors"
		}
		if kind == jStr && len(raw) == 0 && fm.coerce {
			return "", ""
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		if kind == jStr && !fm.coerce {
			return "illegal_argument_exception", "[" + fm.typeName + "] cannot be coerced from a string"
		}
		f, ok := parseJavaDouble(text)
		if !ok {
			return "number_format_exception", "For input string: \"" + text + "\""
		}
		if t == ftFloat && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
			f = math.Inf(int(math.Copysign(1, f)))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			s := "NaN"
			if math.IsInf(f, 1) {
				s = "Infinity"
			} else if math.IsInf(f, -1) {
				s = "-Infinity"
			}
			return "illegal_argument_exception", "[" + fm.typeName + "] supports only finite values, but got [" + s + "]"
		}
		return "", ""
	case t == ftBoolean:
		if kind == jBool {
			return "", ""
		}
		if kind == jStr {
			switch string(raw) {
			case "true", "false", "":
				return "", ""
			}
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		return "illegal_argument_exception", "Failed to parse value [" + text + "] as only [true] or [false] are allowed."
	case t.isDate():
		if !esc && kind == jStr && fm.format.fastOK(raw) {
			return "", ""
		}
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		if kind == jBool {
			return "illegal_argument_exception", "failed to parse date field [" + text + "] with format [" + fm.format.spec + "]"
		}
		if _, msg := fm.format.parseMillis(text); msg != "" {
			return "illegal_argument_exception", "failed to parse date field [" + text + "] with format [" + fm.format.spec + "]"
		}
		return "", ""
	case t == ftIP:
		text := string(raw)
		if esc {
			text = string(unescape(raw))
		}
		if _, err := netip.ParseAddr(text); err != nil {
			return "illegal_argument_exception", "'" + text + "' is not an IP string literal."
		}
	}
	return "", ""
}

// parseLongValue reads a long the way NumberFieldMapper does with
// XContentParser.longValue(coerce).
func parseLongValue(text string, isNumber, isInt, coerce bool) (int64, bool, string, string) {
	if isNumber && isInt {
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return 0, false, "input_coercion_exception", "Numeric value (" + text + ") out of range of long (-9223372036854775808 - 9223372036854775807)"
		}
		return v, true, "", ""
	}
	if !isNumber && !coerce {
		return 0, false, "illegal_argument_exception", "[long] cannot be coerced from a string"
	}
	t := strings.TrimPrefix(text, "+")
	if v, err := strconv.ParseInt(t, 10, 64); err == nil && !strings.HasPrefix(t, "-+") {
		return v, true, "", ""
	}
	f, ok := parseJavaDouble(text)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, "illegal_argument_exception", "For input string: \"" + text + "\""
	}
	if f != math.Trunc(f) && !coerce {
		return 0, false, "illegal_argument_exception", "Value [" + text + "] has a decimal part"
	}
	if f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return 0, false, "illegal_argument_exception", "Value [" + text + "] is out of range for a long"
	}
	return int64(f), true, "", ""
}

func integerRange(t fieldType, v int64) (string, string) {
	var lo, hi int64
	var what string
	switch t {
	case ftInteger:
		lo, hi, what = math.MinInt32, math.MaxInt32, "an integer"
	case ftShort:
		lo, hi, what = math.MinInt16, math.MaxInt16, "a short"
	case ftByte:
		lo, hi, what = math.MinInt8, math.MaxInt8, "a byte"
	default:
		return "", ""
	}
	if v < lo || v > hi {
		return "illegal_argument_exception", "Value [" + strconv.FormatInt(v, 10) + "] is out of range for " + what
	}
	return "", ""
}

// parseJavaDouble mimics Double.parseDouble: surrounding whitespace and a
// trailing d/f suffix are accepted.
func parseJavaDouble(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if n := len(t); n > 1 && strings.ContainsRune("dDfF", rune(t[n-1])) && t[n-2] >= '0' && t[n-2] <= '9' || n > 1 && strings.ContainsRune("dDfF", rune(t[n-1])) && t[n-2] == '.' {
		t = t[:n-1]
	}
	switch t {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}
