package redistest

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

const (
	// envURL names a Redis to use instead of starting one.
	envURL = "REDIS_URL"
	// envRequireReal, when true, makes falling back to miniredis a failure.
	envRequireReal = "REDISTEST_REQUIRE_REAL"
	// serverBinary is looked up on PATH for the private server.
	serverBinary = "redis-server"

	noticeMini = "redistest: no real Redis; using miniredis (set REDIS_URL or install redis-server for a real one)"
)

var errNoRealRedis = errors.New(envRequireReal + " is set but no real Redis is available: " +
	envURL + " is unset and " + serverBinary + " is not on PATH; install redis-server or set " + envURL)

type backend int

const (
	backendURL    backend = iota + 1 // the server REDIS_URL names
	backendServer                    // a private redis-server of this process
	backendMini                      // miniredis, in process
)

func (b backend) String() string {
	switch b {
	case backendURL:
		return "url"
	case backendServer:
		return "server"
	case backendMini:
		return "miniredis"
	}
	return "backend(" + strconv.Itoa(int(b)) + ")"
}

// choice is what choose decided, with what that backend needs.
type choice struct {
	kind   backend
	url    string         // backendURL: REDIS_URL as given
	opts   *redis.Options // backendURL: REDIS_URL parsed
	binary string         // backendServer: path of redis-server
}

// choose picks the backend from the environment. It is pure (getenv and
// lookPath are passed in) so the order of preference can be tested without
// touching the process's environment or PATH.
func choose(getenv func(string) string, lookPath func(string) (string, error)) (choice, error) {
	requireReal := false
	if s := getenv(envRequireReal); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return choice{}, fmt.Errorf("%s=%q: want 1 or 0", envRequireReal, s)
		}
		requireReal = b
	}
	if s := getenv(envURL); s != "" {
		opts, err := redis.ParseURL(s)
		if err != nil {
			// The parser's message may quote the URL, password included.
			msg := strings.ReplaceAll(err.Error(), s, redact(s))
			return choice{}, fmt.Errorf("%s=%s: %s", envURL, redact(s), msg)
		}
		return choice{kind: backendURL, url: s, opts: opts}, nil
	}
	if path, err := lookPath(serverBinary); err == nil {
		return choice{kind: backendServer, binary: path}, nil
	}
	if requireReal {
		return choice{}, errNoRealRedis
	}
	return choice{kind: backendMini}, nil
}

// redact hides a password in a Redis URL before it is printed.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
