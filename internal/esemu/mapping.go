package esemu

import (
	"net/http"
	"strings"
)

// fieldType is a mapped field type the emulator understands.
type fieldType uint8

const (
	ftObject fieldType = iota
	ftNested
	ftKeyword
	ftText
	ftLong
	ftInteger
	ftShort
	ftByte
	ftDouble
	ftFloat
	ftHalfFloat
	ftScaledFloat
	ftBoolean
	ftDate
	ftDateNanos
	ftIP
)

var fieldTypeNames = map[string]fieldType{
	"object": ftObject, "nested": ftNested, "keyword": ftKeyword, "text": ftText,
	"long": ftLong, "integer": ftInteger, "short": ftShort, "byte": ftByte,
	"double": ftDouble, "float": ftFloat, "half_float": ftHalfFloat, "scaled_float": ftScaledFloat,
	"boolean": ftBoolean, "date": ftDate, "date_nanos": ftDateNanos, "ip": ftIP,
}

func (t fieldType) isObject() bool { return t == ftObject || t == ftNested }

func (t fieldType) isInteger() bool {
	return t == ftLong || t == ftInteger || t == ftShort || t == ftByte
}

func (t fieldType) isFloat() bool {
	return t == ftDouble || t == ftFloat || t == ftHalfFloat || t == ftScaledFloat
}

func (t fieldType) isDate() bool { return t == ftDate || t == ftDateNanos }

// dynMode is an object's "dynamic" setting.
type dynMode uint8

const (
	dynInherit dynMode = iota
	dynTrue
	dynFalse
	dynStrict
	dynRuntime
)

var dynNames = map[string]dynMode{"true": dynTrue, "false": dynFalse, "strict": dynStrict, "runtime": dynRuntime}

func (d dynMode) String() string {
	switch d {
	case dynFalse:
		return "false"
	case dynStrict:
		return "strict"
	case dynRuntime:
		return "runtime"
	}
	return "true"
}

// param is a mapping parameter kept verbatim (in the order given) so that
// GET _mapping renders what was put.
type param struct {
	key string
	val *jnode
}

// fieldMapping is one node of a mapping tree. Nodes are immutable once
// published in a mapping; dynamic updates clone the tree.
type fieldMapping struct {
	name     string
	path     string
	typ      fieldType
	typeName string
	// explicitType: "type" was given (objects may omit it).
	explicitType bool
	params       []param
	props        map[string]*fieldMapping
	// fields are multi-fields ("title.keyword").
	fields      map[string]*fieldMapping
	dynamic     dynMode
	enabled     bool
	format      *dateFormat
	ignoreAbove int
	coerce      bool
	ignoreMal   bool
	fielddata   bool
	// nestedPath is the path of the closest enclosing nested object.
	nestedPath string
	// multiParent is the source field of a multi-field.
	multiParent *fieldMapping
}

// mapping is an index's mapping: the root object and the lookup tables
// derived from it.
type mapping struct {
	root             *fieldMapping
	rootParams       []param
	dateDetection    bool
	numericDetection bool
	dynDateFormats   []*dateFormat
	dynDateSpecs     []string
	byPath           map[string]*fieldMapping
}

var knownRootParams = map[string]bool{
	"dynamic": true, "properties": true, "date_detection": true, "numeric_detection": true,
	"dynamic_date_formats": true, "dynamic_templates": true, "_source": true, "_meta": true,
	"_routing": true, "runtime": true, "_field_names": true, "enabled": true, "subobjects": true,
}

