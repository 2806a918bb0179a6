package esemu_test

import (
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

func TestAliases(t *testing.T) {
	c := newCluster(t)
	v1 := c.createIndex(t, "v1", `{"settings":{"number_of_replicas":0}}`)
	v2 := c.createIndex(t, "v2", `{"settings":{"number_of_replicas":0}}`)
	alias := c.name(t, "live")
	actions := func(a ...string) esapi.Request {
		return esapi.IndicesUpdateAliasesRequest{Body: body(`{"actions":[` + strings.Join(a, ",") + `]}`)}
	}
	add := func(index string, extra string) string {
		return `{"add":{"index":"` + index + `","alias":"` + alias + `"` + extra + `}}`
	}
	remove := func(index string) string { return `{"remove":{"index":"` + index + `","alias":"` + alias + `"}}` }

	r := c.must(t, 200, actions(add(v1, "")))
	if r.get("acknowledged") != true || r.get("errors") != false {
		t.Fatalf("add: %s", r.raw)
	}
	g := c.must(t, 200, esapi.IndicesGetAliasRequest{Name: []string{alias}})
	if m, _ := g.body.(map[string]any); len(m) != 1 || g.get(v1+".aliases."+alias) == nil {
		t.Fatalf("GET /_alias/name: %s", g.raw)
	}
	if got := c.do(t, esapi.IndicesExistsAliasRequest{Name: []string{alias}}).status; got != 200 {
		t.Fatalf("HEAD alias = %d", got)
	}

	t.Run("write through a single-index alias", func(t *testing.T) {
		r := c.bulk(t, alias, `{"index":{"_id":"1"}}`, `{"gen":1}`)
		if r.str("items.0.index._index") != v1 || r.num("items.0.index.status") != 201 {
			t.Fatalf("%s", r.raw)
		}
		d := c.must(t, 201, esapi.IndexRequest{Index: alias, DocumentID: "2", Body: body(`{"gen":1}`)})
		if d.str("_index") != v1 {
			t.Fatalf("single doc through alias: %s", d.raw)
		}
	})

	t.Run("all or nothing", func(t *testing.T) {
		missing := c.name(t, "missing")
		r := c.do(t, actions(remove(v1), add(missing, "")))
		errorOf(t, r, 404, "index_not_found_exception", `no such index \[`+missing+`\]`)
		g := c.must(t, 200, esapi.IndicesGetAliasRequest{Name: []string{alias}})
		if g.get(v1+".aliases."+alias) == nil {
			t.Fatalf("a failed request removed the alias: %s", g.raw)
		}
	})

	t.Run("two indexes without a write index", func(t *testing.T) {
		c.must(t, 200, actions(add(v2, "")))
		r := c.bulk(t, alias, `{"index":{"_id":"3"}}`, `{"gen":2}`)
		if r.get("errors") != true || r.num("items.0.index.status") != 400 || r.str("items.0.index.error.type") != "illegal_argument_exception" {
			t.Fatalf("%s", r.raw)
		}
		want := "no write index is defined for alias [" + alias + "]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index"
		if got := r.str("items.0.index.error.reason"); got != want {
			t.Fatalf("reason %q", got)
		}
		g := c.must(t, 200, esapi.IndicesGetAliasRequest{Name: []string{alias}})
		if g.get(v1+".aliases."+alias) == nil || g.get(v2+".aliases."+alias) == nil {
			t.Fatalf("%s", g.raw)
		}
	})

	t.Run("is_write_index", func(t *testing.T) {
		c.must(t, 200, actions(remove(v2), add(v2, `,"is_write_index":true`)))
		r := c.bulk(t, alias, `{"index":{"_id":"4"}}`, `{"gen":2}`)
		if r.str("items.0.index._index") != v2 {
			t.Fatalf("%s", r.raw)
		}
		g := c.must(t, 200, esapi.IndicesGetAliasRequest{Index: []string{v2}})
		if g.get(v2+".aliases."+alias+".is_write_index") != true {
			t.Fatalf("%s", g.raw)
		}
		bad := c.do(t, actions(add(v1, `,"is_write_index":true`)))
		if bad.status != 400 {
			t.Fatalf("two write indexes accepted: %d %s", bad.status, bad.raw)
		}
	})

	t.Run("atomic swap", func(t *testing.T) {
		c.must(t, 200, actions(remove(v1), remove(v2), add(v2, "")))
		g := c.must(t, 200, esapi.IndicesGetAliasRequest{Name: []string{alias}})
		if m, _ := g.body.(map[string]any); len(m) != 1 || g.get(v2+".aliases."+alias) == nil {
			t.Fatalf("after swap: %s", g.raw)
		}
		none := c.must(t, 200, esapi.IndicesGetAliasRequest{Index: []string{v1}})
		if a, _ := none.get(v1 + ".aliases").(map[string]any); a == nil || len(a) != 0 {
			t.Fatalf("GET /{index}/_alias without aliases: %s", none.raw)
		}
	})

	t.Run("missing alias", func(t *testing.T) {
		nope := c.name(t, "nope")
		r := c.do(t, esapi.IndicesGetAliasRequest{Name: []string{nope}})
		if r.status != 404 || string(r.raw) != `{"error":"alias [`+nope+`] missing","status":404}` {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		r = c.do(t, esapi.IndicesGetAliasRequest{Index: []string{v2}, Name: []string{nope}})
		if r.status != 404 || r.str("error") != "alias ["+nope+"] missing" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if got := c.do(t, esapi.IndicesExistsAliasRequest{Name: []string{nope}}).status; got != 404 {
			t.Fatalf("HEAD missing alias = %d", got)
		}
	})

	t.Run("put and delete alias", func(t *testing.T) {
		other := c.name(t, "other")
		c.must(t, 200, esapi.IndicesPutAliasRequest{Index: []string{v1}, Name: other})
		if g := c.must(t, 200, esapi.IndicesGetAliasRequest{Name: []string{other}}); g.get(v1+".aliases."+other) == nil {
			t.Fatalf("%s", g.raw)
		}
		c.must(t, 200, esapi.IndicesDeleteAliasRequest{Index: []string{v1}, Name: []string{other}})
		if got := c.do(t, esapi.IndicesExistsAliasRequest{Name: []string{other}}).status; got != 404 {
			t.Fatalf("alias still there: %d", got)
		}
	})

	t.Run("remove_index runs first", func(t *testing.T) {
		old := c.createIndex(t, "old", `{"settings":{"number_of_replicas":0}}`)
		next := c.createIndex(t, "next", `{"settings":{"number_of_replicas":0}}`)
		a := c.name(t, "swap")
		c.must(t, 200, esapi.IndicesPutAliasRequest{Index: []string{old}, Name: a})
		c.must(t, 200, esapi.IndicesUpdateAliasesRequest{Body: body(`{"actions":[
			{"add":{"index":"` + next + `","alias":"` + a + `"}},
			{"remove_index":{"index":"` + old + `"}}]}`)})
		if c.do(t, esapi.IndicesExistsRequest{Index: []string{old}}).status != 404 {
			t.Fatal("remove_index left the index")
		}
		g := c.must(t, 200, esapi.IndicesGetAliasRequest{Name: []string{a}})
		if m, _ := g.body.(map[string]any); len(m) != 1 || g.get(next+".aliases."+a) == nil {
			t.Fatalf("%s", g.raw)
		}
	})

	t.Run("alias named like an index", func(t *testing.T) {
		r := c.do(t, esapi.IndicesUpdateAliasesRequest{Body: body(`{"actions":[{"add":{"index":"` + v1 + `","alias":"` + v2 + `"}}]}`)})
		if r.status != 400 || r.str("error.type") != "invalid_alias_name_exception" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})

	t.Run("create index over an alias", func(t *testing.T) {
		r := c.do(t, esapi.IndicesCreateRequest{Index: alias})
		errorOf(t, r, 400, "invalid_index_name_exception", `^Invalid index name \[`+alias+`\], already exists as alias$`)
	})

	t.Run("list all aliases", func(t *testing.T) {
		r := c.must(t, 200, esapi.IndicesGetAliasRequest{})
		if r.get(v2+".aliases."+alias) == nil {
			t.Fatalf("GET /_alias lacks %s: %s", alias, r.raw)
		}
	})

	t.Run("filtered alias", func(t *testing.T) {
		f := c.name(t, "filtered")
		c.must(t, 200, esapi.BulkRequest{Index: v1, Refresh: "true", Body: body(`{"index":{"_id":"x"}}` + "\n" + `{"gen":9}` + "\n")})
		c.must(t, 200, esapi.IndicesUpdateAliasesRequest{Body: body(`{"actions":[{"add":{"index":"` + v1 + `","alias":"` + f + `","filter":{"term":{"gen":9}}}}]}`)})
		if got := c.count(t, f, ""); got != 1 {
			t.Fatalf("filtered alias count %d", got)
		}
	})
}
