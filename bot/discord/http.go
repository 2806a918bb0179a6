package discord

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/resyncbot/resyncbot/bot"
	"github.com/resyncbot/resyncbot/chat"
)

// Interactions is the handler of /discord/interactions, Discord's
// "interactions endpoint URL". It answers PING, answers every command and
// click at once (well within Discord's 3 seconds) and runs the bot's handler
// in the background:
//
//   - a slash command: type 5, deferred and ephemeral ("thinking…" shown to
//     the user only), then bot.Handler.Command;
//   - a click: type 6, deferred update, then bot.Handler.Click;
//   - a click on a button that must be confirmed: type 4, an ephemeral
//     "Are you sure?" with Confirm and Cancel, and no handler; Confirm then
//     answers type 7 (the question becomes "Confirmed.") and reaches the bot
//     as a click on the original message; Cancel only answers type 7.
func (a *Adapter) Interactions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := a.verified(w, r)
		if !ok {
			return
		}
		var in discordgo.Interaction
		if err := json.Unmarshal(body, &in); err != nil {
			a.refuse(w, r, err, http.StatusBadRequest, msgBadRequest)
			return
		}
		switch in.Type {
		case discordgo.InteractionPing:
			respond(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
		case discordgo.InteractionApplicationCommand:
			a.command(w, r, &in)
		case discordgo.InteractionMessageComponent:
			a.component(w, r, &in)
		default:
			a.refuse(w, r, fmt.Errorf("interaction type %d", in.Type), http.StatusBadRequest, msgUnknownType)
		}
	})
}

// command answers a slash command and hands it to the bot.
func (a *Adapter) command(w http.ResponseWriter, r *http.Request, in *discordgo.Interaction) {
	u := userOf(in)
	data, ok := in.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok || u.ID == "" || in.ChannelID == "" || in.Token == "" {
		a.refuse(w, r, fmt.Errorf("command without data, user, channel or token"), http.StatusBadRequest, msgBadRequest)
		return
	}
	slash, text, ok := commandText(data)
	if !ok {
		a.log.Info().Str("command", data.Name).Msg("discord command unknown to this version")
		respond(w, ephemeralAnswer(msgUnknownCommand, nil))
		return
	}
	if !a.bg.Reserve(1) {
		a.refuse(w, r, errClosed, http.StatusServiceUnavailable, msgShuttingDown)
		return
	}
	it := a.remember(in, u.ID, true)
	respond(w, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	})
	ev := bot.CommandEvent{User: u, Channel: in.ChannelID, Slash: slash, Text: text}
	a.log.Debug().Str("user", u.ID).Str("channel", ev.Channel).Str("command", slash).Msg("discord command")
	a.bg.Go(r.Context(), slash,
		func(ctx context.Context) { a.h.Command(withInteraction(ctx, it), ev) },
		func(ctx context.Context, timedOut bool) { a.chat.finish(ctx, it, timedOut) })
}

