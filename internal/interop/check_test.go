package interop

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// checker is the part of testing.T the case bodies use; runCase collects what they report so
// that a known failure (known_test.go) can be reported as a skip.
type checker interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Name() string
}

// collector is a checker that records failures instead of reporting them.
type collector struct {
	t    *testing.T
	mu   sync.Mutex
	errs []string
}

func (c *collector) Helper()      {}
func (c *collector) Name() string { return c.t.Name() }
func (c *collector) Logf(format string, args ...any) {
	c.t.Helper()
	c.t.Logf(format, args...)
}

func (c *collector) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// Fatalf records the failure and ends the case body (runCase runs it on its own goroutine).
func (c *collector) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	runtime.Goexit()
}

// maxReported bounds the failures printed per case.
const maxReported = 8

// runCase runs body for the test t. When body reports failures and t's name matches an entry
// of the known-failure table, t is skipped with the entry's reason (and the first failures);
// an entry that matches a passing case is an error, so that the table never hides a fixed case.
func runCase(t *testing.T, body func(c checker)) {
	t.Helper()
	run(t, true, body)
}

// runSetup is runCase for the setup of a case whose checks are subtests: a known failure skips
// it, but a setup that passes is no sign that the subtests do.
func runSetup(t *testing.T, body func(c checker)) bool {
	t.Helper()
	return run(t, false, body)
}

// run runs body and reports as runCase says; it returns whether body passed. strict reports
// known entries matching a passing case.
func run(t *testing.T, strict bool, body func(c checker)) bool {
	t.Helper()
	c := &collector{t: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(c)
	}()
	<-done
	k, isKnown := knownFailure(t.Name())
	if len(c.errs) == 0 {
		if isKnown && strict {
			t.Errorf("passes now, but known_test.go lists it as a known failure (%q matches: %s): remove the entry", k.pattern, k.reason)
		}
		return true
	}
	msgs := c.errs
	more := ""
	if len(msgs) > maxReported {
		more = fmt.Sprintf("\n... and %d more", len(msgs)-maxReported)
		msgs = msgs[:maxReported]
	}
	if isKnown {
		t.Skipf("known failure: %s (waits for: %s)\n%s%s", k.reason, k.waitsFor, strings.Join(msgs, "\n"), more)
	}
	for _, m := range msgs {
		t.Error(m)
	}
	if more != "" {
		t.Error(more[1:])
	}
	return false
}
