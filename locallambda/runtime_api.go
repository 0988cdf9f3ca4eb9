package locallambda

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Runtime API header names (Lambda Runtime API 2018-06-01).
const (
	hdrRequestID     = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline      = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionARN   = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID       = "Lambda-Runtime-Trace-Id"
	hdrClientContext = "Lambda-Runtime-Client-Context"
	hdrErrorType     = "Lambda-Runtime-Function-Error-Type"
	hdrErrorBody     = "Lambda-Runtime-Function-Error-Body"
)

// maxErrorBody bounds error documents posted by a runtime.
const maxErrorBody = 1 << 20

// runtimeMux serves the Runtime API of one sandbox.
func (sb *sandbox) runtimeMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", sb.serveNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", sb.serveResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", sb.serveError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", sb.serveInitError)
	return mux
}

// runtimeError writes a Runtime API error document.
func runtimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

func runtimeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`+"\n")
}

// serveNext blocks until an invocation is handed over, then answers it.
func (sb *sandbox) serveNext(w http.ResponseWriter, r *http.Request) {
	sb.readyOnce.Do(func() {
		sb.readyAt = time.Now()
		close(sb.ready)
	})
	var inv *invocation
	select {
	case inv = <-sb.next:
	case <-sb.exited:
		return
	case <-r.Context().Done():
		return
	}
	sb.mu.Lock()
	sb.current = inv
	sb.mu.Unlock()
	h := w.Header()
	h.Set(hdrRequestID, inv.id)
	h.Set(hdrDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(hdrFunctionARN, inv.arn)
	h.Set(hdrTraceID, inv.traceID)
	if inv.clientContext != "" {
		h.Set(hdrClientContext, inv.clientContext)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// takeCurrent returns the in-flight invocation if its id is id and clears
// it, so that each invocation is answered once.
func (sb *sandbox) takeCurrent(id string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	inv := sb.current
	if inv == nil || inv.id != id {
		return nil
	}
	sb.current = nil
	return inv
}

// serveResponse records a success payload. A payload over MaxSyncPayload
// is accepted and discarded, and reported as Function.ResponseSizeTooLarge.
// A streamed response that ends with the error trailers is an error.
func (sb *sandbox) serveResponse(w http.ResponseWriter, r *http.Request) {
	inv := sb.takeCurrent(r.PathValue("id"))
	if inv == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxSyncPayload+1))
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxSyncPayload+1))
	if err != nil {
		inv.deliver(runtimeResult{errBody: errorJSON("Runtime.ReadError", "read response: "+err.Error())})
		runtimeError(w, http.StatusBadRequest, "InvalidResponse", err.Error())
		return
	}
	if len(body) > MaxSyncPayload {
		_, _ = io.Copy(io.Discard, r.Body)
		inv.deliver(runtimeResult{tooLarge: true})
		runtimeAccepted(w)
		return
	}
	if typ := r.Trailer.Get(hdrErrorType); typ != "" {
		eb, derr := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrErrorBody))
		if derr != nil || !json.Valid(eb) {
			eb = errorJSON(typ, "function response stream failed")
		}
		inv.deliver(runtimeResult{errBody: eb})
		runtimeAccepted(w)
		return
	}
	inv.deliver(runtimeResult{payload: body})
	runtimeAccepted(w)
}

// readErrorBody reads a posted error document; one that is not a JSON
// object is wrapped into {"errorType","errorMessage"}.
func readErrorBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxErrorBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxErrorBody {
		return nil, errors.New("error document larger than 1 MB")
	}
	typ := r.Header.Get(hdrErrorType)
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		if typ == "" {
			typ = "Runtime.Unknown"
		}
		return errorJSON(typ, string(body)), nil
	}
	return body, nil
}

// serveError records a function error.
func (sb *sandbox) serveError(w http.ResponseWriter, r *http.Request) {
	inv := sb.takeCurrent(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, err := readErrorBody(r)
	if err != nil {
		inv.deliver(runtimeResult{errBody: errorJSON("Runtime.Unknown", err.Error())})
		runtimeError(w, http.StatusRequestEntityTooLarge, "InvalidErrorBody", err.Error())
		return
	}
	inv.deliver(runtimeResult{errBody: body})
	runtimeAccepted(w)
}

// serveInitError records an initialisation failure.
func (sb *sandbox) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, err := readErrorBody(r)
	if err != nil {
		body = errorJSON("Runtime.Unknown", err.Error())
	}
	select {
	case sb.initErr <- body:
	default:
	}
	runtimeAccepted(w)
}

// errorJSON is Lambda's function error document.
func errorJSON(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, typ})
	return b
}
