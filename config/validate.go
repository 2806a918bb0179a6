package config

import (
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"time"

	// Time zones are validated on machines without a zoneinfo database too.
	_ "time/tzdata"

	"github.com/resyncbot/resyncbot/internal/nearest"
)

// validator checks a decoded Config and reports every problem with its path.
// It also reads the mapping files, which are part of the configuration.
type validator struct {
	r    *report
	set  fieldSet
	keys map[string][]string
	dir  string
}

var (
	envNameRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	aliasRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	colourRe    = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	reservedEnv = []string{"status", "history", "help"}
	sourceTypes = []string{SourceGenerate, SourceNDJSON, SourceHTTP, SourceElasticsearch}
	sourceKinds = []string{"doctor", "recommendation", "connection"}
)

// sourceFieldTypes lists, for each source field that only some types use,
// the types that use it; "type" itself is used by all.
var sourceFieldTypes = map[string][]string{
	"count": {SourceGenerate}, "seed": {SourceGenerate}, "corrupt": {SourceGenerate}, "kind": {SourceGenerate},
	"path": {SourceNDJSON},
	"url":  {SourceHTTP, SourceElasticsearch}, "username": {SourceHTTP, SourceElasticsearch},
	"password": {SourceHTTP, SourceElasticsearch}, "token": {SourceHTTP, SourceElasticsearch},
	"api_key": {SourceHTTP, SourceElasticsearch}, "timeout": {SourceHTTP, SourceElasticsearch},
	"retries": {SourceHTTP, SourceElasticsearch}, "page_size": {SourceHTTP, SourceElasticsearch},
	"items_path": {SourceHTTP}, "next_cursor_path": {SourceHTTP}, "cursor_param": {SourceHTTP},
	"page_param": {SourceHTTP}, "page_size_param": {SourceHTTP}, "total_path": {SourceHTTP},
	"index": {SourceElasticsearch}, "sort_field": {SourceElasticsearch},
}

func (v *validator) config(c *Config) {
	if c.Redis.URL != "" && !isURL(c.Redis.URL, "redis", "rediss", "unix") {
		v.r.add("redis.url", msgRedisURL)
	}
	v.addr("server.addr", c.Server.Addr)
	v.duration("server.handler_timeout", c.Server.HandlerTimeout)
	v.duration("server.recover_interval", c.Server.RecoverInterval)
	v.duration("server.lock_ttl", c.Server.LockTTL)
	v.duration("server.expire_interval", c.Server.ExpireInterval)
	v.people(c.People)
	v.roles(c)
	v.platforms(&c.Platforms)
	if len(c.EnvironmentOrder) == 0 {
		v.r.add("environments", msgNoEnvironments)
	}
	for _, name := range c.EnvironmentOrder {
		v.environment(c, c.Environments[name])
	}
	v.duration("notify.progress_interval", c.Notify.ProgressInterval)
	v.atLeastOne("notify.max_attempts", c.Notify.MaxAttempts)
}

func (v *validator) environment(c *Config, e *Environment) {
	path := key("environments", e.Name)
	switch {
	case !envNameRe.MatchString(e.Name):
		v.r.add(path, msgEnvName)
	case slices.Contains(reservedEnv, e.Name):
		v.r.addf(path, msgEnvReserved, e.Name)
	}
	if e.Colour != "" && !colourRe.MatchString(e.Colour) {
		v.r.addf(path+".colour", msgColour, e.Colour)
	}
	if _, err := time.LoadLocation(e.Timezone); err != nil || e.Timezone == "" {
		v.r.addf(path+".timezone", msgTimezone, e.Timezone)
	}
	if e.Production && e.OpsChannel == (Channels{}) {
		v.r.add(path+".ops_channel", msgProdOpsChannel)
	}
	v.statusChannels(path+".status_channels", e.StatusChannels, c.Platforms.Teams)
	v.approvals(path+".approvals", e, c.Roles.Approvers)
	v.duration(path+".approval_ttl", e.ApprovalTTL)
	v.elasticsearch(path+".elasticsearch", &e.Elasticsearch)

	if len(e.Indexes) == 0 {
		v.r.add(path+".indexes", msgNoIndexes)
	}
	aliases := make(map[string]int)
	for i, ix := range e.Indexes {
		p := index(path+".indexes", i)
		if first, dup := aliases[ix.Alias]; dup && ix.Alias != "" {
			v.r.addf(p+".alias", msgDuplicateAlias, ix.Alias, first)
		} else {
			aliases[ix.Alias] = i
		}
		v.index(p, ix)
	}

	v.atLeastOne(path+".batch_size", e.BatchSize)
	v.atLeastOne(path+".workers", e.Workers)
	v.atLeastOne(path+".flush_bytes", e.FlushBytes)
	v.atLeastOne(path+".generations_kept", e.GenerationsKept)
	v.notNegative(path+".max_bad_records", e.MaxBadRecords)
}

