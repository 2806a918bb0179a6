package esemu

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// route binds a method and a path pattern ("/{index}/_doc/{id}") to a
// handler.
type route struct {
	method string
	segs   []string
	h      func(*call)
}

// routeTable lists every REST endpoint the emulator answers.
func (e *Emulator) routeTable() []route {
	var rs []route
	add := func(methods, pattern string, h func(*call)) {
		segs := strings.Split(strings.Trim(pattern, "/"), "/")
		if pattern == "/" {
			segs = nil
		}
		for _, m := range strings.Split(methods, ",") {
			rs = append(rs, route{method: m, segs: segs, h: h})
		}
	}
	add("GET,HEAD", "/", e.handleInfo)
	add("GET", "/_cluster/health", e.handleHealth)
	add("GET", "/_cluster/health/{index}", e.handleHealth)
	add("GET", "/_cluster/settings", e.handleGetClusterSettings)
	add("PUT", "/_cluster/settings", e.handlePutClusterSettings)
	add("GET", "/_cat/indices", e.handleCatIndices)
	add("GET", "/_cat/indices/{index}", e.handleCatIndices)
	add("GET", "/_cat/aliases", e.handleCatAliases)
	add("GET", "/_cat/aliases/{name}", e.handleCatAliases)

	add("POST,PUT", "/_bulk", e.handleBulk)
	add("POST,PUT", "/{index}/_bulk", e.handleBulk)

	add("POST", "/_aliases", e.handleUpdateAliases)
	add("GET", "/_alias", e.handleGetAlias)
	add("GET", "/_aliases", e.handleGetAlias)
	add("GET,HEAD", "/_alias/{name}", e.handleGetAlias)
	add("GET,HEAD", "/{index}/_alias", e.handleGetAlias)
	add("GET,HEAD", "/{index}/_alias/{name}", e.handleGetAlias)
	add("PUT,POST", "/{index}/_alias/{name}", e.handlePutAlias)
	add("PUT,POST", "/{index}/_aliases/{name}", e.handlePutAlias)
	add("DELETE", "/{index}/_alias/{name}", e.handleDeleteAlias)
	add("DELETE", "/{index}/_aliases/{name}", e.handleDeleteAlias)

	add("GET,POST", "/_search", e.handleSearch)
	add("GET,POST", "/{index}/_search", e.handleSearch)
	add("GET,POST", "/_count", e.handleCount)
	add("GET,POST", "/{index}/_count", e.handleCount)
	add("POST", "/{index}/_pit", e.handleOpenPIT)
	add("DELETE", "/_pit", e.handleClosePIT)

	add("GET,POST", "/_refresh", e.handleRefresh)
	add("GET,POST", "/{index}/_refresh", e.handleRefresh)
	add("GET", "/_mapping", e.handleGetMapping)
	add("GET", "/{index}/_mapping", e.handleGetMapping)
	add("PUT,POST", "/{index}/_mapping", e.handlePutMapping)
	add("GET", "/_settings", e.handleGetSettings)
	add("GET", "/{index}/_settings", e.handleGetSettings)
	add("PUT", "/_settings", e.handlePutSettings)
	add("PUT", "/{index}/_settings", e.handlePutSettings)

	add("PUT", "/{index}", e.handleCreateIndex)
	add("GET", "/{index}", e.handleGetIndex)
	add("HEAD", "/{index}", e.handleHeadIndex)
	add("DELETE", "/{index}", e.handleDeleteIndex)

	add("POST", "/{index}/_doc", e.handleIndexDoc)
	add("PUT,POST", "/{index}/_doc/{id}", e.handleIndexDoc)
	add("GET,HEAD", "/{index}/_doc/{id}", e.handleGetDoc)
	add("DELETE", "/{index}/_doc/{id}", e.handleDeleteDoc)
	add("PUT,POST", "/{index}/_create/{id}", e.handleCreateDoc)
	add("POST", "/{index}/_update/{id}", e.handleUpdateDoc)
	add("GET,HEAD", "/{index}/_source/{id}", e.handleGetSource)
	return rs
}

// dispatch finds the route for the request and runs it. Unknown paths and
// wrong methods get ES's string-error bodies.
func (e *Emulator) dispatch(c *call) {
	segs, ok := splitPath(c.r.URL.EscapedPath())
	if !ok {
		c.fail(errIllegalArgument("invalid escape in URI [" + c.r.URL.Path + "]"))
		return
	}
	var best *route
	bestScore, anyScore := -1, -1
	var allowed []string
	var bestParams map[string]string
	for i := range e.routes {
		rt := &e.routes[i]
		params, score, match := matchRoute(rt.segs, segs)
		if !match {
			continue
		}
		if score > anyScore {
			anyScore, allowed = score, nil
		}
		if score == anyScore {
			allowed = append(allowed, rt.method)
		}
		if rt.method == c.r.Method && score > bestScore {
			best, bestScore, bestParams = rt, score, params
		}
	}
	if best == nil || bestScore < anyScore {
		if len(allowed) > 0 {
			sort.Strings(allowed)
			c.reply(http.StatusMethodNotAllowed, stringError(http.StatusMethodNotAllowed,
				"Incorrect HTTP method for uri ["+c.r.URL.RequestURI()+"] and method ["+c.r.Method+"], allowed: ["+strings.Join(dedupe(allowed), ", ")+"]"))
			return
		}
		c.reply(http.StatusBadRequest, stringError(http.StatusBadRequest,
			"no handler found for uri ["+c.r.URL.RequestURI()+"] and method ["+c.r.Method+"]"))
		return
	}
	c.params = bestParams
	best.h(c)
}

func splitPath(escaped string) ([]string, bool) {
	trimmed := strings.Trim(escaped, "/")
	if trimmed == "" {
		return nil, true
	}
	parts := strings.Split(trimmed, "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

// matchRoute matches path segments; the score counts literal segments so
// "/_alias/{name}" wins over "/{index}/_alias".
func matchRoute(pattern, segs []string) (map[string]string, int, bool) {
	if len(pattern) != len(segs) {
		return nil, 0, false
	}
	var params map[string]string
	score := 0
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, 0, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, 0, false
		}
		score++
	}
	return params, score, true
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
