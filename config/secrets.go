package config

import (
	"reflect"
	"slices"
	"strings"

	"github.com/resyncbot/resyncbot/internal/redact"
)

// Secrets returns every secret value in the configuration, for redaction:
// passwords, tokens, API keys, signing secrets, Teams webhook URLs, and the
// credentials embedded in URLs (https://user:pass@host, ?sig=…). A field is
// secret when types.go tags it `secret:"true"` (the whole value) or
// `secret:"url"` (only the credentials inside it). Each value appears once,
// in sorted order.
func (c *Config) Secrets() []string {
	var out []string
	seen := make(map[string]bool)
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(v reflect.Value, tag string)
	walk = func(v reflect.Value, tag string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), tag)
			}
		case reflect.Struct:
			for _, f := range reflect.VisibleFields(v.Type()) {
				if f.IsExported() {
					walk(v.FieldByIndex(f.Index), f.Tag.Get("secret"))
				}
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return // MappingJSON
			}
			for i := range v.Len() {
				walk(v.Index(i), tag)
			}
		case reflect.Map:
			iter := v.MapRange()
			for iter.Next() {
				walk(iter.Value(), tag)
			}
		case reflect.String:
			switch tag {
			case "true":
				add(v.String())
				if strings.Contains(v.String(), "://") {
					for _, s := range redact.URLSecrets(v.String()) {
						add(s)
					}
				}
			case "url":
				for _, s := range redact.URLSecrets(v.String()) {
					add(s)
				}
			}
		}
	}
	walk(reflect.ValueOf(c), "")
	slices.Sort(out)
	return out
}
