package esemu_test

// The contract suite drives the emulator through the real go-elasticsearch
// v8 client. When ELASTICSEARCH_URL is set the same tests run against that
// cluster instead (unique index names, cleaned up afterwards), so every
// assertion here is a statement about Elasticsearch 8, not about esemu.
// Tests of esemu's own features (faults, the request log) skip there.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/resyncbot/resyncbot/internal/esemu"
)

// cluster is the system under test: the emulator behind an httptest
// server, or the cluster at ELASTICSEARCH_URL.
type cluster struct {
	es  *elasticsearch.Client
	url string
	// emu is nil against a real cluster.
	emu *esemu.Emulator
}

func newCluster(t *testing.T, opts ...func(*elasticsearch.Config)) *cluster {
	t.Helper()
	c := &cluster{url: os.Getenv("ELASTICSEARCH_URL")}
	if c.url == "" {
		c.emu = esemu.New()
		srv := httptest.NewServer(c.emu)
		t.Cleanup(srv.Close)
		c.url = srv.URL
	}
	c.es = c.client(t, opts...)
	return c
}

// client builds another client for the same cluster.
func (c *cluster) client(t *testing.T, opts ...func(*elasticsearch.Config)) *elasticsearch.Client {
	t.Helper()
	cfg := elasticsearch.Config{Addresses: []string{c.url}, APIKey: os.Getenv("ELASTICSEARCH_API_KEY")}
	if u, err := url.Parse(c.url); err == nil && u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	for _, o := range opts {
		o(&cfg)
	}
	es, err := elasticsearch.NewClient(cfg)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return es
}

func noRetry(cfg *elasticsearch.Config) { cfg.DisableRetry = true }

func (c *cluster) real() bool { return c.emu == nil }

// emulatorOnly skips tests of esemu's own features against a real cluster.
func (c *cluster) emulatorOnly(t *testing.T) {
	t.Helper()
	if c.real() {
		t.Skip("emulator-only: fault injection and the request log are esemu features (ELASTICSEARCH_URL is set)")
	}
}

// name returns a unique index (or alias) name; indexes with that name are
// deleted when the test ends.
func (c *cluster) name(t *testing.T, suffix string) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	n := "esemu-ct-" + hex.EncodeToString(b[:]) + "-" + suffix
	t.Cleanup(func() {
		req := esapi.IndicesDeleteRequest{Index: []string{n + "*"}, IgnoreUnavailable: esapi.BoolPtr(true), AllowNoIndices: esapi.BoolPtr(true)}
		if res, err := req.Do(context.Background(), c.es); err == nil {
			_ = res.Body.Close()
		}
		req = esapi.IndicesDeleteRequest{Index: []string{n}, IgnoreUnavailable: esapi.BoolPtr(true)}
		if res, err := req.Do(context.Background(), c.es); err == nil {
			_ = res.Body.Close()
		}
	})
	return n
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   any
}

func (r reply) get(path string) any { return jget(r.body, path) }

