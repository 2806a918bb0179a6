package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// expand replaces ${VAR} and ${VAR:-default} in every scalar value of the tree
// with values from getenv, before anything is decoded, so a variable can fill
// a field of any type. "$${" stands for a literal "${". A ${VAR} whose value is
// empty is a problem at the value's path; ${VAR:-} allows it. Keys are not
// expanded, and a node reached through an alias is expanded once, where its
// anchor is.
//
// written receives the original text of every scalar it changes.
func expand(n *yaml.Node, path string, getenv func(string) string, r *report, written map[*yaml.Node]string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expand(c, path, getenv, r, written)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := path
			if k.Kind == yaml.ScalarNode && k.Value != "<<" {
				p = key(path, k.Value)
				r.locate(p, k.Line)
			}
			expand(v, p, getenv, r, written)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := index(path, i)
			r.locate(p, c.Line)
			expand(c, p, getenv, r, written)
		}
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "${") {
			written[n] = n.Value
			n.Value = expandString(n.Value, path, getenv, r)
		}
	}
}

// expandString expands one scalar, reporting unset variables and malformed
// references at path. It never puts a variable's value into a message.
func expandString(s, path string, getenv func(string) string, r *report) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			r.fail(path, msgUnterminatedVar)
			return b.String()
		}
		ref := s[i+2 : i+end]
		s = s[i+end+1:]
		name, def, hasDefault := strings.Cut(ref, ":-")
		if !isVarName(name) {
			r.failf(path, msgBadVarName, "${"+ref+"}")
			continue
		}
		v := getenv(name)
		if v == "" && !hasDefault {
			r.failf(path, msgUnsetVar, name)
			continue
		}
		if v == "" {
			v = def
		}
		b.WriteString(v)
	}
}

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
