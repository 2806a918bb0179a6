package syncengine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/syncengine"
)

// esFixture is an emulated cluster holding index "doctors" with n generated
// doctor records, and the Authorization headers it was sent.
type esFixture struct {
	emu  *esemu.Emulator
	url  string
	docs map[string][]byte // by gmcReferenceNumber
	ids  []string          // sorted

	mu    sync.Mutex
	auths []string
}

func newESFixture(t *testing.T, n int) *esFixture {
	t.Helper()
	f := &esFixture{emu: esemu.New(), docs: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		f.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.do(t, "PUT", "/doctors", `{"mappings":{"properties":{"gmcReferenceNumber":{"type":"keyword"}}}}`)
	var bulk bytes.Buffer
	gen, err := syncengine.NewGenerator(syncengine.KindDoctor, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(n) {
		id := gen.ID(i)
		doc := gen.AppendDoc(nil, i)
		f.docs[id] = doc
		f.ids = append(f.ids, id)
		fmt.Fprintf(&bulk, "{\"index\":{\"_id\":%q}}\n%s\n", id, doc)
	}
	slices.Sort(f.ids)
	if n > 0 {
		f.do(t, "POST", "/doctors/_bulk?refresh=true", bulk.String())
	}
	return f
}

func (f *esFixture) do(t *testing.T, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Errors bool `json:"errors"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.Errors {
		t.Fatalf("%s %s: %d, errors %v, %v", method, path, res.StatusCode, out.Errors, err)
	}
}

func (f *esFixture) source(t *testing.T, spec config.Source) syncengine.Source {
	t.Helper()
	spec.Type = config.SourceElasticsearch
	if spec.URL == "" {
		spec.URL = f.url
	}
	if spec.Index == "" {
		spec.Index = "doctors"
	}
	if spec.SortField == "" {
		spec.SortField = "gmcReferenceNumber"
	}
	src, err := syncengine.NewSource(spec, "", nil)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	return src
}

// idsOf returns the gmcReferenceNumber of each record, checking its bytes
// are the document as indexed.
func (f *esFixture) idsOf(t *testing.T, recs []syncengine.Record) []string {
	t.Helper()
	var ids []string
	for _, r := range recs {
		var d struct{ GmcReferenceNumber string }
		if err := json.Unmarshal(r.Doc, &d); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.Doc, f.docs[d.GmcReferenceNumber]) {
			t.Fatalf("record %s came back as\n%s\nindexed as\n%s", d.GmcReferenceNumber, r.Doc, f.docs[d.GmcReferenceNumber])
		}
		ids = append(ids, d.GmcReferenceNumber)
	}
	return ids
}

func (f *esFixture) openPITs(t *testing.T) int {
	t.Helper()
	opened, closed := 0, 0
	for _, r := range f.emu.Requests() {
		switch {
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/_pit") && r.Status == 200:
			opened++
		case r.Method == "DELETE" && r.Path == "/_pit" && r.Status == 200:
			closed++
		}
	}
	return opened - closed
}

func TestESSourceReadsInSortOrder(t *testing.T) {
	for _, tt := range []struct {
		name     string
		n, size  int
		searches int
	}{
		{"several pages", 53, 7, 8},
		{"exact pages", 21, 7, 4},
		{"default page size", 30, 0, 1},
		{"empty index", 0, 5, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newESFixture(t, tt.n)
			src := f.source(t, config.Source{PageSize: tt.size})
			n, known, err := src.Total(context.Background())
			if err != nil || !known || n != int64(tt.n) {
				t.Fatalf("Total = %d, %v, %v; want %d, true, nil", n, known, err, tt.n)
			}
			f.emu.ResetRequests()
			r, err := src.Open(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			recs := readAll(t, r)
			if got := f.idsOf(t, recs); !slices.Equal(got, f.ids) {
				t.Fatalf("read ids %v\nwant %v", got, f.ids)
			}
			for k, rec := range recs {
				if rec.Pos != int64(k) {
					t.Fatalf("record %d has Pos %d", k, rec.Pos)
				}
			}
			searches := 0
			for _, req := range f.emu.Requests() {
				if strings.HasSuffix(req.Path, "_search") {
					searches++
					if req.Path != "/_search" {
						t.Errorf("a search with a point in time named an index: %s", req.Path)
					}
				}
			}
			if searches != tt.searches {
				t.Errorf("%d searches, want %d", searches, tt.searches)
			}
			if f.openPITs(t) != 1 {
				t.Errorf("%d points in time open before Close, want 1", f.openPITs(t))
			}
			if err := r.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := r.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if f.openPITs(t) != 0 {
				t.Errorf("%d points in time left open", f.openPITs(t))
			}
		})
	}
}

func TestESSourceResume(t *testing.T) {
	f := newESFixture(t, 25)
	src := f.source(t, config.Source{PageSize: 6})
	for _, stop := range []int{0, 1, 5, 6, 7, 12, 24, 25} {
		r := openAt(t, src, "")
		for range stop {
			if _, err := r.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		cursor := r.Cursor()
		if stop == 0 && cursor != "" {
			t.Errorf("cursor before any record = %q", cursor)
		}
		rest := readAll(t, openAt(t, src, cursor))
		if got := f.idsOf(t, rest); !slices.Equal(got, f.ids[stop:]) {
			t.Fatalf("after %d records (cursor %s) resumed with %v, want %v", stop, cursor, got, f.ids[stop:])
		}
		if len(rest) > 0 && rest[0].Pos != int64(stop) {
			t.Errorf("resumed at Pos %d, want %d", rest[0].Pos, stop)
		}
	}
	for _, c := range []string{"x", `{"after":[],"pos":1}`, `{"after":["a","b"]}`, `{"after":["a"],"pos":-1}`} {
		if _, err := src.Open(context.Background(), c); err == nil {
			t.Errorf("Open(%q) succeeded", c)
		}
	}
}

func TestESSourceAuth(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec config.Source
		want string
	}{
		{"basic", config.Source{Username: "elastic", Password: "changeme"}, "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="},
		{"api key", config.Source{APIKey: "a2V5OnNlY3JldA=="}, "APIKey a2V5OnNlY3JldA=="}, // as go-elasticsearch spells it
		{"bearer", config.Source{Token: "svc-token"}, "Bearer svc-token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newESFixture(t, 3)
			f.mu.Lock()
			f.auths = nil
			f.mu.Unlock()
			src := f.source(t, tt.spec)
			readAll(t, openAt(t, src, ""))
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.auths) < 2 {
				t.Fatalf("%d requests", len(f.auths))
			}
			for _, a := range f.auths {
				if a != tt.want {
					t.Errorf("Authorization = %q, want %q", a, tt.want)
				}
			}
		})
	}
}

func TestESSourceErrors(t *testing.T) {
	f := newESFixture(t, 5)
	src := f.source(t, config.Source{Index: "nope"})
	if _, err := src.Open(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "404 index_not_found_exception") || !strings.Contains(err.Error(), "/nope") {
		t.Errorf("Open of a missing index: %v", err)
	}
	if _, _, err := src.Total(context.Background()); err == nil || !strings.Contains(err.Error(), "index_not_found_exception") {
		t.Errorf("Total of a missing index: %v", err)
	}

	// A 429 on a search is retried; a 400 is not.
	src = f.source(t, config.Source{PageSize: 2, Retries: 2})
	f.emu.AddFault(esemu.Fault{Path: "/_search", Status: 429, Times: 1})
	if got := len(readAll(t, openAt(t, src, ""))); got != 5 {
		t.Errorf("read %d records through a 429, want 5", got)
	}
	noRetry := f.source(t, config.Source{PageSize: 2})
	f.emu.AddFault(esemu.Fault{Path: "/_search", Status: 429, Times: 1})
	if _, err := openAt(t, noRetry, "").Next(context.Background()); err == nil || !strings.Contains(err.Error(), "429") {
		t.Errorf("with retries 0 a 429 gave %v", err)
	}
	f.emu.AddFault(esemu.Fault{Path: "/_search", Status: 400, ErrorType: "search_phase_execution_exception", Reason: "boom", Times: 1})
	_, err := openAt(t, src, "").Next(context.Background())
	if err == nil || !strings.Contains(err.Error(), "400 search_phase_execution_exception: boom") {
		t.Errorf("Next through a 400: %v", err)
	}

	for _, tt := range []struct {
		name string
		spec config.Source
		want string
	}{
		{"no url", config.Source{Index: "x", SortField: "k"}, "url is required"},
		{"no index", config.Source{URL: "http://x", SortField: "k"}, "index is required"},
		{"no sort field", config.Source{URL: "http://x", Index: "x"}, "sort_field is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Type = config.SourceElasticsearch
			if _, err := syncengine.NewSource(tt.spec, "", nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSource error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := syncengine.NewSource(config.Source{Type: "ftp"}, "", nil); err == nil || !strings.Contains(err.Error(), `unknown type "ftp"`) {
		t.Errorf("NewSource of an unknown type: %v", err)
	}
}
