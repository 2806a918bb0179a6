package slack

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/chat"
)

// ackBody is the answer to a slash command: shown to the typist only, at
// once, while the command runs.
type ackBody struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// Commands is the handler of /slack/commands, where Slack posts slash
// commands. It answers 200 at once and runs the command in the background.
func (a *Adapter) Commands() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.verified(w, r) {
			return
		}
		cmd, err := slackapi.SlashCommandParse(r)
		if err != nil || cmd.Command == "" || cmd.UserID == "" {
			a.log.Warn().Err(err).Str("path", r.URL.Path).Msg("slack slash command unreadable")
			http.Error(w, msgBadRequest, http.StatusBadRequest)
			return
		}
		hs := []handler{a.commandHandler(commandEvent(cmd))}
		if !a.bg.Reserve(len(hs)) {
			http.Error(w, msgShuttingDown, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ackBody{ResponseType: "ephemeral", Text: msgWorking})
		// Send the ack before the handler starts, so "Working on it…" cannot
		// land after a quick handler's own answer.
		_ = http.NewResponseController(w).Flush()
		a.start(r.Context(), hs)
	})
}

// Interactions is the handler of /slack/interactions, where Slack posts
// button clicks. It answers 200 at once and hands each block action to the
// bot in the background; other interaction types are acknowledged and ignored.
func (a *Adapter) Interactions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.verified(w, r) {
			return
		}
		ic, err := slackapi.InteractionCallbackParse(r)
		if err != nil {
			a.log.Warn().Err(err).Str("path", r.URL.Path).Msg("slack interaction unreadable")
			http.Error(w, msgBadRequest, http.StatusBadRequest)
			return
		}
		hs := a.clickHandlers(ic)
		if !a.bg.Reserve(len(hs)) {
			http.Error(w, msgShuttingDown, http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
		_ = http.NewResponseController(w).Flush()
		a.start(r.Context(), hs)
	})
}

// commandHandler is the bot call for one slash command.
func (a *Adapter) commandHandler(ev bot.CommandEvent) handler {
	a.log.Debug().Str("user", ev.User.ID).Str("channel", ev.Channel).Str("command", ev.Slash).Msg("slack command")
	return handler{what: ev.Slash, fn: func(ctx context.Context) { a.h.Command(ctx, ev) }}
}

// clickHandlers are the bot calls for an interaction: one per button click,
// none for the interaction types the bot does not use.
func (a *Adapter) clickHandlers(ic slackapi.InteractionCallback) []handler {
	evs := clickEvents(ic)
	if len(evs) == 0 {
		a.log.Debug().Str("type", string(ic.Type)).Msg("slack interaction ignored")
	}
	hs := make([]handler, 0, len(evs))
	for _, ev := range evs {
		a.log.Debug().Str("user", ev.User.ID).Str("channel", ev.Channel).Str("action", ev.ActionID).Msg("slack click")
		hs = append(hs, handler{what: ev.ActionID, fn: func(ctx context.Context) { a.h.Click(ctx, ev) }})
	}
	return hs
}

// verified reads the body (capped), checks the signature, the timestamp and
// that the signature is new, and puts the body back for the form parser. On
// any failure it answers the request itself and reports false.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, msgMethodNotAllow, http.StatusMethodNotAllowed)
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.refuse(w, r, err, http.StatusRequestEntityTooLarge, msgTooLarge)
		} else {
			a.refuse(w, r, err, http.StatusBadRequest, msgBadRequest)
		}
		return false
	}
	sig := r.Header.Get(headerSignature)
	if err := verifySignature(a.cfg.SigningSecret, r.Header.Get(headerTimestamp), sig, body, a.now()); err != nil {
		a.refuse(w, r, err, http.StatusUnauthorized, msgUnauthorized)
		return false
	}
	if err := a.guard.Admit(r.Context(), sig); err != nil {
		a.refuse(w, r, err, http.StatusUnauthorized, msgUnauthorized)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// refuse answers status and logs why, without the secret or the signature.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, why error, status int, msg string) {
	a.log.Warn().Err(why).Int("status", status).Str("path", r.URL.Path).Str("remote", r.RemoteAddr).Msg("slack request refused")
	http.Error(w, msg, status)
}

// commandEvent is the bot's view of a slash command.
func commandEvent(cmd slackapi.SlashCommand) bot.CommandEvent {
	return bot.CommandEvent{
		User:    bot.User{Platform: chat.Slack, ID: cmd.UserID, Name: cmd.UserName},
		Channel: cmd.ChannelID,
		Slash:   cmd.Command,
		Text:    cmd.Text,
	}
}

// clickEvents are the button clicks of a block_actions interaction, one per
// action; any other interaction type gives none.
func clickEvents(ic slackapi.InteractionCallback) []bot.ClickEvent {
	if ic.Type != slackapi.InteractionTypeBlockActions {
		return nil
	}
	channel := cmp.Or(ic.Container.ChannelID, ic.Channel.ID)
	user := bot.User{Platform: chat.Slack, ID: ic.User.ID, Name: cmp.Or(ic.User.Username, ic.User.Name)}
	ref := chat.Ref{Platform: chat.Slack, Channel: channel, ID: cmp.Or(ic.Container.MessageTs, ic.Message.Timestamp)}
	var evs []bot.ClickEvent
	for _, act := range ic.ActionCallback.BlockActions {
		if act == nil {
			continue
		}
		evs = append(evs, bot.ClickEvent{
			User:     user,
			Channel:  channel,
			Message:  ref,
			ActionID: originalActionID(act.ActionID),
			Value:    act.Value,
		})
	}
	return evs
}
