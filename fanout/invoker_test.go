package fanout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
)

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"throttle", &ThrottleError{}, true},
		{"wrapped throttle", fmt.Errorf("invoke: %w", &ThrottleError{Err: errors.New("429")}), true},
		{"retryable task error", &TaskError{Message: "x", Retry: true}, true},
		{"fatal task error", &TaskError{Message: "x"}, false},
		{"wrapped fatal task error", fmt.Errorf("a: %w", &TaskError{Message: "x"}), false},
		{"deadline", context.DeadlineExceeded, true},
		{"timeout error", &TimeoutError{Err: context.DeadlineExceeded}, true},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), false},
		{"os timeout", os.ErrDeadlineExceeded, true},
		{"lost tasks", &LostTasksError{Lost: []LostTask{{Err: &ThrottleError{}}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsRetryable(tc.err); got != tc.want {
				t.Fatalf("IsRetryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&ThrottleError{}, "throttled"},
		{&ThrottleError{Err: errors.New("429 TooManyRequestsException")}, "throttled: 429 TooManyRequestsException"},
		{&TaskError{Type: "Unhandled", Message: "oops"}, "task error Unhandled: oops"},
		{&TaskError{Message: "oops"}, "task error: oops"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

type fakeInvoker struct{ got [][]byte }

func (f *fakeInvoker) Invoke(_ context.Context, p []byte) (Result, error) {
	f.got = append(f.got, p)
	return Result{Payload: append([]byte("echo:"), p...)}, nil
}

func TestInvokeWith(t *testing.T) {
	inv := &fakeInvoker{}
	fn := InvokeWith(inv, func(tk Task) ([]byte, error) {
		if tk.Index < 0 {
			return nil, errors.New("bad task")
		}
		return fmt.Appendf(nil, "%d:%d", tk.First, tk.Count), nil
	})
	res, err := fn(context.Background(), Task{Index: 1, First: 10, Count: 5})
	if err != nil || string(res.Payload) != "echo:10:5" {
		t.Fatalf("got %q, %v", res.Payload, err)
	}
	if _, err := fn(context.Background(), Task{Index: -1}); err == nil || IsRetryable(err) {
		t.Fatalf("encode error = %v, want non-retryable error", err)
	}
}