func (v *validator) statusChannels(path string, s StatusChannels, teams *Teams) {
	v.nonEmptyItems(path+".slack", s.Slack)
	v.nonEmptyItems(path+".discord", s.Discord)
	v.nonEmptyItems(path+".console", s.Console)
	var names []string
	if teams != nil {
		names = v.keys["platforms.teams.webhooks"]
	}
	for i, name := range s.Teams {
		p := index(path+".teams", i)
		switch {
		case name == "":
			v.r.add(p, msgEmptyItem)
		case len(names) == 0:
			v.r.addf(p, msgNoTeamsWebhooks, name)
		case !slices.Contains(names, name):
			msg := fmt.Sprintf(msgUnknownWebhook, name)
			if s := nearest.Word(name, names); s != "" {
				msg = didYouMean(msg, s)
			}
			v.r.add(p, msg)
		}
	}
}

func (v *validator) approvals(path string, e *Environment, approvers Role) {
	for _, a := range []struct {
		name string
		n    int
	}{{"resync", e.Approvals.Resync}, {"restore", e.Approvals.Restore}, {"notice", e.Approvals.Notice}} {
		p := path + "." + a.name
		switch {
		case a.n < 0:
			v.r.add(p, msgNegative)
		case a.n == 0 && a.name == "resync" && e.Production && !e.AllowUnapproved:
			v.r.add(p, msgProdApprovals)
		case a.n > 0 && len(approvers.People) == 0 && len(approvers.DiscordRoles) == 0:
			noun := "approvals"
			if a.n == 1 {
				noun = "approval"
			}
			v.r.addf(p, msgNoApprovers, a.n, noun)
		case a.n > len(approvers.People) && len(approvers.DiscordRoles) == 0:
			v.r.addf(p, msgTooFewApprovers, a.n, len(approvers.People))
		}
	}
}

func (v *validator) elasticsearch(path string, es *Elasticsearch) {
	if len(es.URLs) == 0 {
		v.r.add(path+".urls", msgRequired)
	}
	for i, u := range es.URLs {
		if !isURL(u, "http", "https") {
			v.r.add(index(path+".urls", i), msgHTTPURL)
		}
	}
	v.auth(path, es.Username, es.Password, "", es.APIKey)
	v.notNegative(path+".max_retries", es.MaxRetries)
	v.duration(path+".timeout", es.Timeout)
}

func (v *validator) index(path string, ix *Index) {
	switch {
	case ix.Alias == "":
		v.r.add(path+".alias", msgRequired)
	case !aliasRe.MatchString(ix.Alias) || len(ix.Alias) > 200:
		v.r.add(path+".alias", msgAliasName)
	}

	var m *mapping
	if ix.Mapping == "" {
		v.r.add(path+".mapping", msgRequired)
	} else {
		data, mp, problem := readMapping(v.dir, ix.Mapping)
		if problem != "" {
			v.r.add(path+".mapping", problem)
		} else {
			ix.MappingJSON, m = data, mp
		}
	}

	v.source(path+".source", &ix.Source)
	v.transform(path+".transform", &ix.Transform, m, ix.Mapping)
	for i, f := range ix.RequiredFields {
		v.field(index(path+".required_fields", i), f, m, ix.Mapping)
	}
	for i, ch := range ix.Checks {
		v.check(index(path+".checks", i), ch)
	}
	// Values inherited from the environment are reported there.
	if v.set.has(&ix.BatchSize) {
		v.atLeastOne(path+".batch_size", ix.BatchSize)
	}
	if v.set.has(&ix.Workers) {
		v.atLeastOne(path+".workers", ix.Workers)
	}
}

// field reports a field name that is empty or that a strict mapping lacks.
func (v *validator) field(path, name string, m *mapping, file string) {
	if name == "" {
		v.r.add(path, msgEmptyItem)
		return
	}
	if m == nil {
		return
	}
	if missing := m.missing(name); missing != "" {
		v.r.addf(path, msgNotInMapping, name, missing, file)
	}
}

func (v *validator) transform(path string, t *Transform, m *mapping, file string) {
	for _, from := range v.keys[path+".rename"] {
		p := key(path+".rename", from)
		v.field(p, t.Rename[from], m, file)
	}
	v.nonEmptyItems(path+".drop", t.Drop)
	for _, name := range v.keys[path+".set"] {
		v.field(key(path+".set", name), name, m, file)
	}
}

func (v *validator) check(path string, c Check) {
	if c.Name == "" {
		v.r.add(path+".name", msgRequired)
	}
	if len(c.Query) == 0 {
		v.r.add(path+".query", msgRequired)
	}
	switch {
	case c.Min == nil && c.Max == nil:
		v.r.add(path, msgNoMinMax)
	case c.Min != nil && *c.Min < 0:
		v.r.add(path+".min", msgNegative)
	case c.Max != nil && *c.Max < 0:
		v.r.add(path+".max", msgNegative)
	case c.Min != nil && c.Max != nil && *c.Min > *c.Max:
		v.r.add(path+".max", msgMinMax)
	}
}

