package esemu

import "strings"

// applyFilterPath implements the filter_path response parameter for
// inclusive expressions ("hits.hits._id,took", with * and ** wildcards).
// Objects and arrays left empty are dropped; nothing matching gives {}.
func applyFilterPath(body []byte, spec string) ([]byte, *esError) {
	var exprs [][]string
	for _, e := range strings.Split(spec, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if strings.HasPrefix(e, "-") {
			return nil, errIllegalArgument("esemu does not implement exclusive filter_path expressions [" + e + "]")
		}
		exprs = append(exprs, strings.Split(e, "."))
	}
	if len(exprs) == 0 {
		return body, nil
	}
	n, err := parseTree(body)
	if err != nil {
		return body, nil
	}
	out, ok := filterNode(n, exprs)
	if !ok {
		return []byte("{}"), nil
	}
	return out.appendJSON(nil), nil
}

func filterNode(n *jnode, exprs [][]string) (*jnode, bool) {
	for _, e := range exprs {
		if len(e) == 0 {
			return n, true
		}
	}
	switch n.kind {
	case jObj:
		out := objNode()
		for i, k := range n.keys {
			var next [][]string
			for _, e := range exprs {
				next = append(next, advance(e, k)...)
			}
			if len(next) == 0 {
				continue
			}
			if child, ok := filterNode(n.vals[i], next); ok {
				out.set(k, child)
			}
		}
		return out, len(out.keys) > 0
	case jArr:
		out := &jnode{kind: jArr}
		for _, v := range n.vals {
			if child, ok := filterNode(v, exprs); ok {
				out.vals = append(out.vals, child)
			}
		}
		return out, len(out.vals) > 0
	}
	return nil, false
}

// advance consumes key k from expression e, returning what remains.
func advance(e []string, k string) [][]string {
	if e[0] == "**" {
		out := [][]string{e}
		if len(e) > 1 {
			out = append(out, advance(e[1:], k)...)
		} else {
			out = append(out, nil)
		}
		return out
	}
	if globMatch(e[0], k) {
		return [][]string{e[1:]}
	}
	return nil
}
