package rest

import (
	"bytes"
	"fmt"
	"net/http"
)

// eventResponse collects the response of one Lambda event from the handler, so that it can be
// turned into HSDS's invoke() result. It behaves as net/http/httptest's ResponseRecorder did
// here before (a test package in production code): a Write without WriteHeader answers 200 and
// sniffs a missing Content-Type from the first bytes (as net/http does), the header seen by
// the result is the one at WriteHeader time, and bodies are refused for 1xx, 204 and 304.
type eventResponse struct {
	header      http.Header
	sent        http.Header // the header at WriteHeader time
	code        int
	wroteHeader bool
	body        bytes.Buffer
}

func newEventResponse() *eventResponse {
	return &eventResponse{header: http.Header{}, code: http.StatusOK}
}

// Header returns the header map to set before WriteHeader.
func (r *eventResponse) Header() http.Header { return r.header }

// WriteHeader records the status code and a copy of the header; later calls are ignored.
func (r *eventResponse) WriteHeader(code int) {
	if r.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("rest: invalid WriteHeader code %d", code))
	}
	r.code, r.wroteHeader = code, true
	r.sent = r.header.Clone()
}

// Write appends to the body, answering 200 first when no status was written.
func (r *eventResponse) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		if _, ok := r.header["Content-Type"]; !ok && r.header.Get("Transfer-Encoding") == "" {
			r.header.Set("Content-Type", http.DetectContentType(b))
		}
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	if r.code < 200 || r.code == http.StatusNoContent || r.code == http.StatusNotModified {
		return 0, http.ErrBodyNotAllowed
	}
	return len(b), nil
}

// Flush is a no-op beyond sending the header: the whole response is collected.
func (r *eventResponse) Flush() {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
}

// result returns the status code and the header the response was sent with.
func (r *eventResponse) result() (int, http.Header) {
	if r.sent == nil {
		return r.code, r.header.Clone()
	}
	return r.code, r.sent
}
