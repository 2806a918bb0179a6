package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// routes lists every HTTP route of a replica.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", handleHealthz(a))
	if a.slack != nil && !a.slack.SocketMode() {
		mux.Handle("POST /slack/commands", a.slack.Commands())
		mux.Handle("POST /slack/interactions", a.slack.Interactions())
	}
	if a.discord != nil {
		mux.Handle("POST /discord/interactions", a.discord.Interactions())
	}
	if a.console != nil {
		a.console.Routes(mux)
	}
	return mux
}

// handleHealthz answers 200 while Redis answers, else 503.
func handleHealthz(a *app) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.rdb.Ping(ctx).Err(); err != nil {
			http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
}
