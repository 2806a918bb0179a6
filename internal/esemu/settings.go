package esemu

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// indexSettings holds the index settings the emulator acts on, plus every
// other accepted setting verbatim (flat "index.*" keys) for GET _settings.
type indexSettings struct {
	shards          int
	replicas        int
	refresh         time.Duration
	refreshSet      bool
	maxResultWindow int
	other           map[string]string
}

func defaultSettings() indexSettings {
	return indexSettings{shards: 1, replicas: 1, maxResultWindow: 10000, other: map[string]string{}}
}

// settingRule says whether a setting (or a family, by prefix) exists and
// whether it may change on an open index.
type settingRule struct {
	key     string
	prefix  bool
	dynamic bool
}

var settingRules = []settingRule{
	{"index.number_of_shards", false, false},
	{"index.number_of_replicas", false, true},
	{"index.refresh_interval", false, true},
	{"index.max_result_window", false, true},
	{"index.auto_expand_replicas", false, true},
	{"index.codec", false, false},
	{"index.hidden", false, true},
	{"index.number_of_routing_shards", false, false},
	{"index.analysis.", true, false},
	{"index.mapping.", true, true},
	{"index.blocks.", true, true},
	{"index.routing.", true, true},
	{"index.sort.", true, false},
	{"index.lifecycle.", true, true},
	{"index.translog.", true, true},
	{"index.merge.", true, true},
	{"index.search.", true, true},
	{"index.indexing.", true, true},
	{"index.similarity.", true, false},
	{"index.store.", true, false},
	{"index.unassigned.", true, true},
	{"index.write.", true, true},
	{"index.query.", true, true},
	{"index.highlight.", true, true},
	{"index.queries.", true, true},
	{"index.requests.", true, true},
	{"index.max_inner_result_window", false, true},
	{"index.max_ngram_diff", false, true},
	{"index.max_shingle_diff", false, true},
	{"index.max_terms_count", false, true},
	{"index.max_regex_length", false, true},
	{"index.default_pipeline", false, true},
	{"index.final_pipeline", false, true},
	{"index.priority", false, true},
	{"index.gc_deletes", false, true},
	{"index.shard.check_on_startup", false, false},
	{"index.soft_deletes.", true, false},
	{"index.load_fixed_bitset_filters_eagerly", false, false},
	{"index.format", false, false},
}

func ruleFor(key string) (settingRule, bool) {
	for _, r := range settingRules {
		if r.prefix && strings.HasPrefix(key, r.key) || !r.prefix && key == r.key {
			return r, true
		}
	}
	return settingRule{}, false
}

// flatSetting is one setting change; null resets the setting.
type flatSetting struct {
	key   string
	value string
	null  bool
}

// flattenSettings turns {"index":{"refresh_interval":"1s"}},
// {"index.refresh_interval":"1s"} or {"refresh_interval":"1s"} into flat
// "index.*" keys, as ES's Settings builder does.
func flattenSettings(n *jnode) ([]flatSetting, *esError) {
	if n == nil {
		return nil, nil
	}
	if n.kind != jObj {
		return nil, errIllegalArgument("malformed settings: expected an object")
	}
	var out []flatSetting
	var walk func(prefix string, v *jnode)
	walk = func(prefix string, v *jnode) {
		switch v.kind {
		case jObj:
			for i, k := range v.keys {
				walk(joinPath(prefix, k), v.vals[i])
			}
		case jArr:
			for i, e := range v.vals {
				walk(prefix+"."+strconv.Itoa(i), e)
			}
		case jNull:
			out = append(out, flatSetting{key: prefix, null: true})
		default:
			out = append(out, flatSetting{key: prefix, value: v.text()})
		}
	}
	walk("", n)
	for i := range out {
		if !strings.HasPrefix(out[i].key, "index.") {
			out[i].key = "index." + out[i].key
		}
	}
	return out, nil
}

// parseTimeValue parses an ES time value ("1s", "500ms", "-1").
func parseTimeValue(setting, v string) (time.Duration, *esError) {
	bad := func(why string) *esError {
		return errIllegalArgument("failed to parse setting [" + setting + "] with value [" + v + "] as a time value: " + why)
	}
	switch v {
	case "-1":
		return -1, nil
	case "0":
		return 0, nil
	}
	units := []struct {
		suffix string
		d      time.Duration
	}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	lower := strings.ToLower(strings.TrimSpace(v))
	for _, u := range units {
		if num, ok := strings.CutSuffix(lower, u.suffix); ok && num != "" {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad("unit is missing or unrecognized")
			}
			if f < 0 {
				return 0, errIllegalArgument("failed to parse value [" + v + "] for setting [" + setting + "], must be >= [-1]")
			}
			return time.Duration(f * float64(u.d)), nil
		}
	}
	return 0, bad("unit is missing or unrecognized")
}

