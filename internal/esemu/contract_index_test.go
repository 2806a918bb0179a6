package esemu_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

func TestIndexAdmin(t *testing.T) {
	c := newCluster(t)
	n := c.name(t, "admin")
	r := c.must(t, 200, esapi.IndicesCreateRequest{Index: n, Body: body(`{
		"settings":{"number_of_shards":1,"number_of_replicas":0},
		"mappings":{"dynamic":"strict","properties":{"name":{"type":"keyword"},"n":{"type":"long"}}},
		"aliases":{"` + n + `-read":{}}}`)})
	if r.get("acknowledged") != true || r.get("shards_acknowledged") != true || r.str("index") != n {
		t.Fatalf("create: %s", r.raw)
	}
	settings := c.must(t, 200, esapi.IndicesGetSettingsRequest{Index: []string{n}})
	uuid := settings.str(n + ".settings.index.uuid")
	if uuid == "" {
		t.Fatalf("no uuid in settings: %s", settings.raw)
	}
	t.Run("create twice", func(t *testing.T) {
		r := c.do(t, esapi.IndicesCreateRequest{Index: n})
		errorOf(t, r, 400, "resource_already_exists_exception", `^index \[`+regexp.QuoteMeta(n+"/"+uuid)+`\] already exists$`)
		if r.str("error.index") != n || r.str("error.index_uuid") != uuid {
			t.Fatalf("metadata: %s", r.raw)
		}
	})
	t.Run("head", func(t *testing.T) {
		for name, want := range map[string]int{n: 200, n + "-read": 200, n + "-nope": 404} {
			if got := c.do(t, esapi.IndicesExistsRequest{Index: []string{name}}).status; got != want {
				t.Fatalf("HEAD %s = %d, want %d", name, got, want)
			}
		}
	})
	t.Run("get", func(t *testing.T) {
		r := c.must(t, 200, esapi.IndicesGetRequest{Index: []string{n + "-read"}})
		if r.str(n+".mappings.dynamic") != "strict" || r.str(n+".mappings.properties.n.type") != "long" {
			t.Fatalf("mappings: %s", r.raw)
		}
		if r.get(n+".aliases."+n+"-read") == nil || r.str(n+".settings.index.number_of_replicas") != "0" {
			t.Fatalf("aliases/settings: %s", r.raw)
		}
		m := c.must(t, 200, esapi.IndicesGetMappingRequest{Index: []string{n}})
		if m.str(n+".mappings.properties.name.type") != "keyword" {
			t.Fatalf("_mapping: %s", m.raw)
		}
	})
	t.Run("settings", func(t *testing.T) {
		c.must(t, 200, esapi.IndicesPutSettingsRequest{Index: []string{n}, Body: body(`{"index":{"refresh_interval":"-1","number_of_replicas":0}}`)})
		r := c.must(t, 200, esapi.IndicesGetSettingsRequest{Index: []string{n}})
		if r.str(n+".settings.index.refresh_interval") != "-1" || r.str(n+".settings.index.number_of_replicas") != "0" {
			t.Fatalf("settings after update: %s", r.raw)
		}
		c.must(t, 200, esapi.IndicesPutSettingsRequest{Index: []string{n}, Body: body(`{"index":{"refresh_interval":"1s"}}`)})
		r = c.must(t, 200, esapi.IndicesGetSettingsRequest{Index: []string{n}})
		if r.str(n+".settings.index.refresh_interval") != "1s" {
			t.Fatalf("restored refresh_interval: %s", r.raw)
		}
		bad := c.do(t, esapi.IndicesPutSettingsRequest{Index: []string{n}, Body: body(`{"index":{"number_of_shards":3}}`)})
		errorOf(t, bad, 400, "illegal_argument_exception", `^Can't update non dynamic settings \[\[index\.number_of_shards\]\] for open indices`)
	})
	t.Run("invalid names", func(t *testing.T) {
		for _, tc := range []struct{ name, reason string }{
			{"UPPER" + strings.ToUpper(n), `must be lowercase$`},
			{"_" + n, `must not start with '_', '-', or '\+'$`},
			{"-" + n, `must not start with '_', '-', or '\+'$`},
			{n + ":x", `must not contain ':'$`},
			{n + "\"x", `must not contain the following characters`},
		} {
			r := c.do(t, esapi.IndicesCreateRequest{Index: tc.name})
			errorOf(t, r, 400, "invalid_index_name_exception", `^Invalid index name \[`+regexp.QuoteMeta(tc.name)+`\], `+tc.reason)
		}
	})
	t.Run("delete", func(t *testing.T) {
		r := c.do(t, esapi.IndicesDeleteRequest{Index: []string{n + "-read"}})
		errorOf(t, r, 400, "illegal_argument_exception", `^The provided expression \[`+regexp.QuoteMeta(n+"-read")+`\] matches an alias, specify the corresponding concrete indices instead\.$`)
		other := c.createIndex(t, "other", `{"settings":{"number_of_replicas":0}}`)
		c.must(t, 200, esapi.IndicesDeleteRequest{Index: []string{n, other}})
		for _, x := range []string{n, other} {
			if c.do(t, esapi.IndicesExistsRequest{Index: []string{x}}).status != 404 {
				t.Fatalf("%s still exists", x)
			}
		}
		r = c.do(t, esapi.IndicesDeleteRequest{Index: []string{n}})
		errorOf(t, r, 404, "index_not_found_exception", `^no such index \[`+regexp.QuoteMeta(n)+`\]$`)
		if r.str("error.index") != n || r.str("error.resource.type") == "" && r.str("error.root_cause.0.index") != n {
			t.Fatalf("index_not_found metadata: %s", r.raw)
		}
	})
}

