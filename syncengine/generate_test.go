package syncengine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

var kinds = []string{syncengine.KindDoctor, syncengine.KindRecommendation, syncengine.KindConnection}

// openGenerate opens a generate source and closes its reader at cleanup.
func openGenerate(t testing.TB, spec config.Source, cursor string) (syncengine.Source, syncengine.Reader) {
	t.Helper()
	spec.Type = config.SourceGenerate
	src, err := syncengine.NewSource(spec, "", nil)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	r, err := src.Open(context.Background(), cursor)
	if err != nil {
		t.Fatalf("Open(%q): %v", cursor, err)
	}
	t.Cleanup(func() { r.Close() })
	return src, r
}

// readAll reads a reader to io.EOF.
func readAll(t testing.TB, r syncengine.Reader) []syncengine.Record {
	t.Helper()
	var recs []syncengine.Record
	for {
		rec, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatalf("Next after %d records: %v", len(recs), err)
		}
		recs = append(recs, rec)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			spec := config.Source{Kind: kind, Seed: 42, Count: 500}
			_, a := openGenerate(t, spec, "")
			_, b := openGenerate(t, spec, "")
			ra, rb := readAll(t, a), readAll(t, b)
			if len(ra) != 500 || len(rb) != 500 {
				t.Fatalf("read %d and %d records, want 500", len(ra), len(rb))
			}
			for i := range ra {
				if !bytes.Equal(ra[i].Doc, rb[i].Doc) {
					t.Fatalf("record %d differs between runs:\n%s\n%s", i, ra[i].Doc, rb[i].Doc)
				}
				if ra[i].Pos != int64(i) {
					t.Fatalf("record %d has Pos %d", i, ra[i].Pos)
				}
				if want := syncengine.GenerateDoc(nil, kind, 42, int64(i)); !bytes.Equal(ra[i].Doc, want) {
					t.Fatalf("record %d differs from GenerateDoc:\n%s\n%s", i, ra[i].Doc, want)
				}
			}
			other := syncengine.GenerateDoc(nil, kind, 43, 0)
			if bytes.Equal(other, ra[0].Doc) {
				t.Errorf("seeds 42 and 43 give the same record 0: %s", other)
			}
		})
	}
}

