package esemu_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/internal/esemu"
)

// bulkBody builds an NDJSON body of n documents of about 600 bytes.
func bulkBody(n, offset int) []byte {
	var b bytes.Buffer
	pad := strings.Repeat("x", 420)
	for i := 0; i < n; i++ {
		id := offset + i
		fmt.Fprintf(&b, `{"index":{"_id":"%07d"}}`+"\n", id)
		fmt.Fprintf(&b, `{"gmcReferenceNumber":"%07d","doctorFirstName":"Ada","doctorLastName":"Lovelace","submissionDate":"2025-01-%02d","designatedBody":"1-AIIDR8","existsInGmc":true,"tcsPersonId":%d,"notes":"%s"}`+"\n", id, 1+id%28, id, pad)
	}
	return b.Bytes()
}

// BenchmarkBulk measures the handler's _bulk path in process (no network),
// 8,000 documents of ~600 bytes per request.
func BenchmarkBulk(b *testing.B) {
	const perRequest = 8000
	body := bulkBody(perRequest, 0)
	emu := esemu.New()
	mapping := `{"mappings":{"dynamic":"strict","properties":{"gmcReferenceNumber":{"type":"keyword"},"doctorFirstName":{"type":"keyword"},"doctorLastName":{"type":"keyword"},"submissionDate":{"type":"date"},"designatedBody":{"type":"keyword"},"existsInGmc":{"type":"boolean"},"tcsPersonId":{"type":"long"},"notes":{"type":"text"}}}}`
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		emu.Reset()
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/bench", strings.NewReader(mapping)))
		if rec.Code != 200 {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		req := httptest.NewRequest(http.MethodPost, "/bench/_bulk", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-ndjson")
		rec = httptest.NewRecorder()
		b.StartTimer()
		emu.ServeHTTP(rec, req)
		if rec.Code != 200 || bytes.Contains(rec.Body.Bytes()[:40], []byte(`"errors":true`)) {
			b.Fatalf("bulk: %d %.300s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(perRequest*b.N)/b.Elapsed().Seconds(), "docs/s")
}

// loaded returns an emulator holding n refreshed documents in "bench".
func loaded(b *testing.B, n int) *esemu.Emulator {
	b.Helper()
	emu := esemu.New()
	mapping := `{"mappings":{"dynamic":"strict","properties":{"gmcReferenceNumber":{"type":"keyword"},"doctorFirstName":{"type":"keyword"},"doctorLastName":{"type":"keyword"},"submissionDate":{"type":"date"},"designatedBody":{"type":"keyword"},"existsInGmc":{"type":"boolean"},"tcsPersonId":{"type":"long"},"notes":{"type":"text"}}}}`
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/bench", strings.NewReader(mapping)))
	for off := 0; off < n; off += 10000 {
		rec = httptest.NewRecorder()
		emu.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/bench/_bulk?refresh=true", bytes.NewReader(bulkBody(min(10000, n-off), off))))
		if rec.Code != 200 {
			b.Fatalf("load: %d", rec.Code)
		}
	}
	return emu
}

// BenchmarkSearch100k measures full scans over 100,000 documents: the
// verification count of a sync, and one page of a sorted search.
func BenchmarkSearch100k(b *testing.B) {
	emu := loaded(b, 100_000)
	for _, bc := range []struct{ name, path, body string }{
		{"count_must_not_exists", "/bench/_count", `{"query":{"bool":{"must_not":{"exists":{"field":"designatedBody"}}}}}`},
		{"search_sorted_page", "/bench/_search", `{"size":1000,"sort":[{"gmcReferenceNumber":"asc"}],"query":{"range":{"submissionDate":{"gte":"2025-01-10"}}}}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				emu.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, bc.path, strings.NewReader(bc.body)))
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