// apply validates and applies setting changes. onCreate allows static
// settings; uuid is used in the "non dynamic settings" message.
func (st *indexSettings) apply(changes []flatSetting, onCreate bool, name, uuid string) *esError {
	var static []string
	for _, c := range changes {
		r, ok := ruleFor(c.key)
		if !ok {
			return errIllegalArgument("unknown setting [" + c.key + "] please check that any required plugins are installed, or check the breaking changes documentation for removed settings")
		}
		if !onCreate && !r.dynamic {
			static = append(static, c.key)
		}
	}
	if len(static) > 0 {
		return errIllegalArgument("Can't update non dynamic settings [[" + strings.Join(static, ", ") + "]] for open indices [[" + name + "/" + uuid + "]]")
	}
	next := *st
	next.other = make(map[string]string, len(st.other))
	for k, v := range st.other {
		next.other[k] = v
	}
	for _, c := range changes {
		intValue := func(min int) (int, *esError) {
			n, err := strconv.Atoi(c.value)
			if err != nil {
				return 0, errIllegalArgument("Failed to parse value [" + c.value + "] for setting [" + c.key + "]")
			}
			if n < min {
				return 0, errIllegalArgument("Failed to parse value [" + c.value + "] for setting [" + c.key + "] must be >= " + strconv.Itoa(min))
			}
			return n, nil
		}
		switch c.key {
		case "index.number_of_shards":
			next.shards = 1
			if !c.null {
				n, err := intValue(1)
				if err != nil {
					return err
				}
				next.shards = n
			}
		case "index.number_of_replicas":
			next.replicas = 1
			if !c.null {
				n, err := intValue(0)
				if err != nil {
					return err
				}
				next.replicas = n
			}
		case "index.max_result_window":
			next.maxResultWindow = 10000
			if !c.null {
				n, err := intValue(1)
				if err != nil {
					return err
				}
				next.maxResultWindow = n
			}
		case "index.refresh_interval":
			next.refreshSet, next.refresh = false, 0
			if !c.null {
				d, err := parseTimeValue(c.key, c.value)
				if err != nil {
					return err
				}
				next.refreshSet, next.refresh = true, d
				next.other[c.key] = c.value
				continue
			}
		default:
			if c.null {
				delete(next.other, c.key)
			} else {
				next.other[c.key] = c.value
			}
			continue
		}
		delete(next.other, c.key)
	}
	*st = next
	return nil
}

// flat lists all settings of an index as GET _settings reports them.
func (ix *index) flatSettings() map[string]string {
	st := ix.settings
	out := map[string]string{
		"index.number_of_shards":                            strconv.Itoa(st.shards),
		"index.number_of_replicas":                          strconv.Itoa(st.replicas),
		"index.uuid":                                        ix.uuid,
		"index.provided_name":                               ix.name,
		"index.creation_date":                               strconv.FormatInt(ix.created.UnixMilli(), 10),
		"index.version.created":                             "8531000",
		"index.routing.allocation.include._tier_preference": "data_content",
	}
	if st.maxResultWindow != 10000 {
		out["index.max_result_window"] = strconv.Itoa(st.maxResultWindow)
	}
	for k, v := range st.other {
		out[k] = v
	}
	return out
}

// renderSettings writes flat settings either flat or as nested objects.
func renderSettings(b []byte, flat map[string]string, asFlat bool) []byte {
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if asFlat {
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, flat[k])
		}
		return append(b, '}')
	}
	root := objNode()
	for _, k := range keys {
		parts := strings.Split(k, ".")
		cur := root
		for i, p := range parts {
			if i == len(parts)-1 {
				if existing := cur.get(p); existing != nil && existing.kind == jObj {
					// A value and an object share a name; keep the value flat.
					cur.set(strings.Join(parts[i:], "."), strNode(flat[k]))
					break
				}
				cur.set(p, strNode(flat[k]))
				break
			}
			next := cur.get(p)
			if next == nil || next.kind != jObj {
				next = objNode()
				cur.set(p, next)
			}
			cur = next
		}
	}
	return root.appendJSON(b)
}
