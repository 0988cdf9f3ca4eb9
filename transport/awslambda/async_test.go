package awslambda

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hsfan/hsfan/locallambda"
)

// TestInvokeAsync: an asynchronous invocation is sent as InvocationType Event (lambda-local
// answers 202 and runs it later); a payload over the Event limit is refused before sending.
func TestInvokeAsync(t *testing.T) {
	var eventHeaders atomic.Int32
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Invocation-Type") == "Event" {
				eventHeaders.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	}
	_, url := startService(t, locallambda.FunctionConfig{Concurrency: 1}, locallambda.Faults{}, wrap)
	inv := newInvoker(t, url, nil)
	if err := inv.InvokeAsync(context.Background(), []byte(`{"mode":"echo","data":1}`)); err != nil {
		t.Fatal(err)
	}
	if eventHeaders.Load() != 1 {
		t.Fatalf("%d Event invocations sent", eventHeaders.Load())
	}
	err := inv.InvokeAsync(context.Background(), []byte(`"`+strings.Repeat("x", MaxEventPayload)+`"`))
	var tl *PayloadTooLargeError
	if !errors.As(err, &tl) || eventHeaders.Load() != 1 {
		t.Fatalf("err = %v", err)
	}
}