func TestGenerateResumeMatchesFullRead(t *testing.T) {
	spec := config.Source{Kind: syncengine.KindConnection, Seed: 7, Count: 50}
	_, full := openGenerate(t, spec, "")
	all := readAll(t, full)
	_, r := openGenerate(t, spec, "")
	for range 20 {
		if _, err := r.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.Cursor(); got != "20" {
		t.Fatalf("cursor after 20 records = %q, want \"20\"", got)
	}
	_, resumed := openGenerate(t, spec, r.Cursor())
	rest := readAll(t, resumed)
	if len(rest) != 30 {
		t.Fatalf("resumed read gave %d records, want 30", len(rest))
	}
	for k, rec := range rest {
		if rec.Pos != int64(20+k) || !bytes.Equal(rec.Doc, all[20+k].Doc) {
			t.Fatalf("resumed record %d (pos %d) differs from record %d of a full read", k, rec.Pos, 20+k)
		}
	}
	if got := resumed.Cursor(); got != "50" {
		t.Errorf("cursor at the end = %q, want \"50\"", got)
	}
}

func TestGenerateTenMillion(t *testing.T) {
	const n = syncengine.GenerateMaxCount
	spec := config.Source{Seed: 1, Count: n}
	src, r := openGenerate(t, spec, "")
	total, known, err := src.Total(context.Background())
	if err != nil || !known || total != n {
		t.Fatalf("Total = %d, %v, %v; want %d, true, nil", total, known, err, n)
	}
	for k := range 100_000 {
		rec, err := r.Next(context.Background())
		if err != nil {
			t.Fatalf("Next %d: %v", k, err)
		}
		if rec.Pos != int64(k) {
			t.Fatalf("record %d has Pos %d", k, rec.Pos)
		}
	}
	if got := r.Cursor(); got != "100000" {
		t.Fatalf("cursor after 100000 records = %q", got)
	}
	_, tail := openGenerate(t, spec, strconv.Itoa(n-3))
	recs := readAll(t, tail)
	if len(recs) != 3 || recs[2].Pos != n-1 || tail.Cursor() != strconv.Itoa(n) {
		t.Fatalf("tail: %d records, cursor %q", len(recs), tail.Cursor())
	}
	gen, err := syncengine.NewGenerator("", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, rec := range recs {
		var d struct{ GmcReferenceNumber string }
		if err := json.Unmarshal(rec.Doc, &d); err != nil {
			t.Fatal(err)
		}
		if want := gen.ID(n - 3 + int64(k)); d.GmcReferenceNumber != want || len(want) != 7 {
			t.Errorf("record %d id %q, Generator.ID says %q", n-3+k, d.GmcReferenceNumber, want)
		}
	}
}

func TestGenerateIDsUnique(t *testing.T) {
	t.Parallel()
	full := int64(syncengine.GenerateMaxCount)
	if testing.Short() {
		full = 200_000
	}
	for _, tt := range []struct{ seed, n int64 }{{0, full}, {99, min(full, 1_000_000)}} {
		gen, err := syncengine.NewGenerator("", tt.seed, nil)
		if err != nil {
			t.Fatal(err)
		}
		seen := make([]uint64, syncengine.GenerateMaxCount/64+1)
		for i := range tt.n {
			id := gen.ID(i)
			v, err := strconv.Atoi(id)
			if err != nil || len(id) != 7 {
				t.Fatalf("seed %d record %d: id %q is not 7 digits", tt.seed, i, id)
			}
			if seen[v/64]&(1<<(v%64)) != 0 {
				t.Fatalf("seed %d record %d: id %s repeats", tt.seed, i, id)
			}
			seen[v/64] |= 1 << (v % 64)
		}
	}
}

func TestGenerateBadSpecs(t *testing.T) {
	tests := []struct {
		name string
		spec config.Source
		want string
	}{
		{"unknown kind", config.Source{Kind: "nurse", Count: 1}, `unknown kind "nurse"`},
		{"too many", config.Source{Count: syncengine.GenerateMaxCount + 1}, "out of range"},
		{"negative", config.Source{Count: -1}, "out of range"},
		{"corrupt unknown field", config.Source{Count: 1, Corrupt: &config.Corrupt{Fields: []string{"nope"}}}, `field "nope" is not in a doctor record`},
		{"corrupt rename unknown", config.Source{Kind: "connection", Count: 1, Corrupt: &config.Corrupt{Rename: map[string]string{"traineeInfo": "x"}}}, `rename "traineeInfo" is not in a connection record`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Type = config.SourceGenerate
			_, err := syncengine.NewSource(tt.spec, "", nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewSource error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	src, err := syncengine.NewSource(config.Source{Type: config.SourceGenerate, Count: 10}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"x", "-1", "11"} {
		if _, err := src.Open(context.Background(), c); err == nil {
			t.Errorf("Open(%q) succeeded", c)
		}
	}
}

var enums = map[string][]string{
	"designatedBody": {"1-AIIDR8", "1-AIIDWA", "1-AIIDVS", "1-AIIDWI", "1-AIIDSA", "1-AIIDWT", "1-AIIDSI",
		"1-AIIDH1", "1-AIIDQQ", "1-AIIDMY", "1-AIIDMQ", "1-AIIDHJ", "1-AIIDNQ"},
	"tcsDesignatedBody": {"1-AIIDR8", "1-AIIDWA", "1-AIIDVS", "1-AIIDWI", "1-AIIDSA", "1-AIIDWT", "1-AIIDSI",
		"1-AIIDH1", "1-AIIDQQ", "1-AIIDMY", "1-AIIDMQ", "1-AIIDHJ", "1-AIIDNQ"},
	"gmcStatus":   {"Approved", "Rejected", "Under Review"},
	"tisStatus":   {"NOT_STARTED", "STARTED", "READY_TO_REVIEW", "READY_TO_SUBMIT", "SUBMITTED_TO_GMC", "COMPLETED", "DRAFT"},
	"underNotice": {"YES", "NO", "ON_HOLD"},
}

// flatten maps every field of a decoded document to its value, nested
// objects' fields under dotted paths.
func flatten(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		out[prefix+k] = v
		if sub, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", sub, out)
		}
	}
}

// checkContract fails unless doc holds exactly the contract fields of kind,
// each of its contract type.
func checkContract(t *testing.T, kind string, doc []byte) {
	t.Helper()
	want := syncengine.GeneratedFields(kind)
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("invalid JSON %s: %v", doc, err)
	}
	if bytes.ContainsAny(doc, "\r\n") {
		t.Fatalf("document spans lines: %q", doc)
	}
	got := map[string]any{}
	flatten("", m, got)
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
		t.Fatalf("fields\n got %v\nwant %v", g, w)
	}
	for f, typ := range want {
		v := got[f]
		ok := false
		switch typ {
		case "keyword":
			s, isStr := v.(string)
			ok = isStr && s != ""
			if vals, enum := enums[f]; enum && ok {
				ok = slices.Contains(vals, s)
			}
		case "date":
			s, isStr := v.(string)
			_, err := time.Parse(time.DateOnly, s)
			ok = isStr && err == nil
		case "long":
			n, isNum := v.(json.Number)
			_, err := strconv.ParseInt(string(n), 10, 64)
			ok = isNum && err == nil
		case "boolean":
			_, ok = v.(bool)
		case "object":
			_, ok = v.(map[string]any)
		}
		if !ok {
			t.Errorf("field %s = %#v is not a valid %s", f, v, typ)
		}
	}
	if id := got["gmcReferenceNumber"].(string); len(id) != 7 || strings.Trim(id, "0123456789") != "" {
		t.Errorf("gmcReferenceNumber %q is not 7 digits", id)
	}
}

func TestGenerateContract(t *testing.T) {
	sizes := map[string][2]int{ // average bytes per document: [min, max]
		syncengine.KindDoctor:         {550, 650},
		syncengine.KindRecommendation: {450, 650},
		syncengine.KindConnection:     {350, 550},
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			_, r := openGenerate(t, config.Source{Kind: kind, Seed: 3, Count: 2000}, "")
			recs := readAll(t, r)
			bytes := 0
			for _, rec := range recs {
				checkContract(t, kind, rec.Doc)
				bytes += len(rec.Doc)
			}
			avg := bytes / len(recs)
			if b := sizes[kind]; avg < b[0] || avg > b[1] {
				t.Errorf("average document is %d bytes, want %d–%d", avg, b[0], b[1])
			}
			t.Logf("%s: average %d bytes; e.g. %s", kind, avg, recs[0].Doc)
		})
	}
	if syncengine.GeneratedFields("nurse") != nil {
		t.Error("GeneratedFields of an unknown kind is not nil")
	}
}