var knownFieldParams = map[string]bool{
	"type": true, "properties": true, "fields": true, "format": true, "ignore_above": true,
	"index": true, "doc_values": true, "store": true, "null_value": true, "coerce": true,
	"ignore_malformed": true, "analyzer": true, "search_analyzer": true, "normalizer": true,
	"copy_to": true, "enabled": true, "dynamic": true, "boost": true, "fielddata": true,
	"norms": true, "similarity": true, "index_options": true, "term_vector": true,
	"scaling_factor": true, "eager_global_ordinals": true, "split_queries_on_whitespace": true,
	"locale": true, "meta": true, "include_in_parent": true, "include_in_root": true,
	"position_increment_gap": true, "index_prefixes": true, "index_phrases": true,
	"search_quote_analyzer": true, "subobjects": true, "time_series_dimension": true,
	"time_series_metric": true, "on_script_error": true, "script": true,
}

func errMapperParsing(reason string) *esError {
	return newErr(http.StatusBadRequest, "mapper_parsing_exception", reason)
}

// parseMapping builds a mapping from the "mappings" object of a create
// index request (nil means empty).
func parseMapping(n *jnode) (*mapping, *esError) {
	m := &mapping{dateDetection: true, dynDateSpecs: []string{"strict_date_optional_time", "yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z"}}
	m.root = &fieldMapping{typ: ftObject, typeName: "object", enabled: true, props: map[string]*fieldMapping{}}
	if n != nil && n.kind != jObj {
		return nil, errMapperParsing("Failed to parse mapping: Expected map for property [mappings] but got a " + kindName(n))
	}
	if n != nil {
		var unknown []string
		for i, k := range n.keys {
			v := n.vals[i]
			switch k {
			case "properties":
				props, err := parseProperties(v, "", "")
				if err != nil {
					return nil, err
				}
				m.root.props = props
			case "dynamic":
				d, ok := dynNames[v.text()]
				if !ok {
					return nil, errMapperParsing("Failed to parse mapping: Could not convert [dynamic] to boolean")
				}
				m.root.dynamic = d
			case "date_detection":
				b, ok := v.asBool()
				if !ok {
					return nil, errMapperParsing("Failed to parse mapping: Could not convert [date_detection] to boolean")
				}
				m.dateDetection = b
			case "numeric_detection":
				b, ok := v.asBool()
				if !ok {
					return nil, errMapperParsing("Failed to parse mapping: Could not convert [numeric_detection] to boolean")
				}
				m.numericDetection = b
			case "dynamic_date_formats":
				m.dynDateSpecs = nil
				for _, e := range v.list() {
					m.dynDateSpecs = append(m.dynDateSpecs, e.text())
				}
				m.rootParams = append(m.rootParams, param{k, v})
			default:
				if !knownRootParams[k] {
					unknown = append(unknown, k+" : "+v.preview())
					continue
				}
				m.rootParams = append(m.rootParams, param{k, v})
			}
		}
		if len(unknown) > 0 {
			return nil, errMapperParsing("Failed to parse mapping: Root mapping definition has unsupported parameters:  [" + strings.Join(unknown, "] [") + "]")
		}
	}
	for _, spec := range m.dynDateSpecs {
		f, err := compileDateFormat(spec)
		if err != nil {
			return nil, errMapperParsing("Failed to parse mapping: " + err.Error())
		}
		m.dynDateFormats = append(m.dynDateFormats, f)
	}
	m.index()
	return m, nil
}

func kindName(n *jnode) string {
	switch n.kind {
	case jStr:
		return "java.lang.String"
	case jArr:
		return "java.util.ArrayList"
	case jNum:
		return "java.lang.Integer"
	case jBool:
		return "java.lang.Boolean"
	}
	return "null"
}

func parseProperties(n *jnode, prefix, nestedPath string) (map[string]*fieldMapping, *esError) {
	if n.kind != jObj {
		return nil, errMapperParsing("Failed to parse mapping: Expected map for property [properties] on field [" + strings.TrimSuffix(prefix, ".") + "] but got a " + kindName(n))
	}
	props := make(map[string]*fieldMapping, len(n.keys))
	for i, name := range n.keys {
		if name == "" {
			return nil, errMapperParsing("Failed to parse mapping: field name cannot be an empty string")
		}
		fm, err := parseField(name, prefix+name, n.vals[i], nestedPath)
		if err != nil {
			return nil, err
		}
		props[name] = fm
	}
	return props, nil
}

