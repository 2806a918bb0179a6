package esemu_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/internal/esemu"
)

func TestTranslogMakesWritesDurableBeforeTheAnswer(t *testing.T) {
	f, err := esemu.OpenTranslog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	srv := httptest.NewServer(esemu.New(esemu.WithTranslog(f)))
	defer srv.Close()
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/docs", `{}`},
		{"PUT", "/docs/_doc/1", `{"name":"single"}`},
		{"POST", "/docs/_bulk", "{\"index\":{\"_id\":\"2\"}}\n{\"name\":\"bulk\"}\n"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", c.method, c.path, res.StatusCode)
		}
	}
	got, err := os.ReadFile(filepath.Join(filepath.Dir(f.Name()), "translog"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"single"`, `"name":"bulk"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("translog lacks %s: %q", want, got)
		}
	}
}
