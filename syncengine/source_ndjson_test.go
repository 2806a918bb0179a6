package syncengine_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

// ndjsonSource writes content to records.ndjson in a temp dir and returns a
// source reading it by its relative name.
func ndjsonSource(t *testing.T, content string) syncengine.Source {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "records.ndjson"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := syncengine.NewSource(config.Source{Type: config.SourceNDJSON, Path: "records.ndjson"}, dir, nil)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	return src
}

func openAt(t *testing.T, src syncengine.Source, cursor string) syncengine.Reader {
	t.Helper()
	r, err := src.Open(context.Background(), cursor)
	if err != nil {
		t.Fatalf("Open(%q): %v", cursor, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestNDJSONSource(t *testing.T) {
	tests := []struct {
		name    string
		content string
		docs    []string
	}{
		{"plain", "{\"id\":1}\n{\"id\":2}\n", []string{`{"id":1}`, `{"id":2}`}},
		{"no final newline", "{\"id\":1}\n{\"id\":2}", []string{`{"id":1}`, `{"id":2}`}},
		{"blank lines and CRLF", "\n{\"id\":1}\r\n   \r\n\t\n{\"id\":2}\r\n\n", []string{`{"id":1}`, `{"id":2}`}},
		{"empty file", "", nil},
		{"only blanks", "\n \n\n", nil},
		{"long line", `{"big":"` + strings.Repeat("x", 600<<10) + "\"}\n{\"id\":3}\n",
			[]string{`{"big":"` + strings.Repeat("x", 600<<10) + `"}`, `{"id":3}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := ndjsonSource(t, tt.content)
			n, known, err := src.Total(context.Background())
			if err != nil || !known || n != int64(len(tt.docs)) {
				t.Errorf("Total = %d, %v, %v; want %d, true, nil", n, known, err, len(tt.docs))
			}
			recs := readAll(t, openAt(t, src, ""))
			if len(recs) != len(tt.docs) {
				t.Fatalf("read %d records, want %d", len(recs), len(tt.docs))
			}
			for k, rec := range recs {
				if string(rec.Doc) != tt.docs[k] || rec.Pos != int64(k) {
					t.Errorf("record %d = %.40q (pos %d), want %.40q", k, rec.Doc, rec.Pos, tt.docs[k])
				}
			}
		})
	}
}

func TestNDJSONResume(t *testing.T) {
	content := "{\"id\":1}\n\n{\"id\":2}\n{\"id\":3}\n\n\n{\"id\":4}\n"
	src := ndjsonSource(t, content)
	r := openAt(t, src, "")
	if r.Cursor() != "0:0:0" {
		t.Errorf("cursor before reading = %q", r.Cursor())
	}
	for range 2 {
		if _, err := r.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// After {"id":2} on line 3: 19 bytes in, 2 records.
	if got, want := r.Cursor(), "19:3:2"; got != want {
		t.Fatalf("cursor = %q, want %q", got, want)
	}
	rest := readAll(t, openAt(t, src, r.Cursor()))
	if len(rest) != 2 || string(rest[0].Doc) != `{"id":3}` || rest[0].Pos != 2 || string(rest[1].Doc) != `{"id":4}` || rest[1].Pos != 3 {
		t.Fatalf("resumed records: %+v", rest)
	}

	// The line numbers in errors survive a resume too.
	bad := ndjsonSource(t, "{\"id\":1}\n{\"id\":2}\n\n{\"id\":\n")
	r = openAt(t, bad, "")
	if _, err := r.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	r2 := openAt(t, bad, r.Cursor())
	if _, err := r2.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := r2.Next(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "ndjson records.ndjson line 4: invalid JSON: ") {
		t.Fatalf("error = %v, want one naming line 4", err)
	}
}

func TestNDJSONErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"truncated", "{\"id\":1}\n{\"id\":\n", "ndjson records.ndjson line 2: invalid JSON: unexpected end of JSON input"},
		{"garbage", "\n\n{\"id\":1}\nhello\n", "ndjson records.ndjson line 4: invalid JSON: invalid character 'h'"},
		{"array", "[1,2]\n", "ndjson records.ndjson line 1: not a JSON object but an array"},
		{"two objects on a line", "{\"a\":1} {\"b\":2}\n", "ndjson records.ndjson line 1: invalid JSON: invalid character '{' after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openAt(t, ndjsonSource(t, tt.content), "")
			var err error
			for err == nil {
				_, err = r.Next(context.Background())
			}
			if errors.Is(err, io.EOF) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error = %v, want prefix %q", err, tt.want)
			}
		})
	}
	src := ndjsonSource(t, "{}\n")
	for _, c := range []string{"x", "1:2", "1:2:-3", "a:b:c"} {
		if _, err := src.Open(context.Background(), c); err == nil {
			t.Errorf("Open(%q) succeeded", c)
		}
	}
	missing, err := syncengine.NewSource(config.Source{Type: config.SourceNDJSON, Path: "nope.ndjson"}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := missing.Open(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "nope.ndjson") {
		t.Errorf("Open of a missing file: %v", err)
	}
	if _, _, err := missing.Total(context.Background()); err == nil {
		t.Error("Total of a missing file succeeded")
	}
}

// TestNDJSONGenerated round-trips generated records through a file.
func TestNDJSONGenerated(t *testing.T) {
	var b bytes.Buffer
	for i := range int64(3000) {
		b.Write(syncengine.GenerateDoc(nil, syncengine.KindRecommendation, 4, i))
		b.WriteByte('\n')
	}
	src := ndjsonSource(t, b.String())
	if n, _, _ := src.Total(context.Background()); n != 3000 {
		t.Fatalf("Total = %d", n)
	}
	for k, rec := range readAll(t, openAt(t, src, "")) {
		if want := syncengine.GenerateDoc(nil, syncengine.KindRecommendation, 4, int64(k)); !bytes.Equal(rec.Doc, want) {
			t.Fatalf("record %d differs", k)
		}
	}
}