func TestGenerateSamePersonAcrossKinds(t *testing.T) {
	var docs []map[string]any
	for _, kind := range kinds {
		var m map[string]any
		if err := json.Unmarshal(syncengine.GenerateDoc(nil, kind, 5, 77), &m); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, m)
	}
	for _, f := range []string{"gmcReferenceNumber", "doctorFirstName", "doctorLastName", "designatedBody", "submissionDate"} {
		if docs[0][f] != docs[1][f] || docs[0][f] != docs[2][f] {
			t.Errorf("%s differs across kinds: %v %v %v", f, docs[0][f], docs[1][f], docs[2][f])
		}
	}
}

func TestGenerateCorrupt(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		corrupt config.Corrupt
		broken  func(m map[string]any) bool // true when the record shows the damage
	}{
		{
			name: "drop every third", corrupt: config.Corrupt{Fields: []string{"admin", "gmcReferenceNumber"}, Every: 3},
			broken: func(m map[string]any) bool {
				_, admin := m["admin"]
				_, id := m["gmcReferenceNumber"]
				return !admin && !id
			},
		},
		{
			name: "rename object", kind: syncengine.KindRecommendation,
			corrupt: config.Corrupt{Rename: map[string]string{"traineeInfo": "recommendationInfo"}, Every: 2},
			broken: func(m map[string]any) bool {
				_, old := m["traineeInfo"]
				info, ok := m["recommendationInfo"].(map[string]any)
				return !old && ok && info["currentGrade"] != nil
			},
		},
		{
			name: "nested drop and rename", kind: syncengine.KindRecommendation,
			corrupt: config.Corrupt{Fields: []string{"traineeInfo.currentGrade"}, Rename: map[string]string{"traineeInfo.placementGrade": "grade"}, Every: 4},
			broken: func(m map[string]any) bool {
				info := m["traineeInfo"].(map[string]any)
				_, cur := info["currentGrade"]
				_, grade := info["grade"]
				return !cur && grade && len(info) == 3
			},
		},
		{
			name: "every defaults to 1", corrupt: config.Corrupt{Fields: []string{"existsInGmc"}},
			broken: func(m map[string]any) bool { _, ok := m["existsInGmc"]; return !ok },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.corrupt
			_, r := openGenerate(t, config.Source{Kind: tt.kind, Seed: 11, Count: 24, Corrupt: &c}, "")
			every := max(c.Every, 1)
			for _, rec := range readAll(t, r) {
				var m map[string]any
				if err := json.Unmarshal(rec.Doc, &m); err != nil {
					t.Fatalf("record %d is not valid JSON: %v\n%s", rec.Pos, err, rec.Doc)
				}
				damaged := (rec.Pos+1)%every == 0
				if got := tt.broken(m); got != damaged {
					t.Errorf("record %d: damaged = %v, want %v: %s", rec.Pos, got, damaged, rec.Doc)
				}
				if !damaged {
					kind := tt.kind
					if kind == "" {
						kind = syncengine.KindDoctor
					}
					checkContract(t, kind, rec.Doc)
				}
			}
		})
	}
}

