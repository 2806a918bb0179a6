package nearest_test

import (
	"testing"

	"github.com/resyncbot/resyncbot/internal/nearest"
)

func TestWord(t *testing.T) {
	envs := []string{"staging", "preprod", "prod"}
	for _, tc := range []struct{ word, want string }{
		{"prd", "prod"},
		{"PROD", "prod"},
		{"stagin", "staging"},
		{"preprd", "preprod"},
		{"production", ""}, // too far from every candidate
		{"x", ""},
		{"", ""}, // nothing typed suggests nothing
	} {
		if got := nearest.Word(tc.word, envs); got != tc.want {
			t.Errorf("Word(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if got := nearest.Word("abc", nil); got != "" {
		t.Errorf("no candidates gave %q", got)
	}
}
