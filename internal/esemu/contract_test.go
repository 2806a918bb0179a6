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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"

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

func TestIndexAdmin(t *testing.T) {
	c := newCluster(t)
	n := c.name(t, "admin")
	r := c.must(t, 200, esapi.IndicesCreateRequest{Index: n, Body: body(`{
		"settings":{"number_of_shards":1,"number_of_replicas":0},
		"mappings":{"dynamic":"strict","properties":{"name":{"type":"keyword"},"n":{"type":"long"}}},
		"aliases":{"` + n + `-read":{}}}`)})
	if r.get("acknowledged") != true || r.get("shards_acknowledged") != true || r.str("index") != n {
		t.Fatalf("create: %s", r.raw)
	}
	settings := c.must(t, 200, esapi.IndicesGetSettingsRequest{Index: []string{n}})
	uuid := settings.str(n + ".settings.index.uuid")
	if uuid == "" {
		t.Fatalf("no uuid in settings: %s", settings.raw)
	}
	t.Run("create twice", func(t *testing.T) {
		r := c.do(t, esapi.IndicesCreateRequest{Index: n})
		errorOf(t, r, 400, "resource_already_exists_exception", `^index \[`+regexp.QuoteMeta(n+"/"+uuid)+`\] already exists$`)
		if r.str("error.index") != n || r.str("error.index_uuid") != uuid {
			t.Fatalf("metadata: %s", r.raw)
		}
	})
	t.Run("head", func(t *testing.T) {
		for name, want := range map[string]int{n: 200, n + "-read": 200, n + "-nope": 404} {
			if got := c.do(t, esapi.IndicesExistsRequest{Index: []string{name}}).status; got != want {
				t.Fatalf("HEAD %s = %d, want %d", name, got, want)
			}
		}
	})
	t.Run("get", func(t *testing.T) {
		r := c.must(t, 200, esapi.IndicesGetRequest{Index: []string{n + "-read"}})
		if r.str(n+".mappings.dynamic") != "strict" || r.str(n+".mappings.properties.n.type") != "long" {
			t.Fatalf("mappings: %s", r.raw)
		}
		if r.get(n+".aliases."+n+"-read") == nil || r.str(n+".settings.index.number_of_replicas") != "0" {
			t.Fatalf("aliases/settings: %s", r.raw)
		}
		m := c.must(t, 200, esapi.IndicesGetMappingRequest{Index: []string{n}})
		if m.str(n+".mappings.properties.name.type") != "keyword" {
			t.Fatalf("_mapping: %s", m.raw)
		}
	})
	t.Run("settings", func(t *testing.T) {
		c.must(t, 200, esapi.IndicesPutSettingsRequest{Index: []string{n}, Body: body(`{"index":{"refresh_interval":"-1","number_of_replicas":0}}`)})
		r := c.must(t, 200, esapi.IndicesGetSettingsRequest{Index: []string{n}})
		if r.str(n+".settings.index.refresh_interval") != "-1" || r.str(n+".settings.index.number_of_replicas") != "0" {
			t.Fatalf("settings after update: %s", r.raw)
		}
		c.must(t, 200, esapi.IndicesPutSettingsRequest{Index: []string{n}, Body: body(`{"index":{"refresh_interval":"1s"}}`)})
		r = c.must(t, 200, esapi.IndicesGetSettingsRequest{Index: []string{n}})
		if r.str(n+".settings.index.refresh_interval") != "1s" {
			t.Fatalf("restored refresh_interval: %s", r.raw)
		}
		bad := c.do(t, esapi.IndicesPutSettingsRequest{Index: []string{n}, Body: body(`{"index":{"number_of_shards":3}}`)})
		errorOf(t, bad, 400, "illegal_argument_exception", `^Can't update non dynamic settings \[\[index\.number_of_shards\]\] for open indices`)
	})
	t.Run("invalid names", func(t *testing.T) {
		for _, tc := range []struct{ name, reason string }{
			{"UPPER" + strings.ToUpper(n), `must be lowercase$`},
			{"_" + n, `must not start with '_', '-', or '\+'$`},
			{"-" + n, `must not start with '_', '-', or '\+'$`},
			{n + ":x", `must not contain ':'$`},
			{n + "\"x", `must not contain the following characters`},
		} {
			r := c.do(t, esapi.IndicesCreateRequest{Index: tc.name})
			errorOf(t, r, 400, "invalid_index_name_exception", `^Invalid index name \[`+regexp.QuoteMeta(tc.name)+`\], `+tc.reason)
		}
	})
	t.Run("delete", func(t *testing.T) {
		r := c.do(t, esapi.IndicesDeleteRequest{Index: []string{n + "-read"}})
		errorOf(t, r, 400, "illegal_argument_exception", `^The provided expression \[`+regexp.QuoteMeta(n+"-read")+`\] matches an alias, specify the corresponding concrete indices instead\.$`)
		other := c.createIndex(t, "other", `{"settings":{"number_of_replicas":0}}`)
		c.must(t, 200, esapi.IndicesDeleteRequest{Index: []string{n, other}})
		for _, x := range []string{n, other} {
			if c.do(t, esapi.IndicesExistsRequest{Index: []string{x}}).status != 404 {
				t.Fatalf("%s still exists", x)
			}
		}
		r = c.do(t, esapi.IndicesDeleteRequest{Index: []string{n}})
		errorOf(t, r, 404, "index_not_found_exception", `^no such index \[`+regexp.QuoteMeta(n)+`\]$`)
		if r.str("error.index") != n || r.str("error.resource.type") == "" && r.str("error.root_cause.0.index") != n {
			t.Fatalf("index_not_found metadata: %s", r.raw)
		}
	})
}