func (r reply) str(path string) string {
	v := r.get(path)
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (r reply) num(path string) float64 {
	f, _ := r.get(path).(float64)
	return f
}

// do runs one esapi request and reads the response.
func (c *cluster) do(t *testing.T, req esapi.Request) reply {
	t.Helper()
	return doWith(t, c.es, req)
}

func doWith(t *testing.T, es esapi.Transport, req esapi.Request) reply {
	t.Helper()
	res, err := req.Do(context.Background(), es)
	if err != nil {
		t.Fatalf("%T: %v", req, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%T: read body: %v", req, err)
	}
	r := reply{status: res.StatusCode, header: res.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && (raw[0] == '{' || raw[0] == '[') {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%T: decode %q: %v", req, raw, err)
		}
	}
	return r
}

// must runs a request and fails unless it answers with want.
func (c *cluster) must(t *testing.T, want int, req esapi.Request) reply {
	t.Helper()
	r := c.do(t, req)
	if r.status != want {
		t.Fatalf("%T: status %d, want %d: %s", req, r.status, want, r.raw)
	}
	return r
}

// raw sends a request with the client's transport (so product check,
// auth and headers apply) and reads the answer.
func (c *cluster) raw(t *testing.T, method, path, body string, header http.Header) reply {
	t.Helper()
	req, err := http.NewRequest(method, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.es.Perform(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, header: res.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && (raw[0] == '{' || raw[0] == '[') {
		_ = json.Unmarshal(raw, &r.body)
	}
	return r
}

// jget walks decoded JSON by a dotted path; numeric parts index arrays.
// Keys that contain dots are written with a backslash ("docs\.count").
func jget(v any, path string) any {
	if path == "" {
		return v
	}
	var parts []string
	cur := ""
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path):
			cur += string(path[i+1])
			i++
		case path[i] == '.':
			parts = append(parts, cur)
			cur = ""
		default:
			cur += string(path[i])
		}
	}
	parts = append(parts, cur)
	for _, p := range parts {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func body(s string) io.Reader { return strings.NewReader(s) }

func jsonBody(t *testing.T, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

// createIndex creates an index with a body and returns its name.
func (c *cluster) createIndex(t *testing.T, suffix, spec string) string {
	t.Helper()
	n := c.name(t, suffix)
	c.must(t, 200, esapi.IndicesCreateRequest{Index: n, Body: body(spec)})
	return n
}

// bulk sends an NDJSON body and returns the decoded response.
func (c *cluster) bulk(t *testing.T, index string, lines ...string) reply {
	t.Helper()
	return c.must(t, 200, esapi.BulkRequest{Index: index, Body: body(strings.Join(lines, "\n") + "\n")})
}

func (c *cluster) refresh(t *testing.T, index string) {
	t.Helper()
	c.must(t, 200, esapi.IndicesRefreshRequest{Index: []string{index}})
}

func (c *cluster) count(t *testing.T, index, query string) int {
	t.Helper()
	req := esapi.CountRequest{Index: []string{index}}
	if query != "" {
		req.Body = body(query)
	}
	return int(c.must(t, 200, req).num("count"))
}

// searchIDs returns the _id of each hit, in order.
func (c *cluster) searchIDs(t *testing.T, index, query string) []string {
	t.Helper()
	r := c.must(t, 200, esapi.SearchRequest{Index: []string{index}, Body: body(query)})
	return hitIDs(r)
}

func hitIDs(r reply) []string {
	var ids []string
	hits, _ := r.get("hits.hits").([]any)
	for _, h := range hits {
		ids = append(ids, jget(h, "_id").(string))
	}
	return ids
}

func sameSet(a, b []string) bool {
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, ",") == strings.Join(y, ",")
}

// errorOf checks a top-level ES error body: status, error.type and a
// reason pattern; root_cause must be present and name a type.
func errorOf(t *testing.T, r reply, status int, typ, reason string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if got := r.str("error.type"); got != typ {
		t.Fatalf("error.type %q, want %q: %s", got, typ, r.raw)
	}
	if reason != "" && !regexp.MustCompile(reason).MatchString(r.str("error.reason")) {
		t.Fatalf("error.reason %q does not match %q", r.str("error.reason"), reason)
	}
	if r.str("error.root_cause.0.type") == "" {
		t.Fatalf("no root_cause: %s", r.raw)
	}
	if int(r.num("status")) != status {
		t.Fatalf("body status %v, want %d", r.get("status"), status)
	}
}

func TestProductCheckAndRoot(t *testing.T) {
	c := newCluster(t)
	r := c.must(t, 200, esapi.InfoRequest{})
	if v := r.str("version.number"); !strings.HasPrefix(v, "8.") {
		t.Fatalf("version.number %q", v)
	}
	if c.emu != nil && r.str("version.number") != "8.19.0" {
		t.Fatalf("esemu reports %q, want 8.19.0", r.str("version.number"))
	}
	for _, k := range []string{"name", "cluster_name", "tagline"} {
		if r.str(k) == "" {
			t.Fatalf("GET / lacks %s: %s", k, r.raw)
		}
	}
	missing := c.name(t, "missing")
	for _, tc := range []struct {
		name string
		req  esapi.Request
	}{
		{"info", esapi.InfoRequest{}},
		{"head missing index", esapi.IndicesExistsRequest{Index: []string{missing}}},
		{"error body", esapi.IndicesGetRequest{Index: []string{missing}}},
		{"health", esapi.ClusterHealthRequest{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(t, tc.req)
			if got := r.header.Get("X-Elastic-Product"); got != "Elasticsearch" {
				t.Fatalf("X-Elastic-Product %q (status %d)", got, r.status)
			}
		})
	}
	health := c.must(t, 200, esapi.ClusterHealthRequest{})
	if s := health.str("status"); s != "green" && (c.emu != nil || s != "yellow") {
		t.Fatalf("health status %q", s)
	}
	t.Run("client refuses a server without the header", func(t *testing.T) {
		impostor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"version":{"number":"8.19.0"}}`))
		}))
		defer impostor.Close()
		es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{impostor.URL}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := es.Info(); err == nil || !strings.Contains(err.Error(), "not Elasticsearch") {
			t.Fatalf("client accepted a server without X-Elastic-Product: %v", err)
		}
	})
}

func TestMediaTypes(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "media", `{"settings":{"number_of_replicas":0}}`)
	compat := c.client(t, func(cfg *elasticsearch.Config) { cfg.EnableCompatibilityMode = true })
	r := doWith(t, compat, esapi.IndexRequest{Index: n, DocumentID: "1", Body: body(`{"a":1}`), Refresh: "true"})
	if r.status != 201 {
		t.Fatalf("compatible-with=8 write: %d %s", r.status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/vnd.elasticsearch+json") {
		t.Fatalf("response Content-Type %q to a vnd request", ct)
	}
	r = c.raw(t, "POST", "/"+n+"/_count", `{"query":{"match_all":{}}}`, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("json count: %d %q %s", r.status, r.header.Get("Content-Type"), r.raw)
	}
	r = c.raw(t, "POST", "/"+n+"/_count", `{}`, http.Header{"Content-Type": {"text/plain"}})
	if r.status != http.StatusNotAcceptable {
		t.Fatalf("text/plain body: %d %s", r.status, r.raw)
	}
}
