package interop

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/rest"
	"github.com/hsfan/hsfan/hsds/store"
)

// Environment of the suite (tests may read env for gating).
const (
	envPeers   = "HSFAN_PEERS"         // the peers folder (holds hsds-peer.sh)
	envRequire = "HSFAN_REQUIRE_PEERS" // "1": a missing or broken peer fails the tests
	envKeep    = "HSFAN_INTEROP_KEEP"  // "1": keep the store root for inspection

	bucket = "hsdstest" // the bucket hsds-peer.sh serves
	home   = "/home/test_user1"

	// HSDS peer ports (PORT and its data nodes PORT+1000..PORT+1003) and hsfan serve ports are
	// taken from the ranges given to this suite; integ.sh uses the upper halves.
	peerPortLo, peerPortHi   = 5331, 5365
	servePortLo, servePortHi = 5431, 5465

	// hsdsConcurrency bounds the requests in flight to HSDS (4 data nodes on a 2-core machine).
	hsdsConcurrency = 6
)

// users are hsds-peer.sh's users (HSDS's admin/config/passwd.default); admin is the admin user.
var users = map[string]string{"admin": "admin", "test_user1": "test", "test_user2": "test"}

// env is the state TestMain sets up for every test.
var env struct {
	skip    string // why the suite cannot run ("" when it can)
	peers   string // the peers folder
	root    string // the POSIX store root: ROOT/hsdstest/...
	store   store.Store
	hsds    *client // the real HSDS as test_user1
	hsfan   *client // hsfan serve as test_user1
	hsdsURL string
	servURL string
	module  string // the module root

	binOnce sync.Once
	bin     string // the hsfan CLI built for this run
	binErr  error
}

// TestMain starts the real HSDS once for the package (when the peers folder exists) and hsfan
// serve over the same store, runs the tests and stops both. A watchdog process stops HSDS if this
// binary dies without running its cleanup (panic, timeout, kill).
func TestMain(m *testing.M) {
	flag.Parse()
	// Cases wait on HSDS far more than they compute: run more of them at once than the default
	// GOMAXPROCS (HSDS load is bounded separately by hsdsConcurrency).
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		_ = flag.Set("test.parallel", "16")
	}
	code := func() int {
		if testing.Short() && os.Getenv(envRequire) != "1" {
			env.skip = "-short: the HSDS differential suite did not run (it starts the real HSDS; run without -short)"
			return m.Run()
		}
		stop, err := setup()
		if stop != nil {
			defer stop()
		}
		if err != nil {
			env.skip = err.Error()
			fmt.Fprintf(os.Stderr, "interop: %v\n", err)
		}
		code := m.Run()
		if n := retries5xx.Load(); n > 0 {
			fmt.Fprintf(os.Stderr, "interop: HSDS answered %d GETs with a 5xx that were retried\n", n)
		}
		return code
	}()
	os.Exit(code)
}

// need returns when the suite can run; otherwise it skips the test with the reason, or fails it
// when HSFAN_REQUIRE_PEERS=1.
func need(t *testing.T) {
	t.Helper()
	if env.skip == "" {
		return
	}
	if os.Getenv(envRequire) == "1" {
		t.Fatalf("%s (%s=1)", env.skip, envRequire)
	}
	t.Skip(env.skip)
}

// errNoPeers is the skip reason when the peers folder is absent.
type errNoPeers struct{ dir string }

func (e errNoPeers) Error() string {
	return fmt.Sprintf("%s not found: the HSDS differential suite did not run (set %s to the folder holding hsds-peer.sh, e.g. ../shared/peers)", e.dir, envPeers)
}

