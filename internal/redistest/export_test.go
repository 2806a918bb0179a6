package redistest

import "testing"

// Choose exposes the backend choice to the external tests: the kind as a word
// ("url", "server", "miniredis") and its detail (the URL or the binary).
func Choose(getenv func(string) string, lookPath func(string) (string, error)) (kind, detail string, err error) {
	c, err := choose(getenv, lookPath)
	if err != nil {
		return "", "", err
	}
	return c.kind.String(), c.url + c.binary, nil
}

// Open is New with the environment and PATH lookup passed in.
func Open(tb testing.TB, getenv func(string) string, lookPath func(string) (string, error)) *Redis {
	tb.Helper()
	return open(tb, getenv, lookPath)
}
