package chat

import (
	"fmt"
	"strings"
)

// barWidth is the number of cells of a text progress bar.
const barWidth = 20

// TextBar renders a progress bar as text that reads well on every platform
// and across a Teams bridge: "▓▓▓▓▓░░░░░ 48% 96,000 / 200,000".
func TextBar(b Bar) string {
	if b.Total < 0 {
		return fmt.Sprintf("%s  %s docs", strings.Repeat("░", barWidth), Thousands(b.Done))
	}
	pct := 100.0
	if b.Total > 0 {
		pct = float64(b.Done) * 100 / float64(b.Total)
	}
	pct = min(max(pct, 0), 100)
	filled := int(pct / 100 * barWidth)
	return fmt.Sprintf("%s%s %3.0f%%  %s / %s", strings.Repeat("▓", filled), strings.Repeat("░", barWidth-filled), pct, Thousands(b.Done), Thousands(b.Total))
}

// Thousands formats n with thousands separators: 1234567 → "1,234,567".
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// PlainText renders m as plain text, the way a Teams-bridged channel shows
// it: no buttons (they cannot cross a bridge), everything else in lines.
func PlainText(m Message) string {
	var sb strings.Builder
	if m.Style.Production {
		sb.WriteString("🚨 PRODUCTION 🚨\n")
	}
	if m.Title != "" {
		sb.WriteString(m.Title + "\n")
	}
	if m.Text != "" {
		sb.WriteString(m.Text + "\n")
	}
	for _, f := range m.Fields {
		fmt.Fprintf(&sb, "%s: %s\n", f.Label, f.Value)
	}
	for _, b := range m.Bars {
		fmt.Fprintf(&sb, "%s %s\n", b.Label, TextBar(b))
	}
	if m.Footer != "" {
		sb.WriteString(m.Footer + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}
