package syncengine

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/resyncbot/resyncbot/config"
)

// Generated record kinds (config.Source.Kind).
const (
	KindDoctor         = "doctor"
	KindRecommendation = "recommendation"
	KindConnection     = "connection"
)

// GenerateMaxCount is how many distinct records a generate source can yield:
// every record needs its own 7-digit gmcReferenceNumber.
const GenerateMaxCount = 10_000_000

// Generator builds synthetic revalidation records. Record i is a pure
// function of (seed, kind, i), so any range of a large source can be produced
// without holding the rest, and a resumed run regenerates identical bytes.
// The person behind record i (id, names, designated body, dates) depends only
// on (seed, i), so the three kinds describe the same doctors, as the real
// indexes do.
type Generator struct {
	kind    kind
	seed    uint64
	corrupt *corruption
}

type kind uint8

const (
	kindDoctor kind = iota
	kindRecommendation
	kindConnection
)

func parseKind(s string) (kind, error) {
	switch s {
	case "", KindDoctor:
		return kindDoctor, nil
	case KindRecommendation:
		return kindRecommendation, nil
	case KindConnection:
		return kindConnection, nil
	}
	return 0, fmt.Errorf("generate: unknown kind %q (want %s, %s or %s)", s, KindDoctor, KindRecommendation, KindConnection)
}

// NewGenerator returns a generator of kind records (doctor when kind is "").
// A non-nil corrupt damages every Every-th record (the Every-th, 2×Every-th, …)
// by removing its Fields and renaming the keys in Rename. Dotted paths name
// fields inside traineeInfo; a renamed key stays in its object.
func NewGenerator(kind string, seed int64, corrupt *config.Corrupt) (*Generator, error) {
	k, err := parseKind(kind)
	if err != nil {
		return nil, err
	}
	g := &Generator{kind: k, seed: uint64(seed)}
	if corrupt != nil && (len(corrupt.Fields) > 0 || len(corrupt.Rename) > 0) {
		c, err := newCorruption(k, corrupt)
		if err != nil {
			return nil, err
		}
		g.corrupt = c
	}
	return g, nil
}

// GenerateDoc appends record i of kind for seed to dst, exactly as a generate
// source with that kind and seed and no corruption yields it. Benchmarks use it
// to feed a bare bulk loader the same documents. It panics on an unknown kind;
// NewGenerator reports that as an error instead.
func GenerateDoc(dst []byte, kind string, seed, i int64) []byte {
	k, err := parseKind(kind)
	if err != nil {
		panic(err)
	}
	g := Generator{kind: k, seed: uint64(seed)}
	return g.AppendDoc(dst, i)
}

// ID returns the gmcReferenceNumber of record i: seven digits, distinct for
// every i in [0, GenerateMaxCount).
func (g *Generator) ID(i int64) string {
	var b [7]byte
	return string(appendGMC(b[:0], g.seed, i))
}

// AppendDoc appends record i as one line of compact JSON to dst.
func (g *Generator) AppendDoc(dst []byte, i int64) []byte {
	var p person
	p.fill(g.seed, i)
	lay := layouts[g.kind]
	if g.corrupt != nil && g.corrupt.hits(i) {
		return g.corrupt.appendDoc(dst, &p, lay)
	}
	for k := range lay {
		dst = append(dst, lay[k].pre...)
		dst = p.appendValue(dst, lay[k].v)
	}
	return append(dst, layoutEnds[g.kind]...)
}

// GeneratedFields returns the fields of a generated kind with their
// Elasticsearch types (keyword, date with format yyyy-MM-dd, long, boolean,
// object); fields inside an object appear as dotted paths. It is the contract
// the index mappings are written against; nil means an unknown kind.
func GeneratedFields(kind string) map[string]string {
	k, err := parseKind(kind)
	if err != nil {
		return nil
	}
	return fieldTypes(k)
}

func fieldTypes(k kind) map[string]string {
	m := map[string]string{}
	for _, s := range layouts[k] {
		if s.v != vClose {
			m[s.path] = s.typ
		}
	}
	return m
}

// value names what a slot holds; the person supplies it.
type value uint8

