package awslambda

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
)

// closedPort returns a loopback URL where nothing listens (a port just released).
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		endpoint string
		refused  bool
		ok       bool
	}{
		{"listening", context.Background(), "http://" + l.Addr().String(), false, true},
		{"nothing listens", context.Background(), closedPort(t), true, false},
		{"not a URL", context.Background(), "127.0.0.1:9001", false, false},
		{"no host", context.Background(), "http://", false, false},
		{"cancelled", cancelled, "http://" + l.Addr().String(), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := Probe(tc.ctx, tc.endpoint)
			if (err == nil) != tc.ok || errors.Is(err, syscall.ECONNREFUSED) != tc.refused {
				t.Fatalf("Probe(%s) = %v, want ok=%v refused=%v", tc.endpoint, err, tc.ok, tc.refused)
			}
			if d := time.Since(start); d > ProbeTimeout+time.Second {
				t.Fatalf("Probe took %s", d)
			}
		})
	}
}

// TestRefusedOnLoopbackNotRetried: an invoker whose loopback endpoint refuses connections fails
// at the first attempt with a non-retryable error (before: MaxRetries attempts with backoff,
// then the fan-out's own retries, about 67 s for hsfan run --invoker local).
func TestRefusedOnLoopbackNotRetried(t *testing.T) {
	inv := newInvoker(t, closedPort(t), func(c *Config) { c.MaxRetries = 5; c.BackoffBase = 50 * time.Millisecond })
	start := time.Now()
	res, err := inv.Invoke(context.Background(), []byte(`{}`))
	if err == nil || fanout.IsRetryable(err) || res.Stats.Retries != 0 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, retryable %v, %d retries", err, fanout.IsRetryable(err), res.Stats.Retries)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %s", d)
	}
	refused := fmt.Errorf("post: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})
	for _, tc := range []struct {
		err      error
		endpoint string
		want     bool
	}{
		{refused, "http://127.0.0.1:9001", true},
		{refused, "http://localhost:9001", true},
		{refused, "http://[::1]:9001", true},
		{refused, "http://lambda.internal:9001", false},
		{refused, "", false},
		{fmt.Errorf("post: %w", syscall.ECONNRESET), "http://127.0.0.1:9001", false},
	} {
		if got := refusedOnLoopback(tc.err, tc.endpoint); got != tc.want {
			t.Errorf("refusedOnLoopback(%v, %q) = %v, want %v", tc.err, tc.endpoint, got, tc.want)
		}
	}
}
