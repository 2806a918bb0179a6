package discordfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/internal/discordfake"
)

// rebase sends discordgo's requests for discord.com to the fake.
type rebase struct{ to string }

func (t rebase) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	u, err := r.URL.Parse(t.to + strings.TrimPrefix(r.URL.String(), discordgo.EndpointAPI))
	if err != nil {
		return nil, err
	}
	r2.URL, r2.Host = u, ""
	return http.DefaultTransport.RoundTrip(r2)
}

// session is a discordgo session against s with token, that returns 429s
// as errors instead of retrying.
func session(t *testing.T, s *discordfake.Server, token string) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = &http.Client{Transport: rebase{to: s.URL()}, Timeout: 10 * time.Second}
	dg.ShouldRetryOnRateLimit = false
	dg.MaxRestRetries = 0
	return dg
}

// clock is a test clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// restStatus is the HTTP status of a discordgo REST error, or 0.
func restStatus(err error) (int, int) {
	re, ok := err.(*discordgo.RESTError)
	if !ok || re.Response == nil {
		return 0, 0
	}
	code := 0
	if re.Message != nil {
		code = re.Message.Code
	}
	return re.Response.StatusCode, code
}

func button(id, label string, style discordgo.ButtonStyle) discordgo.Button {
	return discordgo.Button{CustomID: id, Label: label, Style: style}
}

func row(bs ...discordgo.MessageComponent) []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: bs}}
}

func decodeJSON(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
