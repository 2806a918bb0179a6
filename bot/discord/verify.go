package discord

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/bot"
)

// Headers of a signed interaction.
const (
	headerSignature = "X-Signature-Ed25519"
	headerTimestamp = "X-Signature-Timestamp"
)

// Reasons an interaction is refused; logged, never shown to the caller.
var (
	errNoKey        = errors.New("no usable public key configured")
	errNoSignature  = errors.New("missing signature or timestamp header")
	errBadSignature = errors.New("signature does not verify")
)

// verified reads the body (capped) and checks, in this order, the Ed25519
// signature over timestamp+body, that the timestamp lies within
// bot.ReplayWindow of now either way (discordgo.VerifyInteraction does not
// look at its age), and that the signature was not seen before. On any
// failure it answers the request itself (401, which is also what Discord's
// endpoint check expects of a bad signature) and reports false.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, msgMethodNotAllow, http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.refuse(w, r, err, http.StatusRequestEntityTooLarge, msgTooLarge)
		} else {
			a.refuse(w, r, err, http.StatusBadRequest, msgBadRequest)
		}
		return nil, false
	}
	if err := a.checkSignature(r, body); err != nil {
		a.refuse(w, r, err, http.StatusUnauthorized, msgUnauthorized)
		return nil, false
	}
	if err := a.guard.Admit(r.Context(), r.Header.Get(headerSignature)); err != nil {
		a.refuse(w, r, err, http.StatusUnauthorized, msgUnauthorized)
		return nil, false
	}
	return body, true
}

// checkSignature verifies the request's signature and timestamp.
func (a *Adapter) checkSignature(r *http.Request, body []byte) error {
	if a.key == nil {
		return errNoKey
	}
	sig, ts := r.Header.Get(headerSignature), r.Header.Get(headerTimestamp)
	if sig == "" || ts == "" {
		return errNoSignature
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !discordgo.VerifyInteraction(r, a.key) {
		return errBadSignature
	}
	return bot.CheckTimestamp(ts, a.now())
}

// refuse answers status and logs why, without the signature.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, why error, status int, msg string) {
	a.log.Warn().Err(why).Int("status", status).Str("path", r.URL.Path).Str("remote", r.RemoteAddr).Msg("discord request refused")
	http.Error(w, msg, status)
}
