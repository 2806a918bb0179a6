// Command slackload measures how fast `resyncbot serve` acknowledges Slack:
// it starts a serve process against an emulated Elasticsearch, Redis and a
// fake Slack, sends concurrent signed slash commands and button clicks, and
// prints the acknowledgement latencies Slack's 3-second rule cares about.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "slackload:", err)
		os.Exit(1)
	}
}
