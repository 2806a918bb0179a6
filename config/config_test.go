package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/config"
)

// strictMapping declares a (keyword) and b (object with c).
const strictMapping = `{"settings":{"number_of_shards":1},"mappings":{"dynamic":"strict","properties":{
  "a":{"type":"keyword"},
  "b":{"properties":{"c":{"type":"keyword"}}}}}}`

// head is the part of a test config before "environments:".
const head = `people:
  alice: {slack: U1, console: alice}
  bob: {slack: U2}
roles:
  engineers: {people: [alice, bob]}
  approvers: {people: [alice, bob]}
`

// prod is a valid production environment to break.
const prod = head + `environments:
  prod:
    production: true
    ops_channel: {slack: C1}
    elasticsearch:
      urls: ["http://es:9200"]
    indexes:
      - alias: a
        mapping: m.json
        source: {type: generate, count: 10}
        required_fields: [a, b.c]
`

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// write puts the config and the files it refers to in a temp dir and
// returns the config's path.
func write(t *testing.T, yaml string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"m.json": strictMapping, "resyncbot.yaml": yaml}
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "resyncbot.yaml")
}

// problems loads yaml and returns its problems as "path: message" strings.
func problems(t *testing.T, yaml string, files map[string]string, vars map[string]string) []string {
	t.Helper()
	cfg, err := config.Load(write(t, yaml, files), env(vars))
	if err == nil {
		if cfg == nil {
			t.Fatal("Load returned neither a config nor an error")
		}
		return nil
	}
	var ps *config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load: %v is not a *config.Problems", err)
	}
	if cfg != nil {
		t.Error("Load returned a config along with problems")
	}
	var out []string
	for _, p := range ps.List {
		if p.Path == "" {
			out = append(out, p.Message)
			continue
		}
		out = append(out, p.Path+": "+p.Message)
	}
	return out
}

