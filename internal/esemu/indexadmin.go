package esemu

import (
	"net/http"
	"sort"
	"strconv"
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

// handleGetSettings is GET /{index}/_settings.
func (e *Emulator) handleGetSettings(c *call) {
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
		b = append(b, `:{"settings":`...)
		ix.mu.Lock()
		fs := ix.flatSettings()
		ix.mu.Unlock()
		b = renderSettings(b, fs, flat)
		b = append(b, '}')
	}
	c.reply(http.StatusOK, append(b, '}'))
}

// handlePutSettings is PUT /{index}/_settings. A refresh_interval change
// restarts the refresh schedule.
func (e *Emulator) handlePutSettings(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	if body == nil {
		c.fail(errValidation("no settings to update"))
		return
	}
	if s := body.get("settings"); s != nil && len(body.keys) == 1 {
		body = s
	}
	changes, err := flattenSettings(body)
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
	now := e.now()
	next := make([]indexSettings, len(ixs))
	for i, ix := range ixs {
		ix.mu.Lock()
		st := ix.settings
		aerr := st.apply(changes, false, ix.name, ix.uuid)
		ix.mu.Unlock()
		if aerr != nil {
			c.fail(aerr)
			return
		}
		next[i] = st
	}
	for i, ix := range ixs {
		ix.mu.Lock()
		st := next[i]
		if st.refreshSet != ix.settings.refreshSet || st.refresh != ix.settings.refresh {
			ix.setInterval(now, e.refreshDefault, st.refreshSet, st.refresh)
		}
		ix.settings = st
		ix.replicas.Store(int32(st.replicas))
		ix.mu.Unlock()
	}
	c.reply(http.StatusOK, []byte(`{"acknowledged":true}`))
}

// handleRefresh is POST /{index}/_refresh.
func (e *Emulator) handleRefresh(c *call) {
	e.mu.RLock()
	ixs, ok := e.indicesFor(c, true)
	e.mu.RUnlock()
	if !ok {
		return
	}
	total := 0
	for _, ix := range ixs {
		ix.mu.Lock()
		ix.refreshNow()
		total += ix.settings.shards * (1 + ix.settings.replicas)
		ix.mu.Unlock()
	}
	b := []byte(`{"_shards":{"total":`)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"successful":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"failed":0}}`...)
	c.reply(http.StatusOK, b)
}

// handleGetClusterSettings is GET /_cluster/settings.
func (e *Emulator) handleGetClusterSettings(c *call) {
	e.mu.RLock()
	drn := e.destructiveRequiresName
	e.mu.RUnlock()
	b := []byte(`{"persistent":{`)
	if !drn {
		b = append(b, `"action":{"destructive_requires_name":"false"}`...)
	}
	b = append(b, `},"transient":{}}`...)
	c.reply(http.StatusOK, b)
}

// handlePutClusterSettings is PUT /_cluster/settings; only
// action.destructive_requires_name has an effect.
func (e *Emulator) handlePutClusterSettings(c *call) {
	body, ok := c.jsonBody()
	if !ok {
		return
	}
	var changed []byte
	for _, scope := range []string{"persistent", "transient"} {
		changes, err := flattenSettings(body.get(scope))
		if err != nil {
			c.fail(err)
			return
		}
		for _, ch := range changes {
			key := ch.key[len("index."):]
			if key != "action.destructive_requires_name" {
				c.fail(errIllegalArgument("persistent setting [" + key + "], not recognized"))
				return
			}
			val := ch.null || ch.value == "true"
			e.mu.Lock()
			e.destructiveRequiresName = val
			e.mu.Unlock()
			changed = append(changed, `"action":{"destructive_requires_name":"`...)
			changed = strconv.AppendBool(changed, val)
			changed = append(changed, `"}`...)
		}
	}
	b := []byte(`{"acknowledged":true,"persistent":{`)
	b = append(b, changed...)
	b = append(b, `},"transient":{}}`...)
	c.reply(http.StatusOK, b)
}
