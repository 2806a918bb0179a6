package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/syncengine"
)

// demo is what the demo starts besides resyncbot itself: Redis and
// Elasticsearch, in-process unless the environment names real ones.
type demo struct {
	e   *env
	log zerolog.Logger

	rdb        *redis.Client
	redisURL   string
	prefix     string
	redisWords string
	mini       *miniredis.Miniredis
	// ownKeys is set when the demo works under its own prefix of a shared
	// Redis and must delete its keys when it stops.
	ownKeys bool

	esURLs      map[string]string
	aliasPrefix map[string]string
	esWords     string
	emulators   map[string]*esemu.Emulator
	esServers   []*http.Server
}

// startRedis connects to $REDIS_URL under a prefix of the demo's own, or
// starts miniredis.
func (d *demo) startRedis(ctx context.Context) error {
	if url := d.e.getenv("REDIS_URL"); url != "" {
		rdb, err := openRedis(ctx, url)
		if err != nil {
			return err
		}
		d.rdb, d.redisURL, d.ownKeys = rdb, url, true
		d.prefix = "resyncbot-demo:" + randomHex(4) + ":"
		d.redisWords = fmt.Sprintf(demoRedisExternal, rdb.Options().Addr, d.prefix)
		return nil
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return fmt.Errorf("start miniredis: %w", err)
	}
	d.mini = m
	d.redisURL = "redis://" + m.Addr() + "/0"
	d.prefix = "resyncbot:"
	d.rdb = redis.NewClient(&redis.Options{Addr: m.Addr()})
	d.redisWords = demoRedisEmbedded
	return nil
}

// startElasticsearch points every environment at $ELASTICSEARCH_URL, their
// aliases kept apart by prefixes, or serves one emulator per environment
// on a loopback port, as separate clusters would be.
func (d *demo) startElasticsearch() error {
	d.esURLs, d.aliasPrefix = map[string]string{}, map[string]string{}
	if url := d.e.getenv("ELASTICSEARCH_URL"); url != "" {
		for _, env := range demoEnvs() {
			d.esURLs[env], d.aliasPrefix[env] = url, env+"-"
		}
		d.esWords = fmt.Sprintf(demoESExternal, redactURL(url))
		return nil
	}
	d.emulators = map[string]*esemu.Emulator{}
	for _, env := range demoEnvs() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("elasticsearch emulator: %w", err)
		}
		emu := esemu.New()
		srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		d.emulators[env] = emu
		d.esServers = append(d.esServers, srv)
		d.esURLs[env] = "http://" + ln.Addr().String()
	}
	d.esWords = demoESEmbedded
	return nil
}

// pace makes every bulk request of the in-process emulators take at least
// p longer, so that a resync can be watched and aborted.
func (d *demo) pace(p time.Duration) {
	if p <= 0 {
		return
	}
	for _, emu := range d.emulators {
		emu.AddFault(esemu.Fault{Method: http.MethodPost, Path: "/_bulk", Latency: p})
		emu.AddFault(esemu.Fault{Method: http.MethodPost, Path: "/*/_bulk", Latency: p})
	}
}

// Publish forgets the emulators' request logs when a job ends: they are
// for tests, and would otherwise grow with every document written.
func (d *demo) Publish(ev syncengine.Event) {
	if ev.Kind != syncengine.EventFinished {
		return
	}
	for _, emu := range d.emulators {
		emu.ResetRequests()
	}
}

// close stops what start started and, in a shared Redis, deletes the
// demo's keys.
func (d *demo) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range d.esServers {
		_ = srv.Shutdown(ctx)
	}
	if d.rdb != nil {
		if d.ownKeys {
			if err := deleteKeys(ctx, d.rdb, d.prefix); err != nil {
				d.log.Warn().Err(err).Str("prefix", d.prefix).Msg("could not delete the demo's keys")
			}
		}
		_ = d.rdb.Close()
	}
	if d.mini != nil {
		d.mini.Close()
	}
}

// deleteKeys deletes every key under prefix.
func deleteKeys(ctx context.Context, rdb *redis.Client, prefix string) error {
	iter := rdb.Scan(ctx, 0, escapeGlob(prefix)+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := rdb.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return rdb.Unlink(ctx, batch...).Err()
	}
	return nil
}

// escapeGlob escapes the characters SCAN MATCH treats specially.
func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(s)
}

// redactURL drops the credentials from a URL before it is printed.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		rest = rest[at+1:]
	}
	return scheme + "://" + rest
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// splitDocs splits n records across the three indexes: the doctor index
// takes the remainder.
func splitDocs(n int) [3]int {
	third := n / 3
	return [3]int{n - 2*third, third, third}
}

// countWords is "66,668 + 66,666 + 66,666".
func countWords(c [3]int) string {
	return fmt.Sprintf("%s doctors + %s recommendations + %s connections",
		chat.Thousands(int64(c[0])), chat.Thousands(int64(c[1])), chat.Thousands(int64(c[2])))
}

// load gives every environment its first generation, one environment at a
// time (prod first: the tour starts there), with real jobs through the
// engine, then paces the emulators. The console answers meanwhile; the
// panel says what is loading.
func (d *demo) load(ctx context.Context, eng *syncengine.Engine, panel *demoPanel, pace time.Duration) {
	start := time.Now()
	envs := demoEnvs()
	for _, env := range envs {
		panel.setPreparing(env, textPrepareWaiting)
	}
	ok := true
	for _, env := range envs {
		panel.setPreparing(env, textPreparing)
		if err := loadEnv(ctx, eng, env); err != nil {
			if ctx.Err() != nil {
				return
			}
			ok = false
			d.log.Warn().Err(err).Str("env", env).Msg("demo data not loaded")
			panel.setPreparing(env, fmt.Sprintf(textPrepareFailed, err, env))
			continue
		}
		panel.setPreparing(env, "")
	}
	d.pace(pace)
	if ok {
		fmt.Fprintf(d.e.stdout, demoLoaded, time.Since(start).Round(100*time.Millisecond))
	}
}

// loadEnv runs one job on env and waits for it; an environment that already
// has a live generation (a shared Redis) or a job is left alone.
func loadEnv(ctx context.Context, eng *syncengine.Engine, env string) error {
	if live, err := eng.Live(ctx, env); err != nil || live != nil {
		return err
	}
	res, err := eng.StartJob(ctx, syncengine.Request{Env: env, Requester: seedRequester, Reason: seedReason})
	if err != nil {
		return err
	}
	if res.Busy != nil {
		return nil // someone started one first: that will do
	}
	if err := eng.Wait(ctx, res.Job.ID); err != nil {
		return err
	}
	j, err := eng.Job(ctx, res.Job.ID)
	if err != nil {
		return err
	}
	switch {
	case j.State == syncengine.StateSucceeded:
		return nil
	case j.Error != "":
		return errors.New(j.Error)
	}
	return fmt.Errorf("the job ended %s", j.State)
}
