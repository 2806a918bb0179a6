package esemu

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxContentLength is http.max_content_length (100mb by default).
const maxContentLength = 100 << 20

// call is one REST request being answered: its inputs, the route
// parameters, the buffered response, and what the request log records.
type call struct {
	e      *Emulator
	r      *http.Request
	query  url.Values
	params map[string]string
	start  time.Time
	vnd    bool

	status int
	out    []byte
	ctype  string
	head   bool

	// after runs once the response has been written (pooled buffers).
	after []func()

	itemFaults []*faultState
	consumed   map[*faultState]bool
	faultID    int
	items      int
	ids        []string
}

func newCall(e *Emulator, r *http.Request) *call {
	c := &call{e: e, r: r, query: r.URL.Query(), start: time.Now(), head: r.Method == http.MethodHead}
	c.vnd = strings.Contains(r.Header.Get("Accept"), "vnd.elasticsearch") ||
		strings.Contains(r.Header.Get("Content-Type"), "vnd.elasticsearch")
	return c
}

func (c *call) param(k string) string { return c.params[k] }

// reply buffers a JSON response.
func (c *call) reply(status int, body []byte) {
	c.status = status
	c.out = body
}

// fail buffers an ES error response.
func (c *call) fail(err *esError) {
	c.reply(err.status, err.body())
}

// prepare finalises the buffered response: default status, filter_path
// and pretty printing. It runs before the request is logged, so that a
// client never sees a reply before the log shows its request.
func (c *call) prepare() {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if fp := c.query.Get("filter_path"); fp != "" && len(c.out) > 0 && c.out[0] == '{' {
		filtered, err := applyFilterPath(c.out, fp)
		if err != nil {
			c.status, filtered = err.status, err.body()
		}
		c.out = filtered
	}
	if c.query.Has("pretty") && len(c.out) > 0 && (c.out[0] == '{' || c.out[0] == '[') {
		var buf bytes.Buffer
		if json.Indent(&buf, c.out, "", "  ") == nil {
			buf.WriteByte('\n')
			c.out = buf.Bytes()
		}
	}
}

// write sends the prepared response.
func (c *call) write(w http.ResponseWriter) {
	h := w.Header()
	ct := "application/json"
	if c.vnd {
		ct = "application/vnd.elasticsearch+json;compatible-with=8"
	}
	if c.ctype != "" {
		ct = c.ctype
	}
	h.Set("Content-Type", ct)
	if c.head {
		h.Set("Content-Length", "0")
		w.WriteHeader(c.status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(c.out)))
	w.WriteHeader(c.status)
	_, _ = w.Write(c.out)
}

// onWritten registers f to run after the response is sent.
func (c *call) onWritten(f func()) { c.after = append(c.after, f) }

func (c *call) finish() {
	for _, f := range c.after {
		f()
	}
	c.after = nil
}

// logEntry is what the request log keeps about this call.
func (c *call) logEntry(faultID int) Request {
	if faultID == 0 {
		faultID = c.faultID
	}
	return Request{
		Method: c.r.Method, Path: c.r.URL.Path, Query: c.r.URL.RawQuery,
		Status: c.status, Items: c.items, IDs: c.ids, Fault: faultID,
	}
}

// checkContentType refuses media types ES does not accept, with its
// string-error body.
func (c *call) checkContentType() bool {
	ct := c.r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	switch mt {
	case "application/json", "application/x-ndjson", "application/vnd.elasticsearch+json",
		"application/vnd.elasticsearch+x-ndjson", "application/smile", "application/yaml",
		"application/vnd.elasticsearch+smile", "application/vnd.elasticsearch+yaml":
	default:
		c.reply(http.StatusNotAcceptable, stringError(http.StatusNotAcceptable, "Content-Type header ["+ct+"] is not supported"))
		return false
	}
	if strings.Contains(mt, "vnd.elasticsearch") {
		v := ""
		for _, p := range strings.Split(ct, ";")[1:] {
			if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "compatible-with") {
				v = strings.TrimSpace(val)
			}
		}
		if v != "7" && v != "8" {
			c.fail(newErr(http.StatusBadRequest, "media_type_header_exception",
				"Invalid media-type value on headers [Content-Type]").
				withCause(errIllegalArgument("Content-Type ["+ct+"] is not supported"), false))
			return false
		}
	}
	if strings.Contains(mt, "smile") || strings.Contains(mt, "yaml") {
		c.fail(errIllegalArgument("esemu accepts JSON bodies only, not [" + ct + "]"))
		return false
	}
	return true
}

// body reads the whole request body into a fresh slice (gzip decoded).
// Parsed trees may keep references into it.
func (c *call) body() ([]byte, bool) {
	b, release, ok := c.readBody(false)
	_ = release
	return b, ok
}

// bodyPooled reads the body into a pooled buffer; release returns it.
// Only for handlers that copy out what they keep (bulk).
func (c *call) bodyPooled() ([]byte, func(), bool) {
	return c.readBody(true)
}

func (c *call) readBody(pooled bool) ([]byte, func(), bool) {
	noop := func() {}
	if c.r.Body == nil {
		return nil, noop, true
	}
	if !c.checkContentType() {
		return nil, noop, false
	}
	var rd io.Reader = c.r.Body
	if strings.EqualFold(c.r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(c.r.Body)
		if err != nil {
			c.fail(errIllegalArgument("failed to decompress request body: " + err.Error()))
			return nil, noop, false
		}
		defer zr.Close()
		rd = zr
	}
	rd = io.LimitReader(rd, maxContentLength+1)
	var buf *bytes.Buffer
	release := noop
	if pooled {
		if v, ok := c.e.bufs.Get().(*bytes.Buffer); ok {
			buf = v
			buf.Reset()
		} else {
			buf = new(bytes.Buffer)
		}
		release = func() {
			if buf.Cap() <= 64<<20 {
				c.e.bufs.Put(buf)
			}
		}
	} else {
		buf = new(bytes.Buffer)
	}
	if n := c.r.ContentLength; n > 0 && n <= maxContentLength {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(rd); err != nil {
		release()
		c.fail(errIllegalArgument("failed to read request body: " + err.Error()))
		return nil, noop, false
	}
	if buf.Len() > maxContentLength {
		release()
		c.reply(http.StatusRequestEntityTooLarge, nil)
		return nil, noop, false
	}
	return buf.Bytes(), release, true
}

// jsonBody parses the request body as JSON; an empty body yields nil.
func (c *call) jsonBody() (*jnode, bool) {
	b, ok := c.body()
	if !ok {
		return nil, false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, true
	}
	n, err := parseTree(b)
	if err != nil {
		l, col := lineCol(b, err.off)
		c.fail(newErr(http.StatusBadRequest, "x_content_parse_exception",
			"["+strconv.Itoa(l)+":"+strconv.Itoa(col)+"] "+err.msg))
		return nil, false
	}
	return n, true
}

// boolParam reads a boolean query parameter ("" and "true" are true).
func (c *call) boolParam(name string, def bool) (bool, *esError) {
	if !c.query.Has(name) {
		return def, nil
	}
	switch v := c.query.Get(name); v {
	case "", "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, errIllegalArgument("Failed to parse value [" + v + "] as only [true] or [false] are allowed.")
	}
}

// appendShards writes a "_shards" header for n successful shards.
func appendShards(b []byte, n int) []byte {
	b = append(b, `"_shards":{"total":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"successful":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, `,"skipped":0,"failed":0}`...)
}

func (c *call) took() int64 { return time.Since(c.start).Milliseconds() }
