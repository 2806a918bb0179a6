package discordfake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Headers Discord signs interactions with.
const (
	HeaderSignature = "X-Signature-Ed25519"
	HeaderTimestamp = "X-Signature-Timestamp"
)

// discordUserAgent is what Discord's interaction sender calls itself.
const discordUserAgent = "Discord-Interactions/1.0 (+https://discord.com)"

// StaleAge is how old StaleTimestamp makes a request: past the five minutes
// a verifier allows.
const StaleAge = 6 * time.Minute

// Driver plays Discord towards an interactions endpoint: it sends PINGs,
// slash commands and button clicks the way Discord sends them, signed with
// its Ed25519 key, and applies each answer to the Server as Discord would
// (a deferred "thinking…", an ephemeral message, an updated message). It is
// safe for concurrent use.
type Driver struct {
	srv    *Server
	priv   ed25519.PrivateKey
	pub    ed25519.PublicKey
	now    func() time.Time
	client *http.Client

	mu   sync.Mutex
	last Request
}

// DriverOption configures a Driver.
type DriverOption func(*Driver)

// WithDriverClock sets the clock the Driver stamps requests with.
func WithDriverClock(now func() time.Time) DriverOption { return func(d *Driver) { d.now = now } }

// WithHTTPClient sets the client requests go through.
func WithHTTPClient(c *http.Client) DriverOption { return func(d *Driver) { d.client = c } }

// WithKey signs with priv instead of a freshly generated key.
func WithKey(priv ed25519.PrivateKey) DriverOption {
	return func(d *Driver) { d.priv, d.pub = priv, priv.Public().(ed25519.PublicKey) }
}

// NewDriver returns a Driver for the application of srv, with a new key pair.
func NewDriver(srv *Server, opts ...DriverOption) *Driver {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("discordfake: generate key: %v", err))
	}
	d := &Driver{srv: srv, priv: priv, pub: pub, now: time.Now, client: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// PublicKey is the hex public key to put in config's public_key.
func (d *Driver) PublicKey() string { return hex.EncodeToString(d.pub) }

// Request is one request exactly as the Driver sent it, for Replay.
type Request struct {
	URL    string
	Header http.Header
	Body   []byte
}

// SendOption changes how one request is signed.
type SendOption func(*sendConfig)

type sendConfig struct {
	priv        ed25519.PrivateKey
	unsigned    bool
	noTimestamp bool
	age         time.Duration
	tamper      bool
}

// WrongKey signs with a key that is not the application's.
func WrongKey() SendOption {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	return func(c *sendConfig) { c.priv = priv }
}

// Unsigned omits the X-Signature-Ed25519 header.
func Unsigned() SendOption { return func(c *sendConfig) { c.unsigned = true } }

// NoTimestamp omits the X-Signature-Timestamp header; the signature is still
// computed over the timestamp that would have been sent.
func NoTimestamp() SendOption { return func(c *sendConfig) { c.noTimestamp = true } }

// StaleTimestamp stamps and signs the request StaleAge in the past.
func StaleTimestamp() SendOption { return Aged(StaleAge) }

// Aged stamps and signs the request age in the past (negative: in the
// future). The signature is valid: only the time is wrong.
func Aged(age time.Duration) SendOption { return func(c *sendConfig) { c.age = age } }

// Tampered signs the body, then changes one byte of it before sending.
func Tampered() SendOption { return func(c *sendConfig) { c.tamper = true } }

// Sign is Discord's signature of body sent at timestamp (Unix seconds as a
// decimal string): hex(Ed25519(priv, timestamp+body)).
func Sign(priv ed25519.PrivateKey, timestamp string, body []byte) string {
	msg := append([]byte(timestamp), body...)
	return hex.EncodeToString(ed25519.Sign(priv, msg))
}

// Send signs body and POSTs it to url as Discord posts an interaction. It
// returns the response with its body already read (resp.Body can still be
// read again) and that body. It does not apply the answer: see Ping, Slash
// and Click.
func (d *Driver) Send(ctx context.Context, url string, body []byte, opts ...SendOption) (*http.Response, []byte, error) {
	cfg := sendConfig{priv: d.priv}
	for _, o := range opts {
		o(&cfg)
	}
	ts := strconv.FormatInt(d.now().Add(-cfg.age).Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", discordUserAgent)
	if !cfg.noTimestamp {
		h.Set(HeaderTimestamp, ts)
	}
	if !cfg.unsigned {
		h.Set(HeaderSignature, Sign(cfg.priv, ts, body))
	}
	sent := bytes.Clone(body)
	if cfg.tamper && len(sent) > 0 {
		sent[len(sent)/2] ^= 0x01
	}
	req := Request{URL: url, Header: h, Body: sent}
	d.mu.Lock()
	d.last = cloneRequest(req)
	d.mu.Unlock()
	return d.do(ctx, req)
}

// Last returns the last request the Driver sent.
func (d *Driver) Last() Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return cloneRequest(d.last)
}

// Replay sends req again with the same bytes and headers, as an attacker
// who captured it would. The server is not told: Discord never replays.
func (d *Driver) Replay(ctx context.Context, req Request) (*http.Response, []byte, error) {
	if req.URL == "" {
		return nil, nil, fmt.Errorf("discordfake: replay: no request")
	}
	return d.do(ctx, cloneRequest(req))
}

func (d *Driver) do(ctx context.Context, req Request) (*http.Response, []byte, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, nil, fmt.Errorf("discordfake: build request: %w", err)
	}
	hr.Header = req.Header.Clone()
	resp, err := d.client.Do(hr)
	if err != nil {
		return nil, nil, fmt.Errorf("discordfake: post %s: %w", req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, nil, fmt.Errorf("discordfake: read answer of %s: %w", req.URL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, b, nil
}

func cloneRequest(r Request) Request {
	return Request{URL: r.URL, Header: r.Header.Clone(), Body: bytes.Clone(r.Body)}
}