func parseField(name, path string, n *jnode, nestedPath string) (*fieldMapping, *esError) {
	if n.kind != jObj {
		return nil, errMapperParsing("Failed to parse mapping: Expected map for property [fields] on field [" + path + "] but got a " + kindName(n))
	}
	fm := &fieldMapping{name: name, path: path, enabled: true, coerce: true, ignoreAbove: -1, nestedPath: nestedPath}
	tn := n.get("type")
	switch {
	case tn != nil:
		fm.typeName = tn.text()
		fm.explicitType = true
	case n.get("properties") != nil || n.get("dynamic") != nil || n.get("enabled") != nil:
		fm.typeName = "object"
	default:
		fm.typeName = "object"
	}
	t, ok := fieldTypeNames[fm.typeName]
	if !ok {
		return nil, errMapperParsing("Failed to parse mapping: No handler for type [" + fm.typeName + "] declared on field [" + name + "]")
	}
	fm.typ = t
	if t == ftNested {
		nestedPath = path
		fm.nestedPath = path
	}
	var unknown []string
	for i, k := range n.keys {
		v := n.vals[i]
		switch k {
		case "type":
			continue
		case "properties":
			if !t.isObject() {
				unknown = append(unknown, k)
				continue
			}
			props, err := parseProperties(v, path+".", nestedPath)
			if err != nil {
				return nil, err
			}
			fm.props = props
			continue
		case "fields":
			if t.isObject() || v.kind != jObj {
				unknown = append(unknown, k)
				continue
			}
			fm.fields = map[string]*fieldMapping{}
			for j, sub := range v.keys {
				sf, err := parseField(sub, path+"."+sub, v.vals[j], nestedPath)
				if err != nil {
					return nil, err
				}
				if sf.typ.isObject() {
					return nil, errMapperParsing("Failed to parse mapping: Type [" + sf.typeName + "] cannot be used in multi field")
				}
				sf.multiParent = fm
				fm.fields[sub] = sf
			}
		case "format":
			if !t.isDate() {
				unknown = append(unknown, k)
				continue
			}
			f, err := compileDateFormat(v.text())
			if err != nil {
				return nil, errMapperParsing("Failed to parse mapping: Error parsing [format] on field [" + name + "]: " + err.Error())
			}
			fm.format = f
		case "ignore_above":
			iv, ok := v.asInt()
			if !ok || t != ftKeyword {
				unknown = append(unknown, k)
				continue
			}
			fm.ignoreAbove = int(iv)
		case "dynamic":
			d, ok := dynNames[v.text()]
			if !ok || !t.isObject() {
				return nil, errMapperParsing("Failed to parse mapping: Could not convert [" + path + ".dynamic] to boolean")
			}
			fm.dynamic = d
		case "enabled":
			b, _ := v.asBool()
			fm.enabled = b
		case "coerce":
			b, _ := v.asBool()
			fm.coerce = b
		case "ignore_malformed":
			b, _ := v.asBool()
			fm.ignoreMal = b
		case "fielddata":
			b, _ := v.asBool()
			fm.fielddata = b
		default:
			if !knownFieldParams[k] {
				unknown = append(unknown, k)
				continue
			}
		}
		fm.params = append(fm.params, param{k, v})
	}
	if len(unknown) > 0 {
		return nil, errMapperParsing("Failed to parse mapping: unknown parameter [" + unknown[0] + "] on mapper [" + name + "] of type [" + fm.typeName + "]")
	}
	if t == ftScaledFloat && n.get("scaling_factor") == nil {
		return nil, errMapperParsing("Failed to parse mapping: Field [scaling_factor] is required")
	}
	if t.isDate() && fm.format == nil {
		fm.format, _ = compileDateFormat(defaultDateFormat)
	}
	if t.isObject() && fm.props == nil {
		fm.props = map[string]*fieldMapping{}
	}
	return fm, nil
}
