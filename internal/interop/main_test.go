package interop

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/rest"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

const (
	bucket = hsdspeer.Bucket // the bucket hsds-peer.sh serves
	home   = hsdspeer.Home

	// hsdsConcurrency bounds the requests in flight to HSDS (4 data nodes on a 2-core machine).
	hsdsConcurrency = 6
)

// users are hsds-peer.sh's users (HSDS's admin/config/passwd.default); admin is the admin user.
var users = hsdspeer.Users

// env is the state the first test sets up for every test (see need).
var env struct {
	once  sync.Once
	err   error       // why the set-up failed
	stops []func()    // undo the set-up, last first (TestMain runs them)
	root  string      // the POSIX store root: ROOT/hsdstest/...
	store store.Store // hsfan's view of it
	hsds  *client     // the real HSDS as test_user1
	hsfan *client     // hsfan serve as test_user1
	peer  *hsdspeer.Peer
	// module is the module root (cmd/hsfan is built from it).
	module string

	binOnce sync.Once
	bin     string // the hsfan CLI built for this run
	binErr  error
}

// TestMain runs the suite; the first test that needs them starts the real HSDS (shared through
// hsdspeer) and hsfan serve over the same store, and both are stopped at the end.
func TestMain(m *testing.M) {
	flag.Parse()
	// Cases wait on HSDS far more than they compute: run more of them at once than the default
	// GOMAXPROCS (HSDS load is bounded separately by hsdsConcurrency).
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		_ = flag.Set("test.parallel", "16")
	}
	code := hsdspeer.Main(m)
	for i := len(env.stops) - 1; i >= 0; i-- {
		env.stops[i]()
	}
	if n := retries5xx.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "interop: HSDS answered %d GETs with a 5xx that were retried\n", n)
	}
	os.Exit(code)
}

// need returns when the suite can run: the real HSDS and hsfan serve over its store. Otherwise
// it skips the test saying why (peers folder absent, Python modules missing, -short), or fails
// it (HSFAN_REQUIRE_PEERS=1, or a set-up that broke).
func need(t *testing.T) {
	t.Helper()
	p := hsdspeer.Shared(t)
	env.once.Do(func() { env.err = setup(p) })
	if env.err != nil {
		t.Fatalf("interop set-up: %v", env.err)
	}
}

// setup opens the peer's store and serves it with hsfan's REST API on a free port.
func setup(p *hsdspeer.Peer) error {
	env.peer, env.root = p, p.Root
	mod, err := moduleRoot()
	if err != nil {
		return err
	}
	env.module = mod
	env.hsds = newClient(p.URL, hsdspeer.User, hsdspeer.Password, hsdsConcurrency)
	env.hsds.retry = true

	st, err := store.Open(context.Background(), "file://"+p.Root, store.Options{})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	env.store = st
	srv, err := rest.New(rest.Config{Store: st, Bucket: bucket, Users: users, Admins: []string{"admin"},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("hsfan rest server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("hsfan serve: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	env.stops = append(env.stops, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	})
	env.hsfan = newClient("http://"+ln.Addr().String(), hsdspeer.User, hsdspeer.Password, 32)
	env.stops = append(env.stops, func() {
		if env.bin != "" {
			_ = os.RemoveAll(filepath.Dir(env.bin))
		}
	})
	return nil
}

// moduleRoot is the nearest directory at or above the working directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("module root: no go.mod above %s", dir)
		}
		dir = parent
	}
}

// hsfanBinary builds the hsfan CLI once per run (cmd/hsfan is package main, so its code runs
// through the binary, exactly as users run it).
func hsfanBinary(ck checker) string {
	ck.Helper()
	env.binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hsfan-interop-bin-")
		if err != nil {
			env.binErr = err
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		bin := filepath.Join(dir, "hsfan")
		cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/hsfan")
		cmd.Dir = env.module
		if out, err := cmd.CombinedOutput(); err != nil {
			env.binErr = fmt.Errorf("go build ./cmd/hsfan: %v\n%s", err, out)
			return
		}
		env.bin = bin
	})
	if env.binErr != nil {
		ck.Fatalf("%v", env.binErr)
	}
	return env.bin
}
