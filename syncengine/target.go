package syncengine

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/resyncbot/resyncbot/config"
)

// Target is one environment's Elasticsearch cluster, seen through the few
// admin calls the engine makes. Every call names the index it was about.
type Target struct {
	es *elasticsearch.Client
}

// ESError is an error answer from Elasticsearch.
type ESError struct {
	Status int
	Type   string
	Reason string
}

func (e *ESError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("elasticsearch answered %d: %s", e.Status, e.Reason)
	}
	return fmt.Sprintf("elasticsearch answered %d %s: %s", e.Status, e.Type, e.Reason)
}

// NewTarget builds a client for cfg. Whole requests answered 429, 502, 503 or
// 504 are retried by the transport with capped exponential backoff.
func NewTarget(cfg config.Elasticsearch) (*Target, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = timeout
	tr.MaxIdleConnsPerHost = 16
	if cfg.CACert != "" {
		pem, err := os.ReadFile(cfg.CACert)
		if err != nil {
			return nil, fmt.Errorf("read elasticsearch ca_cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("elasticsearch ca_cert %s: no certificates found", cfg.CACert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	retries := cfg.MaxRetries
	if retries <= 0 {
		retries = 3
	}
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses:     cfg.URLs,
		Username:      cfg.Username,
		Password:      cfg.Password,
		APIKey:        cfg.APIKey,
		Transport:     tr,
		RetryOnStatus: []int{429, 502, 503, 504},
		MaxRetries:    retries,
		RetryBackoff:  func(attempt int) time.Duration { return backoff(attempt, 100*time.Millisecond, 5*time.Second) },
	})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	return &Target{es: es}, nil
}

// Client exposes the underlying client, for sources reading from the same cluster.
func (t *Target) Client() *elasticsearch.Client { return t.es }

// Ping checks that the cluster answers and is Elasticsearch.
func (t *Target) Ping(ctx context.Context) error {
	res, err := t.es.Info(t.es.Info.WithContext(ctx))
	if err := done(res, err); err != nil {
		return fmt.Errorf("reach elasticsearch: %w", err)
	}
	return nil
}

// CreateIndex creates name from a mapping file ({"settings":…,"mappings":…}),
// with refresh off and no replicas while it is being filled (verify puts the
// mapping's own settings back before the index goes live).
func (t *Target) CreateIndex(ctx context.Context, name string, mapping []byte) error {
	var body map[string]any
	if len(mapping) > 0 {
		if err := json.Unmarshal(mapping, &body); err != nil {
			return fmt.Errorf("create index %s: mapping: %w", name, err)
		}
	}
	if body == nil {
		body = map[string]any{}
	}
	settings, _ := body["settings"].(map[string]any)
	if settings == nil {
		settings = map[string]any{}
	}
	if idx, ok := settings["index"].(map[string]any); ok {
		// Flatten {"index":{"x":…}} so the overrides below win.
		for k, v := range idx {
			settings[k] = v
		}
		delete(settings, "index")
	}
	settings["number_of_replicas"] = 0
	settings["refresh_interval"] = "-1"
	body["settings"] = settings
	delete(body, "aliases")
	buf, _ := json.Marshal(body)
	res, err := t.es.Indices.Create(name, t.es.Indices.Create.WithContext(ctx), t.es.Indices.Create.WithBody(bytes.NewReader(buf)))
	if err := done(res, err); err != nil {
		return fmt.Errorf("create index %s: %w", name, err)
	}
	return nil
}

// PutSettings changes dynamic index settings.
func (t *Target) PutSettings(ctx context.Context, name string, settings map[string]any) error {
	buf, _ := json.Marshal(map[string]any{"index": settings})
	res, err := t.es.Indices.PutSettings(bytes.NewReader(buf), t.es.Indices.PutSettings.WithContext(ctx), t.es.Indices.PutSettings.WithIndex(name))
	if err := done(res, err); err != nil {
		return fmt.Errorf("put settings on %s: %w", name, err)
	}
	return nil
}

// Refresh makes everything written to name visible to searches.
func (t *Target) Refresh(ctx context.Context, name string) error {
	res, err := t.es.Indices.Refresh(t.es.Indices.Refresh.WithContext(ctx), t.es.Indices.Refresh.WithIndex(name))
	if err := done(res, err); err != nil {
		return fmt.Errorf("refresh %s: %w", name, err)
	}
	return nil
}

// Count counts the documents of name matching query (nil: all).
func (t *Target) Count(ctx context.Context, name string, query any) (int64, error) {
	opts := []func(*esapi.CountRequest){t.es.Count.WithContext(ctx), t.es.Count.WithIndex(name)}
	if query != nil {
		buf, _ := json.Marshal(map[string]any{"query": query})
		opts = append(opts, t.es.Count.WithBody(bytes.NewReader(buf)))
	}
	res, err := t.es.Count(opts...)
	if err := check(res, err); err != nil {
		return 0, fmt.Errorf("count %s: %w", name, err)
	}
	defer res.Body.Close()
	var out struct {
		Count int64 `json:"count"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return 0, fmt.Errorf("count %s: decode: %w", name, err)
	}
	return out.Count, nil
}

// SampleIDs returns up to n ids of documents in name matching query.
func (t *Target) SampleIDs(ctx context.Context, name string, query any, n int) ([]string, error) {
	buf, _ := json.Marshal(map[string]any{"query": query, "size": n, "_source": false})
	res, err := t.es.Search(t.es.Search.WithContext(ctx), t.es.Search.WithIndex(name), t.es.Search.WithBody(bytes.NewReader(buf)))
	if err := check(res, err); err != nil {
		return nil, fmt.Errorf("search %s: %w", name, err)
	}
	defer res.Body.Close()
	var out struct {
		Hits struct {
			Hits []struct {
				ID string `json:"_id"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("search %s: decode: %w", name, err)
	}
	ids := make([]string, 0, len(out.Hits.Hits))
	for _, h := range out.Hits.Hits {
		ids = append(ids, h.ID)
	}
	return ids, nil
}

// Exists reports whether an index (or alias) called name exists.
func (t *Target) Exists(ctx context.Context, name string) (bool, error) {
	res, err := t.es.Indices.Exists([]string{name}, t.es.Indices.Exists.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("check index %s: %w", name, err)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	default:
		return false, fmt.Errorf("check index %s: elasticsearch answered %d", name, res.StatusCode)
	}
}

// DeleteIndexes deletes the named concrete indexes; missing ones are ignored.
func (t *Target) DeleteIndexes(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	res, err := t.es.Indices.Delete(names, t.es.Indices.Delete.WithContext(ctx), t.es.Indices.Delete.WithIgnoreUnavailable(true))
	if err := done(res, err); err != nil {
		return fmt.Errorf("delete %s: %w", strings.Join(names, ","), err)
	}
	return nil
}

// AliasIndexes returns the concrete indexes alias points at (none if it does not exist).
func (t *Target) AliasIndexes(ctx context.Context, alias string) ([]string, error) {
	res, err := t.es.Indices.GetAlias(t.es.Indices.GetAlias.WithContext(ctx), t.es.Indices.GetAlias.WithName(alias))
	if err != nil {
		return nil, fmt.Errorf("get alias %s: %w", alias, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if err := check(res, nil); err != nil {
		return nil, fmt.Errorf("get alias %s: %w", alias, err)
	}
	var out map[string]json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("get alias %s: decode: %w", alias, err)
	}
	names := make([]string, 0, len(out))
	for k := range out {
		names = append(names, k)
	}
	return names, nil
}

// AliasAction is one action of an atomic _aliases request.
type AliasAction struct {
	Remove     bool
	Index      string
	Alias      string
	WriteIndex bool
}

// UpdateAliases applies every action in one atomic _aliases request: all or none.
func (t *Target) UpdateAliases(ctx context.Context, actions []AliasAction) error {
	list := make([]map[string]any, 0, len(actions))
	for _, a := range actions {
		if a.Remove {
			list = append(list, map[string]any{"remove": map[string]any{"index": a.Index, "alias": a.Alias}})
			continue
		}
		add := map[string]any{"index": a.Index, "alias": a.Alias}
		if a.WriteIndex {
			add["is_write_index"] = true
		}
		list = append(list, map[string]any{"add": add})
	}
	buf, _ := json.Marshal(map[string]any{"actions": list})
	res, err := t.es.Indices.UpdateAliases(bytes.NewReader(buf), t.es.Indices.UpdateAliases.WithContext(ctx))
	if err := done(res, err); err != nil {
		return fmt.Errorf("swap aliases: %w", err)
	}
	return nil
}

// NewBulkIndexer returns a bulk indexer writing into index. Items failing on
// their own (a per-item 429 or 5xx) come back through OnFailure for the engine
// to re-queue; the indexer itself never retries them.
func (t *Target) NewBulkIndexer(index string, workers, flushBytes int, onError func(context.Context, error)) (esutil.BulkIndexer, error) {
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{
		Client:        t.es,
		Index:         index,
		NumWorkers:    workers,
		FlushBytes:    flushBytes,
		FlushInterval: time.Hour, // the engine flushes at every batch boundary
		OnError:       onError,
	})
	if err != nil {
		return nil, fmt.Errorf("bulk indexer for %s: %w", index, err)
	}
	return bi, nil
}

// check turns a transport error or an error answer into an error.
func check(res *esapi.Response, err error) error {
	if err != nil {
		return err
	}
	if !res.IsError() {
		return nil
	}
	defer res.Body.Close()
	return parseESError(res.StatusCode, res.Body)
}

// done is check for calls whose answer body is not needed: it always
// drains and closes the body, so the connection goes back to the pool.
func done(res *esapi.Response, err error) error {
	if err := check(res, err); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.Body.Close()
}

func parseESError(status int, body io.Reader) error {
	raw, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	var shaped struct {
		Error json.RawMessage `json:"error"`
	}
	e := &ESError{Status: status}
	if json.Unmarshal(raw, &shaped) == nil && len(shaped.Error) > 0 {
		var obj struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		}
		var s string
		switch {
		case json.Unmarshal(shaped.Error, &obj) == nil:
			e.Type, e.Reason = obj.Type, obj.Reason
		case json.Unmarshal(shaped.Error, &s) == nil:
			e.Reason = s
		}
	}
	if e.Type == "" && e.Reason == "" {
		e.Reason = strings.TrimSpace(string(raw))
	}
	return e
}

// IsNotFound reports whether err is Elasticsearch's 404.
func IsNotFound(err error) bool {
	var e *ESError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}
