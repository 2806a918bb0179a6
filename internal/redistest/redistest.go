// Package redistest gives each test its own corner of a real Redis.
//
// New picks, in this order: the server named by REDIS_URL; a private
// redis-server that this test process starts on a free port the first time it
// is needed; or, with a notice, an in-process miniredis. REDISTEST_REQUIRE_REAL=1
// turns that last fallback into a test failure, so CI cannot pass on the emulator
// by accident.
//
// Isolation rests on the key prefix: every Redis gets a unique one
// ("test:<package>:<random>:"), our code namespaces all its keys by a configurable
// prefix, and cleanup deletes exactly the keys under it. That holds on a server
// shared by every package that `go test ./...` runs in parallel. On the private
// server each Redis also gets a database of its own while one is free (Exclusive
// says so), so even whole-database commands such as DBSIZE see only its keys.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis is one test's Redis: a client, a key prefix nobody else uses, and the
// address a child process needs to reach the same data.
type Redis struct {
	// Client is connected to the chosen server and database. It is closed when
	// the test ends; a test may also close it itself.
	Client *redis.Client
	// Prefix is unique to this Redis and ends in ":". Use it as the key prefix
	// of the code under test; every key under it is deleted when the test ends.
	Prefix string
	// Addr is the server's host:port.
	Addr string
	// URL is a redis:// URL naming the server and database, for a child process
	// (REDIS_URL for a resyncbot serve child, with Prefix as its key prefix).
	URL string
	// DB is the database number Client uses.
	DB int
	// Real is false only when the server is the in-process miniredis emulator.
	Real bool
	// Exclusive reports that no other test uses this database, so commands that
	// look at the whole database (DBSIZE, KEYS *, FLUSHDB) are safe. It is false
	// on a REDIS_URL server, which other test processes share.
	Exclusive bool
}

// New returns a Redis for tb, chosen from the environment as the package doc
// says, and registers its cleanup: delete the keys under Prefix and close the
// client. It fails tb if no acceptable Redis can be had.
func New(tb testing.TB) *Redis {
	tb.Helper()
	return open(tb, os.Getenv, exec.LookPath)
}

// Main runs the tests of a package and then stops the private redis-server, if
// one was started. Call it from TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
//
// It is optional on Linux, where the server also dies with the test process; on
// other systems it is what stops the server.
func Main(m *testing.M) {
	code := m.Run()
	shared.stop()
	os.Exit(code)
}

func open(tb testing.TB, getenv func(string) string, lookPath func(string) (string, error)) *Redis {
	tb.Helper()
	c, err := choose(getenv, lookPath)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	r := &Redis{Prefix: newPrefix(tb), Real: c.kind != backendMini}
	var opts redis.Options
	switch c.kind {
	case backendURL:
		opts = *c.opts
		r.URL = c.url
		r.Addr, r.DB = opts.Addr, opts.DB
	case backendServer:
		addr, db, exclusive, err := shared.acquire(c.binary)
		if err != nil {
			tb.Fatalf("redistest: private redis-server (%s): %v; set REDIS_URL to use another Redis", c.binary, err)
		}
		tb.Cleanup(func() { shared.release(db, exclusive) })
		r.Addr, r.DB, r.Exclusive = addr, db, exclusive
		r.URL = fmt.Sprintf("redis://%s/%d", addr, db)
		opts = redis.Options{Addr: addr, DB: db}
	case backendMini:
		m := miniredis.RunT(tb)
		tb.Log(noticeMini)
		shared.noticeOnce()
		r.Addr, r.Exclusive = m.Addr(), true
		r.URL = "redis://" + m.Addr() + "/0"
		opts = redis.Options{Addr: m.Addr()}
	}

	client := func() *redis.Client { o := opts; return redis.NewClient(&o) }
	r.Client = client()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Client.Ping(ctx).Err(); err != nil {
		_ = r.Client.Close()
		tb.Fatalf("redistest: %s does not answer PING: %v", redact(r.URL), err)
	}
	flush := r.Exclusive && c.kind == backendServer
	tb.Cleanup(func() { r.cleanup(tb, client, flush) })
	return r
}

// cleanup closes the test's client first, so a goroutine the test left behind
// cannot write again, then deletes the keys under the prefix with a client of
// its own (the test may have closed Client itself).
func (r *Redis) cleanup(tb testing.TB, client func() *redis.Client, flush bool) {
	if err := r.Client.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		tb.Logf("redistest: close client: %v", err)
	}
	c := client()
	defer c.Close()
	// The test's own context is already cancelled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := deletePrefix(ctx, c, r.Prefix); err != nil {
		tb.Errorf("redistest: clean up %s*: %v", r.Prefix, err)
	}
	// A database lent from the private server goes back empty, so the next test
	// that borrows it can rely on Exclusive.
	if flush {
		if err := c.FlushDB(ctx).Err(); err != nil {
			tb.Errorf("redistest: flush db %d: %v", r.DB, err)
		}
	}
}

// deletePrefix deletes every key that starts with prefix, walking the keyspace
// with SCAN and deleting with UNLINK in batches, so it never blocks the server
// the way KEYS would.
func deletePrefix(ctx context.Context, c *redis.Client, prefix string) error {
	const batch = 500
	keys := make([]string, 0, batch)
	unlink := func() error {
		if len(keys) == 0 {
			return nil
		}
		err := c.Unlink(ctx, keys...).Err()
		keys = keys[:0]
		return err
	}
	it := c.Scan(ctx, 0, globEscape(prefix)+"*", batch).Iterator()
	for it.Next(ctx) {
		if keys = append(keys, it.Val()); len(keys) == batch {
			if err := unlink(); err != nil {
				return fmt.Errorf("unlink: %w", err)
			}
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if err := unlink(); err != nil {
		return fmt.Errorf("unlink: %w", err)
	}
	return nil
}

// newPrefix names the package (from the test binary, "redistest.test") so a
// key left behind on a shared server says where it came from.
func newPrefix(tb testing.TB) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("redistest: random prefix: %v", err)
	}
	pkg := filepath.Base(os.Args[0])
	pkg = strings.TrimSuffix(strings.TrimSuffix(pkg, ".exe"), ".test")
	pkg = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, pkg)
	if pkg == "" {
		pkg = "pkg"
	}
	return "test:" + pkg + ":" + hex.EncodeToString(b[:]) + ":"
}

// globEscape quotes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
