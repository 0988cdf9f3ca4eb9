// Package s3test runs a real S3 server, versitygw with its POSIX backend, for
// tests.
//
// # Binary
//
// The versitygw binary is $HSFAN_VERSITYGW, else <repo root>/bin/versitygw
// (the repo root is found by walking up from the working directory to
// go.mod; `make tools` builds it there). When it is missing, tests that call
// Start are skipped, or fail if HSFAN_REQUIRE_S3 is set (as `make test` does).
//
// # Storage
//
// The server's root is a fresh temporary directory; objects are the files
// Root/<bucket>/<key>. versitygw keeps metadata (ETags, ACLs) in user
// extended attributes and is run with them (not --nometa, which ignores
// conditional writes), so Start checks that the temporary directory's file
// system supports user xattrs and otherwise falls back to a directory under
// the repo root.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sys/unix"

	"github.com/hsfan/hsfan/hsds/store"
)

const (
	// EnvBinary names the versitygw binary to use.
	EnvBinary = "HSFAN_VERSITYGW"
	// EnvRequire, when set, turns a missing binary into a test failure.
	EnvRequire = "HSFAN_REQUIRE_S3"

	startTimeout = 20 * time.Second
	startTries   = 3
)

// Server is a running versitygw. Its fields are read-only.
type Server struct {
	// Endpoint is the base URL, e.g. "http://127.0.0.1:40123".
	Endpoint string
	// Root is the POSIX root: objects are the files Root/<bucket>/<key>.
	Root string
	// AccessKey, SecretKey and Region are the credentials to sign with.
	AccessKey, SecretKey, Region string

	cmd      *exec.Cmd
	waitExit chan error
	out      *syncBuffer
}

// Start starts versitygw on a free 127.0.0.1 port over a new temporary root,
// waits until it answers HTTP, and registers its shutdown with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	root := xattrDir(t)
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	s := &Server{Root: root, AccessKey: "hsfan-test", SecretKey: hex.EncodeToString(secret), Region: "us-east-1"}
	var lastErr error
	for range startTries {
		if lastErr = s.start(bin); lastErr == nil {
			t.Cleanup(s.stop)
			return s
		}
	}
	t.Fatalf("s3test: start versitygw: %v", lastErr)
	return nil
}

// binary finds the versitygw binary or skips/fails the test.
func binary(t testing.TB) string {
	t.Helper()
	if b := os.Getenv(EnvBinary); b != "" {
		if _, err := os.Stat(b); err != nil {
			t.Fatalf("s3test: %s=%s: %v", EnvBinary, b, err)
		}
		return b
	}
	if root, err := RepoRoot(); err == nil {
		b := filepath.Join(root, "bin", "versitygw")
		if _, err := os.Stat(b); err == nil {
			return b
		}
	}
	msg := "s3test: versitygw not found (set " + EnvBinary + " or run `make tools` to build bin/versitygw; `make test` does it)"
	if os.Getenv(EnvRequire) != "" {
		t.Fatal(msg + "; " + EnvRequire + " is set")
	} else {
		t.Skip(msg)
	}
	return ""
}

// RepoRoot returns the nearest directory at or above the working directory
// that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repo root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// xattrDir returns a new empty directory on a file system with user xattrs.
func xattrDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if supportsXattr(dir) {
		return dir
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatalf("s3test: %s lacks user xattrs and %v", dir, err)
	}
	dir, err = os.MkdirTemp(root, ".s3test-")
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if !supportsXattr(dir) {
		t.Fatalf("s3test: neither the temp dir nor %s supports user xattrs, which versitygw needs", dir)
	}
	return dir
}

func supportsXattr(dir string) bool {
	f, err := os.CreateTemp(dir, "xattr-probe-")
	if err != nil {
		return false
	}
	defer os.Remove(f.Name())
	defer f.Close()
	return unix.Fsetxattr(int(f.Fd()), "user.s3test", []byte("1"), 0) == nil
}

func (s *Server) start(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.out = &syncBuffer{}
	cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", s.Root)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s.cmd = cmd
	s.Endpoint = "http://" + addr
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited: %v; output:\n%s", err, s.out.String())
		default:
		}
		// Any HTTP answer (403 for an unsigned request) means it is serving.
		if resp, err := client.Get(s.Endpoint + "/"); err == nil {
			_ = resp.Body.Close()
			s.waitExit = exited
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("versitygw not ready on %s after %v; output:\n%s", addr, startTimeout, s.out.String())
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) stop() {
	_ = s.cmd.Process.Kill()
	<-s.waitExit
}

// Env returns the environment variables that point the standard AWS
// configuration chain at this server.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=" + s.Region,
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
	}
}

// unsetVars are cleared by SetEnv so that nothing else in the chain wins.
var unsetVars = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
	"AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}

// SetEnv sets Env() in the process environment for the duration of the test
// and unsets AWS_PROFILE, AWS_SESSION_TOKEN and the like (t.Setenv, so the
// test must not be parallel).
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	for _, k := range unsetVars {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	// Shared config files could name a profile; point them at nothing.
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(s.Root, ".no-aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(s.Root, ".no-aws-credentials"))
}

// Options returns store options that reach this server without the
// environment.
func (s *Server) Options() store.Options {
	return store.Options{Endpoint: s.Endpoint, Region: s.Region,
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, "")}
}

// Store returns an S3 store connected to this server.
func (s *Server) Store(t testing.TB) store.Store {
	t.Helper()
	st, err := store.NewS3(context.Background(), s.Options())
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	return st
}

// CreateBucket creates a bucket through the S3 API.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	st, err := store.NewS3(context.Background(), s.Options())
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := st.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
}

// Output returns what versitygw has printed so far.
func (s *Server) Output() string { return s.out.String() }

// syncBuffer is a goroutine-safe bytes.Buffer for the child's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
