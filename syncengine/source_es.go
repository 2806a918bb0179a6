package syncengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/resyncbot/resyncbot/config"
)

// ESSource reads another index, possibly on another cluster, in SortField
// order through a point in time and search_after.
//
// Pages are sorted on SortField, then _shard_doc, and follow each other by
// search_after. Its cursor is JSON holding the last record's SortField value
// and the position of the next record: {"after":["1000123"],"pos":500}.
// SortField must be unique (the record's key, a keyword), so a resumed reader
// is exact: it opens a new point in time and asks for SortField greater than
// that value. (A _shard_doc value belongs to its point in time, and
// Elasticsearch wants one in search_after whenever a point in time is used,
// so the resumed reader filters instead.)
type ESSource struct {
	es       *elasticsearch.Client
	index    string
	field    string
	size     int
	timeout  time.Duration
	url      string // redacted, for messages
	keepOpen string // PIT keep_alive between pages
}

// Point-in-time and paging defaults.
const (
	esPageSize     = 500
	esKeepAlive    = "5m"
	esCloseTimeout = 30 * time.Second
)

// NewESSource returns the elasticsearch source spec describes; client's
// transport carries the requests.
func NewESSource(spec config.Source, client *http.Client) (*ESSource, error) {
	switch {
	case spec.URL == "":
		return nil, errors.New("elasticsearch source: url is required")
	case spec.Index == "":
		return nil, errors.New("elasticsearch source: index is required")
	case spec.SortField == "":
		return nil, errors.New("elasticsearch source: sort_field is required (a unique keyword field, such as the record's key)")
	case spec.PageSize < 0:
		return nil, fmt.Errorf("elasticsearch source: page_size %d is negative", spec.PageSize)
	}
	cfg := elasticsearch.Config{
		Addresses:     []string{spec.URL},
		Username:      spec.Username,
		Password:      spec.Password,
		APIKey:        spec.APIKey,
		ServiceToken:  spec.Token,
		RetryOnStatus: []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		RetryBackoff: func(attempt int) time.Duration {
			return min(httpBackoff<<min(attempt, 10), httpMaxBackoff)
		},
	}
	if client != nil {
		cfg.Transport = client.Transport
	}
	// Retries counts like the http source's: 0 means none (config fills in
	// its default when the file says nothing).
	if spec.Retries > 0 {
		cfg.MaxRetries = spec.Retries
	} else {
		cfg.DisableRetry = true
	}
	es, err := elasticsearch.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch source %s: %w", redactURL(spec.URL), err)
	}
	size := spec.PageSize
	if size == 0 {
		size = esPageSize
	}
	return &ESSource{
		es: es, index: spec.Index, field: spec.SortField, size: size,
		timeout: spec.Timeout, url: redactURL(spec.URL), keepOpen: esKeepAlive,
	}, nil
}

// Total counts the index's documents.
func (s *ESSource) Total(ctx context.Context) (int64, bool, error) {
	var out struct {
		Count int64 `json:"count"`
	}
	err := s.do(ctx, "count", &out, func(ctx context.Context) (*esapi.Response, error) {
		return s.es.Count(s.es.Count.WithContext(ctx), s.es.Count.WithIndex(s.index))
	})
	if err != nil {
		return 0, false, err
	}
	return out.Count, true, nil
}

// esCursor is the reader's position, and its JSON is the cursor.
type esCursor struct {
	After []json.RawMessage `json:"after"`
	Pos   int64             `json:"pos"`
}

// Open opens a point in time on the index and returns a reader positioned
// just after cursor; Close releases the point in time.
func (s *ESSource) Open(ctx context.Context, cursor string) (Reader, error) {
	r := &esReader{s: s}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &r.at); err != nil || len(r.at.After) != 1 || r.at.Pos < 0 {
			return nil, fmt.Errorf("elasticsearch source %s/%s: bad cursor %q (want {\"after\":[value],\"pos\":n})", s.url, s.index, cursor)
		}
		r.from = r.at.After[0]
	}
	var out struct {
		ID string `json:"id"`
	}
	err := s.do(ctx, "open point in time", &out, func(ctx context.Context) (*esapi.Response, error) {
		return s.es.OpenPointInTime([]string{s.index}, s.keepOpen, s.es.OpenPointInTime.WithContext(ctx))
	})
	if err != nil {
		return nil, err
	}
	r.pit = out.ID
	return r, nil
}

type esReader struct {
	s     *ESSource
	pit   string
	at    esCursor          // the last record returned
	after []json.RawMessage // its full sort values, for the next search_after
	from  json.RawMessage   // resumed: only SortField values above this
	hits  []esHit
	last  bool // the page in hits was the last
}

type esHit struct {
	Source json.RawMessage   `json:"_source"`
	Sort   []json.RawMessage `json:"sort"`
}

