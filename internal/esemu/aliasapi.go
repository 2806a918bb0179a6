package esemu

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func aliasesResponse(results []aliasResult) []byte {
	errorsSeen := false
	for _, r := range results {
		if r.err != nil {
			errorsSeen = true
		}
	}
	b := []byte(`{"acknowledged":true,"errors":`)
	b = strconv.AppendBool(b, errorsSeen)
	if errorsSeen {
		b = append(b, `,"action_results":[`...)
		for i, r := range results {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"action":{"type":`...)
			b = appendString(b, r.action.kind)
			b = append(b, `,"indices":`...)
			b = appendStrings(b, r.action.indices)
			b = append(b, `,"aliases":`...)
			b = appendStrings(b, r.action.aliases)
			b = append(b, `},"status":`...)
			if r.err != nil {
				b = strconv.AppendInt(b, int64(r.err.status), 10)
				b = append(b, `,"error":`...)
				b = r.err.appendObject(b)
			} else {
				b = append(b, "200"...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// handleUpdateAliases is POST /_aliases.
func (e *Emulator) handleUpdateAliases(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	acts := body.get("actions")
	if acts == nil || len(acts.list()) == 0 {
		c.fail(errValidation("No action specified"))
		return
	}
	var actions []*aliasAction
	for _, n := range acts.list() {
		a, err := parseAliasAction(n)
		if err != nil {
			c.fail(err)
			return
		}
		actions = append(actions, a)
	}
	e.mu.Lock()
	results, err := e.applyAliasActions(actions)
	e.mu.Unlock()
	if err != nil {
		c.fail(err)
		return
	}
	c.reply(http.StatusOK, aliasesResponse(results))
}

// handlePutAlias is PUT /{index}/_alias/{name}.
func (e *Emulator) handlePutAlias(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	n := objNode()
	inner := objNode()
	if body != nil && body.kind == jObj {
		for i, k := range body.keys {
			inner.set(k, body.vals[i])
		}
	}
	inner.set("index", strNode(c.param("index")))
	inner.set("alias", strNode(c.param("name")))
	n.set("add", inner)
	a, err := parseAliasAction(n)
	if err != nil {
		c.fail(err)
		return
	}
	a.indices = strings.Split(c.param("index"), ",")
	e.mu.Lock()
	results, err := e.applyAliasActions([]*aliasAction{a})
	e.mu.Unlock()
	if err != nil {
		c.fail(err)
		return
	}
	c.reply(http.StatusOK, aliasesResponse(results))
}

// handleDeleteAlias is DELETE /{index}/_alias/{name}.
func (e *Emulator) handleDeleteAlias(c *call) {
	a := &aliasAction{kind: "remove", indices: strings.Split(c.param("index"), ","), aliases: strings.Split(c.param("name"), ",")}
	e.mu.Lock()
	_, err := e.applyAliasActions([]*aliasAction{a})
	e.mu.Unlock()
	if err != nil {
		c.fail(err)
		return
	}
	c.reply(http.StatusOK, []byte(`{"acknowledged":true,"errors":false}`))
}

// handleGetAlias answers GET/HEAD /_alias, /_alias/{name}, /{index}/_alias
// and /{index}/_alias/{name} like RestGetAliasesAction, including its
// string-error 404 for explicitly named aliases that are missing.
func (e *Emulator) handleGetAlias(c *call) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var indices []*index
	if expr := c.param("index"); expr != "" {
		o, err := c.resolveOpts(resolveOpts{allowNoIndices: true})
		if err != nil {
			c.fail(err)
			return
		}
		ixs, err := e.resolveIndices(expr, o)
		if err != nil {
			c.fail(err)
			return
		}
		indices = ixs
	} else {
		for _, ix := range e.indices {
			indices = append(indices, ix)
		}
		sort.Slice(indices, func(i, j int) bool { return indices[i].name < indices[j].name })
	}
	var names []string
	namesGiven := c.param("name") != ""
	if namesGiven {
		names = strings.Split(c.param("name"), ",")
	}
	matches := func(alias string) bool {
		if !namesGiven {
			return true
		}
		in := false
		for _, p := range names {
			if p == "_all" || p == "*" {
				in = true
			} else if strings.HasPrefix(p, "-") && in {
				if globMatch(p[1:], alias) {
					in = false
				}
			} else if globMatch(p, alias) {
				in = true
			}
		}
		return in
	}
	found := map[string]bool{}
	b := []byte{'{'}
	var entries []byte
	for _, ix := range indices {
		var aliasNames []string
		for a, members := range e.aliases {
			if _, on := members[ix.name]; on && matches(a) {
				aliasNames = append(aliasNames, a)
			}
		}
		if namesGiven && len(aliasNames) == 0 {
			continue
		}
		sort.Strings(aliasNames)
		if len(entries) > 0 {
			entries = append(entries, ',')
		}
		entries = appendString(entries, ix.name)
		entries = append(entries, `:{"aliases":{`...)
		for i, a := range aliasNames {
			found[a] = true
			if i > 0 {
				entries = append(entries, ',')
			}
			entries = appendString(entries, a)
			entries = append(entries, ':')
			entries = e.aliases[a][ix.name].render(entries)
		}
		entries = append(entries, "}}"...)
	}
	var missing []string
	for i, n := range names {
		if n == "_all" || isWildcard(n) || strings.HasPrefix(n, "-") || found[n] {
			continue
		}
		excluded := false
		for _, later := range names[i+1:] {
			if strings.HasPrefix(later, "-") && globMatch(later[1:], n) {
				excluded = true
			}
		}
		if !excluded {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	status := http.StatusOK
	if len(missing) > 0 {
		status = http.StatusNotFound
		msg := "alias [" + missing[0] + "] missing"
		if len(missing) > 1 {
			msg = "aliases [" + strings.Join(missing, ",") + "] missing"
		}
		b = append(b, `"error":`...)
		b = appendString(b, msg)
		b = append(b, `,"status":404`...)
		if len(entries) > 0 {
			b = append(b, ',')
		}
	}
	b = append(b, entries...)
	b = append(b, '}')
	if c.head && status == http.StatusOK && namesGiven && len(found) == 0 {
		status = http.StatusNotFound
	}
	c.reply(status, b)
}
