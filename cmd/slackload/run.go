package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/internal/slackfake"
)

const secret = "slackload-signing-secret-0123456789"

const loadYAML = `
redis: {url: "%s", prefix: "slackload:"}
people:
  alice: {name: Alice, slack: UALICE}
  bob: {name: Bob, slack: UBOB}
roles:
  engineers: {people: [alice]}
  approvers: {people: [bob]}
platforms:
  slack: {bot_token: "%s", signing_secret: "%s", api_url: "%s"}
environments:
  staging:
    ops_channel: {slack: CSTAGING}
    elasticsearch: {urls: ["%s"]}
    indexes:
      - alias: masterdoctorindex
        mapping: %s/masterdoctorindex.json
        source: {type: generate, count: 1000, kind: doctor}
        transform: {id_field: gmcReferenceNumber}
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("slackload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commands := fs.Int("commands", 200, "signed slash commands, sent all at once")
	clicks := fs.Int("clicks", 200, "signed button clicks, sent all at once after the commands were answered")
	mappingDir := fs.String("mappings", "examples/mappings", "directory of the index mapping files")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	mappings, err := filepath.Abs(*mappingDir)
	if err != nil {
		return err
	}
	es := httptest.NewServer(esemu.New())
	defer es.Close()
	slack := slackfake.NewServer(slackfake.WithChannel("CSTAGING", "ops-staging"))
	defer slack.Close()

	redisURL := getenv("REDIS_URL")
	if redisURL == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return err
		}
		defer mr.Close()
		redisURL = "redis://" + mr.Addr()
		fmt.Fprintln(stderr, "slackload: REDIS_URL unset; using an embedded Redis")
	}
	dir, err := os.MkdirTemp("", "slackload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "load.yaml")
	cfg := fmt.Sprintf(loadYAML, redisURL, slack.Token(), secret, slack.URL(), es.URL, mappings)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	defer cleanRedis(redisURL)

	url, stop, err := startServe(ctx, dir, cfgPath, stderr)
	if err != nil {
		return err
	}
	defer stop()

	// Like Slack, keep connections open between requests (one wave reuses the
	// last wave's) rather than closing all but two.
	driver := slackfake.NewDriver(secret, slackfake.WithHTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512}}))
	var lat []time.Duration
	var mu sync.Mutex
	var wg sync.WaitGroup
	fire := func(send func() (*http.Response, []byte, error)) {
		defer wg.Done()
		start := time.Now()
		res, _, err := send()
		d := time.Since(start)
		if err != nil || res.StatusCode != http.StatusOK {
			d = time.Hour // counts as a miss
		}
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	}
	for i := range *commands {
		wg.Add(1)
		text := "status"
		if i%4 == 0 {
			text = "staging dry-run"
		}
		go fire(func() (*http.Response, []byte, error) {
			return driver.SlashCommand(ctx, url+"/slack/commands", slackfake.Slash{Command: "/resync", Text: text, UserID: "UALICE", UserName: "alice", ChannelID: "CSTAGING"})
		})
	}
	wg.Wait() // commands first, then clicks: two waves of concurrent requests
	for i := range *clicks {
		wg.Add(1)
		go fire(func() (*http.Response, []byte, error) {
			return driver.Click(ctx, url+"/slack/interactions", slackfake.Click{ActionID: "abort", Value: fmt.Sprintf("20260101-000000-%04x", i), UserID: "UALICE", ChannelID: "CSTAGING", MessageTS: "1700000000.000100"})
		})
	}
	wg.Wait()
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	over := 0
	for _, d := range lat {
		if d > 3*time.Second {
			over++
		}
	}
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	fmt.Fprintf(stdout, "requests=%d\n", len(lat))
	fmt.Fprintf(stdout, "ack_p50_ms=%.1f\n", pct(0.50))
	fmt.Fprintf(stdout, "ack_p99_ms=%.1f\n", pct(0.99))
	fmt.Fprintf(stdout, "ack_max_ms=%.1f\n", float64(lat[len(lat)-1].Microseconds())/1000)
	fmt.Fprintf(stdout, "acks_over_3s=%d\n", over)
	return nil
}

// startServe builds cmd/resyncbot and runs `serve` on a free port.
func startServe(ctx context.Context, dir, cfgPath string, stderr io.Writer) (string, func(), error) {
	bin := filepath.Join(dir, "resyncbot")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/resyncbot")
	build.Stderr = stderr
	if err := build.Run(); err != nil {
		return "", nil, fmt.Errorf("build resyncbot: %w", err)
	}
	cmd := exec.Command(bin, "--log-level", "warn", "serve", "--config", cfgPath, "--addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return strings.TrimSpace(sc.Text()[i:]), stop, nil
		}
	}
	stop()
	return "", nil, errors.New("resyncbot serve printed no address")
}

func cleanRedis(url string) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "slackload:*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Unlink(ctx, iter.Val())
	}
}
