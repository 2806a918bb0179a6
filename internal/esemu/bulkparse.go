package esemu

import (
	"bytes"
	"net/http"
	"strconv"
)

// parseBulkBody splits an NDJSON bulk body into items, following ES's
// BulkRequestParser: empty action lines are skipped, a malformed action
// line fails the whole request. Ids are collected into one buffer.
func parseBulkBody(body []byte, defIndex string, defRequireAlias bool) ([]bulkItem, []byte, *esError) {
	lines := bytes.Count(body, []byte{'\n'})
	items := make([]bulkItem, 0, lines/2+1)
	idBuf := make([]byte, 0, lines*4)
	var lastIndexRaw []byte
	lastIndex := ""
	pos, line := 0, 0
	for pos < len(body) {
		end := bytes.IndexByte(body[pos:], '\n')
		if end < 0 {
			break
		}
		actionLine := body[pos : pos+end]
		pos += end + 1
		line++
		s := scanner{buf: actionLine}
		if s.atEnd() {
			continue
		}
		it := bulkItem{idStart: -1, ifSeqNo: -1, line: line, requireAlias: defRequireAlias, indexName: defIndex}
		if s.cur() != '{' {
			return nil, nil, errIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(line) + "], expected START_OBJECT but found [" + tokenName(&s) + "]")
		}
		s.pos++
		if s.peek() != '"' {
			return nil, nil, errIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(line) + "], expected FIELD_NAME but found [" + tokenName(&s) + "]")
		}
		op, _, serr := s.str()
		if serr != nil {
			return nil, nil, bulkSyntax(line, serr)
		}
		switch string(op) {
		case "index", "create", "update", "delete":
			it.op = opName(op)
		default:
			return nil, nil, errIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(line) + "], expected field [create], [delete], [index] or [update] but found [" + string(op) + "]")
		}
		if serr := s.expect(':'); serr != nil {
			return nil, nil, bulkSyntax(line, serr)
		}
		if s.peek() != '{' {
			return nil, nil, errIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(line) + "], expected START_OBJECT but found [" + tokenName(&s) + "]")
		}
		s.pos++
		if s.peek() == '}' {
			s.pos++
		} else {
			for {
				key, _, serr := s.str()
				if serr != nil {
					return nil, nil, bulkSyntax(line, serr)
				}
				if serr := s.expect(':'); serr != nil {
					return nil, nil, bulkSyntax(line, serr)
				}
				valStart := s.pos
				var val []byte
				var esc bool
				if s.peek() == '"' {
					val, esc, serr = s.str()
				} else {
					serr = s.skip()
					val = bytes.TrimSpace(s.buf[valStart:s.pos])
				}
				if serr != nil {
					return nil, nil, bulkSyntax(line, serr)
				}
				if esc {
					val = unescape(val)
				}
				switch string(key) {
				case "_id":
					it.idStart = len(idBuf)
					idBuf = append(idBuf, val...)
					it.idEnd = len(idBuf)
				case "_index":
					if !bytes.Equal(lastIndexRaw, val) {
						lastIndexRaw, lastIndex = append([]byte(nil), val...), string(val)
					}
					it.indexName = lastIndex
				default:
					if err := it.setParam(string(key), val, line); err != nil {
						return nil, nil, err
					}
				}
				more, serr := s.objectNext()
				if serr != nil {
					return nil, nil, bulkSyntax(line, serr)
				}
				if !more {
					break
				}
			}
		}
		if serr := s.expect('}'); serr != nil {
			return nil, nil, bulkSyntax(line, serr)
		}
		if !s.atEnd() {
			return nil, nil, errIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(line) + "], expected END_OBJECT but found [" + tokenName(&s) + "]")
		}
		if it.op != "delete" {
			end := bytes.IndexByte(body[pos:], '\n')
			if end >= 0 {
				it.src = body[pos : pos+end]
				pos += end + 1
				line++
			}
		}
		if (it.op == "update" || it.op == "delete") && it.idStart < 0 {
			return nil, nil, errValidation("id is missing")
		}
		items = append(items, it)
	}
	return items, idBuf, nil
}

func opName(op []byte) string {
	switch string(op) {
	case "index":
		return "index"
	case "create":
		return "create"
	case "update":
		return "update"
	}
	return "delete"
}

func bulkSyntax(line int, err *scanError) *esError {
	return newErr(http.StatusBadRequest, "x_content_parse_exception", "["+strconv.Itoa(line)+":"+strconv.Itoa(err.off+1)+"] "+err.msg)
}

func tokenName(s *scanner) string {
	switch c := s.peek(); {
	case c == 0:
		return "null"
	case c == '{':
		return "START_OBJECT"
	case c == '[':
		return "START_ARRAY"
	case c == '"':
		return "VALUE_STRING"
	case c == '-' || c >= '0' && c <= '9':
		return "VALUE_NUMBER"
	case c == 't' || c == 'f':
		return "VALUE_BOOLEAN"
	case c == 'n':
		return "VALUE_NULL"
	case c == '}':
		return "END_OBJECT"
	}
	return "VALUE_STRING"
}

// setParam applies one action/metadata parameter.
func (it *bulkItem) setParam(key string, val []byte, line int) *esError {
	switch key {
	case "routing", "pipeline", "dynamic_templates", "_source", "list_executed_pipelines", "require_data_stream", "op_type", "retry_on_conflict":
	case "require_alias":
		it.requireAlias = string(val) == "true"
	case "if_seq_no":
		n, err := strconv.ParseInt(string(val), 10, 64)
		if err != nil {
			return errIllegalArgument("[if_seq_no] must be a number, got [" + string(val) + "]")
		}
		it.ifSeqNo = n
	case "if_primary_term":
		n, err := strconv.ParseInt(string(val), 10, 64)
		if err != nil {
			return errIllegalArgument("[if_primary_term] must be a number, got [" + string(val) + "]")
		}
		it.ifPrimaryTerm = n
	case "version":
		n, err := strconv.ParseInt(string(val), 10, 64)
		if err != nil {
			return errIllegalArgument("[version] must be a number, got [" + string(val) + "]")
		}
		it.version = n
	case "version_type":
		switch string(val) {
		case "external", "external_gt":
			it.external = true
		case "internal":
		default:
			return errIllegalArgument("esemu supports version_type internal, external and external_gt, not [" + string(val) + "]")
		}
	default:
		return errIllegalArgument("Action/metadata line [" + strconv.Itoa(line) + "] contains an unknown parameter [" + key + "]")
	}
	return nil
}
