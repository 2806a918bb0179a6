package slack

import (
	"context"
	"errors"
	"fmt"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// errNoAppToken is Run's answer when Socket Mode is not configured.
var errNoAppToken = errors.New("slack socket mode: no app token (platforms.slack.app_token)")

// Run receives slash commands and clicks over Socket Mode until ctx is done,
// acknowledging each envelope at once and handing it to the bot in the
// background, exactly as the HTTP endpoints do. Socket Mode needs no public
// endpoint and carries no signatures: the app token authenticates the
// connection. Run returns nil when ctx is cancelled; Close waits for the
// handlers still running.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errNoAppToken
	}
	closed := a.bg.Closed()
	if closed {
		return ErrClosed
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	smc := socketmode.New(a.api, socketmode.OptionLog(logWriter{a.log}))
	errc := make(chan error, 1)
	go func() { errc <- smc.RunContext(ctx) }()
	for {
		select {
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case ev := <-smc.Events:
			if ctx.Err() != nil {
				continue // drain until RunContext returns
			}
			if err := a.socketEvent(ctx, smc, ev); err != nil {
				if errors.Is(err, ErrClosed) {
					return err
				}
				a.log.Warn().Err(err).Str("type", string(ev.Type)).Msg("slack socket mode event")
			}
		}
	}
}

// socketEvent acknowledges one Socket Mode event and dispatches what it carries.
func (a *Adapter) socketEvent(ctx context.Context, smc *socketmode.Client, ev socketmode.Event) error {
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug().Msg("slack socket mode connecting")
		return nil
	case socketmode.EventTypeConnected:
		a.log.Info().Msg("slack socket mode connected")
		return nil
	case socketmode.EventTypeConnectionError:
		if ce, ok := ev.Data.(*slackapi.ConnectionErrorEvent); ok {
			return fmt.Errorf("connection error (attempt %d, retry in %s): %w", ce.Attempt, ce.Backoff, ce.ErrorObj)
		}
		return errors.New("connection error")
	case socketmode.EventTypeErrorBadMessage:
		if bm, ok := ev.Data.(*socketmode.ErrorBadMessage); ok {
			return fmt.Errorf("unreadable envelope: %w", bm.Cause)
		}
		return errors.New("unreadable envelope")
	}
	if ev.Request == nil || ev.Request.EnvelopeID == "" {
		return nil // hello, disconnect: the client handles them
	}

	var ack any
	var hs []handler
	switch data := ev.Data.(type) {
	case slackapi.SlashCommand:
		ack = ackBody{ResponseType: "ephemeral", Text: msgWorking}
		hs = []handler{a.commandHandler(commandEvent(data))}
	case slackapi.InteractionCallback:
		hs = a.clickHandlers(data)
	}
	// Reserve before acknowledging: an envelope left unacknowledged during
	// shutdown is sent again by Slack, one acknowledged is not.
	if !a.bg.Reserve(len(hs)) {
		return ErrClosed
	}
	// Acknowledge first, within Slack's 3 seconds, whatever comes next.
	if err := smc.AckCtx(ctx, ev.Request.EnvelopeID, ack); err != nil {
		a.bg.Unreserve(len(hs))
		return fmt.Errorf("ack %s envelope: %w", ev.Type, err)
	}
	a.start(ctx, hs)
	return nil
}
