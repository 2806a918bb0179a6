package syncengine

import (
	"context"
)

// Record is one record read from a source: the raw JSON object and its
// position in the source's stable order (0-based), used in error messages.
type Record struct {
	Doc []byte
	Pos int64
}

// Source yields records in a stable order and can resume after a cursor.
type Source interface {
	// Open returns a reader positioned just after cursor; "" starts at the beginning.
	Open(ctx context.Context, cursor string) (Reader, error)
	// Total reports how many records the source holds, when it can tell.
	Total(ctx context.Context) (n int64, known bool, err error)
}

// Reader reads records one at a time.
type Reader interface {
	// Next returns the next record, or io.EOF after the last one.
	Next(ctx context.Context) (Record, error)
	// Cursor is the resumable position just after the last record Next returned.
	Cursor() string
	// Close releases what the reader holds (files, points in time).
	Close() error
}
