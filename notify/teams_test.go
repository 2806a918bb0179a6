package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/teamsfake"
	"github.com/resyncbot/resyncbot/notify"
)

func TestTeamsWebhookAnswers(t *testing.T) {
	f := newFixture(t, nil)
	hook := notify.NewTeamsWebhook("users", f.teams.URL("users"), f.cfg, nil)
	if hook.Key() != "teams:users" {
		t.Errorf("key %q", hook.Key())
	}
	n := f.notice("n1")
	ctx := context.Background()

	f.teams.Script("users",
		teamsfake.Response{Status: 429, RetryAfter: "12"},
		teamsfake.Response{Status: 429, RetryAfter: time.Now().Add(time.Hour).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")},
		teamsfake.Response{Status: 400, Body: `{"error":{"code":"InvalidTemplate"}}`},
		teamsfake.Response{Status: 502},
		teamsfake.Response{Status: 200},
	)
	var ra *notify.RetryAfterError
	if err := hook.Send(ctx, n); !errors.As(err, &ra) || ra.After != 12*time.Second {
		t.Errorf("429 Retry-After: 12 gave %v", err)
	}
	if err := hook.Send(ctx, n); !errors.As(err, &ra) || ra.After < 59*time.Minute || ra.After > time.Hour {
		t.Errorf("429 with an HTTP date gave %v", err)
	}
	if err := hook.Send(ctx, n); !errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "InvalidTemplate") {
		t.Errorf("400 gave %v; want ErrPermanent with what Teams said", err)
	}
	if err := hook.Send(ctx, n); err == nil || errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "502") {
		t.Errorf("502 gave %v; want a retryable error", err)
	}
	if err := hook.Send(ctx, n); err != nil {
		t.Errorf("200 gave %v", err)
	}
	if err := hook.Send(ctx, n); err != nil {
		t.Errorf("202 gave %v", err)
	}
	if got := len(f.teams.Cards("users")); got != 2 {
		t.Errorf("%d cards accepted, want 2", got)
	}
}

func TestTeamsErrorsNeverShowTheWebhookURL(t *testing.T) {
	f := newFixture(t, nil)
	const sig = "s3cr3t-signature-value"
	gone := httptest.NewServer(nil)
	url := gone.URL + "/workflows/x/triggers/manual/paths/invoke?api-version=2016-06-01&sig=" + sig
	gone.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := notify.NewTeamsWebhook("gone", url, f.cfg, nil).Send(ctx, f.notice("n1"))
	if err == nil {
		t.Fatal("posting to a closed server succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, sig) || strings.Contains(msg, "/workflows/") {
		t.Errorf("error shows the webhook URL: %s", msg)
	}
	if !strings.HasPrefix(err.Error(), "teams:gone: post:") {
		t.Errorf("error does not name the webhook: %s", err)
	}

	// A server that echoes the URL back in its error body is masked too.
	echo := httptest.NewServer(nil)
	defer echo.Close()
	echo.Config.Handler = echoHandler{}
	url = echo.URL + "/hook?sig=" + sig
	err = notify.NewTeamsWebhook("echo", url, f.cfg, nil).Send(context.Background(), f.notice("n1"))
	if err == nil || strings.Contains(err.Error(), sig) {
		t.Errorf("error %v shows the signature", err)
	}
}

// echoHandler answers 500 with the request's URL in the body.
type echoHandler struct{}

func (echoHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("cannot run " + r.URL.String()))
}
