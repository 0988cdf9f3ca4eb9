package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLambdaLocalListensOnLoopback: the default address is loopback, the start-up line says
// so, and any other address is announced with a warning; -h says it too.
func TestLambdaLocalListensOnLoopback(t *testing.T) {
	if defaultLambdaLocalAddr != "127.0.0.1:9001" {
		t.Errorf("default address %s, want 127.0.0.1:9001", defaultLambdaLocalAddr)
	}
	var help bytes.Buffer
	_ = runLambdaLocal(context.Background(), []string{"-h"}, &help, io.Discard) // help goes to stdout
	if !strings.Contains(help.String(), "127.0.0.1:9001") || !strings.Contains(help.String(), "loopback only") {
		t.Errorf("-h does not say it listens on loopback only:\n%s", help.String())
	}
	for _, tc := range []struct {
		addr, scope string
		warn        bool
	}{
		{"127.0.0.1:0", "(loopback only)", false},
		{"0.0.0.0:0", "NOT loopback", true},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			pr, pw := io.Pipe()
			stderr := &lockedBuffer{}
			done := make(chan error, 1)
			go func() {
				done <- runLambdaLocal(ctx, []string{"--addr", tc.addr, "--function", "f=/bin/true", "--quiet"}, pw, stderr)
				pw.Close()
			}()
			line, err := bufio.NewReader(pr).ReadString('\n')
			if err != nil {
				t.Fatalf("no start-up line: %v (stderr %s)", err, stderr.String())
			}
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			if !strings.Contains(line, tc.scope) {
				t.Errorf("start-up line %q does not say %q", line, tc.scope)
			}
			if got := strings.Contains(stderr.String(), "warning"); got != tc.warn {
				t.Errorf("warning logged = %v, want %v (stderr %q)", got, tc.warn, stderr.String())
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("shutdown: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("lambda-local did not stop")
			}
		})
	}
}
