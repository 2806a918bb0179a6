package esemu_test

// Tests of the emulator's Go API and of behaviour that needs a controlled
// clock or heavy concurrency; they use the handler directly.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/esemu"
)

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// call sends one request to the handler and decodes a JSON answer.
func call(t *testing.T, h http.Handler, method, path, payload string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(payload))
	if payload != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Elastic-Product") != "Elasticsearch" {
		t.Fatalf("%s %s: no product header", method, path)
	}
	var v map[string]any
	if rec.Body.Len() > 0 && rec.Body.Bytes()[0] == '{' {
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
	return rec.Code, v
}

func countOf(t *testing.T, h http.Handler, index string) int {
	t.Helper()
	code, v := call(t, h, "POST", "/"+index+"/_count", "")
	if code != 200 {
		t.Fatalf("count %s: %d %v", index, code, v)
	}
	return int(v["count"].(float64))
}

func TestScheduledRefreshFollowsTheClock(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	emu := esemu.New(esemu.WithClock(clk.Now), esemu.WithRefreshInterval(time.Second))
	call(t, emu, "PUT", "/a", "")
	call(t, emu, "PUT", "/slow", `{"settings":{"refresh_interval":"5s"}}`)
	call(t, emu, "PUT", "/off", `{"settings":{"refresh_interval":"-1"}}`)
	clk.advance(300 * time.Millisecond)
	for _, ix := range []string{"a", "slow", "off"} {
		if code, v := call(t, emu, "POST", "/"+ix+"/_bulk", `{"index":{"_id":"1"}}`+"\n{}\n"); code != 200 {
			t.Fatalf("%d %v", code, v)
		}
	}
	clk.advance(600 * time.Millisecond)
	if countOf(t, emu, "a") != 0 {
		t.Fatal("visible before the first tick")
	}
	if emu.DocCount("a") != 1 {
		t.Fatal("DocCount must include unrefreshed documents")
	}
	clk.advance(200 * time.Millisecond)
	if countOf(t, emu, "a") != 1 {
		t.Fatal("not visible after the 1s tick")
	}
	if countOf(t, emu, "slow") != 0 {
		t.Fatal("5s index refreshed at 1s")
	}
	clk.advance(4 * time.Second)
	if countOf(t, emu, "slow") != 1 {
		t.Fatal("5s index not refreshed at 5s")
	}
	clk.advance(time.Hour)
	if countOf(t, emu, "off") != 0 {
		t.Fatal("refresh_interval -1 refreshed on its own")
	}
	// Restoring an interval publishes pending writes at its first tick.
	call(t, emu, "PUT", "/off/_settings", `{"index":{"refresh_interval":"1s"}}`)
	if countOf(t, emu, "off") != 0 {
		t.Fatal("visible before the first tick of the new schedule")
	}
	clk.advance(1001 * time.Millisecond)
	if countOf(t, emu, "off") != 1 {
		t.Fatal("pending write not published after the interval was restored")
	}
	// wait_for under a test clock forces the refresh instead of sleeping.
	call(t, emu, "PUT", "/off/_settings", `{"index":{"refresh_interval":"-1"}}`)
	if code, _ := call(t, emu, "PUT", "/off/_doc/2?refresh=wait_for", `{"x":1}`); code != 201 {
		t.Fatalf("wait_for: %d", code)
	}
	if countOf(t, emu, "off") != 2 {
		t.Fatal("wait_for returned before the write was searchable")
	}
}

func TestPITKeepAliveExpires(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	emu := esemu.New(esemu.WithClock(clk.Now))
	call(t, emu, "PUT", "/p", "")
	_, v := call(t, emu, "POST", "/p/_pit?keep_alive=1m", "")
	id, _ := v["id"].(string)
	q := `{"pit":{"id":"` + id + `","keep_alive":"2m"}}`
	clk.advance(50 * time.Second)
	if code, v := call(t, emu, "POST", "/_search", q); code != 200 {
		t.Fatalf("live pit: %d %v", code, v)
	}
	clk.advance(110 * time.Second) // within the renewed 2m
	if code, _ := call(t, emu, "POST", "/_search", `{"pit":{"id":"`+id+`"}}`); code != 200 {
		t.Fatal("keep_alive in the search did not extend the pit")
	}
	clk.advance(3 * time.Minute)
	if code, _ := call(t, emu, "POST", "/_search", `{"pit":{"id":"`+id+`"}}`); code != 404 {
		t.Fatalf("expired pit answered %d", code)
	}
	_, v = call(t, emu, "POST", "/p/_pit?keep_alive=1m", "")
	id, _ = v["id"].(string)
	call(t, emu, "DELETE", "/p", "")
	if code, _ := call(t, emu, "POST", "/_search", `{"pit":{"id":"`+id+`"}}`); code != 404 {
		t.Fatalf("pit over a deleted index answered %d", code)
	}
}

func TestDocCountThroughAlias(t *testing.T) {
	emu := esemu.New()
	call(t, emu, "PUT", "/real", `{"aliases":{"nick":{}}}`)
	call(t, emu, "POST", "/nick/_bulk", `{"index":{"_id":"1"}}`+"\n{}\n"+`{"index":{"_id":"2"}}`+"\n{}\n")
	if emu.DocCount("real") != 2 || emu.DocCount("nick") != 2 || emu.DocCount("nope") != 0 {
		t.Fatalf("DocCount real=%d nick=%d", emu.DocCount("real"), emu.DocCount("nick"))
	}
	if names := emu.IndexNames(); len(names) != 1 || names[0] != "real" {
		t.Fatalf("IndexNames %v", names)
	}
	emu.Reset()
	if len(emu.IndexNames()) != 0 || emu.DocCount("real") != 0 {
		t.Fatal("Reset left state")
	}
}

