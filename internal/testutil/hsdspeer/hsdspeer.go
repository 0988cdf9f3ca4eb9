// Package hsdspeer starts the real HSDS 0.9.4 (the peers folder's hsds-peer.sh) for tests that
// compare hsfan with it side by side. It is deliberately small: one server on a fresh POSIX store
// root, and one request helper.
//
// The peers folder is $HSFAN_PEERS, else ../shared/peers next to the module root (for a git
// worktree, also next to the main checkout). Without it, or without HSDS's Python dependencies,
// Start skips the test saying why; with HSFAN_REQUIRE_PEERS=1 it fails instead.
package hsdspeer

import (
	"bytes"
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

// Environment read by Start (tests may read env for gating).
const (
	EnvPeers   = "HSFAN_PEERS"
	EnvRequire = "HSFAN_REQUIRE_PEERS"
)

// Bucket is the bucket hsds-peer.sh serves; Home the folder test_user1 owns.
const (
	Bucket = "hsdstest"
	Home   = "/home/test_user1"
)

const python = "/usr/bin/python3"

// Peer is a running HSDS.
type Peer struct {
	// URL is http://127.0.0.1:PORT.
	URL string
	// Root is the store root: objects live under Root/hsdstest (open it with store
	// "file://"+Root and bucket Bucket).
	Root   string
	client *http.Client
}

// Start runs HSDS on a fresh store root at port (its data nodes use port+1000..port+1003) and
// stops it when t ends. It skips (or fails, see the package doc) when HSDS cannot run here.
func Start(t testing.TB, port int) *Peer {
	t.Helper()
	peers, err := findPeers()
	if err == nil {
		if out, perr := exec.Command(python, "-c", "import aiohttp, aiohttp_cors, aiofiles, numcodecs, psutil, simplejson, yaml, numpy").CombinedOutput(); perr != nil {
			err = fmt.Errorf("HSDS's Python dependencies are missing (see %s/README.md): %v: %s", peers, perr, strings.TrimSpace(string(out)))
		}
	}
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%v (%s=1)", err, EnvRequire)
		}
		t.Skipf("SKIP: the side-by-side comparison with HSDS did not run: %v", err)
	}
	for _, p := range []int{port, port + 1000, port + 1001, port + 1002, port + 1003} {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("HSDS peer: port %d is busy (stop whatever uses it): %v", p, err)
		}
		ln.Close()
	}
	root := t.TempDir()
	if err := seed(root); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(peers, "hsds-peer.sh")
	stop := func() { _ = exec.Command(script, "stop", root).Run() }
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(root, ".peer", "hs.log")); err == nil {
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				t.Logf("HSDS log (end):\n%s", b)
			}
		}
		stop()
	})
	out, err := exec.Command(script, "start", root, strconv.Itoa(port)).CombinedOutput()
	if err != nil {
		t.Fatalf("start HSDS: %v: %s", err, out)
	}
	peer := &Peer{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Root: root, client: &http.Client{Timeout: 60 * time.Second}}
	// "ready" comes from the service node; wait until a domain request goes through the data
	// nodes too (the first ones can fail with 500 while they start).
	for i := 0; ; i++ {
		code, body := peer.Do(t, Request{Method: "GET", Path: "/", Query: url.Values{"domain": {Home}}})
		if code == http.StatusOK {
			break
		}
		if i == 60 {
			t.Fatalf("HSDS does not answer GET /?domain=%s: %d %s", Home, code, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
	return peer
}

// findPeers locates the folder holding hsds-peer.sh.
func findPeers() (string, error) {
	var tried []string
	try := func(dir string) (string, bool) {
		tried = append(tried, dir)
		_, err := os.Stat(filepath.Join(dir, "hsds-peer.sh"))
		return dir, err == nil
	}
	if p := os.Getenv(EnvPeers); p != "" {
		if d, ok := try(p); ok {
			return d, nil
		}
		return "", fmt.Errorf("%s=%s holds no hsds-peer.sh", EnvPeers, p)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = filepath.Dir(dir)
	}
	if d, ok := try(filepath.Join(dir, "..", "shared", "peers")); ok {
		return d, nil
	}
	// A linked worktree: .git is a file "gitdir: MAIN/.git/worktrees/NAME".
	if b, err := os.ReadFile(filepath.Join(dir, ".git")); err == nil {
		gd := strings.TrimSpace(strings.TrimPrefix(string(b), "gitdir:"))
		if i := strings.Index(gd, string(filepath.Separator)+".git"+string(filepath.Separator)); i > 0 {
			if d, ok := try(filepath.Join(gd[:i], "..", "shared", "peers")); ok {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("no peers folder (tried %s; set %s)", strings.Join(tried, ", "), EnvPeers)
}

// seed writes the /home and /home/test_user1 folders owned by test_user1 (HSDS's data/hsdstest
// seed, which the peers folder lacks).
func seed(root string) error {
	now := strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 6, 64)
	acl := `{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}`
	ro := `{"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}`
	for _, d := range []string{"home", "home/test_user1"} {
		dir := filepath.Join(root, Bucket, d)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		j := `{"owner": "test_user1", "acls": {"test_user1": ` + acl + `, "default": ` + ro + `}, "created": ` + now + `, "lastModified": ` + now + `}`
		if err := os.WriteFile(filepath.Join(dir, ".domain.json"), []byte(j), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Request is one HDF REST request as test_user1.
type Request struct {
	Method, Path string
	Query        url.Values
	// Body is sent as JSON, or as application/octet-stream when Binary is set.
	Body   []byte
	Binary bool
	// Accept asks for an octet-stream response.
	Accept bool
}

// Do sends req to base (a peer's URL or any HDF REST server) and returns the status and body.
func Do(t testing.TB, client *http.Client, base string, req Request) (int, []byte) {
	t.Helper()
	u := base + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequest(req.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	hr.SetBasicAuth("test_user1", "test")
	if req.Body != nil {
		hr.Header.Set("Content-Type", "application/json")
		if req.Binary {
			hr.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	if req.Accept {
		hr.Header.Set("Accept", "application/octet-stream")
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, u, err)
	}
	return resp.StatusCode, b
}

// Do sends req to the peer.
func (p *Peer) Do(t testing.TB, req Request) (int, []byte) {
	t.Helper()
	return Do(t, p.client, p.URL, req)
}