func TestIndexNotFoundBody(t *testing.T) {
	c := newCluster(t)
	n := c.name(t, "nope")
	r := c.do(t, esapi.SearchRequest{Index: []string{n}})
	errorOf(t, r, 404, "index_not_found_exception", `^no such index \[`+regexp.QuoteMeta(n)+`\]$`)
	want := map[string]string{
		"error.root_cause.0.type": "index_not_found_exception", "error.root_cause.0.index": n,
		"error.index": n, "error.index_uuid": "_na_", "error.resource\\.type": "index_or_alias", "error.resource\\.id": n,
	}
	for path, v := range want {
		if got := r.str(path); got != v {
			t.Fatalf("%s = %q, want %q: %s", path, got, v, r.raw)
		}
	}
}

func TestMappingValidation(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "strict", `{"settings":{"number_of_replicas":0},"mappings":{"dynamic":"strict","properties":{
		"name":{"type":"keyword"},"n":{"type":"long"},"i":{"type":"integer"},"d":{"type":"double"},
		"f":{"type":"float"},"ok":{"type":"boolean"},"day":{"type":"date","format":"yyyy-MM-dd"},
		"at":{"type":"date"},"alt":{"type":"date","format":"yyyy-MM-dd||epoch_millis"},
		"text":{"type":"text"},"obj":{"properties":{"x":{"type":"keyword"}}},
		"nest":{"type":"nested","properties":{"y":{"type":"long"}}}}}}`)
	for _, tc := range []struct {
		doc        string
		errType    string
		reason     string
		causeType  string
		causeMatch string
	}{
		{`{"name":"a","n":1,"i":2,"d":1.5,"f":2.5,"ok":true,"day":"2024-02-29","at":"2024-01-02T03:04:05Z","text":"x","obj":{"x":"y"},"nest":[{"y":1},{"y":2}]}`, "", "", "", ""},
		{`{"n":"12","d":"1.5","ok":"false","at":1700000000000,"alt":1700000000000,"name":7}`, "", "", "", ""},
		{`{"at":"2024-01-02","alt":"2024-01-02"}`, "", "", "", ""},
		{`{"n":1.9}`, "", "", "", ""},
		{`{"n":""}`, "", "", "", ""},
		{`{"name":null,"n":null}`, "", "", "", ""},
		{`{"x":1}`, "strict_dynamic_mapping_exception", `^\[1:\d+\] mapping set to strict, dynamic introduction of \[x\] within \[_doc\] is not allowed$`, "", ""},
		{`{"obj":{"z":1}}`, "strict_dynamic_mapping_exception", `^\[1:\d+\] mapping set to strict, dynamic introduction of \[z\] within \[obj\] is not allowed$`, "", ""},
		{`{"n":"abc"}`, "document_parsing_exception", `^\[1:\d+\] failed to parse field \[n\] of type \[long\] in document with id '7'\. Preview of field's value: 'abc'$`, "illegal_argument_exception", `For input string: "abc"`},
		{`{"d":"abc"}`, "document_parsing_exception", `^\[1:\d+\] failed to parse field \[d\] of type \[double\] in document with id '7'\. Preview of field's value: 'abc'$`, "number_format_exception", ""},
		{`{"ok":"yes"}`, "document_parsing_exception", `failed to parse field \[ok\] of type \[boolean\] in document with id '7'\. Preview of field's value: 'yes'$`, "illegal_argument_exception", `^Failed to parse value \[yes\] as only \[true\] or \[false\] are allowed\.$`},
		{`{"day":"2024/01/02"}`, "document_parsing_exception", `failed to parse field \[day\] of type \[date\] in document with id '7'\. Preview of field's value: '2024/01/02'$`, "illegal_argument_exception", `^failed to parse date field \[2024/01/02\] with format \[yyyy-MM-dd\]$`},
		{`{"day":"2023-02-29"}`, "document_parsing_exception", `of type \[date\]`, "illegal_argument_exception", `with format \[yyyy-MM-dd\]`},
		{`{"at":"yesterday"}`, "document_parsing_exception", `Preview of field's value: 'yesterday'$`, "illegal_argument_exception", `^failed to parse date field \[yesterday\] with format \[strict_date_optional_time\|\|epoch_millis\]$`},
		{`{"i":3000000000}`, "document_parsing_exception", `of type \[integer\] in document with id '7'`, "", ""},
		{`{"obj":"flat"}`, "document_parsing_exception", `object mapping for \[obj\] tried to parse field \[obj\] as object, but found a concrete value`, "", ""},
		{`{"name":{"a":1}}`, "document_parsing_exception", `failed to parse field \[name\] of type \[keyword\] in document with id '7'`, "", ""},
	} {
		t.Run(tc.doc, func(t *testing.T) {
			r := c.bulk(t, n, `{"index":{"_id":"7"}}`, tc.doc)
			item := r.get("items.0.index")
			status := int(jget(item, "status").(float64))
			if tc.errType == "" {
				if status > 201 {
					t.Fatalf("rejected: %s", r.raw)
				}
				return
			}
			if status != 400 || r.get("errors") != true {
				t.Fatalf("accepted (status %d): %s", status, r.raw)
			}
			if got := jget(item, "error.type"); got != tc.errType {
				t.Fatalf("error.type %v, want %s: %s", got, tc.errType, r.raw)
			}
			if reason, _ := jget(item, "error.reason").(string); !regexp.MustCompile(tc.reason).MatchString(reason) {
				t.Fatalf("reason %q does not match %q", reason, tc.reason)
			}
			if tc.causeType != "" && jget(item, "error.caused_by.type") != tc.causeType {
				t.Fatalf("caused_by.type %v, want %s: %s", jget(item, "error.caused_by.type"), tc.causeType, r.raw)
			}
			if cr, _ := jget(item, "error.caused_by.reason").(string); tc.causeMatch != "" && !regexp.MustCompile(tc.causeMatch).MatchString(cr) {
				t.Fatalf("caused_by.reason %q does not match %q", cr, tc.causeMatch)
			}
		})
	}
	t.Run("single document API", func(t *testing.T) {
		r := c.do(t, esapi.IndexRequest{Index: n, DocumentID: "9", Body: body(`{"unknown":true}`)})
		errorOf(t, r, 400, "strict_dynamic_mapping_exception", `dynamic introduction of \[unknown\] within \[_doc\] is not allowed$`)
	})
}