func TestIndexNotFoundBody(t *testing.T) {
	c := newCluster(t)
	n := c.name(t, "nope")
	r := c.do(t, esapi.SearchRequest{Index: []string{n}})
	errorOf(t, r, 404, "index_not_found_exception", `^no such index \[`+regexp.QuoteMeta(n)+`\]$`)
	want := map[string]string{
		"error.root_cause.0.type": "index_not_found_exception", "error.root_cause.0.index": n,
		"error.index": n, "error.index_uuid": "_na_", "error.resource\\.type": "index_or_alias", "error.resource\\.id": n,
	}
	for path, v := range want {
		if got := r.str(path); got != v {
			t.Fatalf("%s = %q, want %q: %s", path, got, v, r.raw)
		}
	}
}

func TestMappingValidation(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "strict", `{"settings":{"number_of_replicas":0},"mappings":{"dynamic":"strict","properties":{
		"name":{"type":"keyword"},"n":{"type":"long"},"i":{"type":"integer"},"d":{"type":"double"},
		"f":{"type":"float"},"ok":{"type":"boolean"},"day":{"type":"date","format":"yyyy-MM-dd"},
		"at":{"type":"date"},"alt":{"type":"date","format":"yyyy-MM-dd||epoch_millis"},
		"text":{"type":"text"},"obj":{"properties":{"x":{"type":"keyword"}}},
		"nest":{"type":"nested","properties":{"y":{"type":"long"}}}}}}`)
	for _, tc := range []struct {
		doc        string
		errType    string
		reason     string
		causeType  string
		causeMatch string
	}{
		{`{"name":"a","n":1,"i":2,"d":1.5,"f":2.5,"ok":true,"day":"2024-02-29","at":"2024-01-02T03:04:05Z","text":"x","obj":{"x":"y"},"nest":[{"y":1},{"y":2}]}`, "", "", "", ""},
		{`{"n":"12","d":"1.5","ok":"false","at":1700000000000,"alt":1700000000000,"name":7}`, "", "", "", ""},
		{`{"at":"2024-01-02","alt":"2024-01-02"}`, "", "", "", ""},
		{`{"n":1.9}`, "", "", "", ""},
		{`{"n":""}`, "", "", "", ""},
		{`{"name":null,"n":null}`, "", "", "", ""},
		{`{"x":1}`, "strict_dynamic_mapping_exception", `^\[1:\d+\] mapping set to strict, dynamic introduction of \[x\] within \[_doc\] is not allowed$`, "", ""},
		{`{"obj":{"z":1}}`, "strict_dynamic_mapping_exception", `^\[1:\d+\] mapping set to strict, dynamic introduction of \[z\] within \[obj\] is not allowed$`, "", ""},
		{`{"n":"abc"}`, "document_parsing_exception", `^\[1:\d+\] failed to parse field \[n\] of type \[long\] in document with id '7'\. Preview of field's value: 'abc'$`, "illegal_argument_exception", `For input string: "abc"`},
		{`{"d":"abc"}`, "document_parsing_exception", `^\[1:\d+\] failed to parse field \[d\] of type \[double\] in document with id '7'\. Preview of field's value: 'abc'$`, "number_format_exception", ""},
		{`{"ok":"yes"}`, "document_parsing_exception", `failed to parse field \[ok\] of type \[boolean\] in document with id '7'\. Preview of field's value: 'yes'$`, "illegal_argument_exception", `^Failed to parse value \[yes\] as only \[true\] or \[false\] are allowed\.$`},
		{`{"day":"2024/01/02"}`, "document_parsing_exception", `failed to parse field \[day\] of type \[date\] in document with id '7'\. Preview of field's value: '2024/01/02'$`, "illegal_argument_exception", `^failed to parse date field \[2024/01/02\] with format \[yyyy-MM-dd\]$`},
		{`{"day":"2023-02-29"}`, "document_parsing_exception", `of type \[date\]`, "illegal_argument_exception", `with format \[yyyy-MM-dd\]`},
		{`{"at":"yesterday"}`, "document_parsing_exception", `Preview of field's value: 'yesterday'$`, "illegal_argument_exception", `^failed to parse date field \[yesterday\] with format \[strict_date_optional_time\|\|epoch_millis\]$`},
		{`{"i":3000000000}`, "document_parsing_exception", `of type \[integer\] in document with id '7'`, "", ""},
		{`{"obj":"flat"}`, "document_parsing_exception", `object mapping for \[obj\] tried to parse field \[obj\] as object, but found a concrete value`, "", ""},
		{`{"name":{"a":1}}`, "document_parsing_exception", `failed to parse field \[name\] of type \[keyword\] in document with id '7'`, "", ""},
	} {
		t.Run(tc.doc, func(t *testing.T) {
			r := c.bulk(t, n, `{"index":{"_id":"7"}}`, tc.doc)
			item := r.get("items.0.index")
			status := int(jget(item, "status").(float64))
			if tc.errType == "" {
				if status > 201 {
					t.Fatalf("rejected: %s", r.raw)
				}
				return
			}
			if status != 400 || r.get("errors") != true {
				t.Fatalf("accepted (status %d): %s", status, r.raw)
			}
			if got := jget(item, "error.type"); got != tc.errType {
				t.Fatalf("error.type %v, want %s: %s", got, tc.errType, r.raw)
			}
			if reason, _ := jget(item, "error.reason").(string); !regexp.MustCompile(tc.reason).MatchString(reason) {
				t.Fatalf("reason %q does not match %q", reason, tc.reason)
			}
			if tc.causeType != "" && jget(item, "error.caused_by.type") != tc.causeType {
				t.Fatalf("caused_by.type %v, want %s: %s", jget(item, "error.caused_by.type"), tc.causeType, r.raw)
			}
			if cr, _ := jget(item, "error.caused_by.reason").(string); tc.causeMatch != "" && !regexp.MustCompile(tc.causeMatch).MatchString(cr) {
				t.Fatalf("caused_by.reason %q does not match %q", cr, tc.causeMatch)
			}
		})
	}
	t.Run("single document API", func(t *testing.T) {
		r := c.do(t, esapi.IndexRequest{Index: n, DocumentID: "9", Body: body(`{"unknown":true}`)})
		errorOf(t, r, 400, "strict_dynamic_mapping_exception", `dynamic introduction of \[unknown\] within \[_doc\] is not allowed$`)
	})
}

