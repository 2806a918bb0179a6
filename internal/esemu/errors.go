package esemu

import (
	"net/http"
	"strconv"
	"strings"
)

// esError is an Elasticsearch exception as it appears on the wire: a type,
// a reason, ordered metadata fields, an optional cause, and the HTTP status
// it maps to. Rendering follows ElasticsearchException.toXContent, so that
// clients that parse error bodies see what a real cluster would send.
type esError struct {
	status int
	typ    string
	reason string
	meta   []metaField
	// cause is rendered as "caused_by".
	cause *esError
	// causeIsES marks a cause that is itself an ElasticsearchException; ES
	// reports the deepest such exception as the root cause.
	causeIsES bool
	// roots overrides the computed root causes (search_phase_execution_exception
	// reports its shard failures' causes).
	roots []*esError
	// extra holds pre-rendered JSON members written after metadata
	// ("phase", "grouped", "failed_shards").
	extra []byte
}

// metaField is one metadata member of an exception body, such as
// "index_uuid" or "resource.type"; values are rendered as JSON strings.
type metaField struct{ key, value string }

func (e *esError) Error() string { return e.typ + ": " + e.reason }

func newErr(status int, typ, reason string, meta ...metaField) *esError {
	return &esError{status: status, typ: typ, reason: reason, meta: meta}
}

func (e *esError) withCause(c *esError, isES bool) *esError {
	e.cause = c
	e.causeIsES = isES
	return e
}

func (e *esError) rootCauses() []*esError {
	if e.roots != nil {
		return e.roots
	}
	if e.cause != nil && e.causeIsES {
		return e.cause.rootCauses()
	}
	return []*esError{e}
}

// appendInner writes the members of the exception object (without braces).
func (e *esError) appendInner(b []byte, withCause bool) []byte {
	b = append(b, `"type":`...)
	b = appendString(b, e.typ)
	b = append(b, `,"reason":`...)
	b = appendString(b, e.reason)
	for _, m := range e.meta {
		b = append(b, ',')
		b = appendString(b, m.key)
		b = append(b, ':')
		b = appendString(b, m.value)
	}
	if len(e.extra) > 0 {
		b = append(b, ',')
		b = append(b, e.extra...)
	}
	if withCause && e.cause != nil {
		b = append(b, `,"caused_by":{`...)
		b = e.cause.appendInner(b, true)
		b = append(b, '}')
	}
	return b
}

// appendObject writes the exception as a JSON object, the form used inside
// bulk items and alias action results (no root_cause).
func (e *esError) appendObject(b []byte) []byte {
	b = append(b, '{')
	b = e.appendInner(b, true)
	return append(b, '}')
}

// body renders the full top-level error response:
// {"error":{"root_cause":[…],"type":…,"reason":…,…},"status":N}.
func (e *esError) body() []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"error":{"root_cause":[`...)
	for i, r := range e.rootCauses() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = r.appendInner(b, false)
		b = append(b, '}')
	}
	b = append(b, "],"...)
	b = e.appendInner(b, true)
	b = append(b, `},"status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	return append(b, '}')
}

// stringError renders the few ES responses whose "error" member is a plain
// string, such as {"error":"alias [x] missing","status":404}.
func stringError(status int, msg string) []byte {
	b := []byte(`{"error":`)
	b = appendString(b, msg)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	return append(b, '}')
}

func errIndexNotFound(name string) *esError {
	return newErr(http.StatusNotFound, "index_not_found_exception", "no such index ["+name+"]",
		metaField{"resource.type", "index_or_alias"},
		metaField{"resource.id", name},
		metaField{"index_uuid", "_na_"},
		metaField{"index", name})
}

func errIndexExists(name, uuid string) *esError {
	return newErr(http.StatusBadRequest, "resource_already_exists_exception",
		"index ["+name+"/"+uuid+"] already exists",
		metaField{"index_uuid", uuid}, metaField{"index", name})
}

