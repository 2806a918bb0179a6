package slackfake

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxBody caps a request body; Slack refuses far smaller ones.
const maxBody = 4 << 20

// apiError is a Slack error answer: HTTP 200 with ok false, unless status says
// otherwise.
type apiError struct {
	code     string
	status   int
	messages []string // response_metadata.messages
}

func fail(code string) *apiError { return &apiError{code: code} }

// apiHandler serves one Web API method. It runs with s.mu held and returns the
// fields of a successful answer besides "ok".
type apiHandler func(s *Server, p url.Values) (map[string]any, *apiError)

// methods are the Web API methods the fake implements.
var methods = map[string]apiHandler{
	"auth.test":          (*Server).authTest,
	"chat.postMessage":   (*Server).chatPostMessage,
	"chat.update":        (*Server).chatUpdate,
	"chat.postEphemeral": (*Server).chatPostEphemeral,
	"chat.delete":        (*Server).chatDelete,
	"conversations.info": (*Server).conversationsInfo,
}

// Call is one request the server received.
type Call struct {
	Method string
	At     time.Time
	// Params are the request's arguments, the token removed.
	Params url.Values
	// Status is the HTTP status answered; Error the Slack error code, empty
	// when ok.
	Status int
	Error  string
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	p, token, err := readParams(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	s.calls[method]++
	call := Call{Method: method, At: s.now(), Params: p}
	defer func() { s.log = append(s.log, call) }()

	if f, ok := s.takeFaultLocked(method); ok {
		call.Status, call.Error = f.write(w)
		return
	}
	h, ok := methods[method]
	if !ok {
		call.Status, call.Error = writeError(w, &apiError{code: ErrCodeUnknownMethod, status: http.StatusNotFound})
		return
	}
	if err != nil {
		call.Status, call.Error = writeError(w, &apiError{code: ErrCodeInvalidPayload, status: http.StatusBadRequest})
		return
	}
	switch {
	case token == "":
		call.Status, call.Error = writeError(w, fail(ErrCodeNotAuthed))
		return
	case token != s.token:
		call.Status, call.Error = writeError(w, fail(ErrCodeInvalidAuth))
		return
	}
	out, aerr := h(s, p)
	if aerr != nil {
		call.Status, call.Error = writeError(w, aerr)
		return
	}
	out["ok"] = true
	call.Status = writeJSON(w, http.StatusOK, out)
}

// readParams collects a request's arguments the ways Slack accepts them: the
// query string, a form body, or a JSON body (whose non-string values become
// their JSON text, as a form would carry them). The token comes from an
// Authorization header or a "token" argument; Slack ignores a token inside a
// JSON body.
func readParams(r *http.Request) (p url.Values, token string, err error) {
	p = r.URL.Query()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return p, "", err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	jsonBody := false
	switch {
	case len(bytes.TrimSpace(body)) == 0:
	case ct == "application/json":
		jsonBody = true
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, bearer(r), err
		}
		for k, v := range obj {
			var s string
			if json.Unmarshal(v, &s) == nil {
				p.Set(k, s)
			} else if string(v) != "null" {
				p.Set(k, string(v))
			}
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return p, bearer(r), err
		}
		for k, vs := range form {
			p[k] = vs
		}
	}
	token = bearer(r)
	switch {
	case token != "":
	case jsonBody:
		token = r.URL.Query().Get("token")
	default:
		token = p.Get("token")
	}
	p.Del("token")
	return p, token, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"ok":false,"error":"fatal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

func writeError(w http.ResponseWriter, e *apiError) (int, string) {
	status := e.status
	if status == 0 {
		status = http.StatusOK
	}
	body := map[string]any{"ok": false, "error": e.code}
	if len(e.messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": e.messages}
	}
	return writeJSON(w, status, body), e.code
}

// Calls counts the requests received for a method ("chat.update",
// "response_url", ...), failed and rate-limited ones included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// CallLog lists the requests received for a method, oldest first; an empty
// method lists them all.
func (s *Server) CallLog(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.log {
		if method == "" || c.Method == method {
			c.Params = cloneValues(c.Params)
			out = append(out, c)
		}
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
