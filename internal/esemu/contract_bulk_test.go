package esemu_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"
)

func TestBulkItemsAndResults(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "bulk", `{"settings":{"number_of_replicas":0},"mappings":{"properties":{"v":{"type":"long"}}}}`)
	r := c.must(t, 200, esapi.BulkRequest{Body: body(strings.Join([]string{
		`{"index":{"_index":"` + n + `","_id":"a"}}`, `{"v":1}`,
		`{"create":{"_index":"` + n + `","_id":"b"}}`, `{"v":2}`,
		`{"index":{"_index":"` + n + `","_id":"a"}}`, `{"v":3}`,
		`{"create":{"_index":"` + n + `","_id":"b"}}`, `{"v":4}`,
		`{"update":{"_index":"` + n + `","_id":"a"}}`, `{"doc":{"v":5}}`,
		`{"update":{"_index":"` + n + `","_id":"a"}}`, `{"doc":{"v":5}}`,
		`{"update":{"_index":"` + n + `","_id":"zz"}}`, `{"doc":{"v":6}}`,
		`{"delete":{"_index":"` + n + `","_id":"b"}}`,
		`{"delete":{"_index":"` + n + `","_id":"b"}}`,
		`{"index":{"_index":"` + n + `"}}`, `{"v":7}`,
	}, "\n") + "\n")})
	if r.get("errors") != true {
		t.Fatalf("errors flag: %s", r.raw)
	}
	want := []struct {
		op, id, result string
		status         int
		version        float64
		errType        string
	}{
		{"index", "a", "created", 201, 1, ""},
		{"create", "b", "created", 201, 1, ""},
		{"index", "a", "updated", 200, 2, ""},
		{"create", "b", "", 409, 0, "version_conflict_engine_exception"},
		{"update", "a", "updated", 200, 3, ""},
		{"update", "a", "noop", 200, 3, ""},
		{"update", "zz", "", 404, 0, "document_missing_exception"},
		{"delete", "b", "deleted", 200, 2, ""},
		{"delete", "b", "not_found", 404, 3, ""},
		{"index", "", "created", 201, 1, ""},
	}
	items, _ := r.get("items").([]any)
	if len(items) != len(want) {
		t.Fatalf("%d items for %d actions: %s", len(items), len(want), r.raw)
	}
	var lastSeq float64 = -1
	for i, w := range want {
		it := jget(items[i], w.op)
		if it == nil {
			t.Fatalf("item %d is not %q: %v", i, w.op, items[i])
		}
		if jget(it, "_index") != n || w.id != "" && jget(it, "_id") != w.id {
			t.Fatalf("item %d: %v", i, it)
		}
		if got := int(jget(it, "status").(float64)); got != w.status {
			t.Fatalf("item %d status %d, want %d: %v", i, got, w.status, it)
		}
		if w.errType != "" {
			if jget(it, "error.type") != w.errType {
				t.Fatalf("item %d error: %v", i, it)
			}
			continue
		}
		if jget(it, "result") != w.result || jget(it, "_version") != w.version {
			t.Fatalf("item %d: result %v version %v, want %s %v", i, jget(it, "result"), jget(it, "_version"), w.result, w.version)
		}
		if jget(it, "_shards.total") == nil || jget(it, "_primary_term") == nil {
			t.Fatalf("item %d lacks _shards/_primary_term: %v", i, it)
		}
		if w.result != "noop" {
			seq := jget(it, "_seq_no").(float64)
			if seq <= lastSeq {
				t.Fatalf("item %d _seq_no %v not increasing after %v", i, seq, lastSeq)
			}
			lastSeq = seq
		}
	}
	if id, _ := jget(items[9], "index._id").(string); len(id) < 10 {
		t.Fatalf("generated id %q", id)
	}
	if reason, _ := jget(items[3], "create.error.reason").(string); reason != "[b]: version conflict, document already exists (current version [1])" {
		t.Fatalf("conflict reason %q", reason)
	}
	t.Run("newline rule", func(t *testing.T) {
		r := c.do(t, esapi.BulkRequest{Index: n, Body: body(`{"index":{"_id":"x"}}` + "\n" + `{"v":1}`)})
		errorOf(t, r, 400, "illegal_argument_exception", `^The bulk request must be terminated by a newline \[\\n\]$`)
	})
	t.Run("index from path", func(t *testing.T) {
		r := c.bulk(t, n, `{"index":{"_id":"p1"}}`, `{"v":1}`, `{"delete":{"_id":"p1"}}`)
		if r.str("items.0.index._index") != n || r.str("items.1.delete.result") != "deleted" {
			t.Fatalf("%s", r.raw)
		}
	})
	t.Run("delete does not create an index", func(t *testing.T) {
		missing := c.name(t, "gone")
		r := c.must(t, 200, esapi.BulkRequest{Body: body(`{"delete":{"_index":"` + missing + `","_id":"1"}}` + "\n")})
		if r.num("items.0.delete.status") != 404 || r.str("items.0.delete.error.type") != "index_not_found_exception" {
			t.Fatalf("%s", r.raw)
		}
		if c.do(t, esapi.IndicesExistsRequest{Index: []string{missing}}).status != 404 {
			t.Fatal("a bulk delete created the index")
		}
	})
	t.Run("index auto-creates", func(t *testing.T) {
		fresh := c.name(t, "fresh")
		r := c.must(t, 200, esapi.BulkRequest{Body: body(`{"index":{"_index":"` + fresh + `","_id":"1"}}` + "\n{\"a\":1}\n")})
		if r.num("items.0.index.status") != 201 || c.do(t, esapi.IndicesExistsRequest{Index: []string{fresh}}).status != 200 {
			t.Fatalf("%s", r.raw)
		}
		bad := c.must(t, 200, esapi.BulkRequest{Body: body(`{"index":{"_index":"NotLower","_id":"1"}}` + "\n{}\n")})
		if bad.num("items.0.index.status") != 400 || bad.str("items.0.index.error.type") != "invalid_index_name_exception" {
			t.Fatalf("%s", bad.raw)
		}
	})
	t.Run("malformed action line", func(t *testing.T) {
		r := c.do(t, esapi.BulkRequest{Index: n, Body: body(`{"frobnicate":{"_id":"x"}}` + "\n")})
		errorOf(t, r, 400, "illegal_argument_exception", `^Malformed action/metadata line \[1\], expected field \[create\], \[delete\], \[index\] or \[update\] but found \[frobnicate\]$`)
	})
}

