package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
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
	errNoSignature  = errors.New("missing signature or timestamp header")
	errBadTimestamp = errors.New("timestamp is not a number")
	errStale        = errors.New("timestamp too old")
	errFuture       = errors.New("timestamp in the future")
	errBadSignature = errors.New("signature does not match")
	errReplay       = errors.New("signature already seen (replay)")
	errNoGuard      = errors.New("no replay guard configured")
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
	if timestamp == "" || signature == "" {
		return errNoSignature
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errBadTimestamp
	}
	switch age := now.Sub(time.Unix(ts, 0)); {
	case age > bot.ReplayWindow:
		return errStale
	case age < -bot.ReplayWindow:
		return errFuture
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
