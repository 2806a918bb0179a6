package redistest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/internal/redistest"
)

func TestMain(m *testing.M) {
	// The private-server test below runs this binary as a child that must not
	// stop its server on the way out, to show the server dies with it anyway.
	if os.Getenv("REDISTEST_CHILD_NO_MAIN") == "1" {
		os.Exit(m.Run())
	}
	redistest.Main(m)
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func found(string) (string, error)   { return "/usr/bin/redis-server", nil }
func missing(string) (string, error) { return "", exec.ErrNotFound }

func TestChoose(t *testing.T) {
	const url = "redis://127.0.0.1:6379/3"
	tests := []struct {
		name     string
		env      map[string]string
		lookPath func(string) (string, error)
		kind     string
		detail   string
		err      string
	}{
		{"url wins over a binary", map[string]string{"REDIS_URL": url}, found, "url", url, ""},
		{"url wins when required real", map[string]string{"REDIS_URL": url, "REDISTEST_REQUIRE_REAL": "1"}, missing, "url", url, ""},
		{"binary when no url", nil, found, "server", "/usr/bin/redis-server", ""},
		{"binary when required real", map[string]string{"REDISTEST_REQUIRE_REAL": "1"}, found, "server", "/usr/bin/redis-server", ""},
		{"miniredis when nothing else", nil, missing, "miniredis", "", ""},
		{"miniredis when real explicitly not required", map[string]string{"REDISTEST_REQUIRE_REAL": "0"}, missing, "miniredis", "", ""},
		{"required real and nothing real", map[string]string{"REDISTEST_REQUIRE_REAL": "1"}, missing, "", "", "REDISTEST_REQUIRE_REAL is set but no real Redis"},
		{"required real, spelled true", map[string]string{"REDISTEST_REQUIRE_REAL": "true"}, missing, "", "", "no real Redis"},
		{"bad require value", map[string]string{"REDISTEST_REQUIRE_REAL": "yes please"}, found, "", "", `REDISTEST_REQUIRE_REAL="yes please"`},
		{"bad url", map[string]string{"REDIS_URL": "http://u:secret@host:6379"}, found, "", "", "REDIS_URL=http://u:xxxxx@host:6379"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, detail, err := redistest.Choose(env(tt.env), tt.lookPath)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v: shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if kind != tt.kind || detail != tt.detail {
				t.Fatalf("got %s %q, want %s %q", kind, detail, tt.kind, tt.detail)
			}
		})
	}
}

// sharedURL returns the URL of a database that outlives the subtests that
// point REDIS_URL at it: real where this machine has a real Redis.
func sharedURL(t *testing.T) string {
	t.Helper()
	return redistest.New(t).URL
}

func openURL(t *testing.T, url string) *redistest.Redis {
	t.Helper()
	return redistest.Open(t, env(map[string]string{"REDIS_URL": url}), missing)
}

