package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/syncengine"
)

const example = "../../examples/resyncbot.yaml"

func TestCheckExample(t *testing.T) {
	r := runArgs(t, nil, "check", "--config", example)
	r.wantCode(t, 0)
	want := example + ` is valid.
  staging  3 indexes (masterdoctorindex, recommendationindex, connectionindex)  resync approvals: 0
  preprod  3 indexes (masterdoctorindex, recommendationindex, connectionindex)  resync approvals: 0
  prod     3 indexes (masterdoctorindex, recommendationindex, connectionindex)  resync approvals: 1, production
3 environments, 9 indexes; platforms enabled: none
`
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestCheckExampleWithPlatforms(t *testing.T) {
	vars := map[string]string{
		"RESYNCBOT_CONFIG":                 example,
		"SLACK_BOT_TOKEN":                  "xoxb-check-token",
		"SLACK_APP_TOKEN":                  "xapp-check-token",
		"TEAMS_WEBHOOK_REVALIDATION_USERS": "https://t.example/wf?sig=check-sig",
	}
	r := runArgs(t, vars, "--log-level", "debug", "check")
	r.wantCode(t, 0)
	if !strings.HasSuffix(r.stdout, "platforms enabled: slack (Socket Mode), teams (1 webhook)\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, `"message":"configuration is valid"`) {
		t.Errorf("no debug log on stderr:\n%s", r.stderr)
	}
}

func TestCheckProblems(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	writeFile(t, path, `people:
  alice: {slack: U1}
roles:
  engineers: {people: [alice]}
environments:
  prod:
    production: true
    colur: red
    ops_channel: {slack: C1}
    elasticsearch: {urls: ["http://es:9200"]}
    indexes:
      - alias: a
        mapping: missing.json
        source: {type: generate, count: 1}
`)
	r := runArgs(t, nil, "check", "--config", path)
	r.wantCode(t, 1)
	// The approval comes from a default, so it points at the environment.
	want := fmt.Sprintf(`environments.prod.approvals.resync: needs 1 approval but roles.approvers is empty (line 6)
environments.prod.colur: unknown field (did you mean "colour"?) (line 8)
environments.prod.indexes[0].mapping: cannot read missing.json: no such file or directory (line 13)
3 problems in %s
`, path)
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}

	// A notice template that does not render is a problem too.
	mapping := filepath.Join(dir, "m.json")
	writeFile(t, mapping, `{"mappings":{"properties":{"gmcReferenceNumber":{"type":"keyword"}}}}`)
	writeFile(t, path, `people:
  alice: {slack: U1}
roles:
  engineers: {people: [alice]}
environments:
  staging:
    elasticsearch: {urls: ["http://127.0.0.1:9200"]}
    notices:
      templates:
        start: "Refreshing since {{.StartedAt"
    indexes:
      - alias: a
        mapping: m.json
        source: {type: generate, count: 1}
`)
	r = runArgs(t, nil, "check", "--config", path)
	r.wantCode(t, 1)
	if !strings.HasPrefix(r.stdout, "environments.staging.notices.templates.start: template: ") || !strings.HasSuffix(r.stdout, "1 problem in "+path+"\n") {
		t.Errorf("broken template: stdout:\n%s", r.stdout)
	}

	writeFile(t, path, "people: [\n")
	r = runArgs(t, nil, "check", "--config", path)
	r.wantCode(t, 1)
	if !strings.HasSuffix(r.stdout, "\n1 problem in "+path+"\n") || !strings.HasPrefix(r.stdout, "invalid YAML: ") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestCheckMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	r := runArgs(t, nil, "check", "--config", path)
	r.wantCode(t, 1)
	if want := "resyncbot: load config: open " + path + ": no such file or directory\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}

// TestExampleMappingsMatchTheGenerator holds the example's strict mappings to
// the records the generate source produces, after the example's transforms:
// a field missing from a mapping would fail every bulk item, and a mapped
// field the generator never writes would fail verification.
func TestExampleMappingsMatchTheGenerator(t *testing.T) {
	for _, tt := range []struct {
		file, kind string
		rename     map[string]string
	}{
		{"masterdoctorindex.json", syncengine.KindDoctor, nil},
		{"recommendationindex.json", syncengine.KindRecommendation, map[string]string{"traineeInfo": "recommendationInfo"}},
		{"connectionindex.json", syncengine.KindConnection, nil},
	} {
		data, err := os.ReadFile(filepath.Join("../../examples/mappings", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Settings map[string]any `json:"settings"`
			Mappings struct {
				Dynamic    string         `json:"dynamic"`
				Properties map[string]any `json:"properties"`
			} `json:"mappings"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if m.Mappings.Dynamic != "strict" || m.Settings["number_of_shards"] != 1.0 || m.Settings["number_of_replicas"] != 1.0 {
			t.Errorf("%s: dynamic %q, settings %v", tt.file, m.Mappings.Dynamic, m.Settings)
		}
		mapped := make(map[string]string)
		flatten("", m.Mappings.Properties, mapped, t, tt.file)

		generated := make(map[string]string)
		for field, typ := range syncengine.GeneratedFields(tt.kind) {
			top, rest, nested := strings.Cut(field, ".")
			if to, ok := tt.rename[top]; ok {
				top = to
			}
			if nested {
				top += "." + rest
			}
			generated[top] = typ
		}
		for field, typ := range generated {
			if mapped[field] != typ {
				t.Errorf("%s: generated field %s (%s) is mapped as %q", tt.file, field, typ, mapped[field])
			}
		}
		for field := range mapped {
			if _, ok := generated[field]; !ok {
				t.Errorf("%s: mapped field %s is never generated", tt.file, field)
			}
		}
	}
}

// flatten records each mapped field's type by dotted path; an object with
// properties is "object", and dates must use the generator's format.
func flatten(prefix string, props map[string]any, out map[string]string, t *testing.T, file string) {
	t.Helper()
	for name, v := range props {
		f := v.(map[string]any)
		path := prefix + name
		if sub, ok := f["properties"].(map[string]any); ok {
			out[path] = "object"
			flatten(path+".", sub, out, t, file)
			continue
		}
		typ, _ := f["type"].(string)
		out[path] = typ
		if typ == "date" && f["format"] != "yyyy-MM-dd" {
			t.Errorf("%s: date %s has format %v, want yyyy-MM-dd", file, path, f["format"])
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
