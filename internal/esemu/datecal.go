package esemu

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
