package esemu

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// faultJSON is the wire form of a Fault for POST /_esemu/faults. Latency
// is a Go duration string ("250ms") or a number of milliseconds.
type faultJSON struct {
	Method        string          `json:"method,omitempty"`
	Path          string          `json:"path,omitempty"`
	Status        int             `json:"status,omitempty"`
	ErrorType     string          `json:"error_type,omitempty"`
	Reason        string          `json:"reason,omitempty"`
	ItemIDs       []string        `json:"item_ids,omitempty"`
	ItemRate      float64         `json:"item_rate,omitempty"`
	ItemStatus    int             `json:"item_status,omitempty"`
	Latency       json.RawMessage `json:"latency,omitempty"`
	CloseConn     bool            `json:"close_conn,omitempty"`
	AfterHandling bool            `json:"after_handling,omitempty"`
	Times         int             `json:"times,omitempty"`
}

func (fj faultJSON) fault() (Fault, error) {
	f := Fault{
		Method: strings.ToUpper(fj.Method), Path: fj.Path, Status: fj.Status,
		ErrorType: fj.ErrorType, Reason: fj.Reason, ItemIDs: fj.ItemIDs, ItemRate: fj.ItemRate,
		ItemStatus: fj.ItemStatus, CloseConn: fj.CloseConn, AfterHandling: fj.AfterHandling, Times: fj.Times,
	}
	if len(fj.Latency) > 0 {
		var ms float64
		if err := json.Unmarshal(fj.Latency, &ms); err == nil {
			f.Latency = time.Duration(ms * float64(time.Millisecond))
		} else {
			var s string
			if err := json.Unmarshal(fj.Latency, &s); err != nil {
				return f, fmt.Errorf("latency: want a duration string or milliseconds: %w", err)
			}
			d, err := time.ParseDuration(s)
			if err != nil {
				return f, fmt.Errorf("latency: %w", err)
			}
			f.Latency = d
		}
	}
	if f.ItemRate < 0 || f.ItemRate > 1 {
		return f, fmt.Errorf("item_rate must be within 0..1, got %v", f.ItemRate)
	}
	return f, nil
}

// control serves the emulator's own API under /_esemu: faults, the
// request log and a full reset. These requests are neither logged nor
// subject to faults.
func (e *Emulator) control(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	send := func(status int, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			status, b = http.StatusInternalServerError, []byte(`{"error":"encoding response"}`)
		}
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
	bad := func(err error) {
		send(http.StatusBadRequest, map[string]any{"error": err.Error(), "status": http.StatusBadRequest})
	}
	switch r.Method + " " + strings.TrimSuffix(r.URL.Path, "/") {
	case "POST /_esemu/faults":
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			bad(fmt.Errorf("read body: %w", err))
			return
		}
		var list []faultJSON
		if trimmed := strings.TrimSpace(string(body)); strings.HasPrefix(trimmed, "[") {
			err = json.Unmarshal(body, &list)
		} else {
			var one faultJSON
			err = json.Unmarshal(body, &one)
			list = []faultJSON{one}
		}
		if err != nil {
			bad(fmt.Errorf("parse fault: %w", err))
			return
		}
		var ids []int
		for _, fj := range list {
			f, err := fj.fault()
			if err != nil {
				bad(err)
				return
			}
			ids = append(ids, e.AddFault(f))
		}
		if len(ids) == 1 {
			send(http.StatusOK, map[string]any{"id": ids[0]})
			return
		}
		send(http.StatusOK, map[string]any{"ids": ids})
	case "GET /_esemu/faults":
		send(http.StatusOK, e.faultList())
	case "DELETE /_esemu/faults":
		e.ClearFaults()
		send(http.StatusOK, map[string]any{"acknowledged": true})
	case "GET /_esemu/requests":
		type reqJSON struct {
			Method string   `json:"method"`
			Path   string   `json:"path"`
			Query  string   `json:"query,omitempty"`
			Status int      `json:"status"`
			Items  int      `json:"items,omitempty"`
			IDs    []string `json:"ids,omitempty"`
			Fault  int      `json:"fault,omitempty"`
		}
		reqs := e.Requests()
		out := make([]reqJSON, len(reqs))
		for i, rq := range reqs {
			out[i] = reqJSON{rq.Method, rq.Path, rq.Query, rq.Status, rq.Items, rq.IDs, rq.Fault}
		}
		send(http.StatusOK, out)
	case "DELETE /_esemu/requests":
		e.ResetRequests()
		send(http.StatusOK, map[string]any{"acknowledged": true})
	case "POST /_esemu/reset":
		e.Reset()
		send(http.StatusOK, map[string]any{"acknowledged": true})
	default:
		send(http.StatusNotFound, map[string]any{"error": "unknown esemu control endpoint " + r.Method + " " + r.URL.Path, "status": http.StatusNotFound})
	}
}

func (e *Emulator) faultList() []map[string]any {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	out := make([]map[string]any, 0, len(e.faults.list))
	for _, st := range e.faults.list {
		out = append(out, map[string]any{
			"id": st.id, "method": st.f.Method, "path": st.f.Path, "status": st.f.Status,
			"item_ids": st.f.ItemIDs, "item_rate": st.f.ItemRate, "item_status": st.f.ItemStatus,
			"latency": st.f.Latency.String(), "close_conn": st.f.CloseConn, "after_handling": st.f.AfterHandling,
			"times": st.f.Times, "remaining": st.remaining, "applied": st.applied,
		})
	}
	return out
}

// Reset drops every index, alias, point in time, fault and logged request.
func (e *Emulator) Reset() {
	e.mu.Lock()
	e.indices = map[string]*index{}
	e.aliases = map[string]map[string]*aliasProps{}
	e.destructiveRequiresName = true
	e.mu.Unlock()
	e.pits.mu.Lock()
	e.pits.items = map[string]*pit{}
	e.pits.mu.Unlock()
	e.cache.invalidate()
	e.ClearFaults()
	e.ResetRequests()
}
