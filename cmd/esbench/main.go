// Command esbench measures the Elasticsearch emulator's bulk path the way
// the sync engine uses it: it builds cmd/esemu, starts it as a child
// process on 127.0.0.1:0, loads synthetic 600-byte documents through
// esutil.BulkIndexer (2 workers, 5 MB flushes) and prints
//
//	esemu_bulk_docs_per_s=<n>
//	esemu_rss_mb_per_100k=<n>
//
// The RSS figure is the child's VmRSS after the load minus before it,
// scaled to 100,000 documents.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "esbench:", err)
		os.Exit(1)
	}
}

// config is the benchmark's parameters.
type config struct {
	docs       int
	docBytes   int
	workers    int
	flushBytes int
	bin        string
	binFlags   string
	cpuProfile string
	verbose    bool
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("esbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.IntVar(&cfg.docs, "docs", 100_000, "documents to load")
	fs.IntVar(&cfg.docBytes, "doc-bytes", 600, "size of each document's JSON")
	fs.IntVar(&cfg.workers, "workers", 2, "BulkIndexer workers")
	fs.IntVar(&cfg.flushBytes, "flush-bytes", 5<<20, "BulkIndexer flush size")
	fs.StringVar(&cfg.bin, "esemu", getenv("ESEMU_BIN"), "prebuilt esemu binary (default: go build ./cmd/esemu)")
	fs.StringVar(&cfg.binFlags, "esemu-flags", "", "extra flags for the esemu child, space separated")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the load phase's client-side CPU profile to this file")
	fs.BoolVar(&cfg.verbose, "v", false, "print progress to stderr")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	if cfg.docs <= 0 || cfg.docBytes < 200 {
		return errors.New("need -docs > 0 and -doc-bytes >= 200")
	}
	if cfg.bin == "" {
		dir, err := os.MkdirTemp("", "esbench-*")
		if err != nil {
			return fmt.Errorf("temp dir: %w", err)
		}
		defer os.RemoveAll(dir)
		cfg.bin = filepath.Join(dir, "esemu")
		build := exec.CommandContext(ctx, "go", "build", "-o", cfg.bin, "github.com/resyncbot/resyncbot/cmd/esemu")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build cmd/esemu: %w", err)
		}
	}
	child, url, err := start(ctx, cfg.bin, strings.Fields(cfg.binFlags), stderr)
	if err != nil {
		return err
	}
	defer stopChild(child)
	rate, rssMB, err := bench(ctx, cfg, url, child.Process.Pid, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "esemu_bulk_docs_per_s=%d\n", int(rate))
	fmt.Fprintf(stdout, "esemu_rss_mb_per_100k=%.1f\n", rssMB)
	return nil
}

// start runs the emulator and waits for its "listening on" line.
func start(ctx context.Context, bin string, extra []string, stderr io.Writer) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"--addr", "127.0.0.1:0"}, extra...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", fmt.Errorf("esemu stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start esemu: %w", err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "esemu listening on "); ok {
				lines <- u
			}
		}
		close(lines)
	}()
	select {
	case u, ok := <-lines:
		if !ok {
			stopChild(cmd)
			return nil, "", errors.New("esemu exited before listening")
		}
		return cmd, u, nil
	case <-time.After(30 * time.Second):
		stopChild(cmd)
		return nil, "", errors.New("esemu did not report its address within 30s")
	}
}

func stopChild(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// rssBytes reads VmRSS of a process from /proc.
func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read /proc status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", v, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no VmRSS line")
}

