package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// mapping is what resyncbot needs to know about an index's mapping file:
// whether it is strict, and which fields it declares.
type mapping struct {
	strict     bool
	properties map[string]any
}

// readMapping reads an index's mapping file, which must be a JSON object with
// "mappings" (an object) and optionally "settings" (an object). It returns the
// file's bytes for Index.MappingJSON, or a problem message naming the file as
// the config wrote it.
func readMapping(dir, name string) ([]byte, *mapping, string) {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, nil, fmt.Sprintf(msgMappingRead, name, err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
			return nil, nil, fmt.Sprintf(msgMappingJSON, name, fmt.Sprintf("line %d: %v", line, err))
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, nil, fmt.Sprintf(msgMappingObject, name)
		}
		if errors.Is(err, io.EOF) {
			return nil, nil, fmt.Sprintf(msgMappingObject, name)
		}
		return nil, nil, fmt.Sprintf(msgMappingJSON, name, err.Error())
	}
	if doc == nil {
		return nil, nil, fmt.Sprintf(msgMappingObject, name)
	}
	if dec.More() {
		return nil, nil, fmt.Sprintf(msgMappingJSON, name, "more than one value")
	}
	for k := range doc {
		if k != "settings" && k != "mappings" {
			return nil, nil, fmt.Sprintf(msgMappingExtraKey, name, k)
		}
	}
	if s, ok := doc["settings"]; ok {
		if _, ok := s.(map[string]any); !ok {
			return nil, nil, fmt.Sprintf(msgMappingKey, name, "settings")
		}
	}
	raw, ok := doc["mappings"]
	if !ok {
		return nil, nil, fmt.Sprintf(msgMappingMissing, name)
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, fmt.Sprintf(msgMappingKey, name, "mappings")
	}
	props, _ := m["properties"].(map[string]any)
	return data, &mapping{strict: m["dynamic"] == "strict", properties: props}, ""
}

// missing returns "" if a strict mapping declares the dotted field, else the
// path in the mapping that is absent ("properties.a.properties.b" for "a.b").
// A mapping that is not strict accepts any field.
func (m *mapping) missing(field string) string {
	if !m.strict {
		return ""
	}
	props := m.properties
	var path []string
	for part := range strings.SplitSeq(field, ".") {
		path = append(path, "properties", part)
		f, ok := props[part].(map[string]any)
		if !ok {
			return strings.Join(path, ".")
		}
		props, _ = f["properties"].(map[string]any)
	}
	return ""
}
