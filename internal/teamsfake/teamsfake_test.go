package teamsfake_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/teamsfake"
)

const valid = `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4",
"body":[{"type":"TextBlock","text":"Data restored","weight":"Bolder"},{"type":"TextBlock","text":"Resolved","color":"good"},
{"type":"FactSet","facts":[{"title":"Updated","value":"16:05 GMT"}]}]}}]}`

func post(t *testing.T, url, contentType, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestAcceptsValidCard(t *testing.T) {
	s := teamsfake.New(t, "users")
	resp := post(t, s.URL("users"), "application/json", valid)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202", resp.StatusCode)
	}
	cards := s.Cards("users")
	if len(cards) != 1 {
		t.Fatalf("%d cards accepted, want 1", len(cards))
	}
	c := cards[0]
	if c.Title() != "Data restored" || c.Colors()["Resolved"] != "good" || c.Facts()[0].Value != "16:05 GMT" {
		t.Errorf("card read back wrong: title %q colours %v facts %v", c.Title(), c.Colors(), c.Facts())
	}
	if got := c.PlainText(); got != "Data restored\nResolved\nUpdated: 16:05 GMT" {
		t.Errorf("plain text %q", got)
	}
}

func TestRefusesMalformedCards(t *testing.T) {
	s := teamsfake.New(t, "users")
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		problem                 string
	}{
		{"not json", `{"type":`, "application/json", 400, "not a message"},
		{"wrong type", strings.Replace(valid, `"type":"message"`, `"type":"card"`, 1), "application/json", 400, `type is "card"`},
		{"no attachments", `{"type":"message","attachments":[]}`, "application/json", 400, "attachments is empty"},
		{"legacy connector card", strings.Replace(valid, "application/vnd.microsoft.card.adaptive", "application/vnd.microsoft.teams.card.o365connector", 1), "application/json", 400, "contentType"},
		{"wrong card type", strings.Replace(valid, `"type":"AdaptiveCard"`, `"type":"HeroCard"`, 1), "application/json", 400, "content.type"},
		{"version 1.5", strings.Replace(valid, `"version":"1.4"`, `"version":"1.5"`, 1), "application/json", 400, "version"},
		{"version as a number", strings.Replace(valid, `"version":"1.4"`, `"version":1.4`, 1), "application/json", 400, "not a message"},
		{"empty body", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.4","body":[]}}]}`, "application/json", 400, "body is empty"},
		{"unknown element", strings.Replace(valid, `"type":"FactSet"`, `"type":"Fact"`, 1), "application/json", 400, "not an Adaptive Card 1.4 element"},
		{"bad colour", strings.Replace(valid, `"color":"good"`, `"color":"green"`, 1), "application/json", 400, "colour"},
		{"empty text", strings.Replace(valid, `"text":"Data restored"`, `"text":""`, 1), "application/json", 400, "text is empty"},
		{"form body", valid, "application/x-www-form-urlencoded", 415, "content type"},
		{"too big", strings.Replace(valid, "Data restored", strings.Repeat("x", teamsfake.MaxBytes), 1), "application/json", 413, "must be under"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Requests("users"))
			resp := post(t, s.URL("users"), tc.contentType, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			reqs := s.Requests("users")
			if len(reqs) != before+1 || !strings.Contains(reqs[len(reqs)-1].Problem, tc.problem) {
				t.Errorf("problem recorded %q, want it to mention %q", reqs[len(reqs)-1].Problem, tc.problem)
			}
		})
	}
	if n := len(s.Cards("users")); n != 0 {
		t.Errorf("%d malformed cards accepted", n)
	}
}

func TestSignatureAndUnknownWebhook(t *testing.T) {
	s := teamsfake.New(t, "users")
	forged := strings.Replace(s.URL("users"), s.Signature("users"), "forged", 1)
	if resp := post(t, forged, "application/json", valid); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged signature: status %d, want 401", resp.StatusCode)
	}
	other := strings.Replace(s.URL("users"), "/workflows/users/", "/workflows/nobody/", 1)
	if resp := post(t, other, "application/json", valid); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown webhook: status %d, want 404", resp.StatusCode)
	}
	if n := len(s.Cards("users")); n != 0 {
		t.Errorf("%d cards accepted", n)
	}
}

func TestScriptedAnswers(t *testing.T) {
	s := teamsfake.New(t, "users")
	s.Script("users", append(teamsfake.Repeat(2, teamsfake.Response{Status: 500}),
		teamsfake.Response{Status: 429, RetryAfter: "3"})...)
	var got []int
	var retry string
	for range 4 {
		resp, err := http.Post(s.URL("users"), "application/json", strings.NewReader(valid))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 429 {
			retry = resp.Header.Get("Retry-After")
		}
	}
	if want := []int{500, 500, 429, 202}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if retry != "3" {
		t.Errorf("Retry-After %q, want 3", retry)
	}
	if n := len(s.Cards("users")); n != 1 {
		t.Errorf("%d cards accepted, want only the one answered 202", n)
	}
}

func TestHoldAbandonedRequestIsNotAccepted(t *testing.T) {
	s := teamsfake.New(t, "users")
	release := s.Hold("users")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL("users"), strings.NewReader(valid))
	req.Header.Set("Content-Type", "application/json")
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	wctx0, wcancel0 := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel0()
	if err := s.WaitFor(wctx0, func() bool { return s.Waiting("users") == 1 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("a held request was answered")
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	if err := s.WaitFor(wctx, func() bool { return len(s.Requests("users")) == 1 }); err != nil {
		t.Fatal(err)
	}
	if n := s.Waiting("users"); n != 0 {
		t.Errorf("%d requests still counted as waiting after the client went away", n)
	}
	release()
	if resp := post(t, s.URL("users"), "application/json", valid); resp.StatusCode != 202 {
		t.Errorf("after release: status %d", resp.StatusCode)
	}
	if n := len(s.Cards("users")); n != 1 {
		t.Errorf("%d cards accepted, want 1 (the abandoned one must not count)", n)
	}
}
