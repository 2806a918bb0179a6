package esemu_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// searchFixture is an index of people with keyword, numeric, date,
// boolean and text fields, some missing, refreshed.
func searchFixture(t *testing.T, c *cluster) string {
	t.Helper()
	n := c.createIndex(t, "people", `{"settings":{"number_of_replicas":0},"mappings":{"properties":{
		"name":{"type":"keyword"},"age":{"type":"integer"},"score":{"type":"double"},
		"born":{"type":"date"},"active":{"type":"boolean"},"bio":{"type":"text"},
		"tags":{"type":"keyword"},"team":{"properties":{"name":{"type":"keyword"}}}}}}`)
	docs := []string{
		`{"index":{"_id":"1"}}`, `{"name":"alice","age":30,"score":1.5,"born":"1994-03-01","active":true,"bio":"Likes Go and search","tags":["a","b"],"team":{"name":"red"}}`,
		`{"index":{"_id":"2"}}`, `{"name":"bob","age":25,"score":2.5,"born":"1999-07-15T10:00:00Z","active":false,"bio":"Writes Java","tags":["b"]}`,
		`{"index":{"_id":"3"}}`, `{"name":"carol","age":35,"born":"1989-12-31","active":true,"tags":["c"],"team":{"name":"blue"}}`,
		`{"index":{"_id":"4"}}`, `{"name":"dave","score":0.5,"active":false,"bio":"Go, Go, Go!"}`,
		`{"index":{"_id":"5"}}`, `{"age":40,"score":3.5,"born":"1984-01-01","team":{"name":"red"}}`,
	}
	c.must(t, 200, esapi.BulkRequest{Index: n, Refresh: "true", Body: body(strings.Join(docs, "\n") + "\n")})
	return n
}

func TestQueries(t *testing.T) {
	c := newCluster(t)
	n := searchFixture(t, c)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"match_all", `{"match_all":{}}`, []string{"1", "2", "3", "4", "5"}},
		{"term keyword", `{"term":{"name":"bob"}}`, []string{"2"}},
		{"term keyword object form", `{"term":{"name":{"value":"carol"}}}`, []string{"3"}},
		{"term array field", `{"term":{"tags":"b"}}`, []string{"1", "2"}},
		{"term numeric string", `{"term":{"age":"30"}}`, []string{"1"}},
		{"term boolean", `{"term":{"active":true}}`, []string{"1", "3"}},
		{"term text is not analysed", `{"term":{"bio":"Go"}}`, nil},
		{"term text token", `{"term":{"bio":"go"}}`, []string{"1", "4"}},
		{"term object subfield", `{"term":{"team.name":"red"}}`, []string{"1", "5"}},
		{"term unmapped", `{"term":{"nope":"x"}}`, nil},
		{"terms", `{"terms":{"name":["alice","dave","zed"]}}`, []string{"1", "4"}},
		{"ids", `{"ids":{"values":["2","5","99"]}}`, []string{"2", "5"}},
		{"term _id", `{"term":{"_id":"3"}}`, []string{"3"}},
		{"exists", `{"exists":{"field":"score"}}`, []string{"1", "2", "4", "5"}},
		{"exists object", `{"exists":{"field":"team"}}`, []string{"1", "3", "5"}},
		{"range int", `{"range":{"age":{"gte":30,"lt":40}}}`, []string{"1", "3"}},
		{"range double", `{"range":{"score":{"gt":1.5}}}`, []string{"2", "5"}},
		{"range date", `{"range":{"born":{"gte":"1990-01-01","lte":"1999-12-31"}}}`, []string{"1", "2"}},
		{"range date math rounding", `{"range":{"born":{"lt":"1999-07-15||/d"}}}`, []string{"1", "3", "5"}},
		{"range date epoch", `{"range":{"born":{"gte":0}}}`, []string{"1", "2", "3", "5"}},
		{"range keyword", `{"range":{"name":{"gt":"bob","lte":"dave"}}}`, []string{"3", "4"}},
		{"bool must filter", `{"bool":{"must":[{"term":{"active":true}}],"filter":{"range":{"age":{"gt":30}}}}}`, []string{"3"}},
		{"bool should default msm", `{"bool":{"should":[{"term":{"name":"alice"}},{"term":{"name":"bob"}}]}}`, []string{"1", "2"}},
		{"bool should with filter", `{"bool":{"filter":[{"term":{"active":true}}],"should":[{"term":{"name":"bob"}}]}}`, []string{"1", "3"}},
		{"bool msm 2", `{"bool":{"should":[{"term":{"tags":"a"}},{"term":{"tags":"b"}},{"term":{"active":true}}],"minimum_should_match":2}}`, []string{"1"}},
		{"bool must_not", `{"bool":{"must_not":[{"exists":{"field":"age"}}]}}`, []string{"4"}},
		{"missing required field", `{"bool":{"must_not":{"exists":{"field":"name"}}}}`, []string{"5"}},
		{"nested bools", `{"bool":{"should":[{"bool":{"must":[{"term":{"team.name":"red"}},{"range":{"age":{"gte":35}}}]}},{"term":{"name":"dave"}}]}}`, []string{"4", "5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := c.searchIDs(t, n, `{"size":100,"query":`+tc.query+`}`)
			if !sameSet(ids, tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
			if got := c.count(t, n, `{"query":`+tc.query+`}`); got != len(tc.want) {
				t.Fatalf("count %d, want %d", got, len(tc.want))
			}
		})
	}
	t.Run("bad values", func(t *testing.T) {
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"query":{"term":{"age":"abc"}}}`)})
		if r.status != 400 {
			t.Fatalf("term with a non-numeric value on an integer: %d %s", r.status, r.raw)
		}
		r = c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"query":{"frobnicate":{}}}`)})
		if r.status != 400 || r.str("error.root_cause.0.type") != "parsing_exception" || !strings.Contains(r.str("error.root_cause.0.reason"), "unknown query [frobnicate]") {
			t.Fatalf("unknown query: %d %s", r.status, r.raw)
		}
	})
}

