package syncengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/resyncbot/resyncbot/config"
)

// HTTPSource reads a paginated JSON API. In cursor mode (CursorParam) each
// response names the next page's token at NextCursorPath, and an empty or
// missing token ends the walk; in page mode (PageParam) pages are numbered
// from 1 and an empty page ends it; with neither, the URL is one page.
//
// Its cursor is JSON naming the page that holds the last record returned (by
// token or number), how many of that page's items were returned, and the
// position of the next record: {"token":"abc","skip":17,"pos":1017} or
// {"page":3,"skip":17,"pos":1017}. A resumed reader fetches that page again
// and skips those items, so resuming is exact as long as pages are stable.
type HTTPSource struct {
	spec   config.Source
	client *http.Client
	base   *url.URL
	mode   httpMode
	// backoff is the first retry's delay, doubling up to maxBackoff.
	backoff, maxBackoff time.Duration
}

type httpMode uint8

const (
	httpSingle httpMode = iota
	httpCursor
	httpPage
)

// Retry timing. A Retry-After longer than maxRetryAfter is cut to it: the
// job's abort still interrupts any wait, but a bogus header should not stall
// a run for hours.
const (
	httpBackoff      = 200 * time.Millisecond
	httpMaxBackoff   = 10 * time.Second
	maxRetryAfter    = 2 * time.Minute
	httpErrorSnippet = 200
)

// NewHTTPSource returns the http source spec describes; client sends the requests.
func NewHTTPSource(spec config.Source, client *http.Client) (*HTTPSource, error) {
	if client == nil {
		client = http.DefaultClient
	}
	u, err := url.Parse(spec.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("http source: url %q is not an http(s) URL", redactURL(spec.URL))
	}
	s := &HTTPSource{spec: spec, client: client, base: u, backoff: httpBackoff, maxBackoff: httpMaxBackoff}
	switch {
	case spec.CursorParam != "" && spec.PageParam != "":
		return nil, errors.New("http source: set cursor_param or page_param, not both")
	case spec.CursorParam != "":
		if spec.NextCursorPath == "" {
			return nil, errors.New("http source: cursor_param needs next_cursor_path")
		}
		s.mode = httpCursor
	case spec.PageParam != "":
		s.mode = httpPage
	case spec.NextCursorPath != "":
		return nil, errors.New("http source: next_cursor_path needs cursor_param")
	}
	if spec.PageSize < 0 {
		return nil, fmt.Errorf("http source: page_size %d is negative", spec.PageSize)
	}
	auths := 0
	for _, set := range []bool{spec.Token != "", spec.Username != "" || spec.Password != "", spec.APIKey != ""} {
		if set {
			auths++
		}
	}
	if auths > 1 {
		return nil, errors.New("http source: set one of token, username/password or api_key")
	}
	return s, nil
}

// Total reads TotalPath from the first page; without TotalPath it is unknown.
func (s *HTTPSource) Total(ctx context.Context) (int64, bool, error) {
	if s.spec.TotalPath == "" {
		return 0, false, nil
	}
	body, u, err := s.fetch(ctx, httpCursorState{})
	if err != nil {
		return 0, false, err
	}
	raw, ok, err := jsonPath(body, s.spec.TotalPath)
	if err != nil || !ok {
		return 0, false, fmt.Errorf("http GET %s: total_path %q: %w", u, s.spec.TotalPath, errOr(err, "not in the response"))
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("http GET %s: total_path %q: %s is not an integer", u, s.spec.TotalPath, raw)
	}
	return n, true, nil
}

// httpCursorState is the reader's position, and its JSON is the cursor.
type httpCursorState struct {
	Token string `json:"token,omitempty"` // cursor mode: the token that fetched the page ("" = first)
	Page  int64  `json:"page,omitempty"`  // page mode: the page number, from 1
	Skip  int    `json:"skip"`            // items of that page already returned
	Pos   int64  `json:"pos"`             // records returned before, in all
}

// Open returns a reader positioned just after cursor.
func (s *HTTPSource) Open(_ context.Context, cursor string) (Reader, error) {
	r := &httpReader{s: s}
	if cursor != "" {
		d := json.NewDecoder(strings.NewReader(cursor))
		d.DisallowUnknownFields()
		if err := d.Decode(&r.at); err != nil || r.at.Skip < 0 || r.at.Pos < 0 || r.at.Page < 0 {
			return nil, fmt.Errorf("http source: bad cursor %q", cursor)
		}
	}
	if s.mode == httpPage {
		r.at.Page = max(r.at.Page, 1)
	}
	return r, nil
}