// component answers a button click: the confirm step itself, or a click
// for the bot.
func (a *Adapter) component(w http.ResponseWriter, r *http.Request, in *discordgo.Interaction) {
	u := userOf(in)
	data, ok := in.Data.(discordgo.MessageComponentInteractionData)
	if !ok || u.ID == "" || in.ChannelID == "" || in.Message == nil || in.Token == "" {
		a.refuse(w, r, fmt.Errorf("click without data, user, channel, message or token"), http.StatusBadRequest, msgBadRequest)
		return
	}
	c := parseCustomID(data.CustomID)
	switch {
	case c.cancel:
		respond(w, updateAnswer(msgCancelled))
		return
	case c.ask:
		respond(w, a.question(in.Message, data.CustomID, c))
		return
	}
	if !a.bg.Reserve(1) {
		a.refuse(w, r, errClosed, http.StatusServiceUnavailable, msgShuttingDown)
		return
	}
	it := a.remember(in, u.ID, false)
	msgID := in.Message.ID
	if original, ok := promptFor(in.Message); ok {
		// Confirm on the question: the click is on the message the
		// question was about. The question loses its buttons.
		msgID = original
		respond(w, updateAnswer(msgConfirmed))
	} else {
		respond(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
	}
	ev := bot.ClickEvent{
		User:     u,
		Channel:  in.ChannelID,
		Message:  chat.Ref{Platform: chat.Discord, Channel: in.ChannelID, ID: msgID},
		ActionID: c.actionID,
		Value:    c.value,
	}
	a.log.Debug().Str("user", u.ID).Str("channel", ev.Channel).Str("action", ev.ActionID).Msg("discord click")
	a.bg.Go(r.Context(), ev.ActionID,
		func(ctx context.Context) { a.h.Click(withInteraction(ctx, it), ev) }, nil)
}

// remember keeps in's token for the replies to user.
func (a *Adapter) remember(in *discordgo.Interaction, user string, thinking bool) *interaction {
	it := &interaction{
		id:       in.ID,
		token:    in.Token,
		appID:    cmp.Or(in.AppID, a.cfg.ApplicationID),
		channel:  in.ChannelID,
		user:     user,
		expires:  a.now().Add(tokenValidity),
		received: time.Now(),
		thinking: thinking,
	}
	a.chat.pending.add(it)
	return it
}

// question is the confirm step for the button id on msg: the
// button's own dialog when this process rendered it, else a generic one
// naming the button and the message.
func (a *Adapter) question(msg *discordgo.Message, id string, c click) *discordgo.InteractionResponse {
	q, ok := a.chat.confirms.lookup(msg.ID, id)
	if !ok {
		label, title := id, msgFallback
		for _, b := range buttonsOf(msg.Components) {
			if b.CustomID == id {
				label = b.Label
			}
		}
		if len(msg.Embeds) > 0 && msg.Embeds[0].Title != "" {
			title = msg.Embeds[0].Title
		}
		q = chat.Confirm{Text: fmt.Sprintf(msgConfirmGeneric, label, title)}
	}
	text := fmt.Sprintf(msgConfirmAsk, cmp.Or(strings.TrimSpace(q.Title), msgConfirmTitle), bold(strings.TrimSpace(q.Text)))
	buttons := []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: cut(cmp.Or(strings.TrimSpace(q.OK), msgConfirmOK), maxLabel), Style: discordgo.DangerButton,
			CustomID: customID(c.actionID, c.value, false)},
		discordgo.Button{Label: cut(cmp.Or(strings.TrimSpace(q.Cancel), msgConfirmCancel), maxLabel), Style: discordgo.SecondaryButton,
			CustomID: customCancel},
	}}}
	return ephemeralAnswer(strings.TrimSpace(text), buttons)
}

// promptFor reports whether msg is a confirm step's question, and the id of
// the message it asks about: Discord sends that as interacted_message_id in
// the metadata of a message created in answer to a click.
func promptFor(msg *discordgo.Message) (string, bool) {
	if msg.Flags&discordgo.MessageFlagsEphemeral == 0 || msg.InteractionMetadata == nil || msg.InteractionMetadata.InteractedMessageID == "" {
		return "", false
	}
	for _, b := range buttonsOf(msg.Components) {
		if b.CustomID == customCancel {
			return msg.InteractionMetadata.InteractedMessageID, true
		}
	}
	return "", false
}

// buttonsOf lists the buttons in rows of components.
func buttonsOf(comps []discordgo.MessageComponent) []*discordgo.Button {
	var out []*discordgo.Button
	for _, c := range comps {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			out = append(out, buttonsOf(v.Components)...)
		case discordgo.ActionsRow:
			out = append(out, buttonsOf(v.Components)...)
		case *discordgo.Button:
			out = append(out, v)
		case discordgo.Button:
			out = append(out, &v)
		}
	}
	return out
}

// userOf is who made the interaction: the member in a guild, the user in a
// direct message; with their roles in a guild.
func userOf(in *discordgo.Interaction) bot.User {
	u := bot.User{Platform: chat.Discord}
	du := in.User
	if in.Member != nil {
		u.Roles = in.Member.Roles
		if in.Member.User != nil {
			du = in.Member.User
		}
		u.Name = in.Member.Nick
	}
	if du != nil {
		u.ID = du.ID
		u.Name = cmp.Or(u.Name, du.GlobalName, du.Username)
	}
	return u
}

// ephemeralAnswer is a type 4 answer shown to the user only.
func ephemeralAnswer(text string, comps []discordgo.MessageComponent) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content: cut(text, maxContent), Components: comps,
			Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
		},
	}
}

// updateAnswer is a type 7 answer that replaces the clicked message's text
// and removes its buttons.
func updateAnswer(text string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{
			Content: text, Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions(),
		},
	}
}

// respond writes the interaction's answer and sends it at once, so that it
// cannot wait behind the handler started next.
func respond(w http.ResponseWriter, resp *discordgo.InteractionResponse) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
	_ = http.NewResponseController(w).Flush()
}
