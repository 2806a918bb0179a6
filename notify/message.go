package notify

import (
	"fmt"
	"time"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
)

// NoticeMessage renders n as a chat message for a status channel. It reads
// well as plain text (chat.PlainText), as a Teams-bridged channel shows it.
// A user-facing notice never carries the production banner: that alarm is
// for engineers, and users of production should not be frightened by it.
func NoticeMessage(env *config.Environment, n Notice) chat.Message {
	style := Style(env)
	style.Production = false
	style.Colour = n.State.hexColour()
	fields := []chat.Field{{Label: textFactStatus, Value: n.State.Label()}}
	return chat.Message{
		Title:  n.Title,
		Style:  style,
		Text:   n.Text,
		Fields: append(fields, noticeFacts(env, n)...),
	}
}

// noticeFacts are the notice's times, in env's time zone, with the zone
// named: the text leaves it out to read naturally.
func noticeFacts(env *config.Environment, n Notice) []chat.Field {
	loc := time.UTC
	if env != nil {
		if l, err := zone(env); err == nil {
			loc = l
		}
	}
	at := n.At
	if at.IsZero() {
		at = n.Created
	}
	at = at.In(loc)
	var fs []chat.Field
	if !n.Started.IsZero() {
		fs = append(fs, chat.Field{Label: textFactStarted, Value: zoned(n.Started, at)})
	}
	if !n.FinishBy.IsZero() {
		fs = append(fs, chat.Field{Label: textFactFinishBy, Value: zoned(n.FinishBy, at)})
	}
	if !at.IsZero() {
		fs = append(fs, chat.Field{Label: textFactUpdated, Value: fmt.Sprintf(textOnDay, clockZone(at), day(at, loc))})
	}
	return fs
}

// zoned is t as "16:05 GMT", with its day when that is not at's day.
func zoned(t, at time.Time) string {
	t = t.In(at.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := at.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return clockZone(t)
	}
	return fmt.Sprintf(textOnDay, clockZone(t), day(t, t.Location()))
}

// clockZone is t as "16:05 GMT" in its own location.
func clockZone(t time.Time) string {
	name, _ := t.Zone()
	return t.Format("15:04") + " " + name
}