func TestDynamicMapping(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "dyn", `{"settings":{"number_of_replicas":0}}`)
	c.bulk(t, n, `{"index":{"_id":"1"}}`, `{"title":"Hello World","count":3,"ratio":0.5,"flag":true,"when":"2024-05-01T10:00:00Z","meta":{"k":"v"},"nothing":null,"empty":[]}`)
	m := c.must(t, 200, esapi.IndicesGetMappingRequest{Index: []string{n}})
	p := n + ".mappings.properties."
	for path, want := range map[string]string{
		p + "title.type": "text", p + "title.fields.keyword.type": "keyword", p + "count.type": "long",
		p + "ratio.type": "float", p + "flag.type": "boolean", p + "when.type": "date", p + "meta.properties.k.type": "text",
	} {
		if got := m.str(path); got != want {
			t.Fatalf("%s = %q, want %q: %s", path, got, want, m.raw)
		}
	}
	if m.get(p+"nothing") != nil || m.get(p+"empty") != nil {
		t.Fatalf("null and [] must not add mappings: %s", m.raw)
	}
	if jget(m.body, p+"title.fields.keyword.ignore_above") != 256.0 {
		t.Fatalf("keyword sub-field ignore_above: %s", m.raw)
	}
	r := c.bulk(t, n, `{"index":{"_id":"2"}}`, `{"count":"many"}`)
	if r.str("items.0.index.error.type") != "document_parsing_exception" {
		t.Fatalf("value against a dynamically mapped long: %s", r.raw)
	}
}

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
