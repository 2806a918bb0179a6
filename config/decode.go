package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/resyncbot/resyncbot/internal/nearest"
)

// decoder fills Go values from a yaml.Node tree strictly: every key must name
// a field (by its yaml tag) and every scalar must parse as its field's type.
// It never stops at the first problem; each goes to the report with its path.
//
// A null or empty scalar leaves its field at the zero value and unmarked, so
// that "key:", "key: ~" and "key: ${UNSET:-}" all mean "use the default".
type decoder struct {
	r *report
	// set holds the address of every field the file gave a value.
	set fieldSet
	// keys holds, for every mapping decoded into a Go map, its keys in file order.
	keys map[string][]string
	// written holds the text of scalars before ${VAR} expansion; messages
	// quote that, since an expanded value may be a secret.
	written map[*yaml.Node]string
}

// fieldSet records fields the file gave a value, by the field's address
// (a *int, *string, *time.Duration …), so defaults and validation can tell
// "absent" from "explicitly zero".
type fieldSet map[any]bool

// has reports whether the field at address p was given a value.
func (s fieldSet) has(p any) bool { return s[p] }

var durationType = reflect.TypeFor[time.Duration]()

func newDecoder(r *report, written map[*yaml.Node]string) *decoder {
	return &decoder{r: r, set: make(fieldSet), keys: make(map[string][]string), written: written}
}

// decode fills v (a non-nil pointer) from n.
func (d *decoder) decode(n *yaml.Node, v any) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	if n.Kind == 0 {
		return
	}
	d.value(n, reflect.ValueOf(v).Elem(), "", false)
}

// value decodes n into v at path. secret hides scalar values from messages.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, secret bool) {
	n = resolve(n)
	if isEmpty(n) {
		return
	}
	if v.Type() == durationType {
		d.duration(n, v, path, secret)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path, secret)
		return
	case reflect.Struct:
		d.structure(n, v, path)
		return
	case reflect.Map:
		d.dictionary(n, v, path, secret)
		return
	case reflect.Slice:
		d.list(n, v, path, secret)
		return
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.r.failf(path, msgInvalid, err)
			return
		}
		v.Set(reflect.ValueOf(&x).Elem())
		d.mark(v)
		return
	}

	if n.Kind != yaml.ScalarNode {
		d.r.failf(path, wantMessage(v.Kind()), d.describe(n, secret))
		return
	}
	s := n.Value
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, ok := parseBool(s)
		if !ok {
			d.r.failf(path, msgWantBool, d.describe(n, secret))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(s, 0, v.Type().Bits())
		if err != nil {
			d.r.failf(path, msgWantInteger, d.describe(n, secret))
			return
		}
		v.SetInt(i)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			d.r.failf(path, msgWantNumber, d.describe(n, secret))
			return
		}
		v.SetFloat(f)
	default:
		// A programming error in types.go, not a problem with the file.
		panic("config: cannot decode into " + v.Type().String())
	}
	d.mark(v)
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string, secret bool) {
	if n.Kind != yaml.ScalarNode {
		d.r.failf(path, msgWantDuration, d.describe(n, secret))
		return
	}
	t, err := time.ParseDuration(n.Value)
	if err != nil {
		d.r.failf(path, msgWantDuration, d.describe(n, secret))
		return
	}
	v.SetInt(int64(t))
	d.mark(v)
}

// structure decodes a mapping into a struct, field by yaml tag.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.r.failf(path, msgWantMapping, d.describe(n, false))
		return
	}
	fields := fieldsOf(v.Type())
	for _, e := range d.entries(n, path) {
		p := key(path, e.key)
		d.r.locate(p, e.keyNode.Line)
		f, ok := fields[e.key]
		if !ok {
			d.r.fail(p, unknownField(e.key, fields))
			continue
		}
		d.value(e.val, v.FieldByIndex(f.Index), p, f.Tag.Get("secret") != "")
	}
}