const (
	vGMC value = iota
	vFirst
	vLast
	vSubmission
	vProgramme
	vMembership
	vDB
	vTcsDB
	vGmcStatus
	vTisStatus
	vAdmin
	vUpdated
	vNotice
	vOwner
	vCurriculum
	vPlacement
	vCurrentGrade
	vExists
	vTcsPerson
	vConnection
	vOpen  // starts an object member
	vClose // ends it
)

// slot is one member of a generated record. pre holds everything between the
// previous value and this one: the previous value's closing quote, the comma,
// the key and this value's opening quote or brace. An intact record is then
// two appends a field.
type slot struct {
	path string // dotted, as corruption names it
	typ  string // Elasticsearch type
	v    value
	pre  string
}

// quoted reports whether the slot's value is a JSON string.
func (s *slot) quoted() bool { return s.typ == "keyword" || s.typ == "date" }

var layouts = [...][]slot{
	kindDoctor: {
		{"gmcReferenceNumber", "keyword", vGMC, `{"gmcReferenceNumber":"`},
		{"doctorFirstName", "keyword", vFirst, `","doctorFirstName":"`},
		{"doctorLastName", "keyword", vLast, `","doctorLastName":"`},
		{"submissionDate", "date", vSubmission, `","submissionDate":"`},
		{"programmeName", "keyword", vProgramme, `","programmeName":"`},
		{"membershipType", "keyword", vMembership, `","membershipType":"`},
		{"designatedBody", "keyword", vDB, `","designatedBody":"`},
		{"tcsDesignatedBody", "keyword", vTcsDB, `","tcsDesignatedBody":"`},
		{"gmcStatus", "keyword", vGmcStatus, `","gmcStatus":"`},
		{"tisStatus", "keyword", vTisStatus, `","tisStatus":"`},
		{"admin", "keyword", vAdmin, `","admin":"`},
		{"lastUpdatedDate", "date", vUpdated, `","lastUpdatedDate":"`},
		{"underNotice", "keyword", vNotice, `","underNotice":"`},
		{"programmeOwner", "keyword", vOwner, `","programmeOwner":"`},
		{"curriculumEndDate", "date", vCurriculum, `","curriculumEndDate":"`},
		{"placementGrade", "keyword", vPlacement, `","placementGrade":"`},
		{"existsInGmc", "boolean", vExists, `","existsInGmc":`},
		{"tcsPersonId", "long", vTcsPerson, `,"tcsPersonId":`},
		{"connectionStatus", "keyword", vConnection, `,"connectionStatus":"`},
	},
	kindRecommendation: {
		{"gmcReferenceNumber", "keyword", vGMC, `{"gmcReferenceNumber":"`},
		{"doctorFirstName", "keyword", vFirst, `","doctorFirstName":"`},
		{"doctorLastName", "keyword", vLast, `","doctorLastName":"`},
		{"submissionDate", "date", vSubmission, `","submissionDate":"`},
		{"designatedBody", "keyword", vDB, `","designatedBody":"`},
		{"gmcStatus", "keyword", vGmcStatus, `","gmcStatus":"`},
		{"tisStatus", "keyword", vTisStatus, `","tisStatus":"`},
		{"admin", "keyword", vAdmin, `","admin":"`},
		{"lastUpdatedDate", "date", vUpdated, `","lastUpdatedDate":"`},
		{"underNotice", "keyword", vNotice, `","underNotice":"`},
		{"programmeName", "keyword", vProgramme, `","programmeName":"`},
		{"traineeInfo", "object", vOpen, `","traineeInfo":{`},
		{"traineeInfo.programmeMembershipType", "keyword", vMembership, `"programmeMembershipType":"`},
		{"traineeInfo.curriculumEndDate", "date", vCurriculum, `","curriculumEndDate":"`},
		{"traineeInfo.placementGrade", "keyword", vPlacement, `","placementGrade":"`},
		{"traineeInfo.currentGrade", "keyword", vCurrentGrade, `","currentGrade":"`},
		{"traineeInfo", "", vClose, `"}`},
	},
	kindConnection: {
		{"gmcReferenceNumber", "keyword", vGMC, `{"gmcReferenceNumber":"`},
		{"doctorFirstName", "keyword", vFirst, `","doctorFirstName":"`},
		{"doctorLastName", "keyword", vLast, `","doctorLastName":"`},
		{"submissionDate", "date", vSubmission, `","submissionDate":"`},
		{"programmeName", "keyword", vProgramme, `","programmeName":"`},
		{"designatedBody", "keyword", vDB, `","designatedBody":"`},
		{"tcsDesignatedBody", "keyword", vTcsDB, `","tcsDesignatedBody":"`},
		{"programmeOwner", "keyword", vOwner, `","programmeOwner":"`},
		{"connectionStatus", "keyword", vConnection, `","connectionStatus":"`},
		{"membershipType", "keyword", vMembership, `","membershipType":"`},
		{"tcsPersonId", "long", vTcsPerson, `","tcsPersonId":`},
		{"existsInGmc", "boolean", vExists, `,"existsInGmc":`},
		{"lastUpdatedDate", "date", vUpdated, `,"lastUpdatedDate":"`},
	},
}

