package syncengine_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

func TestTransformApply(t *testing.T) {
	byID := config.Transform{IDField: "id"}
	tests := []struct {
		name   string
		tr     config.Transform
		in     string
		wantID string
		want   string // output; "" = the input unchanged
	}{
		{"string id", byID, `{"id":"a1","x":1}`, "a1", ""},
		{"number id", byID, `{"x":[1,{"id":9}],"id":42}`, "42", ""},
		{"negative number id", byID, `{"id":-7}`, "-7", ""},
		{"escaped id", byID, `{"id":"a\"b\u00e9"}`, `a"bé`, ""},
		{"escaped key", byID, `{"\u0069d":"k"}`, "k", ""},
		{"id after tricky strings", byID, `{"a":"}\\\"{","b":{"id":"inner"},"id":"outer"}`, "outer", ""},
		{"whitespace", byID, " \t{ \"id\" : \"w\" , \"y\" : [ ] } ", "w", ""},
		{"nested id", config.Transform{IDField: "meta.id"}, `{"meta":{"v":1,"id":"m7"}}`, "m7", ""},
		{"pretty input is made one line", byID, "{\n  \"id\": \"p\",\n  \"a\": [1, 2]\n}", "p", `{"id":"p","a":[1,2]}`},
		{"fallback _id is removed", config.Transform{}, `{"_id":"u1","a":1}`, "u1", `{"a":1}`},
		{
			"rename keeps order",
			config.Transform{IDField: "id", Rename: map[string]string{"traineeInfo": "recommendationInfo"}},
			`{"id":"1","traineeInfo":{"a":1},"z":true}`, "1", `{"id":"1","recommendationInfo":{"a":1},"z":true}`,
		},
		{
			"rename the id field",
			config.Transform{IDField: "gmc", Rename: map[string]string{"gmc": "gmcReferenceNumber"}},
			`{"gmc":"1234567"}`, "1234567", `{"gmcReferenceNumber":"1234567"}`,
		},
		{
			"rename nested, leaf or full path",
			config.Transform{IDField: "id", Rename: map[string]string{"t.a": "b", "t.c": "t.d"}},
			`{"id":"1","t":{"a":1,"c":2,"e":3}}`, "1", `{"id":"1","t":{"b":1,"d":2,"e":3}}`,
		},
		{
			"drop top and nested",
			config.Transform{IDField: "id", Drop: []string{"secret", "t.x", "absent"}},
			`{"secret":"s","id":"1","t":{"x":1,"y":2},"z":0}`, "1", `{"id":"1","t":{"y":2},"z":0}`,
		},
		{
			"drop everything but the id",
			config.Transform{IDField: "id", Drop: []string{"a", "b"}},
			`{"a":1,"id":"1","b":2}`, "1", `{"id":"1"}`,
		},
		{
			"set replaces in place and appends",
			config.Transform{IDField: "id", Set: map[string]any{"env": "prod", "n": 2, "ok": true, "tags": []any{"a"}, "obj": map[string]any{"k": nil}}},
			`{"n":1,"id":"1"}`, "1", `{"n":2,"id":"1","env":"prod","obj":{"k":null},"ok":true,"tags":["a"]}`,
		},
		{
			"set nested in an existing and a missing object",
			config.Transform{IDField: "id", Set: map[string]any{"t.src": "x", "meta.v": 1}},
			`{"id":"1","t":{"a":1}}`, "1", `{"id":"1","t":{"a":1,"src":"x"},"meta":{"v":1}}`,
		},
		{
			"set under a renamed object",
			config.Transform{IDField: "id", Rename: map[string]string{"traineeInfo": "recommendationInfo"}, Set: map[string]any{"recommendationInfo.checked": true}},
			`{"id":"1","traineeInfo":{"a":1}}`, "1", `{"id":"1","recommendationInfo":{"a":1,"checked":true}}`,
		},
		{
			"set under a renamed object that is missing",
			config.Transform{IDField: "id", Rename: map[string]string{"traineeInfo": "recommendationInfo"}, Set: map[string]any{"recommendationInfo.checked": true}},
			`{"id":"1"}`, "1", `{"id":"1","recommendationInfo":{"checked":true}}`,
		},
		{
			"rename, drop and set together",
			config.Transform{IDField: "gmcReferenceNumber", Rename: map[string]string{"admin": "adminEmail"}, Drop: []string{"tcsPersonId"}, Set: map[string]any{"source": "resync"}},
			`{"gmcReferenceNumber":"1000001","admin":"a@b","tcsPersonId":5,"x":[{"admin":1}]}`, "1000001",
			`{"gmcReferenceNumber":"1000001","adminEmail":"a@b","x":[{"admin":1}],"source":"resync"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := syncengine.NewTransform(tt.tr)
			if err != nil {
				t.Fatalf("NewTransform: %v", err)
			}
			in := []byte(tt.in)
			id, out, err := tr.Apply(in)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if id != tt.wantID {
				t.Errorf("id = %q, want %q", id, tt.wantID)
			}
			want := tt.want
			if want == "" {
				want = tt.in
				if &out[0] != &in[0] {
					t.Errorf("the fast path copied the record")
				}
			}
			if string(out) != want {
				t.Errorf("out = %s\n want %s", out, want)
			}
			if !json.Valid(out) || strings.ContainsAny(string(out), "\n\r") && tt.want != "" {
				t.Errorf("out is not one line of valid JSON: %q", out)
			}
			if string(in) != tt.in {
				t.Errorf("Apply modified its input: %s", in)
			}
		})
	}
}

func TestTransformBadRecords(t *testing.T) {
	byID := config.Transform{IDField: "id"}
	changing := config.Transform{IDField: "id", Rename: map[string]string{"a": "b"}}
	tests := []struct {
		name   string
		tr     config.Transform
		in     string
		key    string
		reason string
	}{
		{"array", byID, `[1,2]`, "", "not a JSON object"},
		{"string", byID, `"x"`, "", "not a JSON object"},
		{"empty", byID, ``, "", "not a JSON object"},
		{"blank", byID, `   `, "", "not a JSON object"},
		{"no id", byID, `{"a":1}`, "", `no id field "id"`},
		{"id only nested", byID, `{"a":{"id":"x"}}`, "", `no id field "id"`},
		{"empty id", byID, `{"id":""}`, "", `id field "id" is empty`},
		{"blank id", byID, `{"id":"  "}`, "", `id field "id" is empty`},
		{"null id", byID, `{"id":null}`, "", `id field "id" is null`},
		{"bool id", byID, `{"id":true}`, "", `id field "id" is a boolean, not a string or number`},
		{"object id", byID, `{"id":{"v":1}}`, "", `id field "id" is an object, not a string or number`},
		{"array id", byID, `{"id":[1]}`, "", `id field "id" is an array, not a string or number`},
		{"no _id", config.Transform{}, `{"id":"1"}`, "", `no id field "_id"`},
		{"nested id parent not object", config.Transform{IDField: "meta.id"}, `{"meta":3}`, "", `id field "meta.id": "meta" is not an object`},
		{"truncated before id", byID, `{"a":"x`, "", "invalid JSON: unterminated string"},
		{"missing colon", byID, `{"a" 1,"id":"1"}`, "", "invalid JSON: missing ':'"},
		{"pretty and broken", byID, "{\n\"id\":", "", "invalid JSON"},
		{"broken after id, changing", changing, `{"id":"k","a":`, "k", "invalid JSON"},
		{"trailing garbage, changing", changing, `{"id":"k"} x`, "k", `unexpected 'x' after the object`},
		{"rename collision", changing, `{"id":"k","a":1,"b":2}`, "k", `renaming makes two fields named "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := syncengine.NewTransform(tt.tr)
			if err != nil {
				t.Fatalf("NewTransform: %v", err)
			}
			id, out, err := tr.Apply([]byte(tt.in))
			var bad *syncengine.BadRecordError
			if !errors.As(err, &bad) {
				t.Fatalf("Apply = %q, %s, %v; want a *BadRecordError", id, out, err)
			}
			if bad.Key != tt.key || !strings.Contains(bad.Reason, tt.reason) {
				t.Errorf("BadRecordError{Key: %q, Reason: %q}, want key %q and reason containing %q", bad.Key, bad.Reason, tt.key, tt.reason)
			}
		})
	}
	bad := &syncengine.BadRecordError{Pos: 41, Key: "1000001", Reason: "no id"}
	if got := bad.Error(); got != "record 41 (id 1000001): no id" {
		t.Errorf("Error() = %q", got)
	}
}

func TestNewTransformErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		tr   config.Transform
		want string
	}{
		{"move between objects", config.Transform{IDField: "id", Rename: map[string]string{"a.b": "c.d"}}, "moves the field to another object"},
		{"move out of an object", config.Transform{IDField: "id", Rename: map[string]string{"a": "x.y"}}, "moves the field to another object"},
		{"empty new name", config.Transform{IDField: "id", Rename: map[string]string{"a": ""}}, "empty name"},
		{"renamed and dropped", config.Transform{IDField: "id", Rename: map[string]string{"a": "b"}, Drop: []string{"a"}}, "both renamed and dropped"},
		{"empty segment", config.Transform{IDField: "id", Drop: []string{"a..b"}}, "empty segment"},
		{"id empty segment", config.Transform{IDField: "meta."}, "empty segment"},
		{"unmarshalable set", config.Transform{IDField: "id", Set: map[string]any{"f": func() {}}}, `set "f"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := syncengine.NewTransform(tt.tr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewTransform error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestTransformGenerated runs every generated kind through the transform the
// example configuration uses.
func TestTransformGenerated(t *testing.T) {
	tr, err := syncengine.NewTransform(config.Transform{IDField: "gmcReferenceNumber", Rename: map[string]string{"traineeInfo": "recommendationInfo"}})
	if err != nil {
		t.Fatal(err)
	}
	gen, err := syncengine.NewGenerator(syncengine.KindRecommendation, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(1000) {
		id, out, err := tr.Apply(gen.AppendDoc(nil, i))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if id != gen.ID(i) || m["gmcReferenceNumber"] != id || m["recommendationInfo"] == nil || m["traineeInfo"] != nil || len(m) != 12 {
			t.Fatalf("record %d: id %q, doc %s", i, id, out)
		}
	}
}

func BenchmarkTransform(b *testing.B) {
	docs := make([][]byte, 1024)
	for i := range docs {
		docs[i] = syncengine.GenerateDoc(nil, syncengine.KindDoctor, 1, int64(i))
	}
	for _, bc := range []struct {
		name string
		tr   config.Transform
	}{
		{"passthrough", config.Transform{IDField: "gmcReferenceNumber"}},
		{"passthrough-id-last", config.Transform{IDField: "connectionStatus"}},
		{"rename-drop-set", config.Transform{
			IDField: "gmcReferenceNumber",
			Rename:  map[string]string{"programmeOwner": "owner"},
			Drop:    []string{"tcsPersonId"},
			Set:     map[string]any{"source": "resync"},
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr, err := syncengine.NewTransform(bc.tr)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(docs[0])))
			for i := 0; b.Loop(); i++ {
				if _, _, err := tr.Apply(docs[i%len(docs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