func TestDynamicMapping(t *testing.T) {
	c := newCluster(t)
	n := c.createIndex(t, "dyn", `{"settings":{"number_of_replicas":0}}`)
	c.bulk(t, n, `{"index":{"_id":"1"}}`, `{"title":"Hello World","count":3,"ratio":0.5,"flag":true,"when":"2024-05-01T10:00:00Z","meta":{"k":"v"},"nothing":null,"empty":[]}`)
	m := c.must(t, 200, esapi.IndicesGetMappingRequest{Index: []string{n}})
	p := n + ".mappings.properties."
	for path, want := range map[string]string{
		p + "title.type": "text", p + "title.fields.keyword.type": "keyword", p + "count.type": "long",
		p + "ratio.type": "float", p + "flag.type": "boolean", p + "when.type": "date", p + "meta.properties.k.type": "text",
	} {
		if got := m.str(path); got != want {
			t.Fatalf("%s = %q, want %q: %s", path, got, want, m.raw)
		}
	}
	if m.get(p+"nothing") != nil || m.get(p+"empty") != nil {
		t.Fatalf("null and [] must not add mappings: %s", m.raw)
	}
	if jget(m.body, p+"title.fields.keyword.ignore_above") != 256.0 {
		t.Fatalf("keyword sub-field ignore_above: %s", m.raw)
	}
	r := c.bulk(t, n, `{"index":{"_id":"2"}}`, `{"count":"many"}`)
	if r.str("items.0.index.error.type") != "document_parsing_exception" {
		t.Fatalf("value against a dynamically mapped long: %s", r.raw)
	}
}
