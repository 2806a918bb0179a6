package syncengine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Reason turns a job's error into a sentence a person can act on: what
// failed and what state the live data is in, never a stack trace.
func Reason(err error) string {
	var (
		verr  *VerifyError
		items *ItemErrors
		bad   *BadRecordsError
		rerr  *RedisError
		eserr *ESError
		nerr  net.Error
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &verr):
		return verr.Error() + ". Live data unchanged; the new indexes are kept for inspection."
	case errors.As(err, &items):
		return items.Error() + ". Live data unchanged."
	case errors.As(err, &bad):
		return bad.Error() + ". Fix the source or raise max_bad_records. Live data unchanged."
	case errors.As(err, &rerr):
		return "Redis could not be reached to save progress (" + rerr.Err.Error() + "). Nothing was swapped; live data unchanged."
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + err.Error() + ". Live data unchanged."
	case errors.As(err, &eserr):
		return "Elasticsearch refused a request: " + err.Error() + ". Live data unchanged."
	case errors.As(err, &nerr):
		return "could not reach a server: " + err.Error() + ". Live data unchanged."
	}
	return err.Error() + ". Live data unchanged."
}

// describeBad names one refused source record for error messages.
func describeBad(b *BadRecordError) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "record %d", b.Pos)
	if b.Key != "" {
		fmt.Fprintf(&sb, " (%s)", b.Key)
	}
	if b.Reason != "" {
		sb.WriteString(": " + strings.TrimSpace(b.Reason))
	}
	return sb.String()
}