func TestValidConfigs(t *testing.T) {
	for name, yaml := range map[string]string{
		"prod":            prod,
		"unapproved prod": strings.Replace(prod, "production: true", "production: true\n    allow_unapproved: true\n    approvals: {resync: 0}", 1),
		"discord ids as numbers": strings.Replace(prod, "alice: {slack: U1, console: alice}",
			"alice: {slack: U1, discord: 110000000000000001}", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if got := problems(t, yaml, nil, nil); got != nil {
				t.Errorf("problems:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

func TestProblems(t *testing.T) {
	rep := func(old, new string) string {
		if !strings.Contains(prod, old) {
			panic("test config lacks " + old)
		}
		return strings.Replace(prod, old, new, 1)
	}
	tests := []struct {
		name  string
		yaml  string
		files map[string]string
		vars  map[string]string
		want  []string
	}{
		{
			name: "unknown key with a suggestion",
			yaml: rep("production: true", "production: true\n    colur: red\n    flavour: mint"),
			want: []string{
				`environments.prod.colur: unknown field (did you mean "colour"?)`,
				`environments.prod.flavour: unknown field`,
			},
		},
		{
			name: "wrong types",
			yaml: rep("production: true", "production: yes\n    batch_size: lots\n    workers: [1]\n    approvals: 2"),
			want: []string{
				`environments.prod.production: must be true or false, got "yes"`,
				`environments.prod.batch_size: must be an integer, got "lots"`,
				`environments.prod.workers: must be an integer, got a list`,
				`environments.prod.approvals: must be a mapping, got "2"`,
			},
		},
		{
			name: "bad durations",
			yaml: "server:\n  handler_timeout: 5 minutes\n  recover_interval: -1s\n" +
				rep("production: true", "production: true\n    approval_ttl: 0s"),
			want: []string{
				`server.handler_timeout: must be a duration like "30s", "5m" or "1h30m", got "5 minutes"`,
				`server.recover_interval: must not be negative`,
				`environments.prod.approval_ttl: must be longer than 0s`,
			},
		},
		{
			name: "http source without url and items_path",
			yaml: prod + `      - alias: b
        mapping: m.json
        source:
          type: http
          count: 10
          page_size: 0
`,
			want: []string{
				`environments.prod.indexes[1].source.url: required`,
				`environments.prod.indexes[1].source.items_path: required`,
				`environments.prod.indexes[1].source.count: not used by http sources`,
				`environments.prod.indexes[1].source.page_size: must be at least 1`,
			},
		},
		{
			name: "source requirements per type",
			yaml: prod + `      - alias: b
        mapping: m.json
        source: {type: generate, kind: patient}
      - alias: c
        mapping: m.json
        source: {type: ndjson}
      - alias: d
        mapping: m.json
        source: {type: elasticsearch, url: "ftp://x", count: 0}
      - alias: e
        mapping: m.json
        source: {type: generate, count: -5, corrupt: {fields: [a], every: 0}}
`,
			want: []string{
				`environments.prod.indexes[1].source.count: required`,
				`environments.prod.indexes[1].source.kind: unknown kind "patient"; valid kinds are doctor, recommendation, connection`,
				`environments.prod.indexes[2].source.path: required`,
				`environments.prod.indexes[3].source.count: not used by elasticsearch sources`,
				`environments.prod.indexes[3].source.url: must be an http:// or https:// URL with a host`,
				`environments.prod.indexes[3].source.index: required`,
				`environments.prod.indexes[3].source.sort_field: required`,
				`environments.prod.indexes[4].source.count: must not be negative`,
				`environments.prod.indexes[4].source.corrupt.every: must be at least 1`,
			},
		},
		{
			name: "unknown and missing source type",
			yaml: prod + `      - alias: b
        mapping: m.json
        source: {type: kafka}
      - alias: c
        mapping: m.json
`,
			want: []string{
				`environments.prod.indexes[1].source.type: unknown source type "kafka"; valid types are generate, ndjson, http, elasticsearch`,
				`environments.prod.indexes[2].source.type: required: one of generate, ndjson, http, elasticsearch`,
			},
		},
		{
			name: "production without approvals",
			yaml: rep("production: true", "production: true\n    approvals: {resync: 0, restore: -1}"),
			want: []string{
				`environments.prod.approvals.resync: a production environment needs at least 1 approval (or allow_unapproved: true)`,
				`environments.prod.approvals.restore: must not be negative`,
			},
		},
		{
			name: "more approvals than approvers",
			yaml: rep("production: true", "production: true\n    approvals: {resync: 3}"),
			want: []string{`environments.prod.approvals.resync: needs 3 approvals but roles.approvers names only 2 people`},
		},
		{
			name: "duplicate alias and bad alias",
			yaml: prod + `      - alias: a
        mapping: m.json
        source: {type: generate, count: 1}
      - alias: Bad Name
        mapping: m.json
        source: {type: generate, count: 1}
`,
			want: []string{
				`environments.prod.indexes[1].alias: duplicate alias "a" (also indexes[0])`,
				`environments.prod.indexes[2].alias: must be lowercase letters, digits, '.', '_' and '-', starting with a letter or digit`,
			},
		},
		{
			name:  "unreadable and invalid mapping files",
			files: map[string]string{"bad.json": "{\n \"mappings\": {\n   \"dynamic\": strict\n}}", "nomap.json": `{"settings":{}}`, "arr.json": `[1]`, "extra.json": `{"mappings":{},"aliases":{}}`},
			yaml: prod + `      - {alias: b, mapping: missing.json, source: {type: generate, count: 1}}
      - {alias: c, mapping: bad.json, source: {type: generate, count: 1}}
      - {alias: d, mapping: nomap.json, source: {type: generate, count: 1}}
      - {alias: e, mapping: arr.json, source: {type: generate, count: 1}}
      - {alias: f, mapping: extra.json, source: {type: generate, count: 1}}
      - {alias: g, source: {type: generate, count: 1}}
`,
			want: []string{
				`environments.prod.indexes[1].mapping: cannot read missing.json: no such file or directory`,
				`environments.prod.indexes[2].mapping: bad.json is not valid JSON: line 3: invalid character 's' looking for beginning of value`,
				`environments.prod.indexes[3].mapping: nomap.json has no "mappings"`,
				`environments.prod.indexes[4].mapping: arr.json must hold a JSON object`,
				`environments.prod.indexes[5].mapping: extra.json: unexpected key "aliases" (only "settings" and "mappings")`,
				`environments.prod.indexes[6].mapping: required`,
			},
		},
		{
			name: "people in roles that do not exist",
			yaml: strings.Replace(prod, "approvers: {people: [alice, bob]}", "approvers: {people: [alice, bobb, zed, \"\"]}", 1),
			want: []string{
				`roles.approvers.people[1]: unknown person "bobb" (did you mean "bob"?)`,
				`roles.approvers.people[2]: unknown person "zed"`,
				`roles.approvers.people[3]: must not be empty`,
			},
		},
		{
			name: "people without identities or sharing one",
			yaml: strings.Replace(prod, "bob: {slack: U2}", "bob: {slack: U1}\n  carol: {name: Carol}", 1),
			want: []string{
				`people.bob.slack: Slack id "U1" is also people.alice's: one id must name one person`,
				`people.carol: needs at least one of slack, discord or console`,
			},
		},
		{
			name: "teams destination naming an unknown webhook",
			yaml: "platforms:\n  teams:\n    webhooks:\n      status: https://x.example/wf?sig=abc\n      bad: ftp://x\n" +
				rep("ops_channel: {slack: C1}", "ops_channel: {slack: C1}\n    status_channels: {teams: [statuss, other]}"),
			want: []string{
				`platforms.teams.webhooks.bad: must be an http:// or https:// URL with a host`,
				`environments.prod.status_channels.teams[0]: unknown Teams webhook "statuss" (did you mean "status"?)`,
				`environments.prod.status_channels.teams[1]: unknown Teams webhook "other"`,
			},
		},
		{
			name: "teams destination without any webhooks",
			yaml: rep("ops_channel: {slack: C1}", "ops_channel: {slack: C1}\n    status_channels: {teams: [status]}"),
			want: []string{`environments.prod.status_channels.teams[0]: names Teams webhook "status" but platforms.teams.webhooks is empty`},
		},
		{
			name: "timezone and colour",
			yaml: rep("production: true", "production: true\n    timezone: Europe/Lundon\n    colour: red"),
			want: []string{
				`environments.prod.timezone: unknown time zone "Europe/Lundon"`,
				`environments.prod.colour: must be a colour like "#d40000", got "red"`,
			},
		},
		{
			name: "numbers out of range",
			yaml: rep("production: true", "production: true\n    generations_kept: 0\n    workers: -2\n    batch_size: 0\n    max_bad_records: -1\n    flush_bytes: -1"),
			want: []string{
				`environments.prod.generations_kept: must be at least 1`,
				`environments.prod.workers: must not be negative`,
				`environments.prod.batch_size: must be at least 1`,
				`environments.prod.max_bad_records: must not be negative`,
				`environments.prod.flush_bytes: must not be negative`,
			},
		},
		{
			name: "slack",
			yaml: "platforms:\n  slack:\n    bot_token: xoxb-1\n    api_url: http://127.0.0.1:9/api\n" + prod,
			want: []string{
				`platforms.slack.signing_secret: required (or app_token for Socket Mode)`,
				`platforms.slack.api_url: must end in "/"`,
			},
		},
		{
			name: "discord half configured",
			yaml: "platforms:\n  discord:\n    public_key: abc\n" + prod,
			want: []string{
				`platforms.discord.application_id: required when Discord is configured`,
				`platforms.discord.bot_token: required when Discord is configured`,
				`platforms.discord.public_key: must be 64 hexadecimal characters (an Ed25519 public key)`,
			},
		},
		{
			name: "required fields and renames a strict mapping lacks",
			yaml: strings.Replace(prod, "required_fields: [a, b.c]", "required_fields: [a, b.d, zz]\n        transform: {rename: {old: b.e}, set: {x: 1}}", 1),
			want: []string{
				`environments.prod.indexes[0].required_fields[1]: "b.d" is not in the strict mapping (no properties.b.properties.d in m.json)`,
				`environments.prod.indexes[0].required_fields[2]: "zz" is not in the strict mapping (no properties.zz in m.json)`,
				`environments.prod.indexes[0].transform.rename.old: "b.e" is not in the strict mapping (no properties.b.properties.e in m.json)`,
				`environments.prod.indexes[0].transform.set.x: "x" is not in the strict mapping (no properties.x in m.json)`,
			},
		},
		{
			name: "checks",
			yaml: strings.Replace(prod, "required_fields: [a, b.c]", `checks:
          - {name: none, query: {match_all: {}}}
          - {name: backwards, query: {match_all: {}}, min: 5, max: 1}
          - {min: 1}`, 1),
			want: []string{
				`environments.prod.indexes[0].checks[0]: needs min, max or both`,
				`environments.prod.indexes[0].checks[1].max: min must not be greater than max`,
				`environments.prod.indexes[0].checks[2].name: required`,
				`environments.prod.indexes[0].checks[2].query: required`,
			},
		},
		{
			name: "environment without indexes, cluster or ops channel",
			yaml: head + "environments:\n  prod:\n    production: true\n",
			want: []string{
				`environments.prod.ops_channel: required for a production environment: requests are only accepted there`,
				`environments.prod.elasticsearch.urls: required`,
				`environments.prod.indexes: needs at least one index`,
			},
		},
		{
			name: "nothing to work with",
			yaml: "people: {}\n",
			want: []string{
				`roles.engineers: needs at least one person or Discord role: nobody could use the bot`,
				`environments: needs at least one environment`,
			},
		},
		{
			name: "environment names",
			yaml: strings.Replace(prod, "  prod:", "  status:", 1) + "  Pre Prod: {}\n",
			want: []string{
				`environments.status: "status" is a /resync subcommand; choose another name`,
				`environments["Pre Prod"]: must be lowercase letters, digits, - and _, starting with a letter or digit`,
				`environments["Pre Prod"].elasticsearch.urls: required`,
				`environments["Pre Prod"].indexes: needs at least one index`,
			},
		},
		{
			name: "unset variable",
			yaml: rep(`urls: ["http://es:9200"]`, "urls: [\"${ES_URL}\"]\n      username: ${ES_USER:-elastic}\n      password: ${ES_PASSWORD}\n      api_key: ${BAD-NAME}${ \n      max_retries: ${RETRIES:-x}"),
			want: []string{
				`environments.prod.elasticsearch.urls[0]: environment variable ES_URL is not set (write ${ES_URL:-default} to allow a default)`,
				`environments.prod.elasticsearch.password: environment variable ES_PASSWORD is not set (write ${ES_PASSWORD:-default} to allow a default)`,
				`environments.prod.elasticsearch.api_key: invalid variable reference "${BAD-NAME}"`,
				`environments.prod.elasticsearch.max_retries: must be an integer, got "${RETRIES:-x}"`,
			},
		},
		{
			name: "elasticsearch credentials",
			yaml: rep(`urls: ["http://es:9200"]`, `urls: ["http://es:9200", "es:9200"]
      username: elastic
      api_key: k3y`),
			want: []string{
				`environments.prod.elasticsearch.urls[1]: must be an http:// or https:// URL with a host`,
				`environments.prod.elasticsearch.api_key: set only one of username/password, token and api_key`,
			},
		},
		{
			name: "duplicate keys and a non-mapping root",
			yaml: "redis: {url: redis://a, url: redis://b}\n" + prod + "  prod: {}\n",
			want: []string{
				`redis.url: duplicate key (first at line 1)`,
				`environments.prod: duplicate key (first at line 9)`,
			},
		},
		{
			name: "not a mapping at all",
			yaml: "- a\n- b\n",
			want: []string{`must be a mapping, got a list`},
		},
		{
			name: "YAML syntax",
			yaml: "redis:\n  url: [unclosed\n",
			want: []string{`invalid YAML: did not find expected ',' or ']'`},
		},
		{
			name: "server and redis",
			yaml: "redis: {url: http://x}\nserver: {addr: localhost, handler_timeout: 1s}\nnotify: {max_attempts: 0}\n" + prod,
			want: []string{
				`redis.url: must be a redis://, rediss:// or unix:// URL`,
				`server.addr: must be host:port or :port, got "localhost"`,
				`notify.max_attempts: must be at least 1`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(t, tt.yaml, tt.files, tt.vars)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestProblemsError(t *testing.T) {
	yaml := strings.Replace(prod, "production: true", "production: true\n    colur: red\n    batch_size: lots", 1)
	_, err := config.Parse([]byte(yaml), write(t, "", nil)+"/..", env(nil))
	var ps *config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Parse: %v is not a *config.Problems", err)
	}
	want := `environments.prod.colur: unknown field (did you mean "colour"?) (line 10)
environments.prod.batch_size: must be an integer, got "lots" (line 11)`
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err, want)
	}
}

func TestProblemLinesFollowTheFile(t *testing.T) {
	// Decoding problems (types), validation problems (values) and problems
	// with missing keys interleave in file order; missing keys point at
	// their enclosing block.
	yaml := head + `environments:
  prod:
    production: true
    ops_channel: {slack: C1}
    workers: many
    elasticsearch:
      urls: ["http://es:9200"]
    indexes:
      - alias: a
        mapping: m.json
        source:
          type: http
      - alias: A
        mapping: m.json
        source: {type: generate, count: 1}
    generations_kept: 0
`
	_, err := config.Load(write(t, yaml, nil), env(nil))
	var ps *config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load: %v", err)
	}
	want := []config.Problem{
		{Path: "environments.prod.workers", Message: `must be an integer, got "many"`, Line: 11},
		{Path: "environments.prod.indexes[0].source.url", Message: "required", Line: 17},
		{Path: "environments.prod.indexes[0].source.items_path", Message: "required", Line: 17},
		{Path: "environments.prod.indexes[1].alias", Message: "must be lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", Line: 19},
		{Path: "environments.prod.generations_kept", Message: "must be at least 1", Line: 22},
	}
	if !slices.Equal(ps.List, want) {
		t.Errorf("problems:\n%v\nwant:\n%v", ps.List, want)
	}
}

func TestExpansion(t *testing.T) {
	yaml := `redis:
  url: redis://${REDIS_HOST}:${REDIS_PORT:-6379}/0
  prefix: "$${literal}:${PREFIX:-}"
` + strings.Replace(prod, "production: true", "production: true\n    batch_size: ${BATCH}\n    workers: ${WORKERS:-}\n    label: \"${LABEL:-Prod: main}\"", 1)
	cfg, err := config.Load(write(t, yaml, nil), env(map[string]string{"REDIS_HOST": "cache", "BATCH": "250"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Redis.URL, "redis://cache:6379/0"; got != want {
		t.Errorf("redis.url = %q, want %q", got, want)
	}
	if got, want := cfg.Redis.Prefix, "${literal}:"; got != want {
		t.Errorf("redis.prefix = %q, want %q", got, want)
	}
	e := cfg.Environments["prod"]
	if e.BatchSize != 250 {
		t.Errorf("batch_size = %d, want 250 from ${BATCH}", e.BatchSize)
	}
	if e.Workers != config.DefaultWorkers {
		t.Errorf("workers = %d, want the default %d for an empty ${WORKERS:-}", e.Workers, config.DefaultWorkers)
	}
	if got, want := e.Label, "Prod: main"; got != want {
		t.Errorf("label = %q, want %q", got, want)
	}
}

func TestDefaults(t *testing.T) {
	yaml := prod + `  staging:
    elasticsearch:
      urls: ["http://es:9200"]
      max_retries: 0
    workers: 3
    indexes:
      - alias: a
        mapping: m.json
        batch_size: 10
        source: {type: http, url: "http://api", items_path: items}
    notices: {on_start: false}
platforms:
  slack: {bot_token: "", signing_secret: ""}
`
	cfg, err := config.Load(write(t, yaml, nil), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("redis.prefix", cfg.Redis.Prefix, "resyncbot:")
	check("server.addr", cfg.Server.Addr, ":8080")
	check("server.handler_timeout", cfg.Server.HandlerTimeout, 10*time.Second)
	check("server.recover_interval", cfg.Server.RecoverInterval, 30*time.Second)
	check("notify.progress_interval", cfg.Notify.ProgressInterval, 3*time.Second)
	check("notify.max_attempts", cfg.Notify.MaxAttempts, 8)
	if !slices.Equal(cfg.EnvironmentOrder, []string{"prod", "staging"}) {
		t.Errorf("EnvironmentOrder = %v", cfg.EnvironmentOrder)
	}

	p := cfg.Environments["prod"]
	check("prod.Name", p.Name, "prod")
	check("prod.label", p.Label, "prod")
	check("prod.timezone", p.Timezone, "UTC")
	check("prod.approvals.resync", p.Approvals.Resync, 1)
	check("prod.approvals.restore", p.Approvals.Restore, 0)
	check("prod.approvals.notice", p.Approvals.Notice, 0)
	check("prod.approval_ttl", p.ApprovalTTL, 30*time.Minute)
	check("prod.batch_size", p.BatchSize, 1000)
	check("prod.workers", p.Workers, 2)
	check("prod.flush_bytes", p.FlushBytes, 5<<20)
	check("prod.generations_kept", p.GenerationsKept, 2)
	check("prod.max_bad_records", p.MaxBadRecords, 0)
	check("prod.elasticsearch.timeout", p.Elasticsearch.Timeout, 30*time.Second)
	check("prod.elasticsearch.max_retries", p.Elasticsearch.MaxRetries, 3)
	for name, on := range map[string]*bool{"on_start": p.Notices.OnStart, "on_success": p.Notices.OnSuccess,
		"on_failure": p.Notices.OnFailure, "on_abort": p.Notices.OnAbort, "on_restore": p.Notices.OnRestore} {
		if on == nil || !*on {
			t.Errorf("prod.notices.%s is not on by default", name)
		}
	}
	ix := p.Indexes[0]
	check("prod index batch_size", ix.BatchSize, 1000)
	check("prod index workers", ix.Workers, 2)
	check("generate kind", ix.Source.Kind, "doctor")
	if string(ix.MappingJSON) != strictMapping {
		t.Errorf("MappingJSON = %s", ix.MappingJSON)
	}

	s := cfg.Environments["staging"]
	check("staging.approvals.resync", s.Approvals.Resync, 0)
	check("staging.elasticsearch.max_retries (explicit 0)", s.Elasticsearch.MaxRetries, 0)
	check("staging.notices.on_start", *s.Notices.OnStart, false)
	check("staging.notices.on_abort", *s.Notices.OnAbort, true)
	ix = s.Indexes[0]
	check("staging index batch_size", ix.BatchSize, 10)
	check("staging index workers (inherited)", ix.Workers, 3)
	check("http timeout", ix.Source.Timeout, 30*time.Second)
	check("http retries", ix.Source.Retries, 5)
	check("http page_size", ix.Source.PageSize, 500)
	if cfg.Platforms.Slack != nil {
		t.Error("a Slack block with empty credentials is not switched off")
	}
}

func TestMergeKeys(t *testing.T) {
	yaml := head + `x-cluster: &cluster
  urls: ["http://es:9200"]
  timeout: 5s
environments:
  prod:
    production: true
    ops_channel: {slack: C1}
    elasticsearch:
      <<: *cluster
      timeout: 7s
    indexes: &ix
      - {alias: a, mapping: m.json, source: {type: generate, count: 1}}
  staging:
    elasticsearch: *cluster
    indexes: *ix
`
	// Unknown keys are errors, so an anchor cannot live in a key of its own.
	got := problems(t, yaml, nil, nil)
	if want := []string{`x-cluster: unknown field`}; !slices.Equal(got, want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	// Put the anchor inside a real field instead.
	yaml = head + `environments:
  staging:
    elasticsearch: &cluster
      urls: ["http://es:9200"]
      timeout: 5s
    indexes: &ix
      - {alias: a, mapping: m.json, source: {type: generate, count: 1}}
  prod:
    production: true
    ops_channel: {slack: C1}
    elasticsearch:
      <<: *cluster
      timeout: 7s
    indexes: *ix
`
	cfg, err := config.Load(write(t, yaml, nil), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p, s := cfg.Environments["prod"], cfg.Environments["staging"]
	if p.Elasticsearch.Timeout != 7*time.Second || s.Elasticsearch.Timeout != 5*time.Second {
		t.Errorf("timeouts prod %v staging %v, want 7s and 5s", p.Elasticsearch.Timeout, s.Elasticsearch.Timeout)
	}
	if !slices.Equal(p.Elasticsearch.URLs, []string{"http://es:9200"}) {
		t.Errorf("merged urls = %v", p.Elasticsearch.URLs)
	}
	if p.Indexes[0] == s.Indexes[0] || p.Indexes[0].Alias != "a" {
		t.Error("an aliased list of indexes must decode into separate values")
	}
}

func TestExample(t *testing.T) {
	cfg, err := config.Load("../examples/resyncbot.yaml", env(nil))
	if err != nil {
		t.Fatalf("the example does not load on a machine without variables:\n%v", err)
	}
	if !slices.Equal(cfg.EnvironmentOrder, []string{"staging", "preprod", "prod"}) {
		t.Errorf("EnvironmentOrder = %v", cfg.EnvironmentOrder)
	}
	for _, name := range cfg.EnvironmentOrder {
		e := cfg.Environments[name]
		var aliases []string
		for _, ix := range e.Indexes {
			aliases = append(aliases, ix.Alias)
			if len(ix.MappingJSON) == 0 {
				t.Errorf("%s %s: no mapping read", name, ix.Alias)
			}
			if ix.Source.Type != config.SourceGenerate || ix.Transform.IDField != "gmcReferenceNumber" {
				t.Errorf("%s %s: source %q id_field %q", name, ix.Alias, ix.Source.Type, ix.Transform.IDField)
			}
		}
		if want := []string{"masterdoctorindex", "recommendationindex", "connectionindex"}; !slices.Equal(aliases, want) {
			t.Errorf("%s indexes = %v, want %v", name, aliases, want)
		}
		if got := e.Indexes[1].Transform.Rename["traineeInfo"]; got != "recommendationInfo" {
			t.Errorf("%s recommendationindex renames traineeInfo to %q", name, got)
		}
	}
	p := cfg.Environments["prod"]
	if !p.Production || p.Colour != "#d40000" || p.Approvals.Resync != 1 || !p.RequireReason || p.OpsChannel.Slack == "" {
		t.Errorf("prod = %+v", p)
	}
	if cfg.Environments["staging"].Approvals.Resync != 0 || cfg.Environments["preprod"].Approvals.Resync != 0 {
		t.Error("staging and preprod should need no approval")
	}
	if cfg.Platforms != (config.Platforms{}) {
		t.Errorf("platforms without credentials should be off: %+v", cfg.Platforms)
	}
	if s := cfg.Secrets(); len(s) != 0 {
		t.Errorf("Secrets() = %q with no variables set", s)
	}

	// With credentials in the environment, every platform comes on.
	vars := map[string]string{
		"SLACK_BOT_TOKEN":              "xoxb-example-bot-token",
		"SLACK_SIGNING_SECRET":         "example-signing-secret",
		"DISCORD_APPLICATION_ID":       "1234567890",
		"DISCORD_PUBLIC_KEY":           strings.Repeat("ab", 32),
		"DISCORD_BOT_TOKEN":            "example-discord-token",
		"TEAMS_WEBHOOK_SERVICE_STATUS": "https://prod.example/workflows/1/invoke?api-version=1&sp=x&sv=1&sig=example-signature",
		"ES_PROD_API_KEY":              "example-api-key",
	}
	cfg, err = config.Load("../examples/resyncbot.yaml", env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Platforms.Slack == nil || cfg.Platforms.Discord == nil || cfg.Platforms.Teams == nil {
		t.Fatalf("platforms = %+v", cfg.Platforms)
	}
	if got := cfg.Environments["prod"].StatusChannels.Teams; !slices.Equal(got, []string{"service-status"}) {
		t.Errorf("prod teams status channels = %v: the webhook without a URL should be dropped", got)
	}
	want := []string{"example-api-key", "example-discord-token", "example-signature", "example-signing-secret",
		vars["TEAMS_WEBHOOK_SERVICE_STATUS"], "xoxb-example-bot-token"}
	if got := cfg.Secrets(); !slices.Equal(got, want) {
		t.Errorf("Secrets() =\n%q\nwant\n%q", got, want)
	}
}

func TestSecrets(t *testing.T) {
	yaml := `redis: {url: "redis://:redis-pass@cache:6379/0"}
platforms:
  slack: {bot_token: xoxb-bot, signing_secret: sign-secret, app_token: xapp-app}
  discord: {application_id: "1", public_key: ` + strings.Repeat("0f", 32) + `, bot_token: discord-bot}
  teams:
    webhooks: {status: "https://t.example/wf?sig=teams%2Bsig"}
` + strings.Replace(prod, `urls: ["http://es:9200"]`, `urls: ["https://elastic:es-url-pass@es:9200"]
      username: elastic
      password: es-pass`, 1) + `      - alias: b
        mapping: m.json
        source: {type: http, url: "https://api.example/x?access_token=query-token", items_path: items, token: source-token}
      - alias: c
        mapping: m.json
        source: {type: elasticsearch, url: "https://old:9200", index: i, sort_field: id, api_key: source-api-key}
`
	cfg, err := config.Load(write(t, yaml, nil), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"discord-bot", "es-pass", "es-url-pass", "https://t.example/wf?sig=teams%2Bsig", "query-token",
		"redis-pass", "sign-secret", "source-api-key", "source-token", "teams%2Bsig", "teams+sig",
		"xapp-app", "xoxb-bot",
	}
	if got := cfg.Secrets(); !slices.Equal(got, want) {
		t.Errorf("Secrets() =\n%q\nwant\n%q", got, want)
	}
}

func TestProblemsNeverShowSecrets(t *testing.T) {
	secrets := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-never-shown-1",
		"SLACK_SIGNING_SECRET": "never-shown-signing",
		"ES_PASSWORD":          "never-shown-password",
		"ES_API_KEY":           "never-shown-api-key",
		"TEAMS_URL":            "ftp://teams.example/wf?sig=never-shown-sig",
		"SOURCE_URL":           "gopher://user:never-shown-url-pass@api",
		"REDIS_URL":            "http://:never-shown-redis@cache",
	}
	yaml := `redis: {url: "${REDIS_URL}"}
platforms:
  slack: {bot_token: "${SLACK_BOT_TOKEN}", signing_secret: ["${SLACK_SIGNING_SECRET}"], api_url: "${SLACK_BOT_TOKEN}"}
  teams:
    webhooks: {status: "${TEAMS_URL}", other: ["${TEAMS_URL}"]}
` + strings.Replace(prod, `urls: ["http://es:9200"]`, `urls: "${ES_PASSWORD}"
      password: {x: "${ES_PASSWORD}"}
      api_key: ${ES_API_KEY}
      max_retries: ${ES_API_KEY}`, 1) + `      - alias: b
        mapping: m.json
        source: {type: http, url: "${SOURCE_URL}", items_path: items, token: [1]}
`
	_, err := config.Load(write(t, yaml, nil), env(secrets))
	if err == nil {
		t.Fatal("the config should not load")
	}
	msg := err.Error()
	for name, s := range secrets {
		if strings.Contains(msg, s) || strings.Contains(msg, "never-shown") {
			t.Errorf("a problem shows %s:\n%s", name, msg)
		}
	}
	// Each broken secret field is still reported, by type.
	for _, want := range []string{
		"platforms.slack.signing_secret: must be a string, got a list",
		"platforms.teams.webhooks.other: must be a string, got a list",
		"environments.prod.elasticsearch.urls: must be a list, got a string",
		"environments.prod.elasticsearch.password: must be a string, got a mapping",
		"environments.prod.indexes[1].source.token: must be a string, got a list",
		"platforms.teams.webhooks.status: must be an http:// or https:// URL with a host",
		"redis.url: must be a redis://, rediss:// or unix:// URL",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems lack %q:\n%s", want, msg)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"), env(nil))
	var ps *config.Problems
	if err == nil || errors.As(err, &ps) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestResolve(t *testing.T) {
	c := &config.Config{Dir: "/etc/resyncbot"}
	for in, want := range map[string]string{"data/x.ndjson": "/etc/resyncbot/data/x.ndjson", "/abs/ca.pem": "/abs/ca.pem", "": ""} {
		if got := c.Resolve(in); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", in, got, want)
		}
	}
}
