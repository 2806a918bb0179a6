package discordfake

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Routes name the endpoints for faults and call counts.
const (
	RouteMessageCreate     = "message.create"       // POST /channels/{channel}/messages
	RouteMessageEdit       = "message.edit"         // PATCH /channels/{channel}/messages/{message}
	RouteMessageGet        = "message.get"          // GET /channels/{channel}/messages/{message}
	RouteCallback          = "interaction.callback" // POST /interactions/{id}/{token}/callback
	RouteFollowupCreate    = "followup.create"      // POST /webhooks/{app}/{token}
	RouteFollowupEdit      = "followup.edit"        // PATCH /webhooks/{app}/{token}/messages/{message|@original}
	RouteFollowupDelete    = "followup.delete"      // DELETE /webhooks/{app}/{token}/messages/{message|@original}
	RouteFollowupGet       = "followup.get"         // GET /webhooks/{app}/{token}/messages/{message|@original}
	RouteCommandsOverwrite = "commands.overwrite"   // PUT /applications/{app}[/guilds/{guild}]/commands
)

// fault is a scheduled wrong answer for the next count calls of a route.
type fault struct {
	count      int
	retryAfter time.Duration // a 429 when status is 0
	global     bool
	status     int
}

// write answers with the fault and returns the status sent.
func (f fault) write(w http.ResponseWriter, now time.Time) int {
	if f.status != 0 {
		return (&apiError{status: f.status, code: 0, message: http.StatusText(f.status)}).write(w)
	}
	secs := f.retryAfter.Seconds()
	h := w.Header()
	// Discord sends Retry-After in whole seconds and the precise wait in
	// the body and X-RateLimit-Reset-After; discordgo reads the body.
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(now.Add(f.retryAfter).UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", secs))
	h.Set("X-RateLimit-Bucket", "fakebucket")
	if f.global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Scope", "user")
	}
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": secs,
		"global":      f.global,
	})
	return http.StatusTooManyRequests
}

// RateLimit answers the next n calls of route with HTTP 429, the JSON body
// {"message":"You are being rate limited.","retry_after":…,"global":false}
// and Discord's rate limit headers. Faults queue: they apply in the order
// they were scheduled.
func (s *Server) RateLimit(route string, n int, retryAfter time.Duration) {
	s.addFault(route, fault{count: n, retryAfter: retryAfter})
}

// RateLimitGlobal is RateLimit with "global":true and X-RateLimit-Global,
// which makes discordgo hold back every request until the reset.
func (s *Server) RateLimitGlobal(route string, n int, retryAfter time.Duration) {
	s.addFault(route, fault{count: n, retryAfter: retryAfter, global: true})
}

// Fail answers the next n calls of route with HTTP status (500, 502, 503 …)
// and a JSON error body.
func (s *Server) Fail(route string, n int, status int) {
	s.addFault(route, fault{count: n, status: status})
}

func (s *Server) addFault(route string, f fault) {
	if f.count <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], f)
}

// takeFaultLocked consumes one call of the route's first pending fault.
func (s *Server) takeFaultLocked(route string) (fault, bool) {
	q := s.faults[route]
	if len(q) == 0 {
		return fault{}, false
	}
	f := q[0]
	q[0].count--
	if q[0].count == 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(s.faults, route)
	} else {
		s.faults[route] = q
	}
	return f, true
}
