package syncengine_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

// fakeAPI is a paginated JSON API over items. In cursor mode it answers
// {"data":{"items":[…]},"meta":{"next":"c3","total":n}} and takes ?cursor=;
// in page mode it answers a bare array and takes ?page= (1-based). ?limit=
// sets the page size (default 3).
type fakeAPI struct {
	items  []string
	pages  bool
	pretty bool // indent items over several lines
	// fault, when set, may answer request n (0-based) itself.
	fault func(w http.ResponseWriter, r *http.Request, n int) bool

	mu   sync.Mutex
	reqs []*http.Request
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, r.Clone(context.Background()))
	f.mu.Unlock()
	if f.fault != nil && f.fault(w, r, n) {
		return
	}
	q := r.URL.Query()
	size := 3
	if l := q.Get("limit"); l != "" {
		size, _ = strconv.Atoi(l)
	}
	start := 0
	if f.pages {
		p, err := strconv.Atoi(q.Get("page"))
		if err != nil || p < 1 {
			http.Error(w, "bad page", http.StatusBadRequest)
			return
		}
		start = (p - 1) * size
	} else if c := q.Get("cursor"); c != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(c, "c"))
	}
	start = min(start, len(f.items))
	end := min(start+size, len(f.items))
	sep := ","
	if f.pretty {
		sep = ",\n  "
	}
	list := "[" + strings.Join(f.items[start:end], sep) + "]"
	if f.pretty {
		list = strings.ReplaceAll(list, `":`, "\":\n    ")
	}
	w.Header().Set("Content-Type", "application/json")
	if f.pages {
		fmt.Fprint(w, list)
		return
	}
	next := `null`
	if end < len(f.items) {
		next = `"c` + strconv.Itoa(end) + `"`
	}
	fmt.Fprintf(w, `{"data":{"items":%s},"meta":{"next":%s,"total":%d}}`, list, next, len(f.items))
}

func (f *fakeAPI) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