type httpReader struct {
	s       *HTTPSource
	at      httpCursorState
	fetched bool // items holds the page at names
	items   []json.RawMessage
	next    string // cursor mode: the token of the page after this one
	url     string // the page's URL, redacted, for messages
}

func (r *httpReader) Next(ctx context.Context) (Record, error) {
	for {
		if !r.fetched {
			if err := r.load(ctx); err != nil {
				return Record{}, err
			}
		}
		if r.at.Skip < len(r.items) {
			doc, err := singleLine(r.items[r.at.Skip])
			if err != nil {
				return Record{}, fmt.Errorf("http GET %s: item %d: %w", r.url, r.at.Skip, err)
			}
			rec := Record{Doc: doc, Pos: r.at.Pos}
			r.items[r.at.Skip] = nil // let the page go as it is consumed
			r.at.Skip++
			r.at.Pos++
			return rec, nil
		}
		switch {
		case r.s.mode == httpCursor && r.next != "":
			r.at.Token, r.at.Skip = r.next, 0
		case r.s.mode == httpPage && len(r.items) > 0:
			r.at.Page, r.at.Skip = r.at.Page+1, 0
		default:
			return Record{}, io.EOF
		}
		r.fetched = false
	}
}

// load fetches the page r.at names.
func (r *httpReader) load(ctx context.Context) error {
	body, u, err := r.s.fetch(ctx, r.at)
	if err != nil {
		return err
	}
	r.url = u
	items, next, err := r.s.parsePage(body)
	if err != nil {
		return fmt.Errorf("http GET %s: %w", u, err)
	}
	r.items, r.next, r.fetched = items, next, true
	return nil
}

func (r *httpReader) Cursor() string {
	b, _ := json.Marshal(r.at) // a struct of strings and ints cannot fail
	return string(b)
}

func (r *httpReader) Close() error { return nil }

// parsePage finds the items and the next page's token in a response.
func (s *HTTPSource) parsePage(body []byte) (items []json.RawMessage, next string, err error) {
	raw, ok, err := jsonPath(body, s.spec.ItemsPath)
	if err != nil {
		return nil, "", fmt.Errorf("items_path %q: %w", s.spec.ItemsPath, err)
	}
	if !ok {
		return nil, "", fmt.Errorf("items_path %q: not in the response", s.spec.ItemsPath)
	}
	if !bytes.Equal(raw, []byte("null")) {
		if len(raw) == 0 || raw[0] != '[' {
			return nil, "", fmt.Errorf("items_path %q: not an array", s.spec.ItemsPath)
		}
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, "", fmt.Errorf("items_path %q: %w", s.spec.ItemsPath, err)
		}
	}
	if s.mode != httpCursor {
		return items, "", nil
	}
	tok, ok, err := jsonPath(body, s.spec.NextCursorPath)
	if err != nil {
		return nil, "", fmt.Errorf("next_cursor_path %q: %w", s.spec.NextCursorPath, err)
	}
	if !ok || len(tok) == 0 {
		return items, "", nil
	}
	switch tok[0] {
	case '"':
		if err := json.Unmarshal(tok, &next); err != nil {
			return nil, "", fmt.Errorf("next_cursor_path %q: %w", s.spec.NextCursorPath, err)
		}
	case 'n': // null: the last page
	case '{', '[', 't', 'f':
		return nil, "", fmt.Errorf("next_cursor_path %q: %s is not a string or number", s.spec.NextCursorPath, tok)
	default:
		next = string(tok)
	}
	return items, next, nil
}

// jsonPath returns the raw value at a dotted path ("" is the whole body);
// a segment that is a number indexes an array.
func jsonPath(body []byte, path string) (json.RawMessage, bool, error) {
	raw := json.RawMessage(bytes.TrimSpace(body))
	if path == "" {
		return raw, true, nil
	}
	for seg := range strings.SplitSeq(path, ".") {
		switch {
		case len(raw) > 0 && raw[0] == '{':
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, false, err
			}
			v, ok := m[seg]
			if !ok {
				return nil, false, nil
			}
			raw = v
		case len(raw) > 0 && raw[0] == '[':
			k, err := strconv.Atoi(seg)
			if err != nil {
				return nil, false, nil
			}
			var a []json.RawMessage
			if err := json.Unmarshal(raw, &a); err != nil {
				return nil, false, err
			}
			if k < 0 || k >= len(a) {
				return nil, false, nil
			}
			raw = a[k]
		default:
			return nil, false, nil
		}
	}
	return raw, true, nil
}

