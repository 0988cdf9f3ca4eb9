// Package hsdspeer runs the real HSDS 0.9.4 (the project's reference server) for tests that
// compare hsfan with it side by side. It is the one harness of every such test.
//
// A test package shares one peer per test binary, because each start costs seconds:
//
//	func TestMain(m *testing.M) { os.Exit(hsdspeer.Main(m)) }
//
//	func TestX(t *testing.T) {
//		p := hsdspeer.Shared(t) // starts HSDS on first use; skips (or fails) saying why it cannot
//		...
//	}
//
// The peers folder (hsds-peer.sh, HSDS's source and README.md) is $HSFAN_PEERS, else
// ../shared/peers next to the module root, else, in a linked git worktree, ../shared/peers next
// to the main checkout. When the folder or HSDS's Python modules are missing, or under -short,
// Shared skips the test with the reason; with HSFAN_REQUIRE_PEERS=1 (what `make test` sets when
// the folder exists) a missing folder or module fails it instead.
//
// The peer serves a fresh POSIX root (bucket Bucket, seeded with the /home and /home/test_user1
// folders owned by test_user1, which HSDS's missing data/hsdstest seed would hold) on
// 127.0.0.1:PORT, its four data nodes on PORT+1000..PORT+1003. PORT is claimed automatically (see
// claimPort): test binaries running at the same time under `go test ./...` never collide. A
// watchdog process stops HSDS and removes the root if the test binary dies without cleaning up
// (panic, -timeout, kill).
package hsdspeer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Environment read for gating (tests may read env for gating).
const (
	// EnvPeers names the peers folder (the one holding hsds-peer.sh).
	EnvPeers = "HSFAN_PEERS"
	// EnvRequire set to "1" turns a missing peer (folder or Python modules) into a test failure.
	EnvRequire = "HSFAN_REQUIRE_PEERS"
	// EnvKeep set to "1" keeps the peer's root (HSDS's objects and logs) for inspection.
	EnvKeep = "HSFAN_PEER_KEEP"
)

// The storage and users of the peer (hsds-peer.sh, HSDS's admin/config/passwd.default).
const (
	// Bucket is the bucket HSDS serves: a folder of Peer.Root.
	Bucket = "hsdstest"
	// User and Password are the test user every request helper sends; Home is its folder.
	User     = "test_user1"
	Password = "test"
	Home     = "/home/" + User
	// Python is the interpreter hsds-peer.sh runs HSDS on (its Debian packages).
	Python = "/usr/bin/python3"
)

// Users are the peer's users and passwords; "admin" is the admin user.
var Users = map[string]string{"admin": "admin", "test_user1": "test", "test_user2": "test"}

// pyModules are the Python modules HSDS imports on POSIX storage (peers/README.md lists their
// Debian packages; the Makefile's pydeps installs them).
var pyModules = []string{"aiohttp", "aiohttp_cors", "aiofiles", "numcodecs", "psutil", "simplejson", "yaml", "numpy", "requests"}

// Peer is a running HSDS. Its fields are read-only.
type Peer struct {
	// URL is the service node's base URL, http://127.0.0.1:PORT.
	URL string
	// Root is the POSIX storage root: HSDS's objects are the files Root/Bucket/<key>, which hsfan
	// opens with store "file://"+Root and bucket Bucket.
	Root string
	// Port is the service node's port; the data nodes listen on Port+1000..Port+1003.
	Port int

	script   string
	client   *http.Client
	lock     *os.File    // the port claim, held while the peer lives
	watchdog *os.Process // stops HSDS if this process dies first
	mu       sync.Mutex  // serialises Restart and stop
}

// unavailable is why HSDS cannot run here (folder or modules missing, -short).
type unavailable struct{ reason string }

func (u unavailable) Error() string { return u.reason }

// shared is the package's peer.
var shared struct {
	main  bool // Main is running the tests
	once  sync.Once
	peer  *Peer
	err   error
	tails atomic.Int32 // log tails printed
}