func TestWildcardDeleteNeedsTheClusterSetting(t *testing.T) {
	emu := esemu.New()
	call(t, emu, "PUT", "/w1", "")
	call(t, emu, "PUT", "/w2", "")
	code, v := call(t, emu, "DELETE", "/w*", "")
	if code != 400 || !strings.Contains(fmt.Sprint(v), "Wildcard expressions or all indices are not allowed") {
		t.Fatalf("%d %v", code, v)
	}
	call(t, emu, "PUT", "/_cluster/settings", `{"persistent":{"action.destructive_requires_name":false}}`)
	if code, v := call(t, emu, "DELETE", "/w*", ""); code != 200 || len(emu.IndexNames()) != 0 {
		t.Fatalf("%d %v %v", code, v, emu.IndexNames())
	}
}

// TestConcurrentUse runs writers, readers, alias swaps and PITs together;
// run with -race.
func TestConcurrentUse(t *testing.T) {
	emu := esemu.New(esemu.WithRefreshInterval(5 * time.Millisecond))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	for _, ix := range []string{"c1", "c2"} {
		call(t, emu, "PUT", "/"+ix, `{"mappings":{"properties":{"k":{"type":"keyword"},"n":{"type":"long"}}}}`)
	}
	call(t, emu, "POST", "/_aliases", `{"actions":[{"add":{"index":"c1","alias":"cur"}}]}`)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	post := func(path, payload string) (int, []byte) {
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(payload))
		if err != nil {
			errs <- err
			return 0, nil
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(res.Body)
		return res.StatusCode, buf.Bytes()
	}
	const writers, batches, per = 4, 20, 50
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				var sb strings.Builder
				for i := 0; i < per; i++ {
					fmt.Fprintf(&sb, `{"index":{"_index":"c%d","_id":"w%d-%d-%d"}}`+"\n"+`{"k":"w%d","n":%d}`+"\n", 1+w%2, w, b, i, w, i)
				}
				if code, body := post("/_bulk", sb.String()); code != 200 || bytes.Contains(body, []byte(`"errors":true`)) {
					errs <- fmt.Errorf("bulk %d: %s", code, body)
				}
			}
		}(w)
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				post("/cur/_search", `{"size":5,"sort":[{"n":"desc"}],"query":{"range":{"n":{"gte":10}}}}`)
				post("/c1,c2/_count", `{"query":{"term":{"k":"w1"}}}`)
				code, body := post("/cur/_pit?keep_alive=1m", "")
				if code == 200 {
					var v map[string]any
					_ = json.Unmarshal(body, &v)
					post("/_search", `{"size":3,"pit":{"id":"`+fmt.Sprint(v["id"])+`"},"sort":[{"k":"asc"}]}`)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			from, to := "c1", "c2"
			if i%2 == 1 {
				from, to = to, from
			}
			if code, body := post("/_aliases", `{"actions":[{"remove":{"index":"`+from+`","alias":"cur"}},{"add":{"index":"`+to+`","alias":"cur"}}]}`); code != 200 {
				errs <- fmt.Errorf("swap: %d %s", code, body)
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	call(t, emu, "POST", "/_refresh", "")
	if got := countOf(t, emu, "c1,c2"); got != writers*batches*per {
		t.Fatalf("count %d, want %d", got, writers*batches*per)
	}
	if got := emu.DocCount("c1") + emu.DocCount("c2"); got != writers*batches*per {
		t.Fatalf("DocCount %d", got)
	}
}

func TestNestedAndUpsert(t *testing.T) {
	emu := esemu.New()
	call(t, emu, "PUT", "/n", `{"mappings":{"properties":{"items":{"type":"nested","properties":{"sku":{"type":"keyword"},"qty":{"type":"long"}}}}}}`)
	call(t, emu, "POST", "/n/_bulk?refresh=true", strings.Join([]string{
		`{"index":{"_id":"1"}}`, `{"items":[{"sku":"a","qty":1},{"sku":"b","qty":5}]}`,
		`{"index":{"_id":"2"}}`, `{"items":[{"sku":"a","qty":5}]}`,
		`{"update":{"_id":"3"}}`, `{"doc":{"items":[{"sku":"c","qty":2}]},"doc_as_upsert":true}`,
	}, "\n")+"\n")
	ids := func(q string) string {
		_, v := call(t, emu, "POST", "/n/_search", `{"query":`+q+`}`)
		var out []string
		for _, h := range v["hits"].(map[string]any)["hits"].([]any) {
			out = append(out, h.(map[string]any)["_id"].(string))
		}
		return strings.Join(sortedCopy(out), ",")
	}
	// Both conditions must hold within one nested object.
	if got := ids(`{"nested":{"path":"items","query":{"bool":{"must":[{"term":{"items.sku":"a"}},{"range":{"items.qty":{"gte":5}}}]}}}}`); got != "2" {
		t.Fatalf("nested: %s", got)
	}
	if got := ids(`{"term":{"items.sku":"a"}}`); got != "" {
		t.Fatalf("nested fields outside a nested query matched %s", got)
	}
	if got := ids(`{"nested":{"path":"items","query":{"term":{"items.sku":"c"}}}}`); got != "3" {
		t.Fatalf("doc_as_upsert: %s", got)
	}
}
