package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

type options struct {
	docs, perDoc, batch, workers, flushBytes int
	esURL, mappings                          string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("syncbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.docs, "docs", 1_000_000, "generated doctor records for the engine and bare-loader runs")
	fs.IntVar(&o.perDoc, "per-doc", 20_000, "documents for the one-request-per-document run")
	fs.IntVar(&o.batch, "batch", 2000, "engine batch size (documents per acknowledged checkpoint)")
	fs.IntVar(&o.workers, "workers", 2, "bulk workers, for the engine and the bare loader alike")
	fs.IntVar(&o.flushBytes, "flush-bytes", 5<<20, "bulk flush threshold in bytes")
	fs.StringVar(&o.esURL, "es-url", "", "use this Elasticsearch instead of starting cmd/esemu")
	fs.StringVar(&o.mappings, "mappings", "examples/mappings", "directory of the index mapping files")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: syncbench [flags]\n\nRuns from the repository root; needs Redis (REDIS_URL, default 127.0.0.1:6379, else an embedded one).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	mappings, err := filepath.Abs(o.mappings)
	if err != nil {
		return err
	}
	o.mappings = mappings

	if o.esURL == "" {
		url, stop, err := startEmulator(ctx, stderr)
		if err != nil {
			return err
		}
		defer stop()
		o.esURL = url
	}
	rdb, prefix, closeRedis, err := openRedis(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer closeRedis()

	b := &bench{o: o, rdb: rdb, prefix: prefix, out: stdout, log: stderr}
	return b.all(ctx)
}

// startEmulator builds cmd/esemu and runs it on a free loopback port.
func startEmulator(ctx context.Context, stderr io.Writer) (string, func(), error) {
	dir, err := os.MkdirTemp("", "syncbench")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "esemu")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/esemu")
	build.Stderr = stderr
	if err := build.Run(); err != nil {
		return "", nil, fmt.Errorf("build cmd/esemu: %w", err)
	}
	// Durable writes, as Elasticsearch's default translog durability makes
	// them: one fsync per write request is what a request per document pays.
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--translog-dir", dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start esemu: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return strings.TrimSpace(sc.Text()[i:]), stop, nil
		}
	}
	stop()
	return "", nil, errors.New("esemu printed no URL")
}

// openRedis connects to REDIS_URL (default the local server), or an embedded one.
func openRedis(ctx context.Context, getenv func(string) string, stderr io.Writer) (*redis.Client, string, func(), error) {
	url := getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, "", nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	closeFn := func() { rdb.Close() }
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		mr, err := miniredis.Run()
		if err != nil {
			return nil, "", nil, err
		}
		fmt.Fprintln(stderr, "syncbench: no Redis at", url, "- using an embedded one")
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
		closeFn = func() { rdb.Close(); mr.Close() }
	}
	tok := make([]byte, 4)
	_, _ = rand.Read(tok)
	prefix := "syncbench:" + hex.EncodeToString(tok) + ":"
	return rdb, prefix, func() {
		iter := rdb.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			rdb.Unlink(context.Background(), iter.Val())
		}
		closeFn()
	}, nil
}

type bench struct {
	o      options
	rdb    *redis.Client
	prefix string
	out    io.Writer
	log    io.Writer
}

const benchYAML = `
people: {bench: {console: bench}}
roles: {engineers: {people: [bench]}, approvers: {people: [bench]}}
environments:
  bench:
    elasticsearch: {urls: ["%[1]s"]}
    batch_size: %[2]d
    workers: %[3]d
    flush_bytes: %[4]d
    generations_kept: 2
    indexes:
      - alias: masterdoctorindex
        mapping: %[5]s/masterdoctorindex.json
        source: {type: generate, count: %[6]d, kind: doctor, seed: 1}
        transform: {id_field: gmcReferenceNumber}
        required_fields: [gmcReferenceNumber, designatedBody]
  small:
    elasticsearch: {urls: ["%[1]s"]}
    indexes:
      - alias: smalldoctors
        mapping: %[5]s/masterdoctorindex.json
        source: {type: generate, count: 10000, kind: doctor, seed: 2}
        transform: {id_field: gmcReferenceNumber}
`