func dial(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func keys(t *testing.T, c *redis.Client, pattern string) []string {
	t.Helper()
	var all []string
	it := c.Scan(context.Background(), 0, pattern, 1000).Iterator()
	for it.Next(context.Background()) {
		all = append(all, it.Val())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return all
}

// prefixForm is test:<package>:<random>:, the package named by the test binary
// (redistest.test under go test).
var prefixForm = regexp.MustCompile(`^test:[A-Za-z0-9._-]+:[0-9a-f]{16}:$`)

func checkIsolated(t *testing.T, a, b *redistest.Redis) {
	t.Helper()
	ctx := context.Background()
	if a.Prefix == b.Prefix {
		t.Fatalf("both got prefix %q", a.Prefix)
	}
	for _, r := range []*redistest.Redis{a, b} {
		if !prefixForm.MatchString(r.Prefix) {
			t.Fatalf("prefix %q, want test:<package>:<random>:", r.Prefix)
		}
		if err := r.Client.Set(ctx, r.Prefix+"k", r.Prefix, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*redistest.Redis{a, b} {
		if got := r.Client.Get(ctx, r.Prefix+"k").Val(); got != r.Prefix {
			t.Fatalf("%sk = %q, want %q", r.Prefix, got, r.Prefix)
		}
		if got := keys(t, r.Client, r.Prefix+"*"); len(got) != 1 || got[0] != r.Prefix+"k" {
			t.Fatalf("keys under %s = %q, want only its own", r.Prefix, got)
		}
	}
}

func TestIsolation(t *testing.T) {
	a, b := redistest.New(t), redistest.New(t)
	checkIsolated(t, a, b)
	if a.Exclusive && b.Exclusive && a.Addr == b.Addr && a.DB == b.DB {
		t.Fatalf("both exclusive on %s db %d", a.Addr, a.DB)
	}
	for _, r := range []*redistest.Redis{a, b} {
		if r.Exclusive {
			if n := r.Client.DBSize(context.Background()).Val(); n != 1 {
				t.Fatalf("exclusive db %d of %s holds %d keys, want only this test's 1", r.DB, r.Addr, n)
			}
		}
	}
}

func TestIsolationInASharedDatabase(t *testing.T) {
	url := sharedURL(t)
	a, b := openURL(t, url), openURL(t, url)
	if a.Exclusive || b.Exclusive {
		t.Fatal("a REDIS_URL database reported as exclusive")
	}
	checkIsolated(t, a, b)
}

func TestCleanupRemovesOnlyItsKeys(t *testing.T) {
	ctx := context.Background()
	url := sharedURL(t)
	other := openURL(t, url)
	if err := other.Client.Set(ctx, other.Prefix+"keep", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var prefix string
	t.Run("writes", func(t *testing.T) {
		r := openURL(t, url)
		prefix = r.Prefix
		// More keys than one SCAN batch, of several types.
		pipe := r.Client.Pipeline()
		for i := range 1200 {
			pipe.Set(ctx, fmt.Sprintf("%sjob:%d", r.Prefix, i), i, 0)
		}
		pipe.HSet(ctx, r.Prefix+"hash", "f", "v")
		pipe.RPush(ctx, r.Prefix+"list", "a")
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: r.Prefix + "audit", Values: []string{"who", "me"}})
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		// Code under test often closes the client it was given.
		r.Client.Close()
	})

	check := dial(t, url)
	if got := keys(t, check, prefix+"*"); len(got) != 0 {
		t.Fatalf("%d keys under %s left after cleanup, e.g. %q", len(got), prefix, got[0])
	}
	if check.Exists(ctx, other.Prefix+"keep").Val() != 1 {
		t.Fatal("cleanup deleted another Redis's key")
	}
}

func TestURL(t *testing.T) {
	ctx := context.Background()
	url := sharedURL(t)
	r := openURL(t, url)
	if r.URL != url || !r.Real {
		t.Fatalf("URL %q real %v, want %q real", r.URL, r.Real, url)
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if r.Addr != opts.Addr || r.DB != opts.DB {
		t.Fatalf("addr %s db %d, want %s db %d", r.Addr, r.DB, opts.Addr, opts.DB)
	}
	if err := r.Client.Set(ctx, r.Prefix+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := dial(t, url).Get(ctx, r.Prefix+"k").Val(); got != "v" {
		t.Fatalf("a client of REDIS_URL reads %q, want v", got)
	}
}

func TestMiniredisFallback(t *testing.T) {
	r := redistest.Open(t, env(nil), missing)
	if r.Real || !r.Exclusive {
		t.Fatalf("real %v exclusive %v, want miniredis: not real, exclusive", r.Real, r.Exclusive)
	}
	if err := dial(t, r.URL).Set(context.Background(), r.Prefix+"k", "v", 0).Err(); err != nil {
		t.Fatalf("miniredis at %s: %v", r.URL, err)
	}
}

func TestPrivateServer(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH")
	}
	r := redistest.Open(t, env(nil), exec.LookPath)
	if !r.Real || !r.Exclusive || r.DB == 0 {
		t.Fatalf("real %v exclusive %v db %d, want a real server's own database", r.Real, r.Exclusive, r.DB)
	}
	if want := fmt.Sprintf("redis://%s/%d", r.Addr, r.DB); r.URL != want {
		t.Fatalf("URL %q, want %q", r.URL, want)
	}
	ctx := context.Background()
	if err := r.Client.Set(ctx, r.Prefix+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := dial(t, r.URL).Get(ctx, r.Prefix+"k").Val(); got != "v" {
		t.Fatalf("a client of %s reads %q, want v", r.URL, got)
	}
	if save := r.Client.ConfigGet(ctx, "save").Val()["save"]; save != "" {
		t.Fatalf("private server save = %q, want persistence off", save)
	}
}

// child runs TestChild in a fresh copy of this test binary.
func child(t *testing.T, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{"REDISTEST_CHILD=1"}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestChild is run by the tests below as a separate process.
func TestChild(t *testing.T) {
	if os.Getenv("REDISTEST_CHILD") != "1" {
		t.Skip("run as a child process by TestRequireReal and TestServerDiesWithProcess")
	}
	r := redistest.New(t)
	fmt.Printf("child: real=%v addr=%s\n", r.Real, r.Addr)
}

func TestRequireReal(t *testing.T) {
	out, err := child(t, "REDIS_URL=", "PATH=", "REDISTEST_REQUIRE_REAL=1")
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child err = %v, want a failed test; output:\n%s", err, out)
	}
	if !strings.Contains(out, "REDISTEST_REQUIRE_REAL is set but no real Redis is available") {
		t.Fatalf("child output lacks the reason:\n%s", out)
	}

	out, err = child(t, "REDIS_URL=", "PATH=", "REDISTEST_REQUIRE_REAL=")
	if err != nil {
		t.Fatalf("without REDISTEST_REQUIRE_REAL: %v\n%s", err, out)
	}
	if !strings.Contains(out, "redistest: no real Redis; using miniredis") || !strings.Contains(out, "child: real=false") {
		t.Fatalf("child did not fall back to miniredis with a notice:\n%s", out)
	}
}

func TestServerDiesWithProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux kills the server with its parent; elsewhere Main stops it")
	}
	binary, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH")
	}
	out, err := child(t, "REDIS_URL=", "PATH="+binary[:strings.LastIndex(binary, "/")], "REDISTEST_CHILD_NO_MAIN=1")
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, rest, ok := strings.Cut(out, "child: real=true addr=")
	if !ok {
		t.Fatalf("child did not use a private server:\n%s", out)
	}
	addr := strings.Fields(rest)[0]
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the child's server on %s still answers after the child exited", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
