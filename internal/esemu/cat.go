package esemu

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// handleInfo is GET / (and HEAD /).
func (e *Emulator) handleInfo(c *call) {
	b := []byte(`{"name":"esemu-node-0","cluster_name":"esemu","cluster_uuid":"esemu-cluster-uuid-000000",` +
		`"version":{"number":"8.19.0","build_flavor":"default","build_type":"docker",` +
		`"build_hash":"esemu","build_date":"2025-07-22T00:00:00.000000000Z","build_snapshot":false,` +
		`"lucene_version":"9.12.2","minimum_wire_compatibility_version":"7.17.0",` +
		`"minimum_index_compatibility_version":"7.0.0"},"tagline":"You Know, for Search"}`)
	c.reply(http.StatusOK, b)
}

// handleHealth is GET /_cluster/health[/{index}]: always green, since the
// emulator has no unassigned shards.
func (e *Emulator) handleHealth(c *call) {
	e.mu.RLock()
	var ixs []*index
	if expr := c.param("index"); expr != "" {
		var ok bool
		if ixs, ok = e.indicesFor(c, false); !ok {
			e.mu.RUnlock()
			return
		}
	} else {
		for _, ix := range e.indices {
			ixs = append(ixs, ix)
		}
	}
	e.mu.RUnlock()
	primaries, shards := 0, 0
	for _, ix := range ixs {
		ix.mu.Lock()
		primaries += ix.settings.shards
		shards += ix.settings.shards * (1 + ix.settings.replicas)
		ix.mu.Unlock()
	}
	b := []byte(`{"cluster_name":"esemu","status":"green","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":`)
	b = strconv.AppendInt(b, int64(primaries), 10)
	b = append(b, `,"active_shards":`...)
	b = strconv.AppendInt(b, int64(shards), 10)
	b = append(b, `,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,"unassigned_primary_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0}`...)
	c.reply(http.StatusOK, b)
}

// byteSize formats bytes as ES's ByteSizeValue does ("4.5kb").
func byteSize(n int64) string {
	units := []string{"b", "kb", "mb", "gb", "tb", "pb"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatInt(n, 10) + "b"
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + units[i]
}

// catTable renders rows as JSON (format=json) or as ES's aligned text.
func (c *call) catTable(cols []string, rows [][]string) {
	if h := c.query.Get("h"); h != "" {
		var sel []int
		for _, want := range strings.Split(h, ",") {
			for i, col := range cols {
				if col == want {
					sel = append(sel, i)
				}
			}
		}
		nc := make([]string, len(sel))
		for j, i := range sel {
			nc[j] = cols[i]
		}
		for r, row := range rows {
			nr := make([]string, len(sel))
			for j, i := range sel {
				nr[j] = row[i]
			}
			rows[r] = nr
		}
		cols = nc
	}
	if s := c.query.Get("s"); s != "" {
		name, order, _ := strings.Cut(s, ":")
		for i, col := range cols {
			if col == name {
				sort.SliceStable(rows, func(a, b int) bool {
					if order == "desc" {
						return rows[a][i] > rows[b][i]
					}
					return rows[a][i] < rows[b][i]
				})
			}
		}
	}
	if c.query.Get("format") == "json" {
		b := []byte{'['}
		for r, row := range rows {
			if r > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			for i, col := range cols {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, col)
				b = append(b, ':')
				b = appendString(b, row[i])
			}
			b = append(b, '}')
		}
		c.reply(http.StatusOK, append(b, ']'))
		return
	}
	all := rows
	if v, _ := c.boolParam("v", false); v {
		all = append([][]string{cols}, rows...)
	}
	widths := make([]int, len(cols))
	for _, row := range all {
		for i, v := range row {
			widths[i] = max(widths[i], len(v))
		}
	}
	var sb strings.Builder
	for _, row := range all {
		for i, v := range row {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(v)
			if i < len(row)-1 {
				sb.WriteString(strings.Repeat(" ", widths[i]-len(v)))
			}
		}
		sb.WriteByte('\n')
	}
	c.ctype = "text/plain; charset=UTF-8"
	c.reply(http.StatusOK, []byte(sb.String()))
}

// handleCatIndices is GET /_cat/indices[/{index}].
func (e *Emulator) handleCatIndices(c *call) {
	e.mu.RLock()
	var ixs []*index
	if c.param("index") != "" {
		var ok bool
		if ixs, ok = e.indicesFor(c, true); !ok {
			e.mu.RUnlock()
			return
		}
	} else {
		for _, ix := range e.indices {
			ixs = append(ixs, ix)
		}
	}
	e.mu.RUnlock()
	sort.Slice(ixs, func(i, j int) bool { return ixs[i].name < ixs[j].name })
	cols := []string{"health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size", "dataset.size"}
	now := e.now()
	var rows [][]string
	for _, ix := range ixs {
		snap := ix.snapshotAt(now, e.refreshDefault)
		count, deleted, bytes := snap.stats()
		ix.mu.Lock()
		pri, rep := ix.settings.shards, ix.settings.replicas
		ix.mu.Unlock()
		size := bytes + int64(count+deleted)*64
		rows = append(rows, []string{"green", "open", ix.name, ix.uuid, strconv.Itoa(pri), strconv.Itoa(rep),
			strconv.Itoa(count), strconv.Itoa(deleted), byteSize(size * int64(1+rep)), byteSize(size), byteSize(size)})
	}
	c.catTable(cols, rows)
}

// handleCatAliases is GET /_cat/aliases[/{name}].
func (e *Emulator) handleCatAliases(c *call) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var patterns []string
	if n := c.param("name"); n != "" {
		patterns = strings.Split(n, ",")
	}
	cols := []string{"alias", "index", "filter", "routing.index", "routing.search", "is_write_index"}
	var rows [][]string
	for alias, members := range e.aliases {
		if len(patterns) > 0 && !matchesAny(patterns, alias) {
			continue
		}
		for name, p := range members {
			filter, ri, rs, w := "-", "-", "-", "-"
			if p.filter != nil {
				filter = "*"
			}
			if p.indexRouting != "" {
				ri = p.indexRouting
			}
			if p.searchRouting != "" {
				rs = p.searchRouting
			}
			if p.isWriteIndex != nil {
				w = strconv.FormatBool(*p.isWriteIndex)
			}
			rows = append(rows, []string{alias, name, filter, ri, rs, w})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i][0] != rows[j][0] {
			return rows[i][0] < rows[j][0]
		}
		return rows[i][1] < rows[j][1]
	})
	c.catTable(cols, rows)
}
