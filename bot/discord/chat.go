package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/chat"
)

// ErrNotDiscord is returned for a chat.Ref that names another platform's
// message.
var ErrNotDiscord = errors.New("message is not a Discord message")

// minRetryWait is the least a rate-limited call waits: a 429 without a usable
// retry_after must not turn into a tight loop.
const minRetryWait = 100 * time.Millisecond

// codeUnknownWebhook is Discord's error code for a token it does not know.
const codeUnknownWebhook = 10015

// Discord may refuse a follow-up with "Unknown Webhook" for a few seconds
// after the interaction's HTTP answer, until it has processed that answer
// (discord-api-docs#7220). Calls on a token that young are tried again,
// waiting from ackRetryFirst, doubling up to ackRetryMax.
const (
	ackGrace      = 10 * time.Second
	ackRetryFirst = 50 * time.Millisecond
	ackRetryMax   = time.Second
)

// Client is chat.Chat over Discord's REST API. It renders every message with
// Render and waits out rate limits itself, never longer than its context
// allows and at most maxAttempts tries per call.
type Client struct {
	s           *discordgo.Session
	appID       string
	log         zerolog.Logger
	maxAttempts int
	pending     *pending
	confirms    *confirms
}

var _ chat.Chat = (*Client)(nil)

func newClient(s *discordgo.Session, appID string, log zerolog.Logger, o options) *Client {
	return &Client{
		s:           s,
		appID:       appID,
		log:         log,
		maxAttempts: o.maxAttempts,
		pending:     newPending(o.now),
		confirms:    newConfirms(o.now),
	}
}

// noMentions stops every ping: bot messages quote what people typed, and a
// reason="@everyone" must not notify a whole server.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Post sends m to channel.
func (c *Client) Post(ctx context.Context, channel string, m chat.Message) (chat.Ref, error) {
	return c.send(ctx, channel, Render(m), nil, noMentions())
}

// Reply posts m as a reply to parent.
func (c *Client) Reply(ctx context.Context, parent chat.Ref, m chat.Message) (chat.Ref, error) {
	if err := discordRef(parent); err != nil {
		return chat.Ref{}, fmt.Errorf("discord reply in %s: %w", parent.Channel, err)
	}
	no := false
	ref := &discordgo.MessageReference{MessageID: parent.ID, ChannelID: parent.Channel, FailIfNotExists: &no}
	return c.send(ctx, parent.Channel, Render(m), ref, noMentions())
}

// Update replaces the message ref with m, content, embeds and buttons alike:
// what the new version lacks is cleared.
func (c *Client) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if err := discordRef(ref); err != nil {
		return fmt.Errorf("discord edit in %s: %w", ref.Channel, err)
	}
	r := Render(m)
	embeds := r.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	comps := r.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	edit := &discordgo.MessageEdit{
		ID: ref.ID, Channel: ref.Channel,
		Content: &r.Content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions(),
	}
	err := c.call(ctx, "edit message", ref.Channel, "", func(opts ...discordgo.RequestOption) error {
		_, err := c.s.ChannelMessageEditComplex(edit, opts...)
		return err
	})
	if err != nil {
		return err
	}
	c.confirms.remember(ref.ID, r.Confirms)
	return nil
}

// Ephemeral shows m to user only, when it can: as an ephemeral follow-up on
// the user's interaction in channel, if one from the last 15 minutes is
// known (the one being handled, else the newest). Otherwise Discord offers
// no way to show a message to one user, so m is posted in channel,
// mentioning them.
func (c *Client) Ephemeral(ctx context.Context, channel, user string, m chat.Message) error {
	r := Render(m)
	if it := c.interactionFor(ctx, channel, user); it != nil {
		err := c.followUp(ctx, it, r)
		if err == nil || !tokenGone(err) {
			return err
		}
		c.log.Info().Err(err).Str("channel", channel).Msg("discord interaction token no longer valid; posting in the channel")
	}
	r.Content = cut(fmt.Sprintf(msgMention, user)+r.Content, maxContent)
	_, err := c.send(ctx, channel, r, nil, &discordgo.MessageAllowedMentions{Users: []string{user}})
	return err
}

// interactionFor picks the interaction whose token answers user in channel:
// the one being handled if it matches, else the newest valid one.
func (c *Client) interactionFor(ctx context.Context, channel, user string) *interaction {
	if it := interactionFrom(ctx); it != nil && it.channel == channel && it.user == user && c.pending.now().Before(it.expires) {
		return it
	}
	return c.pending.find(channel, user)
}

// followUp sends r on it's token, shown to its user only. After a deferred
// command, Discord puts the first follow-up in place of "thinking…".
func (c *Client) followUp(ctx context.Context, it *interaction, r Rendered) error {
	params := &discordgo.WebhookParams{
		Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
	}
	var msg *discordgo.Message
	err := c.onToken(ctx, it, "follow-up", func(opts ...discordgo.RequestOption) error {
		var err error
		msg, err = c.s.FollowupMessageCreate(interactionAPI(it.appID, it.token), true, params, opts...)
		return err
	})
	if err != nil {
		return err
	}
	it.markAnswered()
	if msg != nil {
		c.confirms.remember(msg.ID, r.Confirms)
	}
	return nil
}

