// Command esemu serves the in-memory Elasticsearch 8 emulator on a TCP
// address, for local development, demos and benchmarks.
//
//	esemu --addr 127.0.0.1:9200
//
// It prints "esemu listening on http://HOST:PORT" once it accepts
// connections (with --addr 127.0.0.1:0 the port is the one the kernel
// chose) and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/resyncbot/resyncbot/internal/esemu"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "esemu:", err)
		os.Exit(1)
	}
}

// run parses flags, serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("esemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defAddr := "127.0.0.1:9200"
	if v := getenv("ESEMU_ADDR"); v != "" {
		defAddr = v
	}
	addr := fs.String("addr", defAddr, "listen address (host:port; port 0 picks a free one)")
	refresh := fs.Duration("refresh-interval", time.Second, "refresh interval of indexes that do not set index.refresh_interval (0 disables)")
	gcPercent := fs.Int("gc-percent", 50, "Go GC target percentage; lower trades CPU for a smaller resident set")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown")
	translogDir := fs.String("translog-dir", "", "fsync every write request to a translog in this directory before answering, as Elasticsearch does by default (off: writes are acknowledged from memory)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *gcPercent > 0 && getenv("GOGC") == "" {
		debug.SetGCPercent(*gcPercent)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("create cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	opts := []esemu.Option{esemu.WithRefreshInterval(*refresh)}
	if *translogDir != "" {
		f, err := esemu.OpenTranslog(*translogDir)
		if err != nil {
			return err
		}
		defer f.Close()
		opts = append(opts, esemu.WithTranslog(f))
	}
	srv := &http.Server{
		Handler:           esemu.New(opts...),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(stdout, "esemu listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Nothing needs flushing: give in-flight requests a moment, then close
	// whatever is left (idle keep-alive connections a client never used
	// would otherwise hold Shutdown for its full timeout).
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return srv.Close()
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
