package esemu

import (
	"net/http"
	"sort"
)

// handleCreateIndex is PUT /{index} with {settings, mappings, aliases}.
func (e *Emulator) handleCreateIndex(c *call) {
	name := c.param("index")
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	var settingsNode, mappingsNode, aliasesNode *jnode
	if body != nil {
		if body.kind != jObj {
			c.fail(newErr(http.StatusBadRequest, "parse_exception", "Failed to derive xcontent"))
			return
		}
		for i, k := range body.keys {
			switch k {
			case "settings":
				settingsNode = body.vals[i]
			case "mappings":
				mappingsNode = body.vals[i]
			case "aliases":
				aliasesNode = body.vals[i]
			default:
				c.fail(newErr(http.StatusBadRequest, "parse_exception", "unknown key ["+k+"] for create index"))
				return
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.validateIndexName(name); err != nil {
		c.fail(err)
		return
	}
	ix, err := e.createIndexLocked(name, settingsNode, mappingsNode)
	if err != nil {
		c.fail(err)
		return
	}
	if aliasesNode != nil {
		if aliasesNode.kind != jObj {
			e.dropIndexLocked(name)
			c.fail(errParsing("Failed to parse [aliases]: expected an object"))
			return
		}
		var actions []*aliasAction
		for i, alias := range aliasesNode.keys {
			inner := objNode()
			if v := aliasesNode.vals[i]; v.kind == jObj {
				for j, k := range v.keys {
					inner.set(k, v.vals[j])
				}
			}
			inner.set("index", strNode(ix.name))
			inner.set("alias", strNode(alias))
			n := objNode()
			n.set("add", inner)
			a, aerr := parseAliasAction(n)
			if aerr != nil {
				e.dropIndexLocked(name)
				c.fail(aerr)
				return
			}
			actions = append(actions, a)
		}
		if len(actions) > 0 {
			if _, aerr := e.applyAliasActions(actions); aerr != nil {
				e.dropIndexLocked(name)
				c.fail(aerr)
				return
			}
		}
	}
	b := []byte(`{"acknowledged":true,"shards_acknowledged":true,"index":`)
	b = appendString(b, name)
	c.reply(http.StatusOK, append(b, '}'))
}

// createIndexLocked creates an index (also used by auto-create on write).
// Callers hold e.mu for writing and have validated the name.
func (e *Emulator) createIndexLocked(name string, settingsNode, mappingsNode *jnode) (*index, *esError) {
	st := defaultSettings()
	changes, err := flattenSettings(settingsNode)
	if err != nil {
		return nil, err
	}
	uuid := e.newUUID()
	if err := st.apply(changes, true, name, uuid); err != nil {
		return nil, err
	}
	m, err := parseMapping(mappingsNode)
	if err != nil {
		return nil, err
	}
	ix := newIndex(name, uuid, e.now(), st, m)
	e.indices[name] = ix
	e.cache.invalidate()
	return ix, nil
}

// dropIndexLocked removes an index and its aliases. Callers hold e.mu.
func (e *Emulator) dropIndexLocked(name string) {
	if ix := e.indices[name]; ix != nil {
		e.pits.dropIndex(ix)
	}
	delete(e.indices, name)
	for alias, members := range e.aliases {
		delete(members, name)
		if len(members) == 0 {
			delete(e.aliases, alias)
		}
	}
	e.cache.invalidate()
}

// handleDeleteIndex is DELETE /{index}; aliases are refused and wildcards
// need action.destructive_requires_name=false, as in ES 8.
func (e *Emulator) handleDeleteIndex(c *call) {
	o, err := c.resolveOpts(resolveOpts{noAliases: true, destructive: true, allowNoIndices: true})
	if err != nil {
		c.fail(err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ixs, err := e.resolveIndices(c.param("index"), o)
	if err != nil {
		c.fail(err)
		return
	}
	for _, ix := range ixs {
		e.dropIndexLocked(ix.name)
	}
	c.reply(http.StatusOK, []byte(`{"acknowledged":true}`))
}

// handleHeadIndex is HEAD /{index}: 200 when every name resolves (alias
// names included), else 404.
func (e *Emulator) handleHeadIndex(c *call) {
	o, err := c.resolveOpts(resolveOpts{allowNoIndices: false})
	if err != nil {
		c.reply(http.StatusBadRequest, nil)
		return
	}
	e.mu.RLock()
	_, rerr := e.resolveIndices(c.param("index"), o)
	e.mu.RUnlock()
	if rerr != nil {
		c.reply(http.StatusNotFound, nil)
		return
	}
	c.reply(http.StatusOK, nil)
}

func (e *Emulator) indicesFor(c *call, allowNoIndices bool) ([]*index, bool) {
	o, err := c.resolveOpts(resolveOpts{allowNoIndices: allowNoIndices})
	if err != nil {
		c.fail(err)
		return nil, false
	}
	ixs, err := e.resolveIndices(c.param("index"), o)
	if err != nil {
		c.fail(err)
		return nil, false
	}
	return ixs, true
}

// handleGetIndex is GET /{index}.
func (e *Emulator) handleGetIndex(c *call) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ixs, ok := e.indicesFor(c, true)
	if !ok {
		return
	}
	flat, _ := c.boolParam("flat_settings", false)
	b := []byte{'{'}
	for i, ix := range ixs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, ix.name)
		b = append(b, `:{"aliases":`...)
		b = e.appendIndexAliases(b, ix.name)
		b = append(b, `,"mappings":`...)
		b = ix.mapping.Load().render(b)
		b = append(b, `,"settings":`...)
		ix.mu.Lock()
		fs := ix.flatSettings()
		ix.mu.Unlock()
		b = renderSettings(b, fs, flat)
		b = append(b, '}')
	}
	c.reply(http.StatusOK, append(b, '}'))
}

// appendIndexAliases renders {"alias":{props},…} for one index. Callers
// hold e.mu.
func (e *Emulator) appendIndexAliases(b []byte, name string) []byte {
	var names []string
	for a, members := range e.aliases {
		if _, on := members[name]; on {
			names = append(names, a)
		}
	}
	sort.Strings(names)
	b = append(b, '{')
	for i, a := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, a)
		b = append(b, ':')
		b = e.aliases[a][name].render(b)
	}
	return append(b, '}')
}