func (b *bench) engine() (*syncengine.Engine, error) {
	text := fmt.Sprintf(benchYAML, b.o.esURL, b.o.batch, b.o.workers, b.o.flushBytes, b.o.mappings, b.o.docs)
	cfg, err := config.Parse([]byte(text), ".", func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	return syncengine.New(b.rdb, cfg, syncengine.Options{Prefix: b.prefix, Logger: zerolog.New(b.log).Level(zerolog.WarnLevel)})
}

func (b *bench) all(ctx context.Context) error {
	e, err := b.engine()
	if err != nil {
		return err
	}
	t := e.Target("bench")

	// The bare loader runs before and after the engine and the faster run
	// counts, so neither warm-up nor a grown emulator flatters the engine.
	rawBefore, err := b.rawBulk(ctx, t)
	if err != nil {
		return fmt.Errorf("bare bulk loader: %w", err)
	}
	eng, heap, err := b.engineRun(ctx, e)
	if err != nil {
		return fmt.Errorf("engine run: %w", err)
	}
	rawAfter, err := b.rawBulk(ctx, t)
	if err != nil {
		return fmt.Errorf("bare bulk loader: %w", err)
	}
	raw := max(rawBefore, rawAfter)
	fmt.Fprintf(b.out, "raw_bulk_runs_docs_per_s=%.0f,%.0f\n", rawBefore, rawAfter)
	fmt.Fprintf(b.out, "raw_bulk_docs_per_s=%.0f\n", raw)
	fmt.Fprintf(b.out, "engine_docs_per_s=%.0f\n", eng)
	fmt.Fprintf(b.out, "engine_overhead_ratio=%.3f\n", raw/eng)
	fmt.Fprintf(b.out, "engine_peak_heap_mb=%.1f\n", heap)

	perDoc, err := b.perDocument(ctx, t)
	if err != nil {
		return fmt.Errorf("per-document run: %w", err)
	}
	fmt.Fprintf(b.out, "per_doc_docs_per_s=%.0f\n", perDoc)
	fmt.Fprintf(b.out, "engine_vs_per_doc_speedup=%.1f\n", eng/perDoc)

	abort, err := b.abortLatency(ctx, e)
	if err != nil {
		return fmt.Errorf("abort: %w", err)
	}
	fmt.Fprintf(b.out, "abort_latency_ms=%.0f\n", float64(abort.Microseconds())/1000)

	restore, err := b.restore(ctx, e)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(b.out, "restore_ms=%.1f\n", float64(restore.Microseconds())/1000)
	return nil
}

// rawBulk pushes the same documents through a bare BulkIndexer with the
// engine's settings: no source, no transform, no checkpoints.
func (b *bench) rawBulk(ctx context.Context, t *syncengine.Target) (float64, error) {
	mapping, err := os.ReadFile(filepath.Join(b.o.mappings, "masterdoctorindex.json"))
	if err != nil {
		return 0, err
	}
	const index = "rawbulk-bench"
	_ = t.DeleteIndexes(ctx, index)
	if err := t.CreateIndex(ctx, index, mapping); err != nil {
		return 0, err
	}
	defer t.DeleteIndexes(context.WithoutCancel(ctx), index)
	bi, err := t.NewBulkIndexer(index, b.o.workers, b.o.flushBytes, nil)
	if err != nil {
		return 0, err
	}
	gen, err := syncengine.NewGenerator(syncengine.KindDoctor, 1, nil)
	if err != nil {
		return 0, err
	}
	var failed atomic.Int64
	onFailure := func(context.Context, esutil.BulkIndexerItem, esutil.BulkIndexerResponseItem, error) { failed.Add(1) }
	start := time.Now()
	for i := range int64(b.o.docs) {
		doc := gen.AppendDoc(nil, i)
		err := bi.Add(ctx, esutil.BulkIndexerItem{Action: "index", DocumentID: gen.ID(i), Body: bytes.NewReader(doc), OnFailure: onFailure})
		if err != nil {
			return 0, err
		}
	}
	if err := bi.Close(ctx); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 {
		return 0, fmt.Errorf("%d documents failed", n)
	}
	return float64(b.o.docs) / elapsed.Seconds(), nil
}

// engineRun runs a whole job and samples the heap while it runs.
func (b *bench) engineRun(ctx context.Context, e *syncengine.Engine) (docsPerSec, peakHeapMB float64, err error) {
	runtime.GC()
	var peak atomic.Uint64
	stopSampling := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	j, err := b.runJob(ctx, e, "bench")
	elapsed := time.Since(start)
	close(stopSampling)
	wg.Wait()
	if err != nil {
		return 0, 0, err
	}
	if j.Written != int64(b.o.docs) {
		return 0, 0, fmt.Errorf("engine wrote %d documents, want %d", j.Written, b.o.docs)
	}
	return float64(b.o.docs) / elapsed.Seconds(), float64(peak.Load()) / (1 << 20), nil
}

func (b *bench) runJob(ctx context.Context, e *syncengine.Engine, env string) (*syncengine.Job, error) {
	res, err := e.StartJob(ctx, syncengine.Request{Env: env, Requester: "bench"})
	if err != nil {
		return nil, err
	}
	if res.Job == nil {
		return nil, fmt.Errorf("environment busy: %+v", res.Busy)
	}
	if err := e.Wait(ctx, res.Job.ID); err != nil {
		return nil, err
	}
	j, err := e.Job(ctx, res.Job.ID)
	if err != nil {
		return nil, err
	}
	if j.State != syncengine.StateSucceeded {
		return nil, fmt.Errorf("job %s: %s", j.State, j.Error)
	}
	return j, nil
}

// perDocument writes one document per request, as the incident's sync did.
func (b *bench) perDocument(ctx context.Context, t *syncengine.Target) (float64, error) {
	mapping, err := os.ReadFile(filepath.Join(b.o.mappings, "masterdoctorindex.json"))
	if err != nil {
		return 0, err
	}
	const index = "perdoc-bench"
	_ = t.DeleteIndexes(ctx, index)
	if err := t.CreateIndex(ctx, index, mapping); err != nil {
		return 0, err
	}
	defer t.DeleteIndexes(context.WithoutCancel(ctx), index)
	gen, _ := syncengine.NewGenerator(syncengine.KindDoctor, 1, nil)
	es := t.Client()
	start := time.Now()
	for i := range int64(b.o.perDoc) {
		res, err := es.Index(index, bytes.NewReader(gen.AppendDoc(nil, i)), es.Index.WithDocumentID(gen.ID(i)), es.Index.WithContext(ctx))
		if err != nil {
			return 0, err
		}
		if err := drain(res); err != nil {
			return 0, err
		}
	}
	return float64(b.o.perDoc) / time.Since(start).Seconds(), nil
}

func drain(res *esapi.Response) error {
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.IsError() {
		return fmt.Errorf("index: %s", res.Status())
	}
	return nil
}

// abortLatency starts a full job, lets it copy, aborts it and times how long
// until the job is recorded as aborted.
func (b *bench) abortLatency(ctx context.Context, e *syncengine.Engine) (time.Duration, error) {
	res, err := e.StartJob(ctx, syncengine.Request{Env: "bench", Requester: "bench"})
	if err != nil {
		return 0, err
	}
	if res.Job == nil {
		return 0, errors.New("environment busy")
	}
	for {
		j, err := e.Job(ctx, res.Job.ID)
		if err != nil {
			return 0, err
		}
		if j.Written >= int64(b.o.docs)/10 || j.State.Done() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	if _, err := e.Abort(ctx, res.Job.ID, "bench"); err != nil {
		return 0, err
	}
	for {
		j, err := e.Job(ctx, res.Job.ID)
		if err != nil {
			return 0, err
		}
		if j.State == syncengine.StateAborted {
			return time.Since(start), nil
		}
		if j.State.Done() {
			return 0, fmt.Errorf("job ended %s before the abort", j.State)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// restore times a one-click restore of the previous generation.
func (b *bench) restore(ctx context.Context, e *syncengine.Engine) (time.Duration, error) {
	for range 2 {
		if _, err := b.runJob(ctx, e, "small"); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	res, err := e.Restore(ctx, "small", "", "bench")
	if err != nil {
		return 0, err
	}
	if res.To == nil {
		return 0, errors.New("restore did not happen")
	}
	return time.Since(start), nil
}
