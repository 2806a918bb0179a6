package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/internal/redistest"
)

// TestDemoMappingsMatchExamples keeps the demo's embedded mappings equal to
// the examples they are copied from.
func TestDemoMappingsMatchExamples(t *testing.T) {
	examples, err := filepath.Glob("../../examples/mappings/*.json")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no example mappings: %v", err)
	}
	embedded, err := demoMappings.ReadDir("demo_mappings")
	if err != nil {
		t.Fatal(err)
	}
	if len(embedded) != len(examples) {
		t.Errorf("demo_mappings has %d files, examples/mappings %d", len(embedded), len(examples))
	}
	for _, path := range examples {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := demoMappings.ReadFile("demo_mappings/" + filepath.Base(path))
		if err != nil {
			t.Errorf("%s is not embedded: %v", filepath.Base(path), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("demo_mappings/%s differs from examples/mappings: copy it again", filepath.Base(path))
		}
	}
}

func TestDemoConfig(t *testing.T) {
	urls := map[string]string{"prod": "http://127.0.0.1:1", "preprod": "http://127.0.0.1:2", "staging": "http://127.0.0.1:3"}
	cfg, yaml, err := demoConfig(demoSettings{
		RedisURL: "redis://127.0.0.1:6379/0", RedisPrefix: "resyncbot:", ES: urls, AliasPrefix: map[string]string{},
		Counts: splitDocs(200000), Seed: 42, Timezone: "UTC", BatchSize: demoBatchSize,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml)
	}
	if got := strings.Join(cfg.EnvironmentOrder, ","); got != "prod,preprod,staging" {
		t.Errorf("environments %s", got)
	}
	prod, pre, stg := cfg.Environments["prod"], cfg.Environments["preprod"], cfg.Environments["staging"]
	if !prod.Production || prod.Approvals.Resync != 1 || !prod.RequireReason || prod.Colour != "#d40000" {
		t.Errorf("prod: production %v, resync approvals %d, reason %v, colour %s", prod.Production, prod.Approvals.Resync, prod.RequireReason, prod.Colour)
	}
	if pre.Production || pre.Approvals.Resync != 0 || stg.Approvals.Resync != 0 {
		t.Errorf("preprod and staging must need no approval: %d, %d", pre.Approvals.Resync, stg.Approvals.Resync)
	}
	var total int64
	for _, ix := range prod.Indexes {
		total += ix.Source.Count
		if len(ix.MappingJSON) == 0 {
			t.Errorf("%s: mapping not read", ix.Alias)
		}
	}
	if total != 200000 {
		t.Errorf("prod holds %d records, want 200,000", total)
	}
	people := consolePeople(cfg)
	var got []string
	for _, p := range people {
		got = append(got, p.Name+":"+strings.Join(p.Roles, "+"))
	}
	if strings.Join(got, " ") != "Alice:engineer Ben:engineer Chloe:approver Dev:approver" {
		t.Errorf("people %v", got)
	}
	var chans []string
	for _, c := range consoleChannels(cfg) {
		chans = append(chans, c.Name)
	}
	if strings.Join(chans, " ") != "ops-prod ops-preprod ops-staging status" {
		t.Errorf("channels %v", chans)
	}
}

