package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hsfan/hsfan/internal/peerport"
)

// The real HSDS's storage and users (the peers folder's hsds-peer.sh and README.md).
const (
	hsdsBucket   = "hsdstest"
	hsdsUser     = "test_user1"
	hsdsPassword = "test"
	hsdsHome     = "/home/" + hsdsUser
)

// hsdsModules are the Python modules HSDS imports on POSIX storage (peers/README.md).
var hsdsModules = []string{"aiohttp", "aiohttp_cors", "aiofiles", "numcodecs", "psutil", "simplejson", "yaml", "numpy", "requests"}

// hsdsMissing returns why the real HSDS cannot run here, or "".
func hsdsMissing(ctx context.Context, env *Env) string {
	if env.PeersDir == "" {
		return "the real HSDS 0.9.4 is not installed here: " + env.PeersMissing
	}
	if m := env.pythonMissing(ctx, hsdsModules...); m != "" {
		return "the real HSDS cannot run: " + m
	}
	return ""
}

// hsdsPeer is a running HSDS 0.9.4 serving root (bucket hsdstest) on 127.0.0.1:port, its data
// nodes on port+1000..port+1003, started by the peers folder's hsds-peer.sh.
type hsdsPeer struct {
	env      *Env
	root     string
	port     int
	url      string
	lock     *os.File
	watchdog *exec.Cmd
}

// seedHSDS writes the /home and /home/test_user1 folders owned by test_user1 (HSDS's
// data/hsdstest seed, which the peers folder lacks) unless root has them.
func seedHSDS(root string) error {
	now := strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 6, 64)
	acl := `{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}`
	ro := `{"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}`
	for _, d := range []string{"home", "home/" + hsdsUser} {
		dir := filepath.Join(root, hsdsBucket, d)
		if _, err := os.Stat(filepath.Join(dir, ".domain.json")); err == nil {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("seed %s: %w", d, err)
		}
		obj := `{"owner": "` + hsdsUser + `", "acls": {"` + hsdsUser + `": ` + acl + `, "default": ` + ro + `}, "created": ` + now + `, "lastModified": ` + now + `}`
		if err := os.WriteFile(filepath.Join(dir, ".domain.json"), []byte(obj), 0o644); err != nil {
			return fmt.Errorf("seed %s: %w", d, err)
		}
	}
	return nil
}

// startHSDS claims a port (package peerport, shared with the tests' peers), seeds root and
// starts HSDS on it; a watchdog stops HSDS if this process dies without stopping it.
func startHSDS(ctx context.Context, env *Env, root string) (*hsdsPeer, error) {
	if err := seedHSDS(root); err != nil {
		return nil, err
	}
	port, lock, err := peerport.Claim(2 * time.Minute)
	if err != nil {
		return nil, err
	}
	p := &hsdsPeer{env: env, root: root, port: port, url: "http://127.0.0.1:" + strconv.Itoa(port), lock: lock}
	script := filepath.Join(env.PeersDir, "hsds-peer.sh")
	p.watchdog = exec.Command("/bin/sh", "-c", `while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" stop "$3" >/dev/null 2>&1`,
		"hsfan-bench-watchdog", strconv.Itoa(os.Getpid()), script, root)
	p.watchdog.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := p.watchdog.Start(); err != nil {
		lock.Close()
		return nil, fmt.Errorf("start the HSDS watchdog: %w", err)
	}
	if err := p.launch(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// launch runs hsds-peer.sh start and waits until the data nodes and a domain read answer (the
// service node says READY before its data nodes listen).
func (p *hsdsPeer) launch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := p.env.command(ctx, "/bin/bash", filepath.Join(p.env.PeersDir, "hsds-peer.sh"), "start", p.root, strconv.Itoa(p.port)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hsds ready") {
		return fmt.Errorf("start HSDS on %s port %d: %v: %s", p.root, p.port, err, tail(out, 1000))
	}
	c := &http.Client{Timeout: 30 * time.Second}
	for dn := range 4 {
		if err := waitOK(ctx, c, fmt.Sprintf("http://127.0.0.1:%d/info", p.port+1000+dn), false); err != nil {
			return fmt.Errorf("HSDS data node %d: %w", dn, err)
		}
	}
	if err := waitOK(ctx, c, p.url+"/?domain="+hsdsHome, true); err != nil {
		return fmt.Errorf("HSDS: %w", err)
	}
	return nil
}

// restart stops and starts HSDS on the same root and port: every cache dropped.
func (p *hsdsPeer) restart(ctx context.Context) error {
	if err := p.halt(); err != nil {
		return err
	}
	return p.launch(ctx)
}

// halt stops HSDS and waits until its five ports are free.
func (p *hsdsPeer) halt() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := p.env.command(ctx, "/bin/bash", filepath.Join(p.env.PeersDir, "hsds-peer.sh"), "stop", p.root).CombinedOutput(); err != nil {
		return fmt.Errorf("stop HSDS: %v: %s", err, out)
	}
	for end := time.Now().Add(20 * time.Second); !peerport.Free(p.port); {
		if time.Now().After(end) {
			return fmt.Errorf("HSDS stopped, but its ports %d and %d..%d stay busy", p.port, p.port+1000, p.port+1003)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// stop stops HSDS and the watchdog and releases the port.
func (p *hsdsPeer) stop() error {
	err := p.halt()
	if p.watchdog != nil && p.watchdog.Process != nil {
		_ = syscall.Kill(-p.watchdog.Process.Pid, syscall.SIGKILL) // its own session: the shell and its sleep
		_ = p.watchdog.Wait()
	}
	p.lock.Close()
	return err
}

// waitOK polls url until it answers 200 (with HSDS's test user when auth), for up to a minute.
func waitOK(ctx context.Context, c *http.Client, url string, auth bool) error {
	deadline := time.Now().Add(time.Minute)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if auth {
			req.SetBasicAuth(hsdsUser, hsdsPassword)
		}
		resp, err := c.Do(req)
		code := 0
		if err == nil {
			code = resp.StatusCode
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if code == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s does not answer 200 (last: %d %v)", url, code, errors.Join(err, ctx.Err()))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// hsfanServer is a running `hsfan serve` subprocess.
type hsfanServer struct {
	cmd *exec.Cmd
	url string
	log *os.File
}

// startHsfanServe starts `hsfan serve` on root and bucket (HSDS's users) on a free port, with the
// extra flags.
func startHsfanServe(ctx context.Context, env *Env, root, bucket, logPath string, extra ...string) (*hsfanServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("hsfan serve: a free port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	pw := filepath.Join(filepath.Dir(logPath), "passwd.txt")
	if err := os.WriteFile(pw, []byte("admin:admin\ntest_user1:test\ntest_user2:test\n"), 0o600); err != nil {
		return nil, fmt.Errorf("hsfan serve: %w", err)
	}
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("hsfan serve: %w", err)
	}
	cmd := exec.Command(env.HsfanBin, append([]string{"serve", "--store", "file://" + root, "--bucket", bucket, "--addr", addr,
		"--password-file", pw, "--admin", "admin", "--quiet"}, extra...)...)
	cmd.Env = env.Environ
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("hsfan serve: %w", err)
	}
	s := &hsfanServer{cmd: cmd, url: "http://" + addr, log: lf}
	if err := waitOK(ctx, &http.Client{Timeout: 10 * time.Second}, s.url+"/about", false); err != nil {
		s.stop()
		b, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("hsfan serve: %w: %s", err, tail(b, 1000))
	}
	return s, nil
}

func (s *hsfanServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}
