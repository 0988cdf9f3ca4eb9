// Package hsdspeer runs the real HSDS 0.9.4 for tests that compare hsfan with it side by side.
//
// The peer folder (HSDS, its start/stop script hsds-peer.sh and its README.md) is $HSFAN_PEERS,
// else <repo root>/../shared/peers (the repo root is the directory holding go.mod). When the
// folder or HSDS's Python dependencies are missing, Start skips the test with the reason, or
// fails it when HSFAN_REQUIRE_PEER is set.
//
// Each Start runs one HSDS on POSIX storage in a fresh temporary directory (bucket "hsdstest",
// seeded with the /home and /home/test_user1 folders owned by test_user1) on 127.0.0.1:port, its
// data nodes on port+1000..port+1003, and stops it when the test ends. Requests use Basic auth
// test_user1:test.
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
	"testing"
	"time"
)

const (
	// EnvPeers names the peer folder.
	EnvPeers = "HSFAN_PEERS"
	// EnvRequire, when set, turns a missing peer into a test failure.
	EnvRequire = "HSFAN_REQUIRE_PEER"
	// Bucket is the bucket HSDS serves.
	Bucket = "hsdstest"
	// Home is the folder test domains go in.
	Home = "/home/test_user1"
)

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

// Start runs HSDS on 127.0.0.1:port (data nodes on port+1000..port+1003) and stops it when the
// test ends; it skips the test when the peer or its Python dependencies are absent.
func Start(t testing.TB, port int) *Peer {
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
	for _, p := range []int{port, port + 1000, port + 1001, port + 1002, port + 1003} {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("HSDS peer port %d is busy: %v", p, err)
		}
		l.Close()
	}
	root := t.TempDir()
	if err := seed(root); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "hsds-peer.sh")
	t.Cleanup(func() {
		if out, err := exec.Command(script, "stop", root).CombinedOutput(); err != nil {
			t.Errorf("stop HSDS peer: %v: %s", err, out)
		}
		// Wait until the service node is gone, so that the root can be removed.
		for i := 0; i < 100; i++ {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 100*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
			time.Sleep(100 * time.Millisecond)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, script, "start", root, strconv.Itoa(port)).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("hsds ready")) {
		log, _ := os.ReadFile(filepath.Join(root, ".peer", "stdout.log"))
		t.Fatalf("start HSDS peer: %v: %s\n%s", err, out, tail(log, 2000))
	}
	return &Peer{URL: "http://127.0.0.1:" + strconv.Itoa(port), Root: root}
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

func checkPython() error {
	py, err := exec.LookPath("python3")
	if err != nil {
		return fmt.Errorf("python3 not found: %w", err)
	}
	out, err := exec.Command(py, "-c", "import "+strings.Join(pyModules, ", ")).CombinedOutput()
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