// handleGetMapping is GET /{index}/_mapping and GET /_mapping.
func (e *Emulator) handleGetMapping(c *call) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ixs, ok := e.indicesFor(c, true)
	if !ok {
		return
	}
	b := []byte{'{'}
	for i, ix := range ixs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, ix.name)
		b = append(b, `:{"mappings":`...)
		b = ix.mapping.Load().render(b)
		b = append(b, '}')
	}
	c.reply(http.StatusOK, append(b, '}'))
}

// handlePutMapping is PUT /{index}/_mapping: new fields are added, type
// changes are refused.
func (e *Emulator) handlePutMapping(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	if body == nil {
		c.fail(errValidation("mapping source is missing"))
		return
	}
	upd, err := parseMapping(body)
	if err != nil {
		c.fail(err)
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	ixs, ok := e.indicesFor(c, false)
	if !ok {
		return
	}
	merged := make([]*mapping, len(ixs))
	for i, ix := range ixs {
		ix.mu.Lock()
		m, merr := ix.mapping.Load().merge(upd)
		ix.mu.Unlock()
		if merr != nil {
			c.fail(merr)
			return
		}
		merged[i] = m
	}
	for i, ix := range ixs {
		ix.mu.Lock()
		ix.mapping.Store(merged[i])
		ix.mu.Unlock()
	}
	e.cache.invalidate()
	c.reply(http.StatusOK, []byte(`{"acknowledged":true}`))
}