func TestBulkIndexerOrderAndFailures(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "bi", `{"settings":{"number_of_replicas":0,"refresh_interval":"-1"},"mappings":{"dynamic":"strict","properties":{"id":{"type":"keyword"},"n":{"type":"long"}}}}`)
	var mu sync.Mutex
	failed := map[string]string{}
	var ok atomic.Int64
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{Client: c.es, Index: n, NumWorkers: 2, FlushBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	const total = 500
	for i := 0; i < total; i++ {
		id := strconv.Itoa(i)
		doc := fmt.Sprintf(`{"id":%q,"n":%d}`, id, i)
		if i%100 == 7 {
			doc = fmt.Sprintf(`{"id":%q,"n":%d,"extra":1}`, id, i)
		}
		err := bi.Add(context.Background(), esutil.BulkIndexerItem{
			Action: "index", DocumentID: id, Body: strings.NewReader(doc),
			OnSuccess: func(_ context.Context, item esutil.BulkIndexerItem, res esutil.BulkIndexerResponseItem) {
				if res.DocumentID != item.DocumentID {
					t.Errorf("response for %s matched to item %s", res.DocumentID, item.DocumentID)
				}
				ok.Add(1)
			},
			OnFailure: func(_ context.Context, item esutil.BulkIndexerItem, res esutil.BulkIndexerResponseItem, err error) {
				mu.Lock()
				defer mu.Unlock()
				failed[item.DocumentID] = res.Error.Type
				if res.DocumentID != item.DocumentID {
					t.Errorf("failure for %s matched to item %s", res.DocumentID, item.DocumentID)
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := bi.Stats(); st.NumAdded != total || st.NumFailed != 5 || int(ok.Load()) != total-5 {
		t.Fatalf("stats %+v, ok %d, failed %v", st, ok.Load(), failed)
	}
	for id, typ := range failed {
		if typ != "strict_dynamic_mapping_exception" || !strings.HasSuffix(id, "07") && id != "7" {
			t.Fatalf("unexpected failure %s: %s", id, typ)
		}
	}
	if got := c.count(t, n, ""); got != 0 {
		t.Fatalf("count before refresh = %d; refresh_interval -1 must hide unrefreshed writes", got)
	}
	c.refresh(t, n)
	if got := c.count(t, n, ""); got != total-5 {
		t.Fatalf("count after refresh = %d, want %d", got, total-5)
	}
}

func TestSingleDocuments(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "docs", `{"settings":{"number_of_replicas":0,"refresh_interval":"-1"}}`)
	r := c.must(t, 201, esapi.IndexRequest{Index: n, DocumentID: "d1", Body: body(`{"name":"one"}`)})
	if r.str("result") != "created" || r.num("_version") != 1 {
		t.Fatalf("%s", r.raw)
	}
	r = c.must(t, 200, esapi.IndexRequest{Index: n, DocumentID: "d1", Body: body(`{"name":"uno"}`)})
	if r.str("result") != "updated" || r.num("_version") != 2 {
		t.Fatalf("%s", r.raw)
	}
	g := c.must(t, 200, esapi.GetRequest{Index: n, DocumentID: "d1"})
	if g.get("found") != true || g.str("_source.name") != "uno" || g.num("_version") != 2 {
		t.Fatalf("realtime get: %s", g.raw)
	}
	if c.count(t, n, "") != 0 {
		t.Fatal("count sees an unrefreshed document")
	}
	miss := c.do(t, esapi.GetRequest{Index: n, DocumentID: "nope"})
	if miss.status != 404 || miss.get("found") != false || miss.str("_index") != n {
		t.Fatalf("missing doc: %d %s", miss.status, miss.raw)
	}
	auto := c.must(t, 201, esapi.IndexRequest{Index: n, Body: body(`{"name":"auto"}`)})
	if len(auto.str("_id")) < 10 {
		t.Fatalf("auto id: %s", auto.raw)
	}
	conflict := c.do(t, esapi.CreateRequest{Index: n, DocumentID: "d1", Body: body(`{"name":"again"}`)})
	errorOf(t, conflict, 409, "version_conflict_engine_exception", `^\[d1\]: version conflict, document already exists \(current version \[2\]\)$`)
	up := c.must(t, 200, esapi.UpdateRequest{Index: n, DocumentID: "d1", Body: body(`{"doc":{"extra":1}}`)})
	if up.str("result") != "updated" {
		t.Fatalf("update: %s", up.raw)
	}
	g = c.must(t, 200, esapi.GetRequest{Index: n, DocumentID: "d1"})
	if g.str("_source.name") != "uno" || g.num("_source.extra") != 1 {
		t.Fatalf("merged source: %s", g.raw)
	}
	del := c.must(t, 200, esapi.DeleteRequest{Index: n, DocumentID: "d1"})
	if del.str("result") != "deleted" {
		t.Fatalf("delete: %s", del.raw)
	}
	if del2 := c.do(t, esapi.DeleteRequest{Index: n, DocumentID: "d1"}); del2.status != 404 || del2.str("result") != "not_found" {
		t.Fatalf("second delete: %d %s", del2.status, del2.raw)
	}
	if r := c.do(t, esapi.GetRequest{Index: c.name(t, "absent"), DocumentID: "x"}); r.status != 404 || r.str("error.type") != "index_not_found_exception" {
		t.Fatalf("get from a missing index: %d %s", r.status, r.raw)
	}
}

func TestRefreshVisibility(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "vis", `{"settings":{"number_of_replicas":0,"refresh_interval":"-1"}}`)
	c.bulk(t, n, `{"index":{"_id":"1"}}`, `{"a":1}`, `{"index":{"_id":"2"}}`, `{"a":2}`)
	if got := c.count(t, n, ""); got != 0 {
		t.Fatalf("count before refresh = %d", got)
	}
	if ids := c.searchIDs(t, n, `{"query":{"match_all":{}}}`); len(ids) != 0 {
		t.Fatalf("search before refresh: %v", ids)
	}
	c.refresh(t, n)
	if got := c.count(t, n, ""); got != 2 {
		t.Fatalf("count after refresh = %d", got)
	}
	c.must(t, 200, esapi.BulkRequest{Index: n, Refresh: "true", Body: body(`{"delete":{"_id":"1"}}` + "\n")})
	if got := c.count(t, n, ""); got != 1 {
		t.Fatalf("count after refresh=true delete = %d", got)
	}
	c.must(t, 201, esapi.IndexRequest{Index: n, DocumentID: "3", Body: body(`{"a":3}`), Refresh: "true"})
	if got := c.count(t, n, ""); got != 2 {
		t.Fatalf("count after refresh=true index = %d", got)
	}
	t.Run("scheduled refresh", func(t *testing.T) {
		s := c.createIndex(t, "sched", `{"settings":{"number_of_replicas":0,"refresh_interval":"1s"}}`)
		c.must(t, 200, esapi.BulkRequest{Index: s, Refresh: "wait_for", Body: body(`{"index":{"_id":"1"}}` + "\n" + `{"a":1}` + "\n")})
		if got := c.count(t, s, ""); got != 1 {
			t.Fatalf("count after refresh=wait_for = %d", got)
		}
		c.bulk(t, s, `{"index":{"_id":"2"}}`, `{"a":2}`)
		deadline := time.Now().Add(5 * time.Second)
		for c.count(t, s, "") != 2 {
			if time.Now().After(deadline) {
				t.Fatal("a 1s refresh interval never published the write")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestCountWithEmptyBody(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "cnt", `{"settings":{"number_of_replicas":0}}`)
	c.must(t, 200, esapi.BulkRequest{Index: n, Refresh: "true", Body: body(`{"index":{}}` + "\n{}\n" + `{"index":{}}` + "\n{}\n")})
	r := c.raw(t, "POST", "/"+n+"/_count", "", nil)
	if r.status != 200 || r.num("count") != 2 || r.get("_shards.total") == nil {
		t.Fatalf("count: %d %s", r.status, r.raw)
	}
}

func TestCat(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "cat", `{"settings":{"number_of_replicas":0}}`)
	alias := c.name(t, "catalias")
	c.must(t, 200, esapi.IndicesPutAliasRequest{Index: []string{n}, Name: alias, Body: body(`{"is_write_index":true}`)})
	c.must(t, 200, esapi.BulkRequest{Index: n, Refresh: "true", Body: body(`{"index":{"_id":"1"}}` + "\n" + `{"a":"b"}` + "\n")})
	r := c.must(t, 200, esapi.CatIndicesRequest{Index: []string{n}, Format: "json"})
	rows, _ := r.body.([]any)
	if len(rows) != 1 {
		t.Fatalf("rows: %s", r.raw)
	}
	row, _ := rows[0].(map[string]any)
	for _, k := range []string{"health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size"} {
		if _, isString := row[k].(string); !isString {
			t.Fatalf("%s is not a string: %v", k, row)
		}
	}
	if row["index"] != n || row["docs.count"] != "1" || row["status"] != "open" || row["pri"] != "1" || row["rep"] != "0" {
		t.Fatalf("row: %v", row)
	}
	a := c.must(t, 200, esapi.CatAliasesRequest{Name: []string{alias}, Format: "json"})
	arows, _ := a.body.([]any)
	if len(arows) != 1 || jget(arows[0], "alias") != alias || jget(arows[0], "index") != n || jget(arows[0], "is_write_index") != "true" {
		t.Fatalf("cat aliases: %s", a.raw)
	}
}
