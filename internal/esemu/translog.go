package esemu

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// translogTrim is the size past which the translog file starts over; ES
// trims its translog after a flush for the same reason.
const translogTrim = 64 << 20

// translog emulates Elasticsearch's default request durability
// (index.translog.durability: request): before acknowledging an index,
// create, update, delete or bulk request, Elasticsearch writes it to the
// shard's translog and fsyncs it. That fsync is what makes one request per
// document so much slower than _bulk on a real cluster, so benchmarks that
// compare the two turn it on; tests leave it off.
type translog struct {
	mu   sync.Mutex
	f    *os.File
	size int64
}

// WithTranslog makes every write request durable before it is acknowledged,
// as Elasticsearch does by default: the request body is appended to f and f
// is fsynced. The data itself stays in memory. The caller closes f.
func WithTranslog(f *os.File) Option {
	return func(e *Emulator) { e.translog = &translog{f: f} }
}

// OpenTranslog creates (or empties) the file "translog" in dir for WithTranslog.
func OpenTranslog(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "translog"), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open translog: %w", err)
	}
	return f, nil
}

// commit appends body and fsyncs; a nil translog does nothing.
func (t *translog) commit(body []byte) *esError {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.size > translogTrim {
		if err := t.f.Truncate(0); err == nil {
			_, _ = t.f.Seek(0, 0)
			t.size = 0
		}
	}
	n, err := t.f.Write(body)
	t.size += int64(n)
	if err == nil {
		err = t.f.Sync()
	}
	if err != nil {
		return newErr(500, "translog_exception", "failed to sync translog: "+err.Error())
	}
	return nil
}