var (
	firstNames = []string{"Amara", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Isla", "Jonas"}
	lastNames  = []string{"Okafor", "Smith", "Patel", "Nguyen", "Kowalski", "Murphy", "Haddad", "Jones", "Sato", "Evans"}
	bodies     = []string{"1-AIIDR8", "1-AIIDWA", "1-AIIDVS", "1-AIIDWI", "1-AIIDSA", "1-AIIDWT", "1-AIIDSI", "1-AIIDH1", "1-AIIDQQ", "1-AIIDMY"}
	tisStatus  = []string{"NOT_STARTED", "STARTED", "READY_TO_REVIEW", "READY_TO_SUBMIT", "SUBMITTED_TO_GMC", "COMPLETED", "DRAFT"}
)

const benchMapping = `{"settings":{"number_of_shards":1,"number_of_replicas":0},"mappings":{"dynamic":"strict","properties":{
 "gmcReferenceNumber":{"type":"keyword"},"doctorFirstName":{"type":"keyword"},"doctorLastName":{"type":"keyword"},
 "submissionDate":{"type":"date"},"programmeName":{"type":"keyword"},"membershipType":{"type":"keyword"},
 "designatedBody":{"type":"keyword"},"tcsDesignatedBody":{"type":"keyword"},"gmcStatus":{"type":"keyword"},
 "tisStatus":{"type":"keyword"},"admin":{"type":"keyword"},"lastUpdatedDate":{"type":"date"},
 "underNotice":{"type":"keyword"},"programmeOwner":{"type":"keyword"},"curriculumEndDate":{"type":"date"},
 "placementGrade":{"type":"keyword"},"existsInGmc":{"type":"boolean"},"tcsPersonId":{"type":"long"},
 "connectionStatus":{"type":"keyword"},"notes":{"type":"text"}}}}`

// doc renders a synthetic doctor record padded to exactly size bytes.
func doc(i, size int) (string, []byte) {
	id := fmt.Sprintf("%07d", 1000000+i)
	b := fmt.Appendf(nil, `{"gmcReferenceNumber":%q,"doctorFirstName":%q,"doctorLastName":%q,"submissionDate":"2025-%02d-%02d",`+
		`"programmeName":"General Practice","membershipType":"Visitor","designatedBody":%q,"tcsDesignatedBody":%q,`+
		`"gmcStatus":"Under Review","tisStatus":%q,"admin":"admin%d@example.org","lastUpdatedDate":"2025-06-%02dT10:00:00Z",`+
		`"underNotice":"NO","programmeOwner":"NHS England","curriculumEndDate":"2027-08-01","placementGrade":"ST3",`+
		`"existsInGmc":true,"tcsPersonId":%d,"connectionStatus":"Yes","notes":"`,
		id, firstNames[i%len(firstNames)], lastNames[i%len(lastNames)], 1+i%12, 1+i%28, bodies[i%len(bodies)],
		bodies[(i+3)%len(bodies)], tisStatus[i%len(tisStatus)], i%97, 1+i%28, 100000+i)
	pad := size - len(b) - 2
	for j := 0; j < pad; j++ {
		b = append(b, "abcdefghij klmnopqrst"[(i+j)%21])
	}
	b = append(b, '"', '}')
	return id, b
}

func bench(ctx context.Context, cfg config, url string, pid int, stderr io.Writer) (float64, float64, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.workers + 1}
	defer tr.CloseIdleConnections()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{url}, Transport: tr})
	if err != nil {
		return 0, 0, fmt.Errorf("client: %w", err)
	}
	const index = "bench-doctors"
	res, err := esapi.IndicesCreateRequest{Index: index, Body: strings.NewReader(benchMapping)}.Do(ctx, es)
	if err != nil {
		return 0, 0, fmt.Errorf("create index: %w", err)
	}
	_ = res.Body.Close()
	if res.IsError() {
		return 0, 0, fmt.Errorf("create index: %s", res.Status())
	}
	ids := make([]string, cfg.docs)
	docs := make([][]byte, cfg.docs)
	for i := range docs {
		ids[i], docs[i] = doc(i, cfg.docBytes)
	}
	time.Sleep(200 * time.Millisecond)
	before, err := rssBytes(pid)
	if err != nil {
		return 0, 0, err
	}
	var failed atomic.Int64
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{
		Client: es, Index: index, NumWorkers: cfg.workers, FlushBytes: cfg.flushBytes,
		OnError: func(_ context.Context, err error) { fmt.Fprintln(stderr, "esbench: bulk error:", err) },
	})
	if err != nil {
		return 0, 0, fmt.Errorf("bulk indexer: %w", err)
	}
	onFailure := func(_ context.Context, item esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
		if failed.Add(1) <= 3 {
			fmt.Fprintf(stderr, "esbench: %s failed: %s %s %v\n", item.DocumentID, r.Error.Type, r.Error.Reason, err)
		}
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return 0, 0, fmt.Errorf("create cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, 0, fmt.Errorf("start cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	for i := range docs {
		item := esutil.BulkIndexerItem{Action: "index", DocumentID: ids[i], Body: bytes.NewReader(docs[i]), OnFailure: onFailure}
		if err := bi.Add(ctx, item); err != nil {
			return 0, 0, fmt.Errorf("add %s: %w", ids[i], err)
		}
	}
	if err := bi.Close(ctx); err != nil {
		return 0, 0, fmt.Errorf("close bulk indexer: %w", err)
	}
	elapsed := time.Since(start)
	st := bi.Stats()
	if st.NumFailed > 0 || int(st.NumFlushed) != cfg.docs {
		return 0, 0, fmt.Errorf("bulk load: %d flushed, %d failed of %d", st.NumFlushed, st.NumFailed, cfg.docs)
	}
	after, err := rssBytes(pid)
	if err != nil {
		return 0, 0, err
	}
	if cfg.verbose {
		fmt.Fprintf(stderr, "esbench: %d docs in %v (%d requests); RSS %d MB -> %d MB\n",
			cfg.docs, elapsed.Round(time.Millisecond), st.NumRequests, before>>20, after>>20)
	}
	rate := float64(cfg.docs) / elapsed.Seconds()
	mb := float64(after-before) / (1 << 20) * 100_000 / float64(cfg.docs)
	return rate, mb, nil
}
