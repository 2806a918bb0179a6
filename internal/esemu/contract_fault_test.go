package esemu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/resyncbot/resyncbot/internal/esemu"
)

// loadResult is what a BulkIndexer run reports per document.
type loadResult struct {
	mu     sync.Mutex
	ok     map[string]bool
	failed map[string]esutil.BulkIndexerResponseItem
	errs   []error
}

// load indexes docs with ids 0..n-1 through esutil.BulkIndexer.
func load(t *testing.T, es *elasticsearch.Client, index string, n int, cfg func(*esutil.BulkIndexerConfig)) *loadResult {
	t.Helper()
	res := &loadResult{ok: map[string]bool{}, failed: map[string]esutil.BulkIndexerResponseItem{}}
	bc := esutil.BulkIndexerConfig{Client: es, Index: index, NumWorkers: 1, FlushBytes: 1 << 20,
		OnError: func(_ context.Context, err error) {
			res.mu.Lock()
			defer res.mu.Unlock()
			res.errs = append(res.errs, err)
		}}
	if cfg != nil {
		cfg(&bc)
	}
	bi, err := esutil.NewBulkIndexer(bc)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		id := strconv.Itoa(i)
		err := bi.Add(context.Background(), esutil.BulkIndexerItem{
			Action: "index", DocumentID: id, Body: strings.NewReader(fmt.Sprintf(`{"n":%d}`, i)),
			OnSuccess: func(_ context.Context, item esutil.BulkIndexerItem, _ esutil.BulkIndexerResponseItem) {
				res.mu.Lock()
				defer res.mu.Unlock()
				res.ok[item.DocumentID] = true
			},
			OnFailure: func(_ context.Context, item esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
				res.mu.Lock()
				defer res.mu.Unlock()
				if err != nil {
					res.errs = append(res.errs, err)
					return
				}
				res.failed[item.DocumentID] = r
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return res
}

func bulkRequests(reqs []esemu.Request) []esemu.Request {
	var out []esemu.Request
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/_bulk") {
			out = append(out, r)
		}
	}
	return out
}

func TestFaultWholeRequest429IsRetried(t *testing.T) {
	c := newCluster(t)
	c.emulatorOnly(t)
	n := c.createIndex(t, "f429", `{"settings":{"number_of_replicas":0}}`)
	id := c.emu.AddFault(esemu.Fault{Method: "POST", Path: "/*/_bulk", Status: 429, Times: 1})
	es := c.client(t, func(cfg *elasticsearch.Config) {
		cfg.RetryOnStatus = []int{429, 502, 503, 504}
		cfg.RetryBackoff = func(int) time.Duration { return time.Millisecond }
	})
	c.emu.ResetRequests()
	res := load(t, es, n, 50, nil)
	if len(res.ok) != 50 || len(res.failed) != 0 || len(res.errs) != 0 {
		t.Fatalf("ok %d failed %d errs %v", len(res.ok), len(res.failed), res.errs)
	}
	reqs := bulkRequests(c.emu.Requests())
	if len(reqs) != 2 || reqs[0].Status != 429 || reqs[0].Fault != id || reqs[1].Status != 200 {
		t.Fatalf("requests %+v", reqs)
	}
	if reqs[0].Items != 50 || strings.Join(reqs[0].IDs, ",") != strings.Join(reqs[1].IDs, ",") {
		t.Fatalf("the retry must resend the same batch: %+v", reqs)
	}
	if got := c.emu.DocCount(n); got != 50 {
		t.Fatalf("DocCount %d", got)
	}
}

func TestFaultErrorBodies(t *testing.T) {
	c := newCluster(t)
	c.emulatorOnly(t)
	n := c.createIndex(t, "fbody", `{"settings":{"number_of_replicas":0}}`)
	es := c.client(t, noRetry)
	for _, tc := range []struct {
		f        esemu.Fault
		typ      string
		reason   string
		wantCode int
	}{
		{esemu.Fault{Path: "/*/_bulk", Status: 429, Times: 1}, "es_rejected_execution_exception", "rejected execution", 429},
		{esemu.Fault{Path: "/*/_bulk", Status: 503, Times: 1}, "cluster_block_exception", "", 503},
		{esemu.Fault{Path: "/*/_bulk", Status: 500, ErrorType: "circuit_breaking_exception", Reason: "[parent] Data too large", Times: 1}, "circuit_breaking_exception", "[parent] Data too large", 500},
	} {
		c.emu.AddFault(tc.f)
		r := doWith(t, es, esapi.BulkRequest{Index: n, Body: body(`{"index":{}}` + "\n{}\n")})
		if r.status != tc.wantCode || r.str("error.type") != tc.typ || r.str("error.root_cause.0.type") != tc.typ ||
			!strings.Contains(r.str("error.reason"), tc.reason) || int(r.num("status")) != tc.wantCode {
			t.Fatalf("fault %+v answered %d %s", tc.f, r.status, r.raw)
		}
		if r.header.Get("X-Elastic-Product") != "Elasticsearch" {
			t.Fatal("fault responses need the product header too")
		}
	}
	if r := doWith(t, es, esapi.BulkRequest{Index: n, Body: body(`{"index":{}}` + "\n{}\n")}); r.status != 200 {
		t.Fatalf("Times:1 faults must not repeat: %d %s", r.status, r.raw)
	}
}

func TestFaultItems(t *testing.T) {
	c := newCluster(t)
	c.emulatorOnly(t)
	n := c.createIndex(t, "fitems", `{"settings":{"number_of_replicas":0}}`)
	c.emu.AddFault(esemu.Fault{Path: "/*/_bulk", ItemIDs: []string{"3", "17", "42"}, ItemStatus: 429})
	res := load(t, c.es, n, 60, nil)
	if len(res.failed) != 3 || len(res.ok) != 57 {
		t.Fatalf("failed %v ok %d", res.failed, len(res.ok))
	}
	for _, id := range []string{"3", "17", "42"} {
		f, ok := res.failed[id]
		if !ok || f.Status != 429 || f.Error.Type != "es_rejected_execution_exception" {
			t.Fatalf("item %s: %+v", id, f)
		}
	}
	if got := c.emu.DocCount(n); got != 57 {
		t.Fatalf("failed items must not be written: DocCount %d", got)
	}
	c.emu.ClearFaults()

	t.Run("rate is deterministic", func(t *testing.T) {
		m := c.createIndex(t, "frate", `{"settings":{"number_of_replicas":0}}`)
		var sets [2]string
		for run := range sets {
			c.emu.ClearFaults()
			c.emu.AddFault(esemu.Fault{Path: "/*/_bulk", ItemRate: 0.1, ItemStatus: 400})
			res := load(t, c.es, m, 1000, nil)
			var ids []string
			for id, f := range res.failed {
				if f.Status != 400 || f.Error.Type != "mapper_parsing_exception" {
					t.Fatalf("item %s: %+v", id, f)
				}
				ids = append(ids, id)
			}
			if len(ids) < 50 || len(ids) > 150 {
				t.Fatalf("rate 0.1 failed %d of 1000", len(ids))
			}
			sets[run] = strings.Join(sortedCopy(ids), ",")
		}
		if sets[0] != sets[1] {
			t.Fatal("ItemRate chose different documents on the same input")
		}
		c.emu.ClearFaults()
	})

	t.Run("times counts requests that lost an item", func(t *testing.T) {
		m := c.createIndex(t, "ftimes", `{"settings":{"number_of_replicas":0}}`)
		c.emu.AddFault(esemu.Fault{ItemIDs: []string{"x"}, Times: 1})
		send := func(id string) reply {
			return c.bulk(t, m, `{"index":{"_id":"`+id+`"}}`, `{}`)
		}
		if r := send("y"); r.get("errors") != false {
			t.Fatalf("unselected id failed: %s", r.raw)
		}
		if r := send("x"); r.num("items.0.index.status") != 429 {
			t.Fatalf("first x: %s", r.raw)
		}
		if r := send("x"); r.get("errors") != false {
			t.Fatalf("second x: %s", r.raw)
		}
	})
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestFaultLatency(t *testing.T) {
	c := newCluster(t)
	c.emulatorOnly(t)
	c.emu.AddFault(esemu.Fault{Method: "GET", Path: "/", Latency: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	c.must(t, 200, esapi.InfoRequest{})
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("latency fault took %v", d)
	}
	start = time.Now()
	c.must(t, 200, esapi.InfoRequest{})
	if d := time.Since(start); d > 140*time.Millisecond {
		t.Fatalf("Times:1 latency repeated: %v", d)
	}
}

func TestFaultCloseConnection(t *testing.T) {
	c := newCluster(t)
	c.emulatorOnly(t)
	n := c.createIndex(t, "fclose", `{"settings":{"number_of_replicas":0}}`)
	c.emu.AddFault(esemu.Fault{Path: "/*/_bulk", CloseConn: true, Times: 1})
	_, err := esapi.BulkRequest{Index: n, Body: body(`{"index":{"_id":"1"}}` + "\n{}\n")}.Do(context.Background(), c.client(t, noRetry))
	if err == nil {
		t.Fatal("a closed connection must surface as a transport error")
	}
	if c.emu.DocCount(n) != 0 {
		t.Fatal("CloseConn before handling must not write")
	}
	c.emu.ResetRequests()
	c.emu.AddFault(esemu.Fault{Path: "/*/_bulk", CloseConn: true, Times: 1})
	res := load(t, c.es, n, 10, nil)
	if len(res.ok) != 10 {
		t.Fatalf("the client retries a dropped connection: ok %d errs %v", len(res.ok), res.errs)
	}
	reqs := bulkRequests(c.emu.Requests())
	if len(reqs) != 2 || reqs[0].Status != 0 || reqs[1].Status != 200 {
		t.Fatalf("log %+v", reqs)
	}
}

// TestFaultLostReply shows the case a sync engine must survive: the batch
// was written but the reply was lost, so it is sent again; deterministic
// ids make the replay an overwrite.
func TestFaultLostReply(t *testing.T) {
	c := newCluster(t)
	c.emulatorOnly(t)
	n := c.createIndex(t, "flost", `{"settings":{"number_of_replicas":0}}`)
	c.emu.AddFault(esemu.Fault{Path: "/*/_bulk", CloseConn: true, AfterHandling: true, Times: 1})
	c.emu.ResetRequests()
	res := load(t, c.es, n, 20, nil)
	if len(res.ok) != 20 {
		t.Fatalf("ok %d errs %v", len(res.ok), res.errs)
	}
	reqs := bulkRequests(c.emu.Requests())
	if len(reqs) != 2 || strings.Join(reqs[0].IDs, ",") != strings.Join(reqs[1].IDs, ",") {
		t.Fatalf("at most one batch may be re-sent, and it must be the same batch: %+v", reqs)
	}
	if got := c.emu.DocCount(n); got != 20 {
		t.Fatalf("DocCount %d", got)
	}
	g := c.must(t, 200, esapi.GetRequest{Index: n, DocumentID: "0"})
	if g.num("_version") != 2 {
		t.Fatalf("the replay overwrites: %s", g.raw)
	}
}

func TestControlAPI(t *testing.T) {
	c := newCluster(t)
	c.emulatorOnly(t)
	n := c.createIndex(t, "ctl", `{"settings":{"number_of_replicas":0}}`)
	post := func(path, payload string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", c.url+path, strings.NewReader(payload))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(res.Body).Decode(&v)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, res.StatusCode, v)
		}
		return v
	}
	send := func(method, path string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, c.url+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return b
	}
	v := post("/_esemu/faults", `{"method":"POST","path":"/*/_bulk","item_ids":["b"],"item_status":429,"latency":"1ms","times":1}`)
	if v["id"] == nil {
		t.Fatalf("%v", v)
	}
	send("DELETE", "/_esemu/requests")
	r := c.bulk(t, n, `{"index":{"_id":"a"}}`, `{}`, `{"index":{"_id":"b"}}`, `{}`)
	if r.num("items.1.index.status") != 429 || r.num("items.0.index.status") != 201 {
		t.Fatalf("%s", r.raw)
	}
	var logged []struct {
		Method string   `json:"method"`
		Path   string   `json:"path"`
		Status int      `json:"status"`
		Items  int      `json:"items"`
		IDs    []string `json:"ids"`
	}
	if err := json.Unmarshal(send("GET", "/_esemu/requests"), &logged); err != nil {
		t.Fatal(err)
	}
	if len(logged) != 1 || logged[0].Path != "/"+n+"/_bulk" || logged[0].Items != 2 || strings.Join(logged[0].IDs, ",") != "a,b" || logged[0].Status != 200 {
		t.Fatalf("log %+v", logged)
	}
	if b := send("DELETE", "/_esemu/faults"); !strings.Contains(string(b), "acknowledged") {
		t.Fatalf("%s", b)
	}
	if list := send("GET", "/_esemu/faults"); string(list) != "[]" {
		t.Fatalf("faults after clear: %s", list)
	}
	send("DELETE", "/_esemu/requests")
	if got := c.emu.Requests(); len(got) != 0 {
		t.Fatalf("log after reset: %+v", got)
	}
	if b := send("GET", "/_esemu/nope"); !strings.Contains(string(b), "unknown esemu control endpoint") {
		t.Fatalf("%s", b)
	}
}
