package syncengine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/resyncbot/resyncbot/config"
)

// NewSource returns the source spec describes. dir resolves a relative ndjson
// path (the config file's directory); client carries http and elasticsearch
// requests (nil means http.DefaultClient).
func NewSource(spec config.Source, dir string, client *http.Client) (Source, error) {
	if client == nil {
		client = http.DefaultClient
	}
	switch spec.Type {
	case config.SourceGenerate:
		return NewGenerateSource(spec)
	case config.SourceNDJSON:
		return NewNDJSONSource(spec, dir)
	case config.SourceHTTP:
		return NewHTTPSource(spec, client)
	case config.SourceElasticsearch:
		return NewESSource(spec, client)
	}
	return nil, fmt.Errorf("source: unknown type %q (want %s, %s, %s or %s)", spec.Type,
		config.SourceGenerate, config.SourceNDJSON, config.SourceHTTP, config.SourceElasticsearch)
}

// singleLine returns doc as one line: a bulk body is NDJSON, so a document
// that an API pretty-printed must lose its line breaks before it is written.
// Documents without a '\n' are returned as they are (JSON allows a raw '\r'
// only as whitespace between tokens, where a bulk body does not mind it).
func singleLine(doc []byte) ([]byte, error) {
	if bytes.IndexByte(doc, '\n') < 0 {
		return doc, nil
	}
	var b bytes.Buffer
	b.Grow(len(doc))
	if err := json.Compact(&b, doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