// demoRun is a demo running in this process.
type demoRun struct {
	url    string
	out    *syncBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startDemo runs the demo with args on a free port and returns once the
// console answers. getenv is the demo's environment (nil: empty).
func startDemo(t *testing.T, getenv func(string) string, args ...string) *demoRun {
	t.Helper()
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &demoRun{out: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	var stderr syncBuffer
	go func() {
		e := &env{getenv: getenv, stdout: io.MultiWriter(pw, d.out), stderr: &stderr, log: logOptions{level: zerolog.WarnLevel}}
		err := runDemo(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), e)
		pw.Close()
		d.done <- err
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			d.url = strings.TrimRight(sc.Text()[i:], "/")
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if d.url == "" {
		cancel()
		t.Fatalf("demo did not start: %v\n%s", <-d.done, stderr.String())
	}
	t.Cleanup(func() {
		d.stop(t)
		if s := stderr.String(); s != "" {
			t.Logf("demo log:\n%s", s)
		}
	})
	return d
}

// stop interrupts the demo as Ctrl-C does and waits for it to exit.
func (d *demoRun) stop(t *testing.T) {
	t.Helper()
	d.once.Do(func() {
		d.cancel()
		select {
		case err := <-d.done:
			if err != nil {
				t.Errorf("demo ended with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("demo did not stop within 30s of Ctrl-C")
		}
	})
}

// panel reads the console's side panel.
func (d *demoRun) panel(t *testing.T) map[string]demoEnvPanel {
	t.Helper()
	res, err := http.Get(d.url + "/console/panel")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct{ Envs []demoEnvPanel }
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	out := map[string]demoEnvPanel{}
	for _, e := range p.Envs {
		out[e.Name] = e
	}
	return out
}

type demoEnvPanel struct {
	Name      string
	Preparing string
	Live      *struct{ ID string }
	Jobs      []struct{ ID, State, Requester string }
}

// waitLoaded waits until every environment has a live generation.
func (d *demoRun) waitLoaded(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := d.panel(t)
		ready := len(p) == 3
		for _, e := range p {
			ready = ready && e.Live != nil && e.Preparing == ""
		}
		if ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo data not loaded within 60s: %+v\n%s", p, d.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func postJSON(t *testing.T, url string, body any) int {
	t.Helper()
	buf, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestDemoRunsAResync starts the demo, waits for its data, runs a staging
// resync through the console's command endpoint and stops it as Ctrl-C does.
func TestDemoRunsAResync(t *testing.T) {
	d := startDemo(t, nil, "--docs", "3000", "--pace", "0")
	res, err := http.Get(d.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "resyncbot console") {
		t.Fatalf("GET /: %d\n%s", res.StatusCode, page)
	}
	d.waitLoaded(t)
	first := d.panel(t)["staging"].Live.ID
	if code := postJSON(t, d.url+"/console/command", map[string]string{"user": "alice", "channel": "ops-staging", "text": "/resync staging"}); code != http.StatusAccepted {
		t.Fatalf("command: HTTP %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		stg := d.panel(t)["staging"]
		if stg.Live != nil && stg.Live.ID != first && len(stg.Jobs) > 0 && stg.Jobs[0].Requester == "Alice" && stg.Jobs[0].State == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alice's staging resync did not finish: %+v", stg)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := postJSON(t, d.url+"/console/command", map[string]string{"user": "mallory", "channel": "ops-staging", "text": "/resync staging"}); code != http.StatusForbidden {
		t.Errorf("a command from someone the console does not know: HTTP %d, want 403", code)
	}
	d.stop(t)
	if !strings.Contains(d.out.String(), "demo data loaded") || !strings.Contains(d.out.String(), strings.TrimSpace(demoStopped)) {
		t.Errorf("output:\n%s", d.out.String())
	}
}

// TestDemoExternalServices runs the demo against $REDIS_URL (a shared
// server) and $ELASTICSEARCH_URL (one cluster for the three environments),
// and checks that it keeps the environments apart and leaves no keys behind.
func TestDemoExternalServices(t *testing.T) {
	r := redistest.New(t)
	es := esemu.New()
	srv := httptest.NewServer(es)
	t.Cleanup(srv.Close)
	getenv := func(k string) string {
		return map[string]string{"REDIS_URL": r.URL, "ELASTICSEARCH_URL": srv.URL}[k]
	}
	d := startDemo(t, getenv, "--docs", "300")
	d.waitLoaded(t)
	for _, env := range demoEnvs() {
		if n := es.DocCount(env + "-masterdoctorindex"); n != 100 {
			t.Errorf("%s-masterdoctorindex holds %d documents, want 100", env, n)
		}
	}
	out := d.out.String()
	i := strings.Index(out, `keys under "`)
	if i < 0 {
		t.Fatalf("the demo does not say where its keys are:\n%s", out)
	}
	prefix := out[i+len(`keys under "`):]
	prefix = prefix[:strings.Index(prefix, `"`)]
	ctx := context.Background()
	if n := len(r.Client.Keys(ctx, prefix+"*").Val()); n == 0 {
		t.Fatalf("no keys under %q while the demo runs", prefix)
	}
	d.stop(t)
	if keys := r.Client.Keys(ctx, prefix+"*").Val(); len(keys) > 0 {
		t.Errorf("the demo left %d keys under %q: %v", len(keys), prefix, keys[:min(len(keys), 5)])
	}
}

// BenchmarkDemoStart measures the time from the demo's start to its
// console answering, with the default 200,000 records per environment
// (loaded in the background, so they do not delay it).
func BenchmarkDemoStart(b *testing.B) {
	for b.Loop() {
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			e := &env{getenv: func(string) string { return "" }, stdout: pw, stderr: io.Discard, log: logOptions{level: zerolog.WarnLevel}}
			done <- runDemo(ctx, []string{"--addr", "127.0.0.1:0"}, e)
			pw.Close()
		}()
		sc := bufio.NewScanner(pr)
		var url string
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "http://"); i >= 0 {
				url = sc.Text()[i:]
				break
			}
		}
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		res, err := http.Get(url + "console/")
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-answer")
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}
