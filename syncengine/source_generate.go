package syncengine

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/resyncbot/resyncbot/config"
)

// GenerateSource yields Count synthetic records from a Generator. Its cursor
// is the ordinal of the next record as a decimal string.
type GenerateSource struct {
	gen   *Generator
	count int64
}

// NewGenerateSource returns the generate source spec describes.
func NewGenerateSource(spec config.Source) (*GenerateSource, error) {
	if spec.Count < 0 || spec.Count > GenerateMaxCount {
		return nil, fmt.Errorf("generate: count %d out of range [0, %d]", spec.Count, GenerateMaxCount)
	}
	g, err := NewGenerator(spec.Kind, spec.Seed, spec.Corrupt)
	if err != nil {
		return nil, err
	}
	return &GenerateSource{gen: g, count: spec.Count}, nil
}

// Generator returns the generator behind the source.
func (s *GenerateSource) Generator() *Generator { return s.gen }

// Total reports Count; it is always known.
func (s *GenerateSource) Total(context.Context) (int64, bool, error) { return s.count, true, nil }

// Open returns a reader starting at the ordinal in cursor.
func (s *GenerateSource) Open(_ context.Context, cursor string) (Reader, error) {
	var next int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n < 0 || n > s.count {
			return nil, fmt.Errorf("generate: bad cursor %q (want an ordinal in [0, %d])", cursor, s.count)
		}
		next = n
	}
	return &generateReader{gen: s.gen, next: next, count: s.count}, nil
}

// Documents are carved out of shared slabs: one allocation per few dozen
// records instead of one per record. A record keeps its slab alive until the
// engine drops it. 32 KiB is the largest size the allocator serves from its
// per-size caches; a larger slab takes the slow large-object path.
const (
	slabSize    = 32 << 10
	slabHeadway = 2 << 10 // more than a generated record, bar long corrupt renames
)

type generateReader struct {
	gen         *Generator
	next, count int64
	slab        []byte
}

// ctxEvery is how many records a reader yields between context checks.
const ctxEvery = 1024

func (r *generateReader) Next(ctx context.Context) (Record, error) {
	if r.next >= r.count {
		return Record{}, io.EOF
	}
	if r.next%ctxEvery == 0 {
		if err := ctx.Err(); err != nil {
			return Record{}, err
		}
	}
	if cap(r.slab)-len(r.slab) < slabHeadway {
		r.slab = make([]byte, 0, slabSize)
	}
	start := len(r.slab)
	r.slab = r.gen.AppendDoc(r.slab, r.next)
	rec := Record{Doc: r.slab[start:len(r.slab):len(r.slab)], Pos: r.next}
	r.next++
	return rec, nil
}

func (r *generateReader) Cursor() string { return strconv.FormatInt(r.next, 10) }

func (r *generateReader) Close() error { return nil }
