package slackfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Headers Slack signs its requests with.
const (
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	HeaderSignature = "X-Slack-Signature"
)

// slackUserAgent is what Slack's request senders call themselves.
const slackUserAgent = "Slackbot 1.0 (+https://api.slack.com/robots)"

// StaleAge is how old StaleTimestamp makes a request: past the five minutes
// a verifier allows.
const StaleAge = 6 * time.Minute

// Driver plays Slack towards our HTTP endpoints: it sends slash commands and
// button clicks the way Slack sends them, signed with the app's signing
// secret. It is safe for concurrent use.
type Driver struct {
	secret    string
	verifyTok string
	now       func() time.Time
	client    *http.Client
	srv       *Server

	mu   sync.Mutex
	last Request
}

// DriverOption configures a Driver.
type DriverOption func(*Driver)

// WithDriverClock sets the clock the Driver stamps requests with.
func WithDriverClock(now func() time.Time) DriverOption { return func(d *Driver) { d.now = now } }

// WithHTTPClient sets the client requests go through.
func WithHTTPClient(c *http.Client) DriverOption { return func(d *Driver) { d.client = c } }

// WithServer attaches a fake Web API: the Driver then mints response URLs
// there, fills a click's message, button text and value from the message the
// server holds, and refuses clicks on messages or buttons that do not exist.
func WithServer(s *Server) DriverOption { return func(d *Driver) { d.srv = s } }

// WithVerificationToken sets the deprecated verification token Slack still
// puts in payloads (default "fake-verification-token").
func WithVerificationToken(tok string) DriverOption { return func(d *Driver) { d.verifyTok = tok } }

// NewDriver returns a Driver signing with signingSecret.
func NewDriver(signingSecret string, opts ...DriverOption) *Driver {
	d := &Driver{
		secret:    signingSecret,
		verifyTok: "fake-verification-token",
		now:       time.Now,
		client:    &http.Client{Timeout: 30 * time.Second},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Request is one request exactly as the Driver sent it, for Replay.
type Request struct {
	URL    string
	Header http.Header
	Body   []byte
}

// SendOption changes how one request is signed.
type SendOption func(*sendConfig)

type sendConfig struct {
	secret      string
	unsigned    bool
	noTimestamp bool
	age         time.Duration
	tamper      bool
}

// SignWith signs with secret instead of the Driver's (a wrong secret).
func SignWith(secret string) SendOption { return func(c *sendConfig) { c.secret = secret } }

// Unsigned omits the X-Slack-Signature header.
func Unsigned() SendOption { return func(c *sendConfig) { c.unsigned = true } }

// NoTimestamp omits the X-Slack-Request-Timestamp header; the signature is
// still computed over the timestamp that would have been sent.
func NoTimestamp() SendOption { return func(c *sendConfig) { c.noTimestamp = true } }

// StaleTimestamp stamps and signs the request StaleAge in the past.
func StaleTimestamp() SendOption { return Aged(StaleAge) }

// Aged stamps and signs the request age in the past (negative: in the future).
func Aged(age time.Duration) SendOption { return func(c *sendConfig) { c.age = age } }

// Tampered signs the body, then changes one byte of it before sending.
func Tampered() SendOption { return func(c *sendConfig) { c.tamper = true } }

// Signature computes Slack's v0 signature of body sent at timestamp (Unix
// seconds as a decimal string): "v0=" + hex(HMAC-SHA256(secret,
// "v0:"+timestamp+":"+body)).
func Signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+timestamp+":")
	_, _ = mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Send signs body and POSTs it to url with contentType, as Slack posts
// anything to an app. It returns the response with its body already read
// (resp.Body can still be read again) and that body.
func (d *Driver) Send(ctx context.Context, url, contentType string, body []byte, opts ...SendOption) (*http.Response, []byte, error) {
	cfg := sendConfig{secret: d.secret}
	for _, o := range opts {
		o(&cfg)
	}
	ts := strconv.FormatInt(d.now().Add(-cfg.age).Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("User-Agent", slackUserAgent)
	h.Set("Accept", "application/json,*/*")
	if !cfg.noTimestamp {
		h.Set(HeaderTimestamp, ts)
	}
	if !cfg.unsigned {
		h.Set(HeaderSignature, Signature(cfg.secret, ts, body))
	}
	sent := bytes.Clone(body)
	if cfg.tamper && len(sent) > 0 {
		sent[len(sent)-1] ^= 0x01
	}
	req := Request{URL: url, Header: h, Body: sent}
	d.mu.Lock()
	d.last = cloneRequest(req)
	d.mu.Unlock()
	return d.do(ctx, req)
}

// Last returns the last request Send, SlashCommand or Click sent.
func (d *Driver) Last() Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return cloneRequest(d.last)
}

// Replay sends req again with the same bytes and headers, as an attacker
// who captured it would.
func (d *Driver) Replay(ctx context.Context, req Request) (*http.Response, []byte, error) {
	if req.URL == "" {
		return nil, nil, fmt.Errorf("slackfake: replay: no request")
	}
	return d.do(ctx, cloneRequest(req))
}

func (d *Driver) do(ctx context.Context, req Request) (*http.Response, []byte, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, nil, fmt.Errorf("slackfake: build request: %w", err)
	}
	hr.Header = req.Header.Clone()
	resp, err := d.client.Do(hr)
	if err != nil {
		return nil, nil, fmt.Errorf("slackfake: post %s: %w", req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, nil, fmt.Errorf("slackfake: read answer of %s: %w", req.URL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, b, nil
}

func cloneRequest(r Request) Request {
	return Request{URL: r.URL, Header: r.Header.Clone(), Body: bytes.Clone(r.Body)}
}

// triggerID makes an ID shaped like Slack's trigger_id.
func (d *Driver) triggerID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	now := d.now()
	return fmt.Sprintf("%d.%d.%s", now.Unix(), now.UnixNano()%1e9, hex.EncodeToString(b[:]))
}
