// Package hsdspeer runs the real HSDS 0.9.4 for tests that compare hsfan with it side by side.
//
// The peer folder (HSDS, its start/stop script hsds-peer.sh and its README.md) is $HSFAN_PEERS,
// else <repo root>/../shared/peers (the repo root is the directory holding go.mod). When the
// folder or HSDS's Python dependencies are missing, Start skips the test with the reason, or
// fails it when HSFAN_REQUIRE_PEER is set.
//
// Each Start runs one HSDS on POSIX storage in a fresh temporary directory (bucket "hsdstest",
// seeded with the /home and /home/test_user1 folders owned by test_user1) on 127.0.0.1:port, its
// data nodes on port+1000..port+1003, and stops it when the test ends (see Ports for the port).
// Requests use Basic auth test_user1:test.
package hsdspeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// EnvPeers names the peer folder.
	EnvPeers = "HSFAN_PEERS"
	// EnvRequire, when set, turns a missing peer into a test failure.
	EnvRequire = "HSFAN_REQUIRE_PEER"
	// EnvPorts lists the service-node ports Start may use.
	EnvPorts = "HSFAN_PEER_PORTS"
	// Bucket is the bucket HSDS serves.
	Bucket = "hsdstest"
	// Home is the folder test domains go in.
	Home = "/home/test_user1"
)

// peerPython is the interpreter hsds-peer.sh and its launchers run.
const peerPython = "/usr/bin/python3"

// pyModules are the Python modules HSDS imports (peers/README.md lists their Debian packages).
var pyModules = []string{"aiohttp", "aiohttp_cors", "aiofiles", "numcodecs", "psutil", "simplejson", "yaml", "numpy", "requests"}

// Peer is a running HSDS. Its fields are read-only.
type Peer struct {
	// URL is the service node's base URL, e.g. "http://127.0.0.1:5311".
	URL string
	// Root is the POSIX root: HSDS's objects are the files Root/Bucket/<key>, which hsfan opens
	// with store.NewPosix(Root) (or --store file://Root --bucket hsdstest).
	Root string
}

// Dir returns the peer folder, or an error saying why it is not usable.
func Dir() (string, error) {
	dir := os.Getenv(EnvPeers)
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "..", "shared", "peers")
	}
	if _, err := os.Stat(filepath.Join(dir, "hsds-peer.sh")); err != nil {
		return "", fmt.Errorf("no HSDS peer folder at %s (set %s): %w", dir, EnvPeers, err)
	}
	return dir, nil
}