// layoutEnds close the last value and the record.
var layoutEnds = [...]string{kindDoctor: `"}`, kindRecommendation: `}`, kindConnection: `"}`}

// corruption is a compiled config.Corrupt: what becomes of each slot of
// the generator's layout in a damaged record.
type corruption struct {
	every int64
	slots []cslot
}

type cslot struct {
	drop bool
	key  string // `"name":`, renamed or not
}

func newCorruption(k kind, c *config.Corrupt) (*corruption, error) {
	known := fieldTypes(k)
	for _, f := range c.Fields {
		if _, ok := known[f]; !ok {
			return nil, fmt.Errorf("generate corrupt: field %q is not in a %s record (fields: %s)", f, kindName(k), fieldList(k))
		}
	}
	for from, to := range c.Rename {
		if _, ok := known[from]; !ok {
			return nil, fmt.Errorf("generate corrupt: rename %q is not in a %s record (fields: %s)", from, kindName(k), fieldList(k))
		}
		if to == "" {
			return nil, fmt.Errorf("generate corrupt: rename %q to an empty name", from)
		}
	}
	out := &corruption{every: max(c.Every, 1)}
	for _, s := range layouts[k] {
		name := s.path[strings.LastIndex(s.path, ".")+1:]
		if to, ok := c.Rename[s.path]; ok {
			name = to
		}
		q, err := json.Marshal(name)
		if err != nil {
			return nil, fmt.Errorf("generate corrupt: rename %q: %w", s.path, err)
		}
		out.slots = append(out.slots, cslot{drop: slices.Contains(c.Fields, s.path), key: string(q) + ":"})
	}
	return out, nil
}

// hits reports whether record i is damaged: the Every-th, 2×Every-th, ….
func (c *corruption) hits(i int64) bool { return (i+1)%c.every == 0 }

func kindName(k kind) string {
	return [...]string{KindDoctor, KindRecommendation, KindConnection}[k]
}

func fieldList(k kind) string {
	return strings.Join(slices.Sorted(maps.Keys(fieldTypes(k))), ", ")
}

// appendDoc appends a damaged record: the same slots as the intact path,
// with separators recomputed because members go missing.
func (c *corruption) appendDoc(dst []byte, p *person, lay []slot) []byte {
	dst = append(dst, '{')
	n, outer := 0, 0  // members written in this object, and in the enclosing one
	skipping := false // inside a dropped object
	for k := range lay {
		s, cs := &lay[k], &c.slots[k]
		switch {
		case s.v == vClose && skipping:
			skipping = false
			continue
		case s.v == vClose:
			dst = append(dst, '}')
			n = outer + 1
			continue
		case skipping:
			continue
		case cs.drop:
			skipping = s.v == vOpen
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, cs.key...)
		if s.v == vOpen {
			dst = append(dst, '{')
			outer, n = n, 0
			continue
		}
		if s.quoted() {
			dst = append(dst, '"')
			dst = p.appendValue(dst, s.v)
			dst = append(dst, '"')
		} else {
			dst = p.appendValue(dst, s.v)
		}
		n++
	}
	return append(dst, '}')
}