func (v *validator) source(path string, s *Source) {
	switch {
	case s.Type == "":
		v.r.add(path+".type", msgSourceTypeNeeded)
		return
	case !slices.Contains(sourceTypes, s.Type):
		v.r.addf(path+".type", msgSourceType, s.Type)
		return
	}
	v.sourceFields(path, s)
	switch s.Type {
	case SourceGenerate:
		if !v.set.has(&s.Count) {
			v.r.add(path+".count", msgRequired)
		} else {
			v.atLeastOne64(path+".count", s.Count)
		}
		if !slices.Contains(sourceKinds, s.Kind) {
			v.r.addf(path+".kind", msgGenerateKind, s.Kind)
		}
		if c := s.Corrupt; c != nil {
			v.nonEmptyItems(path+".corrupt.fields", c.Fields)
			v.atLeastOne64(path+".corrupt.every", c.Every)
		}
	case SourceNDJSON:
		v.required(path+".path", s.Path)
	case SourceHTTP:
		v.sourceURL(path+".url", s.URL)
		v.required(path+".items_path", s.ItemsPath)
		if (s.NextCursorPath == "") != (s.CursorParam == "") {
			v.r.add(path+".cursor_param", msgCursorPair)
		}
		if s.CursorParam != "" && s.PageParam != "" {
			v.r.add(path+".page_param", msgCursorOrPage)
		}
	case SourceElasticsearch:
		v.sourceURL(path+".url", s.URL)
		v.required(path+".index", s.Index)
		v.required(path+".sort_field", s.SortField)
	}
	if s.Type == SourceHTTP || s.Type == SourceElasticsearch {
		v.auth(path, s.Username, s.Password, s.Token, s.APIKey)
		v.duration(path+".timeout", s.Timeout)
		v.notNegative(path+".retries", s.Retries)
		v.atLeastOne(path+".page_size", s.PageSize)
	}
}

// sourceFields reports fields the source's type does not use, so that a
// half-edited source (type changed, old keys left) does not pass silently.
func (v *validator) sourceFields(path string, s *Source) {
	sv := reflect.ValueOf(s).Elem()
	for name, f := range fieldsOf(sv.Type()) {
		types, limited := sourceFieldTypes[name]
		if !limited || slices.Contains(types, s.Type) {
			continue
		}
		fv := sv.FieldByIndex(f.Index)
		if v.set.has(fv.Addr().Interface()) || fv.Kind() == reflect.Pointer && !fv.IsNil() {
			v.r.addf(path+"."+name, msgSourceField, s.Type)
		}
	}
}

func (v *validator) sourceURL(path, u string) {
	switch {
	case u == "":
		v.r.add(path, msgRequired)
	case !isURL(u, "http", "https"):
		v.r.add(path, msgHTTPURL)
	}
}

// auth checks that at most one way to authenticate is configured.
func (v *validator) auth(path, username, password, token, apiKey string) {
	methods := 0
	for _, set := range []bool{username != "" || password != "", token != "", apiKey != ""} {
		if set {
			methods++
		}
	}
	switch {
	case methods > 1 && apiKey != "":
		v.r.add(path+".api_key", msgMutualAuth)
	case methods > 1:
		v.r.add(path+".token", msgMutualAuth)
	case password != "" && username == "":
		v.r.add(path+".username", msgPasswordAlone)
	case username != "" && password == "":
		v.r.add(path+".password", msgUsernameAlone)
	}
}

// duration reports a negative or explicitly zero duration; an absent one has
// its default by now.
func (v *validator) duration(path string, d time.Duration) {
	switch {
	case d < 0:
		v.r.add(path, msgNegative)
	case d == 0:
		v.r.add(path, msgPositiveTime)
	}
}

func (v *validator) atLeastOne(path string, n int) {
	v.atLeastOne64(path, int64(n))
}

func (v *validator) atLeastOne64(path string, n int64) {
	switch {
	case n < 0:
		v.r.add(path, msgNegative)
	case n == 0:
		v.r.add(path, msgAtLeastOne)
	}
}

func (v *validator) notNegative(path string, n int) {
	if n < 0 {
		v.r.add(path, msgNegative)
	}
}

func (v *validator) required(path, value string) {
	if value == "" {
		v.r.add(path, msgRequired)
	}
}

func (v *validator) nonEmptyItems(path string, items []string) {
	for i, s := range items {
		if s == "" {
			v.r.add(index(path, i), msgEmptyItem)
		}
	}
}

func (v *validator) addr(path, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		var n int
		n, err = strconv.Atoi(port)
		if err == nil && (n < 0 || n > 65535) {
			err = strconv.ErrRange
		}
	}
	if err != nil {
		v.r.addf(path, msgAddr, addr)
	}
}

// isURL reports whether s parses as an absolute URL with one of the schemes
// and, except for unix sockets, a host.
func isURL(s string, schemes ...string) bool {
	u, err := url.Parse(s)
	if err != nil || !slices.Contains(schemes, u.Scheme) {
		return false
	}
	return u.Host != "" || u.Scheme == "unix" && u.Path != ""
}