func (r *esReader) Next(ctx context.Context) (Record, error) {
	if len(r.hits) == 0 {
		if r.last {
			return Record{}, io.EOF
		}
		if err := r.page(ctx); err != nil {
			return Record{}, err
		}
		if len(r.hits) == 0 {
			return Record{}, io.EOF
		}
	}
	h := r.hits[0]
	r.hits = r.hits[1:]
	if len(h.Sort) == 0 {
		return Record{}, fmt.Errorf("elasticsearch source %s/%s: hit without sort values", r.s.url, r.s.index)
	}
	doc, err := singleLine(h.Source)
	if err != nil {
		return Record{}, fmt.Errorf("elasticsearch source %s/%s: record %d: %w", r.s.url, r.s.index, r.at.Pos, err)
	}
	rec := Record{Doc: doc, Pos: r.at.Pos}
	r.after = h.Sort
	r.at.After = h.Sort[:1]
	r.at.Pos++
	return rec, nil
}

// page fetches the next page of hits after r.after.
func (r *esReader) page(ctx context.Context) error {
	body, err := json.Marshal(r.query())
	if err != nil {
		return fmt.Errorf("elasticsearch source %s/%s: %w", r.s.url, r.s.index, err)
	}
	var out struct {
		PitID string `json:"pit_id"`
		Hits  struct {
			Hits []esHit `json:"hits"`
		} `json:"hits"`
	}
	err = r.s.do(ctx, "search", &out, func(ctx context.Context) (*esapi.Response, error) {
		// With a pit the request must not name an index.
		return r.s.es.Search(r.s.es.Search.WithContext(ctx), r.s.es.Search.WithBody(bytes.NewReader(body)))
	})
	if err != nil {
		return err
	}
	if out.PitID != "" {
		r.pit = out.PitID
	}
	r.hits = out.Hits.Hits
	r.last = len(r.hits) < r.s.size
	return nil
}

type esQuery struct {
	Size        int                 `json:"size"`
	Query       any                 `json:"query,omitempty"`
	PIT         esPIT               `json:"pit"`
	Sort        []map[string]string `json:"sort"`
	SearchAfter []json.RawMessage   `json:"search_after,omitempty"`
}

type esPIT struct {
	ID        string `json:"id"`
	KeepAlive string `json:"keep_alive"`
}

func (r *esReader) query() esQuery {
	q := esQuery{
		Size:        r.s.size,
		PIT:         esPIT{ID: r.pit, KeepAlive: r.s.keepOpen},
		Sort:        []map[string]string{{r.s.field: "asc"}, {"_shard_doc": "asc"}},
		SearchAfter: r.after,
	}
	if r.from != nil {
		q.Query = map[string]any{"range": map[string]any{r.s.field: map[string]json.RawMessage{"gt": r.from}}}
	}
	return q
}

func (r *esReader) Cursor() string {
	if len(r.at.After) == 0 {
		return ""
	}
	b, err := json.Marshal(r.at)
	if err != nil { // sort values came from JSON, so they marshal back
		return ""
	}
	return string(b)
}

// Close deletes the point in time; it is idempotent.
func (r *esReader) Close() error {
	if r.pit == "" {
		return nil
	}
	body, err := json.Marshal(map[string]string{"id": r.pit})
	if err != nil {
		return err
	}
	r.pit = ""
	ctx, cancel := context.WithTimeout(context.Background(), esCloseTimeout)
	defer cancel()
	return r.s.do(ctx, "close point in time", nil, func(ctx context.Context) (*esapi.Response, error) {
		return r.s.es.ClosePointInTime(r.s.es.ClosePointInTime.WithContext(ctx), r.s.es.ClosePointInTime.WithBody(bytes.NewReader(body)))
	})
}

// do runs one request under the source's timeout and decodes a 2xx body into
// out (when non-nil); other statuses become errors naming op, the cluster and
// the index.
func (s *ESSource) do(ctx context.Context, op string, out any, call func(context.Context) (*esapi.Response, error)) error {
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	res, err := call(ctx)
	if err != nil {
		return fmt.Errorf("elasticsearch %s %s/%s: %w", op, s.url, s.index, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("elasticsearch %s %s/%s: reading response: %w", op, s.url, s.index, err)
	}
	if res.IsError() {
		return fmt.Errorf("elasticsearch %s %s/%s: %s", op, s.url, s.index, esProblem(res.StatusCode, body))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("elasticsearch %s %s/%s: decoding response: %w", op, s.url, s.index, err)
	}
	return nil
}

// esProblem renders an Elasticsearch error body ({"error":{"type","reason"}}
// or {"error":"text"}) with its status.
func esProblem(status int, body []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		var obj struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		}
		var text string
		switch {
		case json.Unmarshal(e.Error, &obj) == nil && obj.Type != "":
			return fmt.Sprintf("%d %s: %s", status, obj.Type, obj.Reason)
		case json.Unmarshal(e.Error, &text) == nil:
			return fmt.Sprintf("%d %s", status, text)
		}
	}
	return fmt.Sprintf("%d %s", status, strings.TrimSpace(snippet(body)))
}
