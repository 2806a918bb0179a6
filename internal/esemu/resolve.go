package esemu

import (
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// resolveOpts are the IndicesOptions that matter to the emulator.
type resolveOpts struct {
	// noAliases makes an alias name an error (DELETE /{index}).
	noAliases         bool
	ignoreUnavailable bool
	// allowNoIndices: a wildcard matching nothing is not an error.
	allowNoIndices bool
	// destructive refuses wildcards when the cluster requires names.
	destructive bool
}

// target is one concrete index of a search and the alias filters that
// apply to it (none when the index was also reached unfiltered).
type target struct {
	ix         *index
	filters    []*jnode
	unfiltered bool
}

func isWildcard(s string) bool { return strings.Contains(s, "*") }

// globMatch is ES's Regex.simpleMatch: only '*' is special.
func globMatch(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(name, mid)
		if i < 0 {
			return false
		}
		name = name[i+len(mid):]
	}
	return strings.HasSuffix(name, last)
}

func (c *call) resolveOpts(def resolveOpts) (resolveOpts, *esError) {
	o := def
	var err *esError
	if o.ignoreUnavailable, err = c.boolParam("ignore_unavailable", o.ignoreUnavailable); err != nil {
		return o, err
	}
	if o.allowNoIndices, err = c.boolParam("allow_no_indices", o.allowNoIndices); err != nil {
		return o, err
	}
	return o, nil
}

// resolveTargets expands an index expression into concrete indices with
// their alias filters. Callers hold e.mu for reading.
func (e *Emulator) resolveTargets(expr string, o resolveOpts) ([]target, *esError) {
	byName := map[string]*target{}
	add := func(ix *index, filter *jnode) {
		t := byName[ix.name]
		if t == nil {
			t = &target{ix: ix}
			byName[ix.name] = t
		}
		if filter == nil {
			t.unfiltered = true
		} else {
			t.filters = append(t.filters, filter)
		}
	}
	remove := func(pattern string) {
		for n := range byName {
			if globMatch(pattern, n) {
				delete(byName, n)
			}
		}
	}
	parts := strings.Split(expr, ",")
	if expr == "" || expr == "_all" {
		parts = []string{"*"}
	}
	sawWildcard := false
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.HasPrefix(p, "-") && sawWildcard {
			remove(p[1:])
			continue
		}
		if p == "_all" {
			p = "*"
		}
		if isWildcard(p) {
			if o.destructive && e.destructiveRequiresName {
				return nil, errIllegalArgument("Wildcard expressions or all indices are not allowed")
			}
			sawWildcard = true
			for n, ix := range e.indices {
				if globMatch(p, n) && !(strings.HasPrefix(n, ".") && !strings.HasPrefix(p, ".")) && !ix.isHidden() {
					add(ix, nil)
				}
			}
			if !o.noAliases {
				for a, members := range e.aliases {
					if !globMatch(p, a) {
						continue
					}
					for n, props := range members {
						add(e.indices[n], props.filter)
					}
				}
			}
			continue
		}
		if ix := e.indices[p]; ix != nil {
			add(ix, nil)
			continue
		}
		if members, ok := e.aliases[p]; ok {
			if o.noAliases {
				return nil, errAliasDelete(p)
			}
			for n, props := range members {
				add(e.indices[n], props.filter)
			}
			continue
		}
		if o.ignoreUnavailable {
			continue
		}
		return nil, errIndexNotFound(p)
	}
	if len(byName) == 0 && !o.allowNoIndices {
		return nil, errIndexNotFound(expr)
	}
	out := make([]target, 0, len(byName))
	for _, t := range byName {
		if t.unfiltered {
			t.filters = nil
		}
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ix.name < out[j].ix.name })
	return out, nil
}

// resolveIndices is resolveTargets without the filters.
func (e *Emulator) resolveIndices(expr string, o resolveOpts) ([]*index, *esError) {
	ts, err := e.resolveTargets(expr, o)
	if err != nil {
		return nil, err
	}
	out := make([]*index, len(ts))
	for i, t := range ts {
		out[i] = t.ix
	}
	return out, nil
}

// writeIndex resolves the index a write to name goes to: the index itself,
// or an alias's write index. nil, nil means the name is free (auto-create).
// Callers hold e.mu.
func (e *Emulator) writeIndex(name string) (*index, *esError) {
	if ix := e.indices[name]; ix != nil {
		return ix, nil
	}
	members, ok := e.aliases[name]
	if !ok {
		return nil, nil
	}
	var only, write *index
	for n, p := range members {
		only = e.indices[n]
		if p.isWriteIndex != nil && *p.isWriteIndex {
			write = e.indices[n]
		}
	}
	if write != nil {
		return write, nil
	}
	if len(members) == 1 {
		for _, p := range members {
			if p.isWriteIndex == nil || *p.isWriteIndex {
				return only, nil
			}
		}
	}
	return nil, errNoWriteIndex(name)
}

// validateIndexName applies MetadataCreateIndexService.validateIndexName.
// Callers hold e.mu.
func (e *Emulator) validateIndexName(name string) *esError {
	if why := nameProblem(name); why != "" {
		return errInvalidIndexName(name, why)
	}
	if strings.ToLower(name) != name {
		return errInvalidIndexName(name, "must be lowercase")
	}
	if ix := e.indices[name]; ix != nil {
		return errIndexExists(name, ix.uuid)
	}
	if _, ok := e.aliases[name]; ok {
		return errInvalidIndexName(name, "already exists as alias")
	}
	return nil
}

// nameProblem applies validateIndexOrAliasName; "" means valid.
func nameProblem(name string) string {
	if name == "" {
		return "must not be empty"
	}
	if strings.ContainsAny(name, "\\/*?\"<>| ,") {
		return `must not contain the following characters [ , ", *, \, <, |, ,, >, /, ?]`
	}
	if strings.Contains(name, "#") {
		return "must not contain '#'"
	}
	if strings.Contains(name, ":") {
		return "must not contain ':'"
	}
	if c := name[0]; c == '_' || c == '-' || c == '+' {
		return "must not start with '_', '-', or '+'"
	}
	if len(name) > 255 {
		return "index name is too long, (" + itoa(len(name)) + " > 255)"
	}
	if name == "." || name == ".." {
		return "must not be '.' or '..'"
	}
	if !utf8.ValidString(name) {
		return "must be valid UTF-8"
	}
	return ""
}

func errInvalidAliasName(name, why string) *esError {
	return newErr(http.StatusBadRequest, "invalid_alias_name_exception", "Invalid alias name ["+name+"]: "+why)
}
