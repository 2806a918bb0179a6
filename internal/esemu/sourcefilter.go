package esemu

import "strings"

// sourceFilter is _source filtering: false, or include/exclude patterns
// with '*' wildcards, applied as XContentMapValues.filter does.
type sourceFilter struct {
	disabled bool
	includes []string
	excludes []string
}

func (f sourceFilter) enabled() bool { return !f.disabled }

// parseSourceFilter reads the search body's "_source": true, false, a
// pattern, a list, or {includes, excludes}.
func parseSourceFilter(n *jnode) (sourceFilter, *esError) {
	var f sourceFilter
	if n == nil {
		return f, nil
	}
	switch n.kind {
	case jBool:
		b, _ := n.asBool()
		f.disabled = !b
	case jStr:
		f.includes = []string{n.text()}
	case jArr:
		for _, v := range n.vals {
			f.includes = append(f.includes, v.text())
		}
	case jObj:
		for i, k := range n.keys {
			var list []string
			for _, v := range n.vals[i].list() {
				list = append(list, v.text())
			}
			switch k {
			case "includes", "include":
				f.includes = list
			case "excludes", "exclude":
				f.excludes = list
			default:
				return f, errParsing("Unknown key for a START_ARRAY in [" + k + "].")
			}
		}
	default:
		return f, errParsing("Unexpected token for [_source]")
	}
	return f, nil
}

// sourceFilterFromParams reads _source, _source_includes and
// _source_excludes URL parameters.
func sourceFilterFromParams(c *call) (sourceFilter, *esError) {
	var f sourceFilter
	if c.query.Has("_source") {
		switch v := c.query.Get("_source"); v {
		case "false":
			f.disabled = true
		case "true", "":
		default:
			f.includes = strings.Split(v, ",")
		}
	}
	if v := c.query.Get("_source_includes"); v != "" {
		f.includes = strings.Split(v, ",")
	}
	if v := c.query.Get("_source_excludes"); v != "" {
		f.excludes = strings.Split(v, ",")
	}
	return f, nil
}

// apply appends the filtered source; without patterns the stored bytes
// are returned as they were sent.
func (f sourceFilter) apply(b, src []byte) []byte {
	if len(f.includes) == 0 && len(f.excludes) == 0 {
		return append(b, src...)
	}
	n, err := parseTree(src)
	if err != nil || n.kind != jObj {
		return append(b, src...)
	}
	out := f.filterObject(n, "", len(f.includes) == 0)
	if out == nil {
		out = objNode()
	}
	return out.appendJSON(b)
}

func (f sourceFilter) filterObject(n *jnode, prefix string, included bool) *jnode {
	out := objNode()
	for i, k := range n.keys {
		path := joinPath(prefix, k)
		if matchesAny(f.excludes, path) {
			continue
		}
		inc := included || matchesAny(f.includes, path)
		v := n.vals[i]
		if inc && len(f.excludes) == 0 {
			out.set(k, v)
			continue
		}
		if !inc && !f.mayIncludeBelow(path) {
			continue
		}
		switch v.kind {
		case jObj:
			sub := f.filterObject(v, path, inc)
			if sub != nil && (len(sub.keys) > 0 || inc) {
				out.set(k, sub)
			}
		case jArr:
			arr := &jnode{kind: jArr}
			for _, e := range v.vals {
				switch {
				case e.kind == jObj:
					if sub := f.filterObject(e, path, inc); sub != nil && (len(sub.keys) > 0 || inc) {
						arr.vals = append(arr.vals, sub)
					}
				case inc:
					arr.vals = append(arr.vals, e)
				}
			}
			if inc || len(arr.vals) > 0 {
				out.set(k, arr)
			}
		default:
			if inc {
				out.set(k, v)
			}
		}
	}
	if len(out.keys) == 0 && !included {
		return nil
	}
	return out
}

func matchesAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if globMatch(p, path) {
			return true
		}
	}
	return false
}

// mayIncludeBelow reports whether some include pattern can match a field
// below path.
func (f sourceFilter) mayIncludeBelow(path string) bool {
	pre := path + "."
	for _, p := range f.includes {
		i := strings.IndexByte(p, '*')
		if i < 0 {
			if strings.HasPrefix(p, pre) {
				return true
			}
			continue
		}
		head := p[:i]
		if strings.HasPrefix(head, pre) || strings.HasPrefix(pre, head) {
			return true
		}
	}
	return false
}
