package syncengine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/resyncbot/resyncbot/config"
)

// NDJSONSource reads a file holding one JSON object per line; blank lines are
// skipped. Its cursor is "offset:line:records": the byte offset just after the
// last record returned, that record's line number, and how many records came
// before it and with it, so a resumed reader seeks straight there and still
// numbers lines and records exactly.
type NDJSONSource struct {
	name string // the path as configured, for messages
	path string // the path opened
}

// NewNDJSONSource returns the ndjson source spec describes; a relative
// spec.Path resolves against dir.
func NewNDJSONSource(spec config.Source, dir string) (*NDJSONSource, error) {
	if spec.Path == "" {
		return nil, errors.New("ndjson: path is required")
	}
	p := spec.Path
	if !filepath.IsAbs(p) && dir != "" {
		p = filepath.Join(dir, p)
	}
	return &NDJSONSource{name: spec.Path, path: p}, nil
}

// Total counts the non-blank lines of the file in one buffered scan.
func (s *NDJSONSource) Total(ctx context.Context) (int64, bool, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return 0, false, fmt.Errorf("ndjson %s: %w", s.name, err)
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	var n int64
	content := false // the current line has a non-blank byte
	for {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		m, err := f.Read(buf)
		chunk := buf[:m]
		for len(chunk) > 0 {
			nl := bytes.IndexByte(chunk, '\n')
			line := chunk
			if nl >= 0 {
				line = chunk[:nl]
			}
			// Records start with '{', so the first byte usually settles it.
			if !content && len(bytes.TrimSpace(line)) > 0 {
				content = true
			}
			if nl < 0 {
				break
			}
			if content {
				n++
			}
			content = false
			chunk = chunk[nl+1:]
		}
		if err == io.EOF {
			if content {
				n++
			}
			return n, true, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("ndjson %s: %w", s.name, err)
		}
	}
}

// Open returns a reader positioned just after cursor.
func (s *NDJSONSource) Open(_ context.Context, cursor string) (Reader, error) {
	var off, line, recs int64
	if cursor != "" {
		var err error
		off, line, recs, err = parseNDJSONCursor(cursor)
		if err != nil {
			return nil, fmt.Errorf("ndjson %s: bad cursor %q: %w", s.name, cursor, err)
		}
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("ndjson %s: %w", s.name, err)
	}
	if off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("ndjson %s: seek to %d: %w", s.name, off, err)
		}
	}
	return &ndjsonReader{
		name: s.name, f: f, br: bufio.NewReaderSize(f, 256<<10),
		off: off, line: line, recs: recs,
		curOff: off, curLine: line, curRecs: recs,
	}, nil
}

func parseNDJSONCursor(c string) (off, line, recs int64, err error) {
	parts := strings.Split(c, ":")
	if len(parts) != 3 {
		return 0, 0, 0, errors.New("want offset:line:records")
	}
	var v [3]int64
	for k, p := range parts {
		if v[k], err = strconv.ParseInt(p, 10, 64); err != nil || v[k] < 0 {
			return 0, 0, 0, errors.New("want offset:line:records")
		}
	}
	return v[0], v[1], v[2], nil
}

type ndjsonReader struct {
	name string
	f    *os.File
	br   *bufio.Reader
	// off, line and recs are the read position: bytes consumed, lines
	// consumed, records found. cur* are the same just after the last record
	// returned, which is what Cursor reports (trailing blank lines are not
	// skipped past, so resuming re-reads them harmlessly).
	off, line, recs          int64
	curOff, curLine, curRecs int64
}

func (r *ndjsonReader) Next(ctx context.Context) (Record, error) {
	for {
		if r.line%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return Record{}, err
			}
		}
		raw, err := r.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather the rest.
			long := append([]byte(nil), raw...)
			for errors.Is(err, bufio.ErrBufferFull) {
				raw, err = r.br.ReadSlice('\n')
				long = append(long, raw...)
			}
			raw = long
		}
		if len(raw) == 0 {
			if err == nil || err == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, fmt.Errorf("ndjson %s line %d: %w", r.name, r.line+1, err)
		}
		if err != nil && err != io.EOF {
			return Record{}, fmt.Errorf("ndjson %s line %d: %w", r.name, r.line+1, err)
		}
		r.off += int64(len(raw))
		r.line++
		doc := bytes.TrimSpace(raw)
		if len(doc) == 0 {
			continue
		}
		if !json.Valid(doc) {
			return Record{}, fmt.Errorf("ndjson %s line %d: invalid JSON: %s", r.name, r.line, jsonProblem(doc))
		}
		if doc[0] != '{' {
			return Record{}, fmt.Errorf("ndjson %s line %d: not a JSON object but %s", r.name, r.line, jsonKind(doc[0]))
		}
		rec := Record{Doc: bytes.Clone(doc), Pos: r.recs}
		r.recs++
		r.curOff, r.curLine, r.curRecs = r.off, r.line, r.recs
		return rec, nil
	}
}

// jsonProblem says what is wrong with a line json.Valid refused.
func jsonProblem(doc []byte) string {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return err.Error()
	}
	return "not valid JSON"
}

// jsonKind names the kind of the JSON value that starts with first.
func jsonKind(first byte) string {
	switch first {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func (r *ndjsonReader) Cursor() string {
	return strconv.FormatInt(r.curOff, 10) + ":" + strconv.FormatInt(r.curLine, 10) + ":" + strconv.FormatInt(r.curRecs, 10)
}

func (r *ndjsonReader) Close() error { return r.f.Close() }
