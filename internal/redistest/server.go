package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// databases is how many databases the private server has. Database 0 is the
// shared fallback; 1..databases-1 are lent out one per Redis.
const databases = 16

// shared is this test process's private redis-server. It is package-level
// because its lifetime is the test binary's, not any one test's: New(tb) has no
// other place to find the server an earlier test started, and starting one per
// test would cost a process and a port each time. Main stops it; on Linux it
// also dies with the process.
var shared pool

// pool starts the private server on first use and lends out its databases.
type pool struct {
	mu      sync.Mutex
	srv     *server
	err     error // why the server could not start; not retried
	free    []int // databases no Redis holds
	noticed bool  // the miniredis notice went to stderr
}

// acquire returns the private server's address and a database for one Redis,
// starting the server if this is the first call. The database is exclusive
// while free ones remain; after that Redises share database 0 and rely on their
// prefixes alone.
func (p *pool) acquire(binary string) (addr string, db int, exclusive bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv == nil && p.err == nil {
		p.srv, p.err = startServer(binary)
		if p.err == nil {
			for db := databases - 1; db >= 1; db-- {
				p.free = append(p.free, db)
			}
		}
	}
	if p.err != nil {
		return "", 0, false, p.err
	}
	if n := len(p.free); n > 0 {
		db = p.free[n-1]
		p.free = p.free[:n-1]
		return p.srv.addr, db, true, nil
	}
	return p.srv.addr, 0, false, nil
}

// release returns a database lent by acquire.
func (p *pool) release(db int, exclusive bool) {
	if !exclusive {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, db)
}

// stop ends the private server, if one runs; later acquires fail.
func (p *pool) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil {
		p.srv.stop()
		p.srv = nil
	}
	p.err = errors.New("redistest: the private server was stopped (Main has returned)")
}

// noticeOnce writes the miniredis notice to stderr once per process, so it is
// seen even without -v.
func (p *pool) noticeOnce() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.noticed {
		p.noticed = true
		fmt.Fprintln(os.Stderr, noticeMini)
	}
}

// server is a redis-server child process.
type server struct {
	cmd  *exec.Cmd
	addr string
	done <-chan struct{} // closed when the process has exited
	log  *tail
}

// startServer starts redis-server on a free port. Another process may take the
// port between our probe and the server's bind, so it tries a few times.
func startServer(binary string) (*server, error) {
	var err error
	for range 3 {
		var s *server
		if s, err = tryServer(binary); err == nil {
			return s, nil
		}
	}
	return nil, err
}

func tryServer(binary string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// Redis needs a working directory; it persists nothing with these flags,
	// and the directory is removed as soon as the server answers, so a stray
	// SAVE fails instead of leaving a dump behind.
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	s := &server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: &tail{}}
	s.cmd = exec.Command(binary,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--databases", strconv.Itoa(databases),
		"--daemonize", "no", "--logfile", "", "--loglevel", "warning")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if s.done, err = startProcess(s.cmd); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if err := s.waitReady(10 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls until the server answers as itself: a PING alone could be
// answered by another server that won the race for the port.
func (s *server) waitReady(limit time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: s.addr, DialTimeout: time.Second, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := c.Info(ctx, "server").Result()
		cancel()
		if err == nil {
			if pid := infoField(info, "process_id"); pid != strconv.Itoa(s.cmd.Process.Pid) {
				return fmt.Errorf("%s is answered by another server (pid %s)", s.addr, pid)
			}
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("exited (%v): %s", s.cmd.ProcessState, strings.TrimSpace(s.log.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer on %s after %v: %v; log: %s", s.addr, limit, err, strings.TrimSpace(s.log.String()))
		}
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func infoField(info, name string) string {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// tail keeps the last few KiB a process wrote, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	const limit = 4096
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > limit {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-limit:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
