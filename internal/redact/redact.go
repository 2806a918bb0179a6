// Package redact keeps secrets out of logs: a writer that masks known secret
// values, and a function that strips credentials from URLs.
package redact

import (
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
)

// Mask is what a secret is replaced with.
const Mask = "[REDACTED]"

// MinLength is the length below which a value is not treated as a secret:
// masking every "a" or "1" in a log would garble it and protect nothing.
const MinLength = 4

// Writer masks secrets in everything written through it.
type Writer struct {
	w io.Writer
	r *strings.Replacer
}

// NewWriter returns a writer that replaces every secret (of at least
// MinLength bytes) with Mask before writing to w. A secret is also masked in
// the escaped forms a JSON log line or a URL query would give it. Each Write is
// masked on its own, which suits loggers such as zerolog that write one whole
// line per call; a secret split across two writes is not caught.
func NewWriter(w io.Writer, secrets []string) *Writer {
	forms := make(map[string]bool)
	for _, s := range secrets {
		if len(s) < MinLength {
			continue
		}
		forms[s] = true
		forms[jsonEscaped(s, true)] = true
		forms[jsonEscaped(s, false)] = true
		forms[url.QueryEscape(s)] = true
		forms[url.PathEscape(s)] = true
	}
	list := make([]string, 0, len(forms))
	for s := range forms {
		list = append(list, s)
	}
	// Longest first, so that a secret containing another is masked whole;
	// strings.Replacer tries old strings in argument order at each position.
	slices.SortFunc(list, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	rw := &Writer{w: w}
	if len(list) > 0 {
		pairs := make([]string, 0, 2*len(list))
		for _, s := range list {
			pairs = append(pairs, s, Mask)
		}
		rw.r = strings.NewReplacer(pairs...)
	}
	return rw
}

// Write masks p and writes it. It reports len(p) on success, whatever the
// length of the masked bytes, as io.Writer's contract is about p.
func (rw *Writer) Write(p []byte) (int, error) {
	if rw.r == nil {
		return rw.w.Write(p)
	}
	if _, err := io.WriteString(rw.w, rw.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func jsonEscaped(s string, html bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// sensitiveParams are substrings of query parameter names whose values are
// credentials: Teams and Azure "sig", "token", "access_token", "api_key",
// "apikey", "key", "secret", "password".
var sensitiveParams = []string{"sig", "token", "key", "secret", "pass", "auth", "credential"}

func sensitive(param string) bool {
	p := strings.ToLower(param)
	for _, s := range sensitiveParams {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

// URL returns u without its credentials, for logs and messages: the userinfo
// is removed and, if any query parameter carries a signature, token or key
// (a Teams webhook's sig=, an ?api_key=), the whole query string is dropped.
// A string that does not parse as a URL is returned as Mask.
func URL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return Mask
	}
	p.User = nil
	for name := range p.Query() {
		if sensitive(name) {
			p.RawQuery = ""
			p.ForceQuery = false
			break
		}
	}
	return p.String()
}

// URLSecrets returns the secret parts of u: the password of its userinfo and
// the values of query parameters that carry a signature, token or key, both
// as written and decoded.
func URLSecrets(u string) []string {
	p, err := url.Parse(u)
	if err != nil {
		return nil
	}
	var out []string
	if pw, ok := p.User.Password(); ok && pw != "" {
		out = append(out, pw)
		if raw := rawPassword(p); raw != pw {
			out = append(out, raw)
		}
	}
	for _, kv := range strings.Split(p.RawQuery, "&") {
		name, raw, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(name); err != nil || !sensitive(name) || raw == "" {
			continue
		}
		out = append(out, raw)
		if v, err := url.QueryUnescape(raw); err == nil && v != raw {
			out = append(out, v)
		}
	}
	return out
}

// rawPassword is the password as written in the URL, still escaped.
func rawPassword(p *url.URL) string {
	s := p.User.String()
	_, pw, _ := strings.Cut(s, ":")
	return pw
}
