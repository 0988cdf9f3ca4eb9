// Package hsdspeer runs the real HSDS 0.9.4 (the project's reference server, ../shared/peers
// next to the repository, or HSFAN_PEERS) for tests that compare hsfan with it side by side.
// Start skips the test, saying why, when the peer folder or its Python dependencies are absent.
//
// Peer ports: HSDS listens on PORT and its data nodes on PORT+1000..PORT+1003, so two peers
// started at the same time need ports at least 4 apart.
package hsdspeer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

// Bucket is the bucket the peer serves (a folder of Root).
const Bucket = "hsdstest"

// User and Password are HSDS's test user; its domains live under /home/test_user1/.
const (
	User     = "test_user1"
	Password = "test"
)

// Python is the interpreter HSDS runs on (its Debian packages).
const Python = "/usr/bin/python3"

// Peer is a running HSDS whose POSIX storage is Root (bucket Bucket).
type Peer struct {
	// URL is the service node's base URL, http://127.0.0.1:PORT.
	URL string
	// Root is the storage root: objects are files under Root/hsdstest/.
	Root   string
	script string
	port   int
}

// Dir returns the peers folder (HSFAN_PEERS, default ../shared/peers next to the repository
// root, found from the working directory by its go.mod) and whether it holds HSDS.
func Dir() (string, bool) {
	dir := os.Getenv("HSFAN_PEERS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", false
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(filepath.Dir(d), "shared", "peers")
				break
			}
			if filepath.Dir(d) == d {
				return "", false
			}
		}
	}
	_, err := os.Stat(filepath.Join(dir, "hsds-peer.sh"))
	return dir, err == nil
}

// pyModules are the Python modules HSDS imports on POSIX storage.
var pyModules = []string{"aiohttp", "aiohttp_cors", "aiofiles", "numcodecs", "psutil", "simplejson", "yaml", "numpy", "requests"}

// Require skips t unless HSDS can run here: the peers folder and HSDS's Python modules, plus the
// extra modules the test needs.
func Require(t testing.TB, extraModules ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIP: -short: the real HSDS peer takes seconds to start")
	}
	dir, ok := Dir()
	if !ok {
		t.Skipf("SKIP: no HSDS peer at %q (set HSFAN_PEERS to the folder holding hsds-peer.sh; default ../shared/peers next to the repository)", dir)
	}
	mods := append(append([]string(nil), pyModules...), extraModules...)
	code := "import importlib, sys\nmissing = []\nfor m in sys.argv[1:]:\n    try: importlib.import_module(m)\n    except ImportError: missing.append(m)\nprint(' '.join(missing))"
	out, err := exec.Command(Python, append([]string{"-c", code}, mods...)...).CombinedOutput()
	if err != nil {
		t.Skipf("SKIP: %s cannot run (HSDS peer needs it): %v: %s", Python, err, bytes.TrimSpace(out))
	}
	if missing := strings.TrimSpace(string(out)); missing != "" {
		t.Skipf("SKIP: Python modules %s are missing for the HSDS peer (see %s/README.md)", missing, dir)
	}
	return dir
}

// Start seeds a fresh storage root (HSDS's /home and /home/test_user1 folders), starts HSDS on
// 127.0.0.1:port and stops it when the test ends.
func Start(t testing.TB, port int, extraModules ...string) *Peer {
	t.Helper()
	dir := Require(t, extraModules...)
	p := &Peer{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Root: t.TempDir(), script: filepath.Join(dir, "hsds-peer.sh"), port: port}
	now := float64(time.Now().UnixNano()) / 1e9
	all := map[string]bool{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}
	ro := map[string]bool{"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}
	for _, d := range []string{"home", "home/" + User} {
		b, _ := json.Marshal(map[string]any{"owner": User, "acls": map[string]any{User: all, "default": ro}, "created": now, "lastModified": now})
		folder := filepath.Join(p.Root, Bucket, d)
		if err := os.MkdirAll(folder, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(folder, ".domain.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.start(t)
	t.Cleanup(func() { p.stop(t) })
	return p
}

func (p *Peer) start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", p.script, "start", p.Root, fmt.Sprint(p.port)).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(p.Root, ".peer", "hs.log"))
		t.Fatalf("start HSDS on port %d: %v: %s\nlog tail: %s", p.port, err, out, tail(log, 2000))
	}
}

func (p *Peer) stop(t testing.TB) {
	t.Helper()
	if out, err := exec.Command("bash", p.script, "stop", p.Root).CombinedOutput(); err != nil {
		t.Errorf("stop HSDS: %v: %s", err, out)
	}
	// The data nodes release their ports a moment after the stop.
	for range 50 {
		resp, err := http.Get(p.URL + "/about")
		if err != nil {
			return
		}
		resp.Body.Close()
		time.Sleep(100 * time.Millisecond)
	}
}

// Restart stops and starts HSDS on the same storage, dropping every cache: what it serves
// afterwards comes from the stored objects.
func (p *Peer) Restart(t testing.TB) {
	t.Helper()
	p.stop(t)
	p.start(t)
}

// Store opens the peer's storage as an hsfan store (bucket Bucket).
func (p *Peer) Store(t testing.TB) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "file://"+p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Do sends one request as User for domain (query may add parameters) and returns the status
// and body. body is sent as JSON unless it is a []byte (application/octet-stream); accept
// selects the response type ("" for JSON).
func (p *Peer) Do(t testing.TB, method, path, domain string, query url.Values, body any, accept string) (int, []byte) {
	t.Helper()
	q := url.Values{"domain": {domain}}
	for k, v := range query {
		q[k] = v
	}
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/octet-stream"
	default:
		jb, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(jb), "application/json"
	}
	req, err := http.NewRequest(method, p.URL+path+"?"+q.Encode(), rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(User, Password)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// MustDo is Do that fails the test on a status >= 300 and decodes a JSON answer into v (if not
// nil).
func (p *Peer) MustDo(t testing.TB, method, path, domain string, body, v any) {
	t.Helper()
	code, out := p.Do(t, method, path, domain, nil, body, "")
	if code >= 300 {
		t.Fatalf("HSDS %s %s (domain %s): %d: %s", method, path, domain, code, tail(out, 500))
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("HSDS %s %s: %v: %s", method, path, err, tail(out, 500))
		}
	}
}

// Flush makes HSDS write every pending object of domain to storage.
func (p *Peer) Flush(t testing.TB, domain string) {
	t.Helper()
	p.MustDo(t, http.MethodPut, "/", domain, map[string]any{"flush": 1}, nil)
}

// Value reads the whole value of dataset id as HSDS serves it (binary, C order).
func (p *Peer) Value(t testing.TB, domain, id string) []byte {
	t.Helper()
	code, out := p.Do(t, http.MethodGet, "/datasets/"+id+"/value", domain, nil, nil, "application/octet-stream")
	if code != http.StatusOK {
		t.Fatalf("HSDS GET value of %s: %d: %s", id, code, tail(out, 500))
	}
	return out
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
