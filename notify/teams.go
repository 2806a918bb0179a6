package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/redact"
)

// Teams Workflows webhook facts (PROTOCOLS.md).
const (
	// AdaptiveCardType is the attachment content type of an Adaptive Card.
	AdaptiveCardType = "application/vnd.microsoft.card.adaptive"
	// AdaptiveCardVersion is the card schema version Teams Workflows render.
	AdaptiveCardVersion = "1.4"
	// MaxCardBytes is the size a Teams message must stay under.
	MaxCardBytes = 28 * 1024
	// cardBudget leaves room under MaxCardBytes for what Teams wraps around it.
	cardBudget = MaxCardBytes - 1024
)

// RetryAfterError is a destination's "not now": a 429 (or a platform's rate
// limit) that says when to try again. Delivery waits at least After.
type RetryAfterError struct {
	Dest  string
	After time.Duration
	Err   error
}

// Error says which destination asked to wait, and how long.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%s: rate limited, retry after %s: %v", e.Dest, e.After, e.Err)
}

// Unwrap returns the destination's own error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// ErrPermanent marks a send that will fail the same way however often it is
// tried (the destination refuses the message itself); delivery gives up at once.
var ErrPermanent = errors.New("permanent failure")

// TeamsWebhook posts notices as Adaptive Cards to one Teams Workflows
// webhook. Its URL carries a signature, so it appears in no error or log:
// the webhook is known by its name.
type TeamsWebhook struct {
	name   string
	url    string
	cfg    *config.Config
	client *http.Client
	// secrets are the URL and its secret parts, masked in error messages.
	mask *strings.Replacer
}

// NewTeamsWebhook returns the destination for the webhook called name at
// url. cfg gives each notice's environment (for its label and time zone);
// a nil client means one with a 30 s timeout.
func NewTeamsWebhook(name, webhookURL string, cfg *config.Config, client *http.Client) *TeamsWebhook {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	pairs := []string{webhookURL, redact.Mask}
	for _, s := range redact.URLSecrets(webhookURL) {
		if len(s) >= redact.MinLength {
			pairs = append(pairs, s, redact.Mask)
		}
	}
	if u, err := url.Parse(webhookURL); err == nil && u.RawQuery != "" {
		pairs = append(pairs, u.RawQuery, redact.Mask)
	}
	return &TeamsWebhook{name: name, url: webhookURL, cfg: cfg, client: client, mask: strings.NewReplacer(pairs...)}
}

// Key names the destination: "teams:{webhook name}".
func (t *TeamsWebhook) Key() string { return "teams:" + t.name }

// Send posts n as an Adaptive Card. 200 and 202 are success; 429 is a
// *RetryAfterError; 400 and 413 are ErrPermanent (the card is refused).
func (t *TeamsWebhook) Send(ctx context.Context, n Notice) error {
	body, err := TeamsCard(t.cfg.Environments[n.Env], n)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Key(), err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", t.Key(), t.clean(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: post: %w", t.Key(), t.clean(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusAccepted:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return &RetryAfterError{Dest: t.Key(), After: retryAfter(resp.Header.Get("Retry-After"), time.Now()), Err: t.statusError(resp, snippet)}
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s: %w: %w", t.Key(), ErrPermanent, t.statusError(resp, snippet))
	}
	return fmt.Errorf("%s: %w", t.Key(), t.statusError(resp, snippet))
}

func (t *TeamsWebhook) statusError(resp *http.Response, body []byte) error {
	msg := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "")), " ")
	if msg == "" {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return fmt.Errorf("answered %s: %s", resp.Status, t.mask.Replace(msg))
}

// clean strips the URL from an HTTP client error (a *url.Error names it)
// and masks any trace of it that the cause still carries.
func (t *TeamsWebhook) clean(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &maskedError{msg: t.mask.Replace(err.Error()), err: err}
}

// maskedError shows a message with secrets masked while still matching its
// cause with errors.Is (context.DeadlineExceeded, …).
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// retryAfter parses a Retry-After header: seconds, or an HTTP date. A
// missing or unusable value means one second.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return time.Second
}

// card is the Teams message envelope around one Adaptive Card.
type card struct {
	Type        string           `json:"type"`
	Attachments []cardAttachment `json:"attachments"`
}

type cardAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string        `json:"$schema"`
	Type    string        `json:"type"`
	Version string        `json:"version"`
	Body    []cardElement `json:"body"`
}

type cardElement struct {
	Type    string     `json:"type"`
	Text    string     `json:"text,omitempty"`
	Size    string     `json:"size,omitempty"`
	Weight  string     `json:"weight,omitempty"`
	Color   string     `json:"color,omitempty"`
	Wrap    bool       `json:"wrap,omitempty"`
	Spacing string     `json:"spacing,omitempty"`
	Facts   []cardFact `json:"facts,omitempty"`
}

type cardFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// TeamsCard renders n as a Teams Workflows message: an Adaptive Card 1.4
// with the title, the state in its colour, the text, and the times as
// facts, in env's time zone. An overlong text is shortened so that the
// message stays under MaxCardBytes.
func TeamsCard(env *config.Environment, n Notice) ([]byte, error) {
	text := n.Text
	for {
		body, err := marshalCard(env, n, text)
		if err != nil {
			return nil, fmt.Errorf("teams card for notice %s: %w", n.ID, err)
		}
		if len(body) < cardBudget {
			return body, nil
		}
		if text == "" {
			return nil, fmt.Errorf("teams card for notice %s: %d bytes without its text, over %d", n.ID, len(body), cardBudget)
		}
		text = shorten(text, len(text)-(len(body)-cardBudget)-64)
	}
}

func marshalCard(env *config.Environment, n Notice, text string) ([]byte, error) {
	c := adaptiveCard{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: AdaptiveCardVersion,
		Body: []cardElement{
			{Type: "TextBlock", Text: n.Title, Size: "Large", Weight: "Bolder", Wrap: true},
			{Type: "TextBlock", Text: n.State.Label(), Color: n.State.Colour(), Weight: "Bolder", Spacing: "None"},
		},
	}
	if text != "" {
		c.Body = append(c.Body, cardElement{Type: "TextBlock", Text: text, Wrap: true})
	}
	var facts []cardFact
	for _, f := range noticeFacts(env, n) {
		facts = append(facts, cardFact{Title: f.Label, Value: f.Value})
	}
	if len(facts) > 0 {
		c.Body = append(c.Body, cardElement{Type: "FactSet", Facts: facts})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(card{Type: "message", Attachments: []cardAttachment{{ContentType: AdaptiveCardType, Content: c}}})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// shorten cuts s to at most n bytes, on a rune boundary, ending in "…".
func shorten(s string, n int) string {
	const ellipsis = "…"
	if n <= len(ellipsis) {
		return ""
	}
	if len(s) <= n {
		return s
	}
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
