package worker

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestScheduleEventRefused: a schedule's event (hsfan deploy schedule) is a permanent function
// error, not a REST answer that Lambda would count as a successful run.
func TestScheduleEventRefused(t *testing.T) {
	called := false
	h := NewHandler(Config{DefaultStore: "file:///nonexistent", DefaultBucket: "b",
		Events: func(context.Context, EventConfig) (EventFunc, error) {
			called = true
			return func(context.Context, []byte) ([]byte, error) { return []byte(`{"statusCode": 400}`), nil }, nil
		}})
	_, err := h.Invoke(context.Background(), []byte(`{"hsfan_schedule": {"version": 1, "name": "a", "spec": "name: a\n"}}`))
	var we *Error
	if !errors.As(err, &we) || we.ErrorType() != ErrorTypePermanent || !strings.Contains(err.Error(), "no job specs") || called {
		t.Fatalf("err %v (REST answerer called: %v), want a permanent error", err, called)
	}
}
