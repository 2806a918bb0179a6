package slackfake

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// fault is a scheduled wrong answer for the next count calls of a method.
type fault struct {
	count      int
	retryAfter time.Duration // a 429 when set or when code is empty
	code       string
}

// write answers with the fault and reports the status and error code sent.
func (f fault) write(w http.ResponseWriter) (int, string) {
	if f.code == "" {
		// Slack sends whole seconds; slack-go parses the header as an integer.
		secs := int(math.Ceil(f.retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return writeError(w, &apiError{code: ErrCodeRateLimited, status: http.StatusTooManyRequests})
	}
	return writeError(w, fail(f.code))
}

// RateLimit answers the next n calls of method ("chat.update",
// "response_url", ...) with HTTP 429 and Retry-After in whole seconds, rounded
// up, as Slack does; slack-go turns that into *slack.RateLimitedError.
// Faults queue: they apply in the order they were scheduled.
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	s.addFault(method, fault{count: n, retryAfter: retryAfter})
}

// Fail answers the next n calls of method with HTTP 200 and
// {"ok":false,"error":slackError}.
func (s *Server) Fail(method string, n int, slackError string) {
	s.addFault(method, fault{count: n, code: slackError})
}

func (s *Server) addFault(method string, f fault) {
	if f.count <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], f)
}

// takeFaultLocked consumes one call of the method's first pending fault.
func (s *Server) takeFaultLocked(method string) (fault, bool) {
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	f := q[0]
	q[0].count--
	if q[0].count == 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(s.faults, method)
	} else {
		s.faults[method] = q
	}
	return f, true
}