// finish ends the "thinking…" of a deferred command whose handler said
// nothing to the user: it deletes the placeholder (the handler's answer is
// in the channel), or says that time ran out.
func (c *Client) finish(ctx context.Context, it *interaction, timedOut bool) {
	if !it.thinking || it.wasAnswered() {
		return
	}
	api := interactionAPI(it.appID, it.token)
	var err error
	if timedOut {
		text := msgTimedOut
		err = c.onToken(ctx, it, "edit original", func(opts ...discordgo.RequestOption) error {
			_, err := c.s.InteractionResponseEdit(api, &discordgo.WebhookEdit{Content: &text}, opts...)
			return err
		})
	} else {
		err = c.onToken(ctx, it, "delete original", func(opts ...discordgo.RequestOption) error {
			return c.s.InteractionResponseDelete(api, opts...)
		})
	}
	if err != nil {
		c.log.Warn().Err(err).Str("channel", it.channel).Msg("discord could not end the thinking state")
	}
}

// send posts r in channel, as a reply to ref when set.
func (c *Client) send(ctx context.Context, channel string, r Rendered, ref *discordgo.MessageReference, mentions *discordgo.MessageAllowedMentions) (chat.Ref, error) {
	data := &discordgo.MessageSend{
		Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		AllowedMentions: mentions, Reference: ref,
	}
	var msg *discordgo.Message
	err := c.call(ctx, "create message", channel, "", func(opts ...discordgo.RequestOption) error {
		var err error
		msg, err = c.s.ChannelMessageSendComplex(channel, data, opts...)
		return err
	})
	if err != nil {
		return chat.Ref{}, err
	}
	c.confirms.remember(msg.ID, r.Confirms)
	return chat.Ref{Platform: chat.Discord, Channel: channel, ID: msg.ID}, nil
}

// call runs one REST call, trying again after a 429 once retry_after has
// passed, at most maxAttempts times in all, and never waiting past ctx's
// deadline. token, if set, is an interaction token that errors must not show.
func (c *Client) call(ctx context.Context, what, channel, token string, do func(opts ...discordgo.RequestOption) error) error {
	for attempt := 1; ; attempt++ {
		err := do(discordgo.WithContext(ctx))
		if err == nil {
			return nil
		}
		err = redact(err, token)
		var limited *discordgo.RateLimitError
		if !errors.As(err, &limited) || attempt >= c.maxAttempts {
			return fmt.Errorf("discord %s in %s: %w", what, channel, err)
		}
		wait := minRetryWait
		if limited.TooManyRequests != nil {
			wait = max(limited.RetryAfter, minRetryWait)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return fmt.Errorf("discord %s in %s: rate limited for %s, past the deadline: %w", what, channel, wait, err)
		}
		c.log.Info().Str("call", what).Str("channel", channel).Dur("retry_after", wait).Int("attempt", attempt).Msg("discord rate limited, waiting")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("discord %s in %s: waiting out rate limit: %w", what, channel, ctx.Err())
		case <-t.C:
		}
	}
}

// onToken runs a call on it's token: as call, and also trying again while
// Discord may not yet know the token.
func (c *Client) onToken(ctx context.Context, it *interaction, what string, do func(opts ...discordgo.RequestOption) error) error {
	wait := ackRetryFirst
	for {
		err := c.call(ctx, what, it.channel, it.token, do)
		if err == nil || !unknownWebhook(err) || time.Since(it.received) > ackGrace {
			return err
		}
		c.log.Debug().Str("call", what).Dur("retry_in", wait).Msg("discord does not know the interaction token yet")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, ackRetryMax)
	}
}

// unknownWebhook reports whether err is Discord's "Unknown Webhook".
func unknownWebhook(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusNotFound &&
		re.Message != nil && re.Message.Code == codeUnknownWebhook
}

// tokenGone reports whether err says the interaction token is no longer
// accepted (expired, or the interaction is unknown).
func tokenGone(err error) bool {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return false
	}
	return re.Response.StatusCode == http.StatusNotFound || re.Response.StatusCode == http.StatusUnauthorized
}

// discordRef checks that ref names a Discord message.
func discordRef(ref chat.Ref) error {
	if ref.Platform != "" && ref.Platform != chat.Discord {
		return fmt.Errorf("%w: platform %q", ErrNotDiscord, ref.Platform)
	}
	if ref.Channel == "" || ref.ID == "" {
		return fmt.Errorf("%w: empty channel or message id", ErrNotDiscord)
	}
	return nil
}

// redactedError hides an interaction token in an error's text (discordgo's
// errors quote URLs, and follow-up URLs hold the token) while keeping the
// error itself for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), token, "[token]"), err: err}
}