// TestGenerateCorruptPathAgrees renames every field to itself: the damaged
// path must then write the very bytes of the intact one.
func TestGenerateCorruptPathAgrees(t *testing.T) {
	for _, kind := range kinds {
		same := map[string]string{}
		for f := range syncengine.GeneratedFields(kind) {
			same[f] = f[strings.LastIndex(f, ".")+1:]
		}
		gen, err := syncengine.NewGenerator(kind, 8, &config.Corrupt{Rename: same})
		if err != nil {
			t.Fatal(err)
		}
		for i := range int64(50) {
			got, want := gen.AppendDoc(nil, i), syncengine.GenerateDoc(nil, kind, 8, i)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s record %d:\n got %s\nwant %s", kind, i, got, want)
			}
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, kind := range kinds {
		b.Run(kind, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				buf = syncengine.GenerateDoc(buf[:0], kind, 1, int64(i))
			}
			b.SetBytes(int64(len(buf)))
		})
	}
	b.Run("source", func(b *testing.B) {
		_, r := openGenerate(b, config.Source{Seed: 1, Count: syncengine.GenerateMaxCount}, "")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Next(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestGenerateDates checks the hand-rolled date formatting against package
// time over the whole span generated dates can take, and well beyond.
func TestGenerateDates(t *testing.T) {
	gen, err := syncengine.NewGenerator("", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen, submitted := map[string]bool{}, map[string]bool{}
	for i := range int64(20_000) {
		var d struct{ SubmissionDate, LastUpdatedDate, CurriculumEndDate string }
		if err := json.Unmarshal(gen.AppendDoc(nil, i), &d); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{d.SubmissionDate, d.LastUpdatedDate, d.CurriculumEndDate} {
			tm, err := time.Parse(time.DateOnly, v)
			if err != nil || tm.Year() < 2022 || tm.Year() > 2031 {
				t.Fatalf("record %d: date %q out of range (%v)", i, v, err)
			}
			seen[v] = true
		}
		submitted[d.SubmissionDate] = true
	}
	// Submission dates are the 1095 days from 2022-01-01: every one of them,
	// and nothing else, must come up, as package time spells it.
	day := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 1095 {
		if !submitted[day.Format(time.DateOnly)] {
			t.Fatalf("submission date %s never generated", day.Format(time.DateOnly))
		}
		delete(submitted, day.Format(time.DateOnly))
		day = day.AddDate(0, 0, 1)
	}
	if len(submitted) > 0 {
		t.Errorf("submission dates outside 2022-01-01 + 1095 days: %v", slices.Sorted(maps.Keys(submitted)))
	}
	// Submission dates cover three years, curriculum end dates six: nearly
	// every day should have come up.
	if len(seen) < 3000 {
		t.Errorf("only %d distinct dates in 60000", len(seen))
	}
	for _, day := range []string{"2024-02-29", "2023-12-31", "2025-01-01", "2028-02-29", "2030-03-01"} {
		if !seen[day] {
			t.Errorf("date %s never generated", day)
		}
	}
}
