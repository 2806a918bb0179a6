package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Load reads the configuration file at path: see Parse. Mapping files are
// read relative to the file's directory.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(data, filepath.Dir(path), getenv)
}

// Parse reads a configuration from data: it expands ${VAR} and ${VAR:-default}
// in values from getenv, decodes strictly, applies the defaults of
// defaults.go, validates, and reads each index's mapping file (relative to
// dir) into Index.MappingJSON. If anything is wrong the error is a *Problems
// listing every problem in file order, and the Config is nil.
//
// A platform block whose credentials are all empty is switched off: its
// pointer in Platforms is nil afterwards, Teams webhooks with an empty URL are
// dropped, and so are status channels that name them.
func Parse(data []byte, dir string, getenv func(string) string) (*Config, error) {
	r := newReport()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		r.problems = append(r.problems, syntaxProblem(err))
		return nil, r.err()
	}
	written := make(map[*yaml.Node]string)
	expand(&root, "", getenv, r, written)

	c := &Config{Dir: dir}
	d := newDecoder(r, written)
	d.decode(&root, c)
	c.EnvironmentOrder = d.keys["environments"]
	for _, name := range c.EnvironmentOrder {
		c.Environments[name].Name = name
	}
	applyDefaults(c, d.set)

	v := &validator{r: r, set: d.set, keys: d.keys, dir: dir}
	v.config(c)
	if err := r.err(); err != nil {
		return nil, err
	}
	switchOff(c, d.keys["platforms.teams.webhooks"])
	return c, nil
}

// Resolve returns path relative to the configuration file's directory, or
// path itself if it is absolute (ndjson source paths, elasticsearch.ca_cert).
func (c *Config) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(c.Dir, path)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a YAML parse error into a Problem with its line.
func syntaxProblem(err error) Problem {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Message: fmt.Sprintf(msgSyntax, m[2]), Line: line}
	}
	return Problem{Message: fmt.Sprintf(msgSyntax, msg)}
}

func (s *Slack) enabled() bool {
	return s.BotToken != "" || s.SigningSecret != "" || s.AppToken != ""
}

func (d *Discord) enabled() bool {
	return d.PublicKey != "" || d.BotToken != ""
}

// switchOff applies "a platform without credentials is off" to a valid Config.
func switchOff(c *Config, webhooks []string) {
	p := &c.Platforms
	if p.Slack != nil && !p.Slack.enabled() {
		p.Slack = nil
	}
	if p.Discord != nil && !p.Discord.enabled() {
		p.Discord = nil
	}
	if p.Teams != nil {
		for _, name := range webhooks {
			if p.Teams.Webhooks[name] == "" {
				delete(p.Teams.Webhooks, name)
			}
		}
		if len(p.Teams.Webhooks) == 0 {
			p.Teams = nil
		}
	}
	for _, e := range c.Environments {
		var kept []string
		for _, name := range e.StatusChannels.Teams {
			if p.Teams != nil && p.Teams.Webhooks[name] != "" {
				kept = append(kept, name)
			}
		}
		e.StatusChannels.Teams = kept
	}
}
