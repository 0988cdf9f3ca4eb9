package rest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestEventResponseAsRecorder: eventResponse answers Lambda events exactly as the
// httptest.ResponseRecorder it replaces did (status, header at WriteHeader time, sniffed
// Content-Type, refused bodies).
func TestEventResponseAsRecorder(t *testing.T) {
	type writer interface {
		http.ResponseWriter
		http.Flusher
	}
	cases := map[string]func(w writer){
		"write only":        func(w writer) { fmt.Fprint(w, `{"a": 1}`) },
		"binary sniffed":    func(w writer) { _, _ = w.Write([]byte{0, 1, 2, 3}) },
		"empty write":       func(w writer) { _, _ = w.Write(nil) },
		"typed":             func(w writer) { w.Header().Set("Content-Type", "application/json"); _, _ = w.Write([]byte("[]")) },
		"status then write": func(w writer) { w.WriteHeader(201); _, _ = w.Write([]byte("x")) },
		"header after status": func(w writer) {
			w.WriteHeader(404)
			w.Header().Set("X-Late", "1") // not sent
			_, _ = w.Write([]byte("nope"))
		},
		"no content body": func(w writer) { w.WriteHeader(204); _, _ = w.Write([]byte("x")) },
		"flush first":     func(w writer) { w.Flush(); w.Header().Set("X-Late", "1"); _, _ = w.Write([]byte("y")) },
		"nothing":         func(w writer) {},
		"twice":           func(w writer) { w.WriteHeader(500); w.WriteHeader(200) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			rec, got := httptest.NewRecorder(), newEventResponse()
			f(rec)
			f(got)
			res := rec.Result()
			code, header := got.result()
			if code != res.StatusCode || !reflect.DeepEqual(header, res.Header) || got.body.String() != rec.Body.String() {
				t.Errorf("got %d %v %q, recorder %d %v %q", code, header, got.body.String(), res.StatusCode, res.Header, rec.Body.String())
			}
		})
	}
}
