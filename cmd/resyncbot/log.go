package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/internal/redact"
)

// logOptions are the global --log-format and --log-level flags, parsed.
type logOptions struct {
	console bool
	level   zerolog.Level
}

func parseLogOptions(format, level string) (logOptions, error) {
	var o logOptions
	switch format {
	case "json":
	case "console":
		o.console = true
	default:
		return o, fmt.Errorf("--log-format %q: want json or console", format)
	}
	switch level {
	case "trace", "debug", "info", "warn", "error":
		o.level, _ = zerolog.ParseLevel(level)
	default:
		return o, fmt.Errorf("--log-level %q: want trace, debug, info, warn or error", level)
	}
	return o, nil
}

// logger returns a logger writing to stderr that masks secrets: build it
// again, with the configuration's Secrets, as soon as a configuration is
// loaded, and log nothing before that which could hold a secret.
func (e *env) logger(secrets []string) zerolog.Logger {
	w := io.Writer(redact.NewWriter(e.stderr, secrets))
	if e.log.console {
		w = zerolog.ConsoleWriter{Out: w, NoColor: !isTerminal(e.stderr), TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).Level(e.log.level).With().Timestamp().Logger()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