// Main runs the package's tests and then stops the shared peer if one was started. Call it from
// TestMain: os.Exit(hsdspeer.Main(m)).
func Main(m *testing.M) int {
	shared.main = true
	code := m.Run()
	if shared.peer != nil {
		if err := shared.peer.stop(true); err != nil {
			fmt.Fprintf(os.Stderr, "hsdspeer: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Shared returns the package's peer, starting it on the first call. It skips t when HSDS cannot
// run here (saying why; see the package doc for HSFAN_REQUIRE_PEERS) and fails t when HSDS does
// not start. The package must run its tests through Main. When t fails, the end of HSDS's logs
// is logged (for the first three failing tests of the binary).
func Shared(t testing.TB) *Peer {
	t.Helper()
	if !shared.main {
		t.Fatal("hsdspeer: the package has no TestMain calling hsdspeer.Main (it stops the shared peer)")
	}
	p, err := Acquire()
	var u unavailable
	switch {
	case err == nil:
	case errors.As(err, &u) && (testing.Short() || os.Getenv(EnvRequire) != "1"):
		t.Skipf("SKIP: the side-by-side comparison with the real HSDS did not run: %v", err)
	case errors.As(err, &u):
		t.Fatalf("HSDS peer required (%s=1): %v", EnvRequire, err)
	default:
		t.Fatalf("HSDS peer: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() && shared.tails.Add(1) <= 3 {
			t.Logf("HSDS peer on port %d, the end of its logs (printed for the first 3 failing tests):\n%s", p.Port, p.LogTail(40))
		}
	})
	return p
}

// Acquire is Shared without a test: it starts the package's peer once and returns it, or the
// reason it cannot run. For TestMain-level set-ups; the package must run its tests through Main.
func Acquire() (*Peer, error) {
	shared.once.Do(func() {
		if testing.Short() {
			shared.err = unavailable{"-short: the real HSDS takes seconds to start (run without -short)"}
			return
		}
		dir, err := Dir()
		if err == nil {
			err = checkModules()
		}
		if err != nil {
			shared.err = err
			return
		}
		shared.peer, shared.err = start(dir)
	})
	return shared.peer, shared.err
}

// RequireModules skips t (or fails it under HSFAN_REQUIRE_PEERS=1) unless Python can import
// every module: for tests that need more than HSDS does (h5py for reference HDF5 files).
func RequireModules(t testing.TB, modules ...string) {
	t.Helper()
	if err := importable(modules); err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%v (%s=1)", err, EnvRequire)
		}
		t.Skipf("SKIP: %v", err)
	}
}

// Dir returns the peers folder, or an error saying where it was looked for.
func Dir() (string, error) {
	var tried []string
	try := func(dir string) bool {
		tried = append(tried, dir)
		_, err := os.Stat(filepath.Join(dir, "hsds-peer.sh"))
		return err == nil
	}
	if d := os.Getenv(EnvPeers); d != "" {
		if try(d) {
			return d, nil
		}
		return "", unavailable{fmt.Sprintf("%s=%s holds no hsds-peer.sh", EnvPeers, d)}
	}
	mod, err := moduleRoot()
	if err != nil {
		return "", unavailable{err.Error()}
	}
	if d := filepath.Join(filepath.Dir(mod), "shared", "peers"); try(d) {
		return d, nil
	}
	// A linked git worktree: .git is a file "gitdir: MAIN/.git/worktrees/NAME".
	if b, err := os.ReadFile(filepath.Join(mod, ".git")); err == nil {
		gd := strings.TrimSpace(strings.TrimPrefix(string(b), "gitdir:"))
		if i := strings.Index(gd, string(filepath.Separator)+".git"+string(filepath.Separator)); i > 0 {
			if d := filepath.Join(filepath.Dir(gd[:i]), "shared", "peers"); try(d) {
				return d, nil
			}
		}
	}
	return "", unavailable{fmt.Sprintf("no peers folder with hsds-peer.sh (tried %s; set %s)", strings.Join(tried, ", "), EnvPeers)}
}

// moduleRoot is the nearest directory at or above the working directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = filepath.Dir(dir)
	}
}

// checkModules checks HSDS's imports with the interpreter hsds-peer.sh runs.
func checkModules() error { return importable(pyModules) }

func importable(modules []string) error {
	code := "import importlib, sys\nmissing = []\nfor m in sys.argv[1:]:\n    try: importlib.import_module(m)\n    except ImportError: missing.append(m)\nprint(' '.join(missing))"
	out, err := exec.Command(Python, append([]string{"-c", code}, modules...)...).CombinedOutput()
	if err != nil {
		return unavailable{fmt.Sprintf("%s cannot run: %v: %s", Python, err, tail(out, 300))}
	}
	if missing := strings.TrimSpace(string(out)); missing != "" {
		return unavailable{fmt.Sprintf("Python modules missing: %s (make pydeps installs them; the peers README.md lists HSDS's Debian packages)", missing)}
	}
	return nil
}

