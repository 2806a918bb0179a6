package bot_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/internal/redistest"
)

func TestCheckTimestamp(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	stamp := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	for _, tc := range []struct {
		header string
		want   error
	}{
		{stamp(0), nil},
		{stamp(-4 * time.Minute), nil},
		{stamp(4 * time.Minute), nil},
		{stamp(-6 * time.Minute), bot.ErrStale},
		{stamp(6 * time.Minute), bot.ErrFuture},
		{"", bot.ErrNoTimestamp},
		{"yesterday", bot.ErrBadTimestamp},
	} {
		if err := bot.CheckTimestamp(tc.header, now); !errors.Is(err, tc.want) {
			t.Errorf("CheckTimestamp(%q) = %v, want %v", tc.header, err, tc.want)
		}
	}
}

func TestReplayGuardAdmitsOnceWhateverTheCase(t *testing.T) {
	rd := redistest.New(t)
	g := bot.NewReplayGuard(rd.Client, rd.Prefix)
	ctx := context.Background()
	if err := g.Admit(ctx, "v0=abcdef0123"); err != nil {
		t.Fatalf("first sight: %v", err)
	}
	for _, again := range []string{"v0=abcdef0123", "V0=ABCDEF0123", " v0=abcdef0123 "} {
		if err := g.Admit(ctx, again); !errors.Is(err, bot.ErrReplay) {
			t.Errorf("Admit(%q) = %v, want ErrReplay", again, err)
		}
	}
	var none *bot.ReplayGuard
	if err := none.Admit(ctx, "v0=1"); !errors.Is(err, bot.ErrNoGuard) {
		t.Errorf("nil guard: %v", err)
	}
}