// setup locates the peer, seeds a store root, starts HSDS and hsfan serve. stop undoes whatever
// was started, also after an error.
func setup() (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	mod, err := moduleRoot()
	if err != nil {
		return stop, err
	}
	env.module = mod
	peers := os.Getenv(envPeers)
	if peers == "" {
		peers = filepath.Join(mod, "..", "shared", "peers")
	}
	if _, err := os.Stat(filepath.Join(peers, "hsds-peer.sh")); err != nil {
		return stop, errNoPeers{peers}
	}
	env.peers = peers
	root, err := os.MkdirTemp("", "hsfan-interop-")
	if err != nil {
		return stop, fmt.Errorf("store root: %w", err)
	}
	env.root = root
	stops = append(stops, func() {
		if os.Getenv(envKeep) == "1" {
			fmt.Fprintf(os.Stderr, "interop: store root kept at %s\n", root)
			return
		}
		_ = os.RemoveAll(root)
	})
	if err := seedFolders(root); err != nil {
		return stop, err
	}
	port, err := freePort(peerPortLo, peerPortHi, 0, 1000, 1001, 1002, 1003)
	if err != nil {
		return stop, err
	}
	if err := startPeer(peers, root, port); err != nil {
		stopPeer(peers, root)
		return stop, err
	}
	stops = append(stops, func() { stopPeer(peers, root) })
	env.hsdsURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	env.hsds = newClient(env.hsdsURL, "test_user1", "test", hsdsConcurrency)
	env.hsds.retry = true
	if err := warmUp(env.hsds); err != nil {
		return stop, fmt.Errorf("%v\n%s", err, peerLogTail(root))
	}

	ctx := context.Background()
	st, err := store.Open(ctx, "file://"+root, store.Options{})
	if err != nil {
		return stop, fmt.Errorf("open store: %w", err)
	}
	env.store = st
	srv, err := rest.New(rest.Config{Store: st, Bucket: bucket, Users: users, Admins: []string{"admin"},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return stop, fmt.Errorf("hsfan rest server: %w", err)
	}
	sport, err := freePort(servePortLo, servePortHi, 0)
	if err != nil {
		return stop, err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", sport))
	if err != nil {
		return stop, fmt.Errorf("hsfan serve: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	stops = append(stops, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	})
	env.servURL = "http://" + ln.Addr().String()
	env.hsfan = newClient(env.servURL, "test_user1", "test", 32)
	stops = append(stops, func() {
		if env.bin != "" {
			_ = os.RemoveAll(filepath.Dir(env.bin))
		}
	})
	return stop, nil
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
			return "", errors.New("module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// folderACL is the ACL of the seed folders: test_user1 owns them, everyone may read (HSDS's
// data/hsdstest seed, which the peers folder lacks).
const folderACL = `{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}`

// seedFolders writes the /home and /home/test_user1 folder objects HSDS's integration setup
// expects (hsds-format.md 1.2).
func seedFolders(root string) error {
	now := strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 6, 64)
	for _, d := range []string{"home", "home/test_user1"} {
		dir := filepath.Join(root, bucket, d)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("seed %s: %w", d, err)
		}
		obj := `{"owner": "test_user1", "acls": {"test_user1": ` + folderACL +
			`, "default": {"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}}, "created": ` +
			now + `, "lastModified": ` + now + `}`
		if err := os.WriteFile(filepath.Join(dir, ".domain.json"), []byte(obj), 0o644); err != nil {
			return fmt.Errorf("seed %s: %w", d, err)
		}
	}
	return nil
}

// freePort returns the first port p in [lo, hi] such that p+off is free for every offset.
func freePort(lo, hi int, offsets ...int) (int, error) {
next:
	for p := lo; p <= hi; p++ {
		var held []net.Listener
		for _, off := range offsets {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+off))
			if err != nil {
				for _, l := range held {
					l.Close()
				}
				continue next
			}
			held = append(held, ln)
		}
		for _, l := range held {
			l.Close()
		}
		return p, nil
	}
	return 0, fmt.Errorf("no free port in %d-%d (with offsets %v)", lo, hi, offsets)
}

// startPeer runs `hsds-peer.sh start ROOT PORT` and a watchdog that stops the peer when this
// process goes away. On failure the error carries the tail of the peer's logs.
func startPeer(peers, root string, port int) error {
	script := filepath.Join(peers, "hsds-peer.sh")
	// The watchdog first: it must exist before HSDS does.
	wd := exec.Command("/bin/sh", "-c", `while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" stop "$3"; [ "$4" = 1 ] || rm -rf "$3"`,
		"watchdog", strconv.Itoa(os.Getpid()), script, root, os.Getenv(envKeep))
	wd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := wd.Start(); err != nil {
		return fmt.Errorf("start peer watchdog: %w", err)
	}
	_ = wd.Process.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/bash", script, "start", root, strconv.Itoa(port))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ready") {
		return fmt.Errorf("start HSDS (%s start %s %d): %v\n%s\n%s", script, root, port, err, out, peerLogTail(root))
	}
	return nil
}

// warmUp waits until HSDS creates a domain: /about says READY before its data nodes answer
// (the first PUT domains of a fresh peer have been seen to fail with 500).
func warmUp(c *client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var last string
	for ctx.Err() == nil {
		resp, err := c.do(ctx, request{method: "PUT", path: "/", query: dq(home + "/warmup.h5")})
		if err == nil && (resp.status == 201 || resp.status == 409) {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = resp.String()
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("HSDS did not create a domain within 90 s: %s", last)
}

// stopPeer runs `hsds-peer.sh stop ROOT` (it kills the process group it started).
func stopPeer(peers, root string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "/bin/bash", filepath.Join(peers, "hsds-peer.sh"), "stop", root).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "interop: stop HSDS: %v\n%s", err, out)
	}
}

// peerLogTail returns the last lines of the peer's output and log.
func peerLogTail(root string) string {
	var b strings.Builder
	for _, f := range []string{"stdout.log", "hs.log"} {
		data, err := os.ReadFile(filepath.Join(root, ".peer", f))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		fmt.Fprintf(&b, "--- last lines of %s ---\n%s\n", f, strings.Join(lines, "\n"))
	}
	return b.String()
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