// start claims a port, seeds a fresh root, starts the watchdog and HSDS, and waits until the
// data nodes answer.
func start(dir string) (*Peer, error) {
	port, lock, err := claimPort()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "hsfan-hsdspeer-")
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("peer root: %w", err)
	}
	p := &Peer{URL: "http://127.0.0.1:" + strconv.Itoa(port), Root: root, Port: port,
		script: filepath.Join(dir, "hsds-peer.sh"), client: &http.Client{Timeout: 120 * time.Second}, lock: lock}
	if err := seed(root); err != nil {
		p.stop(true)
		return nil, err
	}
	// The watchdog first: it must exist before HSDS does.
	wd := exec.Command("/bin/sh", "-c", `while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" stop "$3" >/dev/null 2>&1; [ "$4" = 1 ] || rm -rf "$3"`,
		"hsdspeer-watchdog", strconv.Itoa(os.Getpid()), p.script, root, os.Getenv(EnvKeep))
	wd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := wd.Start(); err != nil {
		p.stop(true)
		return nil, fmt.Errorf("start the peer watchdog: %w", err)
	}
	p.watchdog = wd.Process
	if err := p.launch(); err != nil {
		log := p.LogTail(30)
		p.stop(true)
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	return p, nil
}

// launch runs hsds-peer.sh start and waits for the data nodes and a domain read through them:
// the service node says READY before its data nodes listen, and the first requests then fail
// with 500.
func (p *Peer) launch() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/bin/bash", p.script, "start", p.Root, strconv.Itoa(p.Port)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hsds ready") {
		return fmt.Errorf("start HSDS (%s start %s %d): %v: %s", p.script, p.Root, p.Port, err, tail(out, 1000))
	}
	deadline := time.Now().Add(90 * time.Second)
	for dn := range 4 {
		u := fmt.Sprintf("http://127.0.0.1:%d/info", p.Port+1000+dn)
		for {
			resp, err := p.client.Get(u)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("HSDS data node %d (%s) does not answer: %v", dn, u, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for {
		code, body, err := p.do(ctx, Request{Method: http.MethodGet, Path: "/", Domain: Home})
		if err == nil && code == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("HSDS does not answer GET /?domain=%s: %d %s %v", Home, code, tail(body, 300), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Restart stops and starts HSDS on the same storage and port, dropping every cache: what it
// serves afterwards comes from the stored objects. Tests that restart must not run in parallel
// with other tests of the package that use the peer.
func (p *Peer) Restart(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.halt(); err != nil {
		t.Fatal(err)
	}
	if err := p.launch(); err != nil {
		t.Fatalf("restart HSDS: %v\n%s", err, p.LogTail(30))
	}
}

// halt stops HSDS and waits until its five ports are free.
func (p *Peer) halt() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "/bin/bash", p.script, "stop", p.Root).CombinedOutput(); err != nil {
		return fmt.Errorf("stop HSDS: %v: %s", err, out)
	}
	for end := time.Now().Add(20 * time.Second); !portsFree(p.Port); {
		if time.Now().After(end) {
			return fmt.Errorf("HSDS stopped, but its ports %d and %d..%d stay busy", p.Port, p.Port+1000, p.Port+1003)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// stop stops HSDS (when it was launched), the watchdog, removes the root and releases the port.
func (p *Peer) stop(launched bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	if launched {
		err = p.halt()
	}
	if p.watchdog != nil {
		_ = syscall.Kill(-p.watchdog.Pid, syscall.SIGKILL) // its own session: the shell and its sleep
		_, _ = p.watchdog.Wait()
		p.watchdog = nil
	}
	if os.Getenv(EnvKeep) == "1" {
		fmt.Fprintf(os.Stderr, "hsdspeer: root kept at %s\n", p.Root)
	} else if rerr := os.RemoveAll(p.Root); rerr != nil && err == nil {
		err = fmt.Errorf("remove the peer root: %w", rerr)
	}
	p.lock.Close()
	return err
}

// LogTail returns the last n lines of HSDS's output and log.
func (p *Peer) LogTail(n int) string {
	var b strings.Builder
	for _, f := range []string{"stdout.log", "hs.log"} {
		data, err := os.ReadFile(filepath.Join(p.Root, ".peer", f))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "--- last lines of %s ---\n%s\n", f, strings.Join(lines, "\n"))
	}
	return b.String()
}

// seed writes the /home and /home/test_user1 folders owned by test_user1, readable by everyone
// (HSDS's data/hsdstest seed, which the peers folder lacks).
func seed(root string) error {
	now := strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 6, 64)
	acl := `{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}`
	ro := `{"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}`
	for _, d := range []string{"home", "home/" + User} {
		dir := filepath.Join(root, Bucket, d)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("seed %s: %w", d, err)
		}
		obj := `{"owner": "` + User + `", "acls": {"` + User + `": ` + acl + `, "default": ` + ro + `}, "created": ` + now + `, "lastModified": ` + now + `}`
		if err := os.WriteFile(filepath.Join(dir, ".domain.json"), []byte(obj), 0o644); err != nil {
			return fmt.Errorf("seed %s: %w", d, err)
		}
	}
	return nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
