package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/chat"
)

// ErrNotSlack is returned for a chat.Ref that names another platform's message.
var ErrNotSlack = errors.New("message is not a Slack message")

// minRetryWait is the least a rate-limited call waits: a 429 without a usable
// Retry-After must not turn into a tight loop.
const minRetryWait = time.Second

// Client is chat.Chat over Slack's Web API. It renders every message with
// Render and waits out rate limits itself.
type Client struct {
	api         *slackapi.Client
	log         zerolog.Logger
	maxAttempts int
}

var _ chat.Chat = (*Client)(nil)

// Post sends m to channel with chat.postMessage.
func (c *Client) Post(ctx context.Context, channel string, m chat.Message) (chat.Ref, error) {
	return c.post(ctx, "chat.postMessage", channel, Render(m).options())
}

// Reply posts m in the thread under parent.
func (c *Client) Reply(ctx context.Context, parent chat.Ref, m chat.Message) (chat.Ref, error) {
	if err := slackRef(parent); err != nil {
		return chat.Ref{}, fmt.Errorf("slack reply in %s: %w", parent.Channel, err)
	}
	return c.post(ctx, "chat.postMessage", parent.Channel, append(Render(m).options(), slackapi.MsgOptionTS(parent.ID)))
}

// Update replaces the message ref with m through chat.update, blocks and
// attachments included: chat.update drops what it is not sent.
func (c *Client) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if err := slackRef(ref); err != nil {
		return fmt.Errorf("slack chat.update %s: %w", ref.Channel, err)
	}
	opts := Render(m).options()
	return c.call(ctx, "chat.update", ref.Channel, func() error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, ref.Channel, ref.ID, opts...)
		return err
	})
}

// Ephemeral shows m to user only, in channel, with chat.postEphemeral.
func (c *Client) Ephemeral(ctx context.Context, channel, user string, m chat.Message) error {
	opts := Render(m).options()
	return c.call(ctx, "chat.postEphemeral", channel, func() error {
		_, err := c.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

func (c *Client) post(ctx context.Context, method, channel string, opts []slackapi.MsgOption) (chat.Ref, error) {
	var ch, ts string
	err := c.call(ctx, method, channel, func() error {
		var err error
		ch, ts, err = c.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return chat.Ref{}, err
	}
	// Slack answers with the channel's id even when it was named.
	if ch == "" {
		ch = channel
	}
	return chat.Ref{Platform: chat.Slack, Channel: ch, ID: ts}, nil
}

// call runs one Web API call, trying again after a 429 once Retry-After
// has passed, at most maxAttempts times in all.
func (c *Client) call(ctx context.Context, method, channel string, do func() error) error {
	for attempt := 1; ; attempt++ {
		err := do()
		if err == nil {
			return nil
		}
		var limited *slackapi.RateLimitedError
		if !errors.As(err, &limited) || attempt >= c.maxAttempts {
			return fmt.Errorf("slack %s %s: %w", method, channel, err)
		}
		wait := max(limited.RetryAfter, minRetryWait)
		c.log.Info().Str("method", method).Str("channel", channel).Dur("retry_after", wait).Int("attempt", attempt).Msg("slack rate limited, waiting")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("slack %s %s: waiting out rate limit: %w", method, channel, ctx.Err())
		case <-t.C:
		}
	}
}

// slackRef checks that ref names a Slack message.
func slackRef(ref chat.Ref) error {
	if ref.Platform != "" && ref.Platform != chat.Slack {
		return fmt.Errorf("%w: platform %q", ErrNotSlack, ref.Platform)
	}
	if ref.Channel == "" || ref.ID == "" {
		return fmt.Errorf("%w: empty channel or ts", ErrNotSlack)
	}
	return nil
}