func items(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"id":"r%d","n":%d}`, i, i)
	}
	return out
}

// httpSource serves api on a test server and returns a source for spec
// pointed at it (spec.URL is appended to the server's URL).
func httpSource(t *testing.T, api *fakeAPI, spec config.Source) (syncengine.Source, string) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	spec.Type = config.SourceHTTP
	spec.URL = srv.URL + spec.URL
	src, err := syncengine.NewSource(spec, "", srv.Client())
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	return src, srv.URL
}

var cursorSpec = config.Source{
	URL: "/records", ItemsPath: "data.items", CursorParam: "cursor", NextCursorPath: "meta.next",
	TotalPath: "meta.total", PageSizeParam: "limit", PageSize: 4,
}

var pageSpec = config.Source{URL: "/records", PageParam: "page", PageSizeParam: "limit", PageSize: 3}

func docs(recs []syncengine.Record) []string {
	out := make([]string, len(recs))
	for k, r := range recs {
		out[k] = string(r.Doc)
	}
	return out
}

func TestHTTPSourceModes(t *testing.T) {
	tests := []struct {
		name      string
		api       *fakeAPI
		spec      config.Source
		total     int64
		known     bool
		wantPages int // requests for a full read
	}{
		{"cursor", &fakeAPI{items: items(10)}, cursorSpec, 10, true, 3},
		{"cursor empty", &fakeAPI{items: nil}, cursorSpec, 0, true, 1},
		{"page", &fakeAPI{items: items(7), pages: true}, pageSpec, 0, false, 4},
		{"page exact multiple", &fakeAPI{items: items(6), pages: true}, pageSpec, 0, false, 3},
		{"single", &fakeAPI{items: items(3), pages: true}, config.Source{URL: "/records?page=1"}, 0, false, 1},
		{"pretty items", &fakeAPI{items: items(5), pretty: true}, cursorSpec, 5, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, _ := httpSource(t, tt.api, tt.spec)
			n, known, err := src.Total(context.Background())
			if err != nil || n != tt.total || known != tt.known {
				t.Errorf("Total = %d, %v, %v; want %d, %v, nil", n, known, err, tt.total, tt.known)
			}
			before := len(tt.api.requests())
			recs := readAll(t, openAt(t, src, ""))
			if got, want := strings.Join(docs(recs), "\n"), strings.Join(tt.api.items, "\n"); got != want {
				t.Fatalf("records:\n%s\nwant:\n%s", got, want)
			}
			for k, r := range recs {
				if r.Pos != int64(k) {
					t.Errorf("record %d has Pos %d", k, r.Pos)
				}
			}
			if got := len(tt.api.requests()) - before; got != tt.wantPages {
				t.Errorf("a full read made %d requests, want %d", got, tt.wantPages)
			}
			for _, r := range tt.api.requests() {
				if tt.spec.PageSize > 0 && r.URL.Query().Get("limit") != strconv.Itoa(tt.spec.PageSize) {
					t.Errorf("request %s lacks limit=%d", r.URL, tt.spec.PageSize)
				}
			}
		})
	}
}

func TestHTTPSourceResumeMidPage(t *testing.T) {
	for _, tt := range []struct {
		name string
		api  *fakeAPI
		spec config.Source
	}{
		{"cursor", &fakeAPI{items: items(10)}, cursorSpec},
		{"page", &fakeAPI{items: items(10), pages: true}, pageSpec},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, _ := httpSource(t, tt.api, tt.spec)
			for stop := range 11 {
				r := openAt(t, src, "")
				for range stop {
					if _, err := r.Next(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				cursor := r.Cursor()
				rest := readAll(t, openAt(t, src, cursor))
				if got, want := strings.Join(docs(rest), ","), strings.Join(tt.api.items[stop:], ","); got != want {
					t.Fatalf("after %d records (cursor %s) resumed with %s, want %s", stop, cursor, got, want)
				}
				if len(rest) > 0 && rest[0].Pos != int64(stop) {
					t.Errorf("resumed Pos %d, want %d", rest[0].Pos, stop)
				}
			}
		})
	}
	// The cursor names the page and the offset in it.
	for _, tt := range []struct {
		api  *fakeAPI
		spec config.Source
		want string
	}{
		{&fakeAPI{items: items(10)}, cursorSpec, `{"token":"c4","skip":1,"pos":5}`},
		{&fakeAPI{items: items(10), pages: true}, pageSpec, `{"page":2,"skip":2,"pos":5}`},
	} {
		src, _ := httpSource(t, tt.api, tt.spec)
		r := openAt(t, src, "")
		for range 5 {
			if _, err := r.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := r.Cursor(); got != tt.want {
			t.Errorf("cursor after 5 records = %s, want %s", got, tt.want)
		}
	}
	src, _ := httpSource(t, &fakeAPI{}, cursorSpec)
	for _, c := range []string{"x", `{"skip":-1}`, `{"bogus":1}`} {
		if _, err := src.Open(context.Background(), c); err == nil {
			t.Errorf("Open(%q) succeeded", c)
		}
	}
}

func TestHTTPSourceAuth(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:s3cret"))
	for _, tt := range []struct {
		name string
		spec config.Source
		want string
	}{
		{"bearer", config.Source{Token: "tok123"}, "Bearer tok123"},
		{"basic", config.Source{Username: "ops", Password: "s3cret"}, basic},
		{"api key", config.Source{APIKey: "a2V5"}, "ApiKey a2V5"},
		{"none", config.Source{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{items: items(2), pages: true}
			spec := tt.spec
			spec.URL, spec.PageParam = "/records", "page"
			src, _ := httpSource(t, api, spec)
			readAll(t, openAt(t, src, ""))
			for _, r := range api.requests() {
				if got := r.Header.Get("Authorization"); got != tt.want {
					t.Errorf("Authorization = %q, want %q", got, tt.want)
				}
			}
		})
	}
	_, err := syncengine.NewSource(config.Source{Type: config.SourceHTTP, URL: "http://x", Token: "a", APIKey: "b"}, "", nil)
	if err == nil {
		t.Error("two kinds of credentials were accepted")
	}
}

// failFirst answers the first n requests with status (and Retry-After, if set).
func failFirst(n, status int, retryAfter string) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, _ *http.Request, k int) bool {
		if k >= n {
			return false
		}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		http.Error(w, `{"error":"busy"}`, status)
		return true
	}
}

func TestHTTPSourceRetries(t *testing.T) {
	tests := []struct {
		name     string
		fault    func(http.ResponseWriter, *http.Request, int) bool
		retries  int
		wantErr  string // "" = success
		attempts int    // requests for the first page
		minWait  time.Duration
	}{
		{"500 then 200", failFirst(2, 500, ""), 3, "", 3, 0},
		{"429 with Retry-After", failFirst(1, 429, "1"), 2, "", 2, time.Second},
		{"503 until it gives up", failFirst(99, 503, ""), 2, "503 Service Unavailable: {\"error\":\"busy\"} (3 attempts)", 3, 0},
		{"no retries configured", failFirst(1, 502, ""), 0, "502 Bad Gateway", 1, 0},
		{"404 is not retried", failFirst(1, 404, ""), 5, "404 Not Found", 1, 0},
		{"401 is not retried", failFirst(1, 401, ""), 5, "401 Unauthorized", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{items: items(3), pages: true, fault: tt.fault}
			spec := pageSpec
			spec.Retries = tt.retries
			spec.URL = "/records?api_key=SECRET"
			spec.Username, spec.Password = "ops", "hunter2"
			src, _ := httpSource(t, api, spec)
			r := openAt(t, src, "")
			start := time.Now()
			_, err := r.Next(context.Background())
			elapsed := time.Since(start)
			if got := len(api.requests()); got != tt.attempts {
				t.Errorf("%d requests, want %d", got, tt.attempts)
			}
			if elapsed < tt.minWait {
				t.Errorf("retried after %v, before Retry-After's %v", elapsed, tt.minWait)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			msg := err.Error()
			if strings.Contains(msg, "SECRET") || strings.Contains(msg, "hunter2") || !strings.Contains(msg, "/records?") || !strings.Contains(msg, "page=1") {
				t.Errorf("error should name the URL without secrets: %s", msg)
			}
		})
	}
}

func TestHTTPSourceTimeout(t *testing.T) {
	// hang answers nothing until the client gives up.
	hang := func(_ http.ResponseWriter, r *http.Request, n int) bool {
		if n == 0 {
			<-r.Context().Done()
			return true
		}
		return false
	}
	api := &fakeAPI{items: items(2), pages: true, fault: hang}
	spec := pageSpec
	spec.Timeout, spec.Retries = 100*time.Millisecond, 1
	src, _ := httpSource(t, api, spec)
	recs := readAll(t, openAt(t, src, ""))
	if len(recs) != 2 {
		t.Fatalf("read %d records after a timed-out request, want 2", len(recs))
	}

	spec.Retries = 0
	src, _ = httpSource(t, &fakeAPI{pages: true, fault: hang}, spec)
	_, err := openAt(t, src, "").Next(context.Background())
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("error = %v, want a timeout", err)
	}
}

func TestHTTPSourceCancel(t *testing.T) {
	api := &fakeAPI{items: items(2), pages: true, fault: failFirst(99, 503, "30")}
	spec := pageSpec
	spec.Retries = 5
	src, _ := httpSource(t, api, spec)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := openAt(t, src, "").Next(ctx)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("Next = %v after %v; want a prompt context error", err, time.Since(start))
	}
}

func TestHTTPSourceBadResponses(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
		spec             config.Source
	}{
		{"items path missing", `{"data":{}}`, `items_path "data.items": not in the response`, cursorSpec},
		{"items not an array", `{"data":{"items":{"a":1}}}`, `items_path "data.items": not an array`, cursorSpec},
		{"not JSON", `<html>`, `items_path "data.items"`, cursorSpec},
		{"cursor is an object", `{"data":{"items":[{"id":1}]},"meta":{"next":{}}}`, `next_cursor_path "meta.next"`, cursorSpec},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{fault: func(w http.ResponseWriter, _ *http.Request, _ int) bool { fmt.Fprint(w, tt.body); return true }}
			src, _ := httpSource(t, api, tt.spec)
			_, err := openAt(t, src, "").Next(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// A numeric next cursor is used as it is; null and "" end the walk.
	api := &fakeAPI{fault: func(w http.ResponseWriter, _ *http.Request, n int) bool {
		switch n {
		case 0:
			fmt.Fprint(w, `{"data":{"items":[{"id":1}]},"meta":{"next":2}}`)
		case 1:
			fmt.Fprint(w, `{"data":{"items":[{"id":2}]},"meta":{"next":""}}`)
		default:
			http.Error(w, "read past the end", 500)
		}
		return true
	}}
	spec := cursorSpec
	spec.TotalPath = ""
	src, _ := httpSource(t, api, spec)
	if got := docs(readAll(t, openAt(t, src, ""))); strings.Join(got, ",") != `{"id":1},{"id":2}` {
		t.Fatalf("records %v", got)
	}
	if q := api.requests()[1].URL.Query().Get("cursor"); q != "2" {
		t.Errorf("second request cursor=%q, want 2", q)
	}
}

func TestHTTPSourceBadSpecs(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec config.Source
		want string
	}{
		{"no url", config.Source{}, "not an http(s) URL"},
		{"ftp", config.Source{URL: "ftp://ops:s3cr3t@x/y?token=s3cr3t"}, `url "ftp://x/y?token=REDACTED" is not an http(s) URL`},
		{"both modes", config.Source{URL: "http://x", CursorParam: "c", NextCursorPath: "n", PageParam: "p"}, "not both"},
		{"cursor without path", config.Source{URL: "http://x", CursorParam: "c"}, "needs next_cursor_path"},
		{"path without cursor", config.Source{URL: "http://x", NextCursorPath: "n"}, "needs cursor_param"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Type = config.SourceHTTP
			_, err := syncengine.NewSource(tt.spec, "", nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
