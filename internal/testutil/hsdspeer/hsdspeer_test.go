package hsdspeer

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestClaimPort: two claims in one process (as two test binaries would) get ports whose
// ten listening ports are disjoint, and a port someone listens on is never claimed.
func TestClaimPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(portLo+1000))
	if err != nil {
		t.Skipf("port %d in use here: %v", portLo+1000, err)
	}
	defer busy.Close()
	a, fa, err := claimPort()
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	b, fb, err := claimPort()
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	if a == portLo || b == portLo {
		t.Errorf("claimed %d, %d: port %d's data node port is busy", a, b, portLo)
	}
	used := map[int]bool{}
	for _, p := range []int{a, b} {
		for _, q := range []int{p, p + 1000, p + 1001, p + 1002, p + 1003} {
			if used[q] {
				t.Fatalf("claims %d and %d share port %d", a, b, q)
			}
			used[q] = true
		}
	}
	fa.Close()
	c, fc, err := claimPort()
	if err != nil {
		t.Fatal(err)
	}
	fc.Close()
	if c != a {
		t.Errorf("after releasing %d the next claim is %d", a, c)
	}
}

// TestDir: HSFAN_PEERS wins, and a folder without hsds-peer.sh is refused naming it.
func TestDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvPeers, dir)
	if _, err := Dir(); err == nil {
		t.Fatalf("Dir accepts %s without hsds-peer.sh", dir)
	}
	if err := os.WriteFile(filepath.Join(dir, "hsds-peer.sh"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Dir(); err != nil || got != dir {
		t.Fatalf("Dir() = %q, %v; want %q", got, err, dir)
	}
}

// TestShared starts the real HSDS, writes a domain through it, restarts it and reads the domain
// back from storage.
func TestShared(t *testing.T) {
	p := Shared(t)
	if q := Shared(t); q != p {
		t.Fatal("Shared started a second peer")
	}
	dom := Home + "/hsdspeer.h5"
	var root struct {
		Root string `json:"root"`
	}
	p.MustDo(t, http.MethodPut, "/", dom, nil, &root)
	p.Flush(t, dom)
	if _, err := os.Stat(filepath.Join(p.Root, Bucket, "home", User, "hsdspeer.h5", ".domain.json")); err != nil {
		t.Fatalf("flushed domain not in the store: %v", err)
	}
	p.Restart(t)
	code, body := p.Do(t, Request{Method: http.MethodGet, Path: "/", Domain: dom})
	if code != http.StatusOK {
		t.Fatalf("GET domain after restart: %d %s", code, body)
	}
	code, _ = p.Do(t, Request{Method: http.MethodGet, Path: "/", Domain: dom, User: "test_user1", Password: "wrong"})
	if code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", code)
	}
}