// Start runs HSDS on the first free port of Ports (its data nodes on port+1000..port+1003, so
// ports of one machine must be 4 apart) and stops it when the test ends; it skips the test when
// the peer or its Python dependencies are absent. A port is claimed with a lock file
// ($TMPDIR/hsfan-hsdspeer-<port>.lock) for the life of the peer, so test packages running at
// the same time take turns; Start waits up to 10 minutes for a port.
func Start(t testing.TB) *Peer {
	t.Helper()
	dir, err := Dir()
	if err == nil {
		err = checkPython()
	}
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("HSDS peer required (%s set): %v", EnvRequire, err)
		}
		t.Skipf("skipping the comparison with the real HSDS: %v", err)
	}
	ports, err := Ports()
	if err != nil {
		t.Fatal(err)
	}
	port := claim(t, ports)
	root := t.TempDir()
	if err := seed(root); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "hsds-peer.sh")
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"hs.log", "stdout.log"} {
				log, _ := os.ReadFile(filepath.Join(root, ".peer", f))
				t.Logf("HSDS %s (last lines):\n%s", f, tail(log, 3000))
			}
		}
		if out, err := exec.Command(script, "stop", root).CombinedOutput(); err != nil {
			t.Errorf("stop HSDS peer: %v: %s", err, out)
		}
		// Wait until its nodes are gone, so that the port can be reused and the root removed.
		waitFree(port, 10*time.Second)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, script, "start", root, strconv.Itoa(port)).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("hsds ready")) {
		log, _ := os.ReadFile(filepath.Join(root, ".peer", "stdout.log"))
		t.Fatalf("start HSDS peer on port %d: %v: %s\n%s", port, err, out, tail(log, 2000))
	}
	peer := &Peer{URL: "http://127.0.0.1:" + strconv.Itoa(port), Root: root}
	// The service node reports READY before its data nodes answer (PUT / then fails with 500):
	// wait until a read of the /home folder, which goes through a data node, succeeds.
	for i := 0; ; i++ {
		code, _ := peer.Do(t, http.MethodGet, "/", "/home", nil, "")
		if code == http.StatusOK {
			break
		}
		if i == 300 {
			t.Fatalf("HSDS peer on port %d: GET /?domain=/home still answers %d", port, code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return peer
}

// Ports returns the service-node ports Start may use: $HSFAN_PEER_PORTS (comma-separated), else
// 5311 and 5315.
func Ports() ([]int, error) {
	v := os.Getenv(EnvPorts)
	if v == "" {
		return []int{5311, 5315}, nil
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 64535-1003 {
			return nil, fmt.Errorf("%s=%q: want comma-separated ports", EnvPorts, v)
		}
		out = append(out, n)
	}
	return out, nil
}

// claim locks the first port of ports whose lock is free and whose five listening ports are free,
// waiting for one; the lock is released when the test ends.
func claim(t testing.TB, ports []int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		for _, port := range ports {
			lf, err := os.OpenFile(filepath.Join(os.TempDir(), fmt.Sprintf("hsfan-hsdspeer-%d.lock", port)), os.O_CREATE|os.O_RDWR, 0o666)
			if err != nil {
				t.Fatal(err)
			}
			if syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
				lf.Close()
				continue
			}
			if !portsFree(port) {
				lf.Close() // someone outside the lock protocol uses it
				continue
			}
			t.Cleanup(func() { lf.Close() }) // registered first: runs after the peer stopped
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("no free HSDS peer port among %v (or their data-node ports +1000..+1003)", ports)
		}
		time.Sleep(time.Second)
	}
}

func portsFree(port int) bool {
	for _, p := range []int{port, port + 1000, port + 1001, port + 1002, port + 1003} {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

func waitFree(port int, limit time.Duration) {
	for end := time.Now().Add(limit); time.Now().Before(end) && !portsFree(port); {
		time.Sleep(100 * time.Millisecond)
	}
}

// Do sends a request as test_user1 with domain (if not empty) and params in the query, and a
// JSON body (if not empty); it returns the status code and the body.
func (p *Peer) Do(t testing.TB, method, path, domain string, params url.Values, body string) (int, []byte) {
	t.Helper()
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	if domain != "" {
		q.Set("domain", domain)
	}
	u := p.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth("test_user1", "test")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return res.StatusCode, b
}

// Flush makes HSDS write the domain's objects to its POSIX root.
func (p *Peer) Flush(t testing.TB, domain string) {
	t.Helper()
	if code, b := p.Do(t, http.MethodPut, "/", domain, nil, `{"flush": 1}`); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("flush %s: %d %s", domain, code, b)
	}
}

// seed writes the /home and /home/test_user1 folders HSDS's seed data would hold.
func seed(root string) error {
	now := strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', -1, 64)
	acl := `{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}`
	ro := `{"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}`
	for _, d := range []string{"home", "home/test_user1"} {
		p := filepath.Join(root, Bucket, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		js := `{"owner": "test_user1", "acls": {"test_user1": ` + acl + `, "default": ` + ro + `}, "created": ` + now + `, "lastModified": ` + now + `}`
		if err := os.WriteFile(filepath.Join(p, ".domain.json"), []byte(js), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// checkPython checks HSDS's imports with the interpreter hsds-peer.sh runs (/usr/bin/python3).
func checkPython() error {
	out, err := exec.Command(peerPython, "-c", "import "+strings.Join(pyModules, ", ")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("HSDS's Python dependencies are missing (see the peers README.md): %s", tail(out, 300))
	}
	return nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
