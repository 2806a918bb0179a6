package esemu

import (
	"net/http"
	"strconv"
)

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