func errInvalidIndexName(name, why string) *esError {
	return newErr(http.StatusBadRequest, "invalid_index_name_exception",
		"Invalid index name ["+name+"], "+why,
		metaField{"index_uuid", "_na_"}, metaField{"index", name})
}

func errIllegalArgument(reason string) *esError {
	return newErr(http.StatusBadRequest, "illegal_argument_exception", reason)
}

func errParsing(reason string) *esError {
	return newErr(http.StatusBadRequest, "parsing_exception", reason)
}

// errValidation is an action_request_validation_exception carrying one or
// more numbered messages, as ActionRequestValidationException renders them.
func errValidation(msgs ...string) *esError {
	var sb strings.Builder
	sb.WriteString("Validation Failed: ")
	for i, m := range msgs {
		sb.WriteString(strconv.Itoa(i + 1))
		sb.WriteString(": ")
		sb.WriteString(m)
		sb.WriteString(";")
	}
	return newErr(http.StatusBadRequest, "action_request_validation_exception", sb.String())
}

func errAliasesNotFound(names ...string) *esError {
	joined := strings.Join(names, ",")
	return newErr(http.StatusNotFound, "aliases_not_found_exception", "aliases ["+joined+"] missing",
		metaField{"resource.type", "aliases"}, metaField{"resource.id", joined})
}

func errNoWriteIndex(alias string) *esError {
	return errIllegalArgument("no write index is defined for alias [" + alias + "]." +
		" The write index may be explicitly disabled using is_write_index=false or the alias points to" +
		" multiple indices without one being designated as a write index")
}

func errAliasDelete(name string) *esError {
	return errIllegalArgument("The provided expression [" + name +
		"] matches an alias, specify the corresponding concrete indices instead.")
}

// errShardFailure wraps a shard-level failure the way a search does when
// every shard fails: search_phase_execution_exception "all shards failed",
// with the shard's exception as root cause and caused_by.
func errShardFailure(index string, cause *esError) *esError {
	status := cause.status
	if status == 0 {
		status = http.StatusBadRequest
	}
	extra := []byte(`"phase":"query","grouped":true,"failed_shards":[{"shard":0,"index":`)
	extra = appendString(extra, index)
	extra = append(extra, `,"node":"esemu-node-0","reason":`...)
	extra = cause.appendObject(extra)
	extra = append(extra, "}]"...)
	e := newErr(status, "search_phase_execution_exception", "all shards failed")
	e.extra = extra
	e.roots = []*esError{cause}
	return e.withCause(cause, true)
}

func errVersionConflictExists(id string, version int64, ix *index) *esError {
	return newErr(http.StatusConflict, "version_conflict_engine_exception",
		"["+id+"]: version conflict, document already exists (current version ["+strconv.FormatInt(version, 10)+"])",
		metaField{"index_uuid", ix.uuid}, metaField{"shard", "0"}, metaField{"index", ix.name})
}

func errDocumentMissing(id string, ix *index) *esError {
	return newErr(http.StatusNotFound, "document_missing_exception", "["+id+"]: document missing",
		metaField{"index_uuid", ix.uuid}, metaField{"shard", "0"}, metaField{"index", ix.name})
}

// defaultErrorType names the exception type a fault with only a status
// answers with; the reasons are plausible ES texts for that status.
func defaultErrorType(status int) (typ, reason string) {
	switch status {
	case http.StatusBadRequest:
		return "illegal_argument_exception", "injected fault"
	case http.StatusNotFound:
		return "resource_not_found_exception", "injected fault"
	case http.StatusConflict:
		return "version_conflict_engine_exception", "injected fault"
	case http.StatusRequestEntityTooLarge:
		return "content_too_long_exception", "injected fault: request too large"
	case http.StatusTooManyRequests:
		return "es_rejected_execution_exception",
			"rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0]"
	case http.StatusServiceUnavailable:
		return "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];"
	case http.StatusGatewayTimeout:
		return "process_cluster_event_timeout_exception", "failed to process cluster event within 30s"
	default:
		return "exception", "injected fault"
	}
}