// pageURL is the URL of the page at names.
func (s *HTTPSource) pageURL(at httpCursorState) *url.URL {
	u := *s.base
	q := u.Query()
	switch s.mode {
	case httpCursor:
		if at.Token != "" {
			q.Set(s.spec.CursorParam, at.Token)
		}
	case httpPage:
		q.Set(s.spec.PageParam, strconv.FormatInt(max(at.Page, 1), 10))
	}
	if s.spec.PageSizeParam != "" && s.spec.PageSize > 0 {
		q.Set(s.spec.PageSizeParam, strconv.Itoa(s.spec.PageSize))
	}
	u.RawQuery = q.Encode()
	return &u
}

// fetch GETs the page at names, retrying 5xx, 429 and transport errors with
// capped exponential backoff and jitter. It returns the body and the URL as
// it may appear in messages.
func (s *HTTPSource) fetch(ctx context.Context, at httpCursorState) ([]byte, string, error) {
	u := s.pageURL(at)
	shown := redactURL(u.String())
	retries := max(s.spec.Retries, 0)
	for attempt := 0; ; attempt++ {
		body, retryAfter, err := s.get(ctx, u)
		if err == nil {
			return body, shown, nil
		}
		if ctx.Err() != nil {
			return nil, shown, fmt.Errorf("http GET %s: %w", shown, ctx.Err())
		}
		var perm permanentError
		if errors.As(err, &perm) || attempt >= retries {
			return nil, shown, fmt.Errorf("http GET %s: %w (%d attempts)", shown, err, attempt+1)
		}
		wait := s.backoffFor(attempt)
		if retryAfter > 0 {
			wait = min(retryAfter, maxRetryAfter)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, shown, fmt.Errorf("http GET %s: %w", shown, ctx.Err())
		case <-t.C:
		}
	}
}

// backoffFor is the delay after failed attempt n (0-based): doubling from
// backoff, capped, with the upper half jittered so replicas do not retry in step.
func (s *HTTPSource) backoffFor(n int) time.Duration {
	d := s.maxBackoff
	if n < 30 {
		d = min(s.backoff<<n, s.maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// permanentError is a response that retrying will not change (4xx but 429).
type permanentError struct{ error }

// get makes one request. A failure's retryAfter is the server's Retry-After.
func (s *HTTPSource) get(ctx context.Context, u *url.URL) (body []byte, retryAfter time.Duration, err error) {
	if s.spec.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.spec.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, permanentError{err}
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case s.spec.Token != "":
		req.Header.Set("Authorization", "Bearer "+s.spec.Token)
	case s.spec.Username != "" || s.spec.Password != "":
		req.SetBasicAuth(s.spec.Username, s.spec.Password)
	case s.spec.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+s.spec.APIKey)
	}
	res, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, secrets and all
		}
		return nil, 0, err
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("reading response: %w", err)
	}
	if res.StatusCode/100 == 2 {
		return body, 0, nil
	}
	err = fmt.Errorf("%s: %s", res.Status, snippet(body))
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return nil, parseRetryAfter(res.Header.Get("Retry-After")), err
	default:
		return nil, 0, permanentError{err}
	}
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body[:min(len(body), httpErrorSnippet)])), " ")
	if len(body) > httpErrorSnippet {
		s += " …"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// secretParams are query parameter names (or parts of names) whose values
// never appear in messages.
var secretParams = []string{"token", "key", "secret", "password", "passwd", "auth", "sig", "credential", "session", "code"}

// redactURL drops user info and hides secret-looking query values.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	u.User = nil
	q := u.Query()
	changed := false
	for name := range q {
		lower := strings.ToLower(name)
		for _, s := range secretParams {
			if strings.Contains(lower, s) {
				q[name] = []string{"REDACTED"}
				changed = true
				break
			}
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}
