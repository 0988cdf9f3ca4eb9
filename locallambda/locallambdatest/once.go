package locallambdatest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Echo builds the echo bootstrap on first use, once per test binary, for the packages whose
// tests run it (the service and the invoker).
type Echo struct {
	// Prefix names the temporary build directory.
	Prefix string

	once sync.Once
	dir  string
	path string
	err  error
}

// Path returns the bootstrap, building it on the first call; a build failure fails tb.
func (e *Echo) Path(tb testing.TB) string {
	tb.Helper()
	e.once.Do(func() {
		if e.dir, e.err = os.MkdirTemp("", e.Prefix); e.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		e.path, e.err = BuildEcho(ctx, e.dir)
	})
	if e.err != nil {
		tb.Fatal(e.err)
	}
	return e.path
}

// RunMain runs the tests (call it from TestMain and exit with its code), removes the build, and,
// when the bootstrap was used and every test passed, checks that no goroutine was left behind.
func (e *Echo) RunMain(m *testing.M) int {
	code := m.Run()
	if e.dir == "" {
		return code
	}
	os.RemoveAll(e.dir)
	if code == 0 {
		if err := goleak.Find(
			goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
			goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
			goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			return 1
		}
	}
	return code
}