// dictionary decodes a mapping into a Go map with string keys.
func (d *decoder) dictionary(n *yaml.Node, v reflect.Value, path string, secret bool) {
	if n.Kind != yaml.MappingNode {
		d.r.failf(path, msgWantMapping, d.describe(n, secret))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	elem := v.Type().Elem()
	for _, e := range d.entries(n, path) {
		p := key(path, e.key)
		d.r.locate(p, e.keyNode.Line)
		d.keys[path] = append(d.keys[path], e.key)
		x := newElem(elem)
		d.value(e.val, x, p, secret)
		v.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), x)
	}
	d.mark(v)
}

// list decodes a sequence into a slice.
func (d *decoder) list(n *yaml.Node, v reflect.Value, path string, secret bool) {
	if n.Kind != yaml.SequenceNode {
		d.r.failf(path, msgWantList, d.describe(n, secret))
		return
	}
	s := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	for i, item := range n.Content {
		p := index(path, i)
		d.r.locate(p, item.Line)
		x := newElem(v.Type().Elem())
		d.value(item, x, p, secret)
		s = reflect.Append(s, x)
	}
	v.Set(s)
	d.mark(v)
}

// newElem makes an addressable zero element for a map or slice. A pointer to
// a struct is allocated even if its node turns out to be null, so that an
// empty "prod:" environment is reported as incomplete rather than vanishing.
func newElem(t reflect.Type) reflect.Value {
	x := reflect.New(t).Elem()
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		x.Set(reflect.New(t.Elem()))
	}
	return x
}

func (d *decoder) mark(v reflect.Value) {
	if v.CanAddr() {
		d.set[v.Addr().Interface()] = true
	}
}

// entry is one key and value of a mapping.
type entry struct {
	key          string
	keyNode, val *yaml.Node
}

// entries lists a mapping's keys in file order, with "<<" merge keys expanded
// (keys written in the mapping itself win over merged ones) and duplicate or
// non-string keys reported.
func (d *decoder) entries(n *yaml.Node, path string) []entry {
	var own, merged []entry
	first := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.r.locate(path, k.Line)
			d.r.fail(path, msgKeyNotString)
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(val, path)...)
			continue
		}
		if line, dup := first[k.Value]; dup {
			p := key(path, k.Value)
			d.r.fail(p, duplicateKey(line))
			continue
		}
		first[k.Value] = k.Line
		own = append(own, entry{key: k.Value, keyNode: k, val: val})
	}
	var out []entry
	for _, e := range merged {
		if _, ok := first[e.key]; !ok {
			first[e.key] = e.keyNode.Line
			out = append(out, e)
		}
	}
	return append(out, own...)
}

// merge returns the entries a "<<" value brings in: one mapping, or a list of
// mappings where earlier ones win.
func (d *decoder) merge(n *yaml.Node, path string) []entry {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return d.entries(n, path)
	case yaml.SequenceNode:
		var out []entry
		seen := make(map[string]bool)
		for _, m := range n.Content {
			m = resolve(m)
			if m.Kind != yaml.MappingNode {
				d.r.failf(path, msgBadMerge)
				continue
			}
			for _, e := range d.entries(m, path) {
				if !seen[e.key] {
					seen[e.key] = true
					out = append(out, e)
				}
			}
		}
		return out
	}
	d.r.failf(path, msgBadMerge)
	return nil
}

// fieldsOf maps yaml names to the fields of struct type t.
func fieldsOf(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField)
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || name == "" {
			continue
		}
		fields[name] = f
	}
	return fields
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isEmpty reports whether n is null or an empty scalar: no value at all.
func isEmpty(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Value == "" || n.ShortTag() == "!!null" && n.Style == 0)
}

func parseBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// describe names what a node holds for a type error: the value itself for a
// scalar, as written in the file, unless it is secret, in which case only its
// kind.
func (d *decoder) describe(n *yaml.Node, secret bool) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if secret {
		return "a string"
	}
	if w, ok := d.written[n]; ok {
		return strconv.Quote(w)
	}
	return strconv.Quote(n.Value)
}

func wantMessage(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return msgWantBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return msgWantInteger
	case reflect.Float32, reflect.Float64:
		return msgWantNumber
	}
	return msgWantString
}

func unknownField(k string, fields map[string]reflect.StructField) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	if s := nearest.Word(k, names); s != "" {
		return didYouMean(msgUnknownField, s)
	}
	return msgUnknownField
}
