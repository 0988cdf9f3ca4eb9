package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunServe(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	if err := os.WriteFile(pw, []byte("# users\nadmin:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pwr := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--store", "file://" + filepath.Join(dir, "data"), "--bucket", "b",
			"--addr", "127.0.0.1:0", "--password-file", pw}, pwr, io.Discard)
		pwr.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url := strings.Fields(strings.TrimPrefix(line, "hsfan serve: listening on "))[0]
	req, _ := http.NewRequest("GET", url+"/about", nil)
	req.SetBasicAuth("admin", "secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var about map[string]any
	if err := json.NewDecoder(res.Body).Decode(&about); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if about["state"] != "READY" || about["isadmin"] != true {
		t.Errorf("about %v", about)
	}
	req, _ = http.NewRequest("PUT", url+"/?domain=/home", strings.NewReader(`{"folder": true}`))
	req.SetBasicAuth("admin", "secret")
	if res, err = http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("PUT /home: %v %v", err, res)
	}
	res.Body.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "b", "home", ".domain.json")); err != nil {
		t.Errorf("folder not in the POSIX layout: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if err := runServe(context.Background(), []string{"extra"}, io.Discard, io.Discard); err == nil {
		t.Error("want a usage error for a positional argument")
	}
}

// TestRunServeLimits: the limit flags reach the server: an idle keep-alive connection is closed
// after --idle-timeout, and the limits are logged as configured.
func TestRunServeLimits(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pwr := io.Pipe()
	var logs strings.Builder
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--store", "file://" + filepath.Join(dir, "data"), "--bucket", "b",
			"--addr", "127.0.0.1:0", "--idle-timeout", "200ms", "--max-conns", "3", "--max-inflight-bytes", "12345678",
			"--min-transfer-rate", "1000", "--transfer-grace", "2s"}, pwr, lockedWriter{&mu, &logs})
		pwr.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	addr := strings.TrimPrefix(strings.Fields(strings.TrimPrefix(line, "hsfan serve: listening on "))[0], "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /about HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: read gave %v, want EOF (closed by the server after 200ms)", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"max_inflight_bytes=12345678", "max_conns=3", "idle_timeout=200ms", "min_transfer_rate=1000", "transfer_grace=2s"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
