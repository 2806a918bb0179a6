package esemu

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// aliasProps are the properties of one alias on one index.
type aliasProps struct {
	isWriteIndex  *bool
	isHidden      *bool
	filter        *jnode
	indexRouting  string
	searchRouting string
}

func (p *aliasProps) render(b []byte) []byte {
	b = append(b, '{')
	n := 0
	sep := func() {
		if n > 0 {
			b = append(b, ',')
		}
		n++
	}
	if p.filter != nil {
		sep()
		b = append(b, `"filter":`...)
		b = p.filter.appendJSON(b)
	}
	if p.indexRouting != "" {
		sep()
		b = append(b, `"index_routing":`...)
		b = appendString(b, p.indexRouting)
	}
	if p.searchRouting != "" {
		sep()
		b = append(b, `"search_routing":`...)
		b = appendString(b, p.searchRouting)
	}
	if p.isWriteIndex != nil {
		sep()
		b = append(b, `"is_write_index":`...)
		b = strconv.AppendBool(b, *p.isWriteIndex)
	}
	if p.isHidden != nil {
		sep()
		b = append(b, `"is_hidden":`...)
		b = strconv.AppendBool(b, *p.isHidden)
	}
	return append(b, '}')
}

// aliasAction is one parsed entry of POST /_aliases.
type aliasAction struct {
	kind      string // add, remove, remove_index
	indices   []string
	aliases   []string
	props     aliasProps
	mustExist *bool
	raw       *jnode
}

func parseAliasAction(n *jnode) (*aliasAction, *esError) {
	if n.kind != jObj || len(n.keys) != 1 {
		return nil, errParsing("[aliases] failed to parse field [actions]")
	}
	a := &aliasAction{kind: n.keys[0], raw: n}
	body := n.vals[0]
	switch a.kind {
	case "add", "remove", "remove_index":
	default:
		return nil, errIllegalArgument("[aliases] unknown field [" + a.kind + "]")
	}
	if body.kind != jObj {
		return nil, errParsing("[" + a.kind + "] failed to parse field [" + a.kind + "]")
	}
	for i, k := range body.keys {
		v := body.vals[i]
		switch k {
		case "index":
			a.indices = append(a.indices, v.text())
		case "indices":
			for _, e := range v.list() {
				a.indices = append(a.indices, e.text())
			}
		case "alias":
			a.aliases = append(a.aliases, v.text())
		case "aliases":
			for _, e := range v.list() {
				a.aliases = append(a.aliases, e.text())
			}
		case "filter":
			a.props.filter = v
		case "routing":
			a.props.indexRouting, a.props.searchRouting = v.text(), v.text()
		case "index_routing":
			a.props.indexRouting = v.text()
		case "search_routing":
			a.props.searchRouting = v.text()
		case "is_write_index":
			b, ok := v.asBool()
			if !ok {
				return nil, errParsing("[" + a.kind + "] failed to parse field [is_write_index]")
			}
			a.props.isWriteIndex = &b
		case "is_hidden":
			b, _ := v.asBool()
			a.props.isHidden = &b
		case "must_exist":
			b, _ := v.asBool()
			a.mustExist = &b
		default:
			return nil, errParsing("[" + a.kind + "] unknown field [" + k + "]")
		}
	}
	var msgs []string
	if len(a.indices) == 0 {
		msgs = append(msgs, "One of [index] or [indices] is required")
	}
	if a.kind != "remove_index" && len(a.aliases) == 0 {
		msgs = append(msgs, "One of [alias] or [aliases] is required")
	}
	if len(msgs) > 0 {
		return nil, errValidation(msgs...)
	}
	return a, nil
}

// aliasResult is one entry of "action_results".
type aliasResult struct {
	action *aliasAction
	err    *esError
}

// applyAliasActions validates and applies actions all-or-nothing:
// remove_index actions first, then add/remove in request order. Callers
// hold e.mu for writing.
func (e *Emulator) applyAliasActions(actions []*aliasAction) ([]aliasResult, *esError) {
	table := map[string]map[string]*aliasProps{}
	for a, m := range e.aliases {
		cp := make(map[string]*aliasProps, len(m))
		for k, v := range m {
			cp[k] = v
		}
		table[a] = cp
	}
	removed := map[string]bool{}
	exists := func(n string) bool { return e.indices[n] != nil && !removed[n] }
	concrete := func(a *aliasAction) ([]string, *esError) {
		var out []string
		for _, expr := range a.indices {
			if isWildcard(expr) {
				for n := range e.indices {
					if globMatch(expr, n) && exists(n) {
						out = append(out, n)
					}
				}
				continue
			}
			if _, isAlias := e.aliases[expr]; isAlias && a.kind == "remove_index" {
				return nil, errAliasDelete(expr)
			}
			if !exists(expr) {
				return nil, errIndexNotFound(expr)
			}
			out = append(out, expr)
		}
		sort.Strings(out)
		return out, nil
	}
	for _, a := range actions {
		if a.kind != "remove_index" {
			continue
		}
		names, err := concrete(a)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			removed[n] = true
			for alias, members := range table {
				delete(members, n)
				if len(members) == 0 {
					delete(table, alias)
				}
			}
		}
	}
	results := make([]aliasResult, len(actions))
	failed := 0
	var missing []string
	for i, a := range actions {
		results[i].action = a
		if a.kind == "remove_index" {
			continue
		}
		names, err := concrete(a)
		if err != nil {
			return nil, err
		}
		switch a.kind {
		case "add":
			for _, alias := range a.aliases {
				if why := nameProblem(alias); why != "" {
					return nil, errInvalidAliasName(alias, why)
				}
				if exists(alias) {
					return nil, errInvalidAliasName(alias, "an index or data stream exists with the same name as the alias")
				}
				if a.props.filter != nil {
					for _, n := range names {
						if _, qerr := compileQuery(a.props.filter, e.indices[n].mapping.Load(), e); qerr != nil {
							return nil, errIllegalArgument("failed to parse filter for alias ["+alias+"]").withCause(qerr, true)
						}
					}
				}
				for _, n := range names {
					if table[alias] == nil {
						table[alias] = map[string]*aliasProps{}
					}
					props := a.props
					table[alias][n] = &props
				}
			}
		case "remove":
			hit := false
			for _, n := range names {
				for _, pattern := range a.aliases {
					for alias, members := range table {
						if _, on := members[n]; on && globMatch(pattern, alias) {
							delete(members, n)
							if len(members) == 0 {
								delete(table, alias)
							}
							hit = true
						}
					}
				}
			}
			if !hit {
				if a.mustExist != nil && *a.mustExist {
					return nil, errAliasesNotFound(a.aliases...)
				}
				results[i].err = errAliasesNotFound(a.aliases...)
				missing = append(missing, a.aliases...)
				failed++
			}
		}
	}
	if failed == len(actions) {
		return nil, errAliasesNotFound(missing...)
	}
	for alias, members := range table {
		var writers []string
		for n, p := range members {
			if p.isWriteIndex != nil && *p.isWriteIndex {
				writers = append(writers, n)
			}
		}
		if len(writers) > 1 {
			sort.Strings(writers)
			return nil, newErr(http.StatusBadRequest, "illegal_state_exception",
				"alias ["+alias+"] has more than one write index ["+strings.Join(writers, ",")+"]")
		}
	}
	for n := range removed {
		e.dropIndexLocked(n)
	}
	e.aliases = table
	e.cache.invalidate()
	return results, nil
}
