package chat_test

import (
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/chat"
)

func TestTextBar(t *testing.T) {
	for _, tc := range []struct {
		bar  chat.Bar
		want string
	}{
		{chat.Bar{Done: 0, Total: 200000}, "░░░░░░░░░░░░░░░░░░░░   0%  0 / 200,000"},
		{chat.Bar{Done: 96000, Total: 200000}, "▓▓▓▓▓▓▓▓▓░░░░░░░░░░░  48%  96,000 / 200,000"},
		{chat.Bar{Done: 200000, Total: 200000}, "▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓ 100%  200,000 / 200,000"},
		{chat.Bar{Done: 5, Total: 0}, "▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓ 100%  5 / 0"},
		{chat.Bar{Done: 1234, Total: -1}, "░░░░░░░░░░░░░░░░░░░░  1,234 docs"},
	} {
		if got := chat.TextBar(tc.bar); got != tc.want {
			t.Errorf("TextBar(%+v) = %q, want %q", tc.bar, got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := chat.Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPlainTextDropsButtonsKeepsMeaning(t *testing.T) {
	m := chat.Message{
		Title:   "Resync of prod requested",
		Style:   chat.Style{Env: "prod", Production: true},
		Text:    "Alice asks to rebuild the revalidation data.",
		Fields:  []chat.Field{{Label: "Reason", Value: "GMC refresh"}},
		Bars:    []chat.Bar{{Label: "masterdoctorindex", Done: 50, Total: 100}},
		Buttons: []chat.Button{{ActionID: "approve", Label: "Approve"}},
	}
	got := chat.PlainText(m)
	for _, want := range []string{"PRODUCTION", "Resync of prod requested", "Reason: GMC refresh", "masterdoctorindex ▓▓▓▓▓▓▓▓▓▓"} {
		if !strings.Contains(got, want) {
			t.Errorf("plain text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Approve") {
		t.Errorf("plain text shows a button that cannot be clicked across a bridge:\n%s", got)
	}
}
