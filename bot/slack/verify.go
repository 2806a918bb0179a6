package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/resyncbot/resyncbot/bot"
)

// Headers of a signed Slack request.
const (
	headerTimestamp = "X-Slack-Request-Timestamp"
	headerSignature = "X-Slack-Signature"
	signatureScheme = "v0"
)

// Reasons a request is refused; logged, never shown to the caller.
var (
	errNoSignature  = errors.New("missing signature header")
	errBadSignature = errors.New("signature does not match")
	errNoSecret     = errors.New("no signing secret configured")
)

// verifySignature checks Slack's v0 signature of body against secret, and
// that the timestamp lies within bot.ReplayWindow of now either way. It is
// slack.NewSecretsVerifier with the clock passed in, so tests can move it.
func verifySignature(secret, timestamp, signature string, body []byte, now time.Time) error {
	if secret == "" {
		// An empty key would make every forger's signature valid.
		return errNoSecret
	}
	if signature == "" {
		return errNoSignature
	}
	if err := bot.CheckTimestamp(timestamp, now); err != nil {
		return err
	}
	hexSig, ok := strings.CutPrefix(signature, signatureScheme+"=")
	if !ok {
		return errBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return errBadSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signatureScheme + ":" + timestamp + ":"))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), got) {
		return errBadSignature
	}
	return nil
}