func TestSortAndPaging(t *testing.T) {
	c := newCluster(t)
	n := searchFixture(t, c)
	search := func(q string) reply {
		t.Helper()
		return c.must(t, 200, esapi.SearchRequest{Index: []string{n}, Body: body(q)})
	}
	for _, tc := range []struct {
		name, sort string
		want       []string
	}{
		{"keyword asc, missing last", `[{"name":"asc"}]`, []string{"1", "2", "3", "4", "5"}},
		{"keyword desc, missing last", `[{"name":{"order":"desc"}}]`, []string{"4", "3", "2", "1", "5"}},
		{"numeric asc missing last", `[{"age":"asc"}]`, []string{"2", "1", "3", "5", "4"}},
		{"numeric desc", `[{"age":"desc"}]`, []string{"5", "3", "1", "2", "4"}},
		{"missing first", `[{"age":{"order":"asc","missing":"_first"}}]`, []string{"4", "2", "1", "3", "5"}},
		{"date", `[{"born":"asc"},{"name":"asc"}]`, []string{"5", "3", "1", "2", "4"}},
		{"double desc", `[{"score":"desc"}]`, []string{"5", "2", "1", "4", "3"}},
		{"multi-valued min", `[{"tags":"asc"},{"name":"desc"}]`, []string{"1", "2", "3", "4", "5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := search(`{"size":10,"sort":` + tc.sort + `}`)
			if ids := hitIDs(r); strings.Join(ids, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("order %v, want %v", ids, tc.want)
			}
			if r.get("hits.max_score") != nil || r.get("hits.hits.0._score") != nil {
				t.Fatalf("scores on a sorted search: %s", r.raw)
			}
		})
	}
	t.Run("sort values", func(t *testing.T) {
		r := search(`{"sort":[{"name":"asc"},{"age":"asc"},{"born":"asc"}]}`)
		first := r.get("hits.hits.0.sort").([]any)
		if first[0] != "alice" || first[1] != 30.0 || first[2] != 762480000000.0 {
			t.Fatalf("sort values %v", first)
		}
		last := r.get("hits.hits.4.sort").([]any)
		if last[0] != nil {
			t.Fatalf("missing keyword sort value %v, want null", last[0])
		}
		d := r.get("hits.hits.3.sort").([]any)
		if d[1] != float64(math.MaxInt64) {
			t.Fatalf("missing numeric (asc, _last) sort value %v, want Long.MAX_VALUE", d[1])
		}
	})
	t.Run("from and size", func(t *testing.T) {
		r := search(`{"from":1,"size":2,"sort":[{"name":"asc"}]}`)
		if ids := hitIDs(r); strings.Join(ids, ",") != "2,3" || r.num("hits.total.value") != 5 {
			t.Fatalf("page %v: %s", ids, r.raw)
		}
	})
	t.Run("search_after", func(t *testing.T) {
		var all []string
		var after string
		for page := 0; page < 10; page++ {
			q := `{"size":2,"sort":[{"age":"asc"},{"name":"asc"}]` + after + `}`
			r := search(q)
			hits, _ := r.get("hits.hits").([]any)
			if len(hits) == 0 {
				break
			}
			for _, h := range hits {
				all = append(all, jget(h, "_id").(string))
			}
			after = `,"search_after":` + lastSort(t, r)
		}
		if strings.Join(all, ",") != "2,1,3,5,4" {
			t.Fatalf("search_after pages %v", all)
		}
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"sort":[{"age":"asc"}],"search_after":[1,2]}`)})
		if r.status != 400 || !strings.Contains(string(r.raw), "search_after has 2 value(s) but sort has 1.") {
			t.Fatalf("search_after length mismatch: %d %s", r.status, r.raw)
		}
		r = c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"from":1,"sort":[{"age":"asc"}],"search_after":[1]}`)})
		errorOf(t, r, 400, "action_request_validation_exception", `\[from\] parameter must be set to 0 when \[search_after\] is used`)
	})
	t.Run("sort on _id is refused", func(t *testing.T) {
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"sort":[{"_id":"asc"}]}`)})
		if r.status != 400 || !strings.Contains(r.str("error.root_cause.0.reason"), "Fielddata access on the _id field is disallowed") {
			t.Fatalf("sort on _id: %d %s", r.status, r.raw)
		}
	})
	t.Run("sort on text is refused", func(t *testing.T) {
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"sort":["bio"]}`)})
		if r.status != 400 || !strings.Contains(r.str("error.root_cause.0.reason"), "Fielddata is disabled on [bio]") {
			t.Fatalf("sort on text: %d %s", r.status, r.raw)
		}
	})
	t.Run("sort on unmapped field", func(t *testing.T) {
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"sort":["nope"]}`)})
		if r.status != 400 || !strings.Contains(r.str("error.root_cause.0.reason"), "No mapping found for [nope] in order to sort on") {
			t.Fatalf("sort on unmapped: %d %s", r.status, r.raw)
		}
		r = search(`{"sort":[{"nope":{"order":"asc","unmapped_type":"keyword"}},{"name":"asc"}]}`)
		if ids := hitIDs(r); len(ids) != 5 || ids[0] != "1" {
			t.Fatalf("unmapped_type: %v", ids)
		}
	})
	t.Run("shard_doc needs a pit", func(t *testing.T) {
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"sort":["_shard_doc"]}`)})
		errorOf(t, r, 400, "action_request_validation_exception", `\[_shard_doc\] sort field cannot be used without \[point in time\]`)
	})
	t.Run("result window", func(t *testing.T) {
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"from":9995,"size":10}`)})
		if r.status != 400 || !strings.Contains(string(r.raw), "Result window is too large, from + size must be less than or equal to: [10000] but was [10005]") {
			t.Fatalf("window: %d %s", r.status, r.raw)
		}
	})
}

func TestSourceAndTotals(t *testing.T) {
	c := newCluster(t)
	n := searchFixture(t, c)
	one := func(q string) reply {
		t.Helper()
		return c.must(t, 200, esapi.SearchRequest{Index: []string{n}, Body: body(`{"query":{"ids":{"values":["1"]}},` + q + `}`)})
	}
	r := one(`"_source":false`)
	if r.get("hits.hits.0._source") != nil || r.str("hits.hits.0._id") != "1" {
		t.Fatalf("_source false: %s", r.raw)
	}
	r = one(`"_source":["name","team.*"]`)
	src, _ := r.get("hits.hits.0._source").(map[string]any)
	if len(src) != 2 || src["name"] != "alice" || jget(src, "team.name") != "red" {
		t.Fatalf("includes: %s", r.raw)
	}
	r = one(`"_source":{"excludes":["bio","tags","team"]}`)
	src, _ = r.get("hits.hits.0._source").(map[string]any)
	if _, has := src["bio"]; has || src["name"] != "alice" || src["team"] != nil || src["age"] != 30.0 {
		t.Fatalf("excludes: %s", r.raw)
	}
	r = one(`"_source":"name"`)
	if src, _ = r.get("hits.hits.0._source").(map[string]any); len(src) != 1 {
		t.Fatalf("single include: %s", r.raw)
	}
	r = one(`"_source":true`)
	if r.str("hits.hits.0._source.bio") != "Likes Go and search" {
		t.Fatalf("_source true: %s", r.raw)
	}
	for _, tc := range []struct {
		track string
		value float64
		rel   string
	}{{"true", 5, "eq"}, {"2", 2, "gte"}, {"5", 5, "eq"}} {
		r := c.must(t, 200, esapi.SearchRequest{Index: []string{n}, Body: body(`{"size":0,"track_total_hits":` + tc.track + `}`)})
		if r.num("hits.total.value") != tc.value || r.str("hits.total.relation") != tc.rel {
			t.Fatalf("track_total_hits %s: %s", tc.track, r.raw)
		}
	}
	r = c.must(t, 200, esapi.SearchRequest{Index: []string{n}, Body: body(`{"track_total_hits":false}`)})
	if r.get("hits.total") != nil || len(hitIDs(r)) != 5 {
		t.Fatalf("track_total_hits false: %s", r.raw)
	}
	r = c.must(t, 200, esapi.SearchRequest{Index: []string{n}, Body: body(`{"size":2}`)})
	if len(hitIDs(r)) != 2 || r.num("hits.total.value") != 5 || r.num("hits.max_score") <= 0 || r.get("timed_out") != false {
		t.Fatalf("unsorted search: %s", r.raw)
	}
	r = c.must(t, 200, esapi.SearchRequest{Index: []string{n}, Body: body(`{"query":{"term":{"name":"bob"}},"version":true,"seq_no_primary_term":true}`)})
	if r.num("hits.hits.0._version") != 1 || r.get("hits.hits.0._seq_no") == nil || r.num("hits.hits.0._primary_term") != 1 {
		t.Fatalf("version/seq_no: %s", r.raw)
	}
}

func TestSearchAcrossIndices(t *testing.T) {
	c := newCluster(t)
	a := c.createIndex(t, "xa", `{"settings":{"number_of_replicas":0},"mappings":{"properties":{"k":{"type":"keyword"}}}}`)
	b := c.createIndex(t, "xb", `{"settings":{"number_of_replicas":0},"mappings":{"properties":{"k":{"type":"keyword"}}}}`)
	alias := c.name(t, "both")
	c.must(t, 200, esapi.IndicesUpdateAliasesRequest{Body: body(`{"actions":[{"add":{"index":"` + a + `","alias":"` + alias + `"}},{"add":{"index":"` + b + `","alias":"` + alias + `"}}]}`)})
	c.must(t, 200, esapi.BulkRequest{Refresh: "true", Body: body(strings.Join([]string{
		`{"index":{"_index":"` + a + `","_id":"1"}}`, `{"k":"x"}`,
		`{"index":{"_index":"` + b + `","_id":"2"}}`, `{"k":"y"}`,
		`{"index":{"_index":"` + b + `","_id":"3"}}`, `{"k":"x"}`,
	}, "\n") + "\n")})
	r := c.must(t, 200, esapi.SearchRequest{Index: []string{alias}, Body: body(`{"query":{"term":{"k":"x"}},"sort":[{"k":"asc"}]}`)})
	if ids := hitIDs(r); !sameSet(ids, []string{"1", "3"}) || r.num("_shards.total") != 2 {
		t.Fatalf("alias search: %s", r.raw)
	}
	if r.str("hits.hits.0._index") == alias {
		t.Fatalf("hits must name concrete indexes: %s", r.raw)
	}
	if got := c.count(t, a+","+b, ""); got != 3 {
		t.Fatalf("comma-list count %d", got)
	}
	if got := c.count(t, alias, `{"query":{"term":{"_index":"`+b+`"}}}`); got != 2 {
		t.Fatalf("_index term count %d", got)
	}
}

func TestPointInTime(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "pit", `{"settings":{"number_of_replicas":0},"mappings":{"properties":{"k":{"type":"keyword"},"n":{"type":"long"}}}}`)
	var lines []string
	for i := 0; i < 25; i++ {
		lines = append(lines, fmt.Sprintf(`{"index":{"_id":"d%02d"}}`, i), fmt.Sprintf(`{"k":"g%d","n":%d}`, i%3, i))
	}
	c.must(t, 200, esapi.BulkRequest{Index: n, Refresh: "true", Body: body(strings.Join(lines, "\n") + "\n")})
	open := c.must(t, 200, esapi.OpenPointInTimeRequest{Index: []string{n}, KeepAlive: "1m"})
	pitID := open.str("id")
	if pitID == "" {
		t.Fatalf("open pit: %s", open.raw)
	}
	// Changes after the PIT opened must not be seen through it.
	c.must(t, 200, esapi.BulkRequest{Index: n, Refresh: "true", Body: body(`{"delete":{"_id":"d00"}}` + "\n" + `{"index":{"_id":"new"}}` + "\n" + `{"k":"g0","n":100}` + "\n")})
	if got := c.count(t, n, ""); got != 25 {
		t.Fatalf("live count %d", got)
	}
	var seen []string
	after := ""
	for page := 0; page < 20; page++ {
		q := `{"size":4,"pit":{"id":` + jsonString(pitID) + `,"keep_alive":"1m"},"sort":[{"k":"asc"}]` + after + `}`
		r := c.must(t, 200, esapi.SearchRequest{Body: body(q)})
		if r.str("pit_id") == "" {
			t.Fatalf("no pit_id: %s", r.raw)
		}
		hits, _ := r.get("hits.hits").([]any)
		if len(hits) == 0 {
			break
		}
		for _, h := range hits {
			seen = append(seen, jget(h, "_id").(string))
			sv, _ := jget(h, "sort").([]any)
			if len(sv) != 2 {
				t.Fatalf("sort values %v: want the implicit _shard_doc tiebreaker", sv)
			}
		}
		after = `,"search_after":` + lastSort(t, r)
	}
	if len(seen) != 25 || !contains(seen, "d00") || contains(seen, "new") {
		t.Fatalf("pit pages saw %d docs: %v", len(seen), seen)
	}
	dups := map[string]bool{}
	for _, id := range seen {
		if dups[id] {
			t.Fatalf("%s returned twice", id)
		}
		dups[id] = true
	}
	t.Run("pit with an index is refused", func(t *testing.T) {
		r := c.do(t, esapi.SearchRequest{Index: []string{n}, Body: body(`{"pit":{"id":` + jsonString(pitID) + `}}`)})
		errorOf(t, r, 400, "action_request_validation_exception", `\[indices\] cannot be used with point in time`)
	})
	t.Run("shard_doc sort", func(t *testing.T) {
		r := c.must(t, 200, esapi.SearchRequest{Body: body(`{"size":3,"pit":{"id":` + jsonString(pitID) + `},"sort":[{"_shard_doc":"asc"}]}`)})
		if len(hitIDs(r)) != 3 || len(r.get("hits.hits.0.sort").([]any)) != 1 {
			t.Fatalf("_shard_doc sort: %s", r.raw)
		}
	})
	cl := c.must(t, 200, esapi.ClosePointInTimeRequest{Body: body(`{"id":` + jsonString(pitID) + `}`)})
	if cl.get("succeeded") != true || cl.num("num_freed") != 1 {
		t.Fatalf("close: %s", cl.raw)
	}
	r := c.do(t, esapi.SearchRequest{Body: body(`{"pit":{"id":` + jsonString(pitID) + `}}`)})
	if r.status != 404 || !strings.Contains(string(r.raw), "search_context_missing_exception") {
		t.Fatalf("search with a closed pit: %d %s", r.status, r.raw)
	}
}

// lastSort returns the last hit's sort values as JSON, decoded with
// UseNumber so that long values (Long.MAX_VALUE for a missing value) keep
// every digit when sent back as search_after.
func lastSort(t *testing.T, r reply) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(r.raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	hits, _ := jget(v, "hits.hits").([]any)
	b, err := json.Marshal(jget(hits[len(hits)-1], "sort"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestFilterPath(t *testing.T) {
	c := newCluster(t)
	n := searchFixture(t, c)
	r := c.must(t, 200, esapi.SearchRequest{Index: []string{n}, Body: body(`{"sort":["name"],"size":2}`), FilterPath: []string{"hits.hits._id", "took"}})
	m, _ := r.body.(map[string]any)
	if len(m) != 2 || r.str("hits.hits.0._id") != "1" || r.get("hits.hits.0._source") != nil || r.get("hits.total") != nil {
		t.Fatalf("filter_path: %s", r.raw)
	}
	r = c.must(t, 200, esapi.CountRequest{Index: []string{n}, FilterPath: []string{"**.count"}})
	if m, _ := r.body.(map[string]any); len(m) != 1 || r.num("count") != 5 {
		t.Fatalf("** filter: %s", r.raw)
	}
	r = c.must(t, 200, esapi.BulkRequest{Index: n, Body: body(`{"index":{"_id":"9"}}` + "\n{}\n"), FilterPath: []string{"items.*.error"}})
	if string(r.raw) != "{}" {
		t.Fatalf("no errors left nothing to keep: %s", r.raw)
	}
}
